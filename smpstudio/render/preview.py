"""Previews of a dot pattern on the client's photo: per session, fresh and healed, plus a close-up.

Pure functions from arrays and a :class:`smpstudio.pattern.layout.Pattern` to float32/uint8 images.
Every dot becomes Gaussian splats (:mod:`smpstudio.render.render`) whose colour and size come from the
optics (:mod:`smpstudio.optics.dot`) for the dot's stage on the day shown: the newest session's dots
are fresh, dots 3-10 days old are healing (patchy), older ones healed (domain.md §2 healing).

Geometry: a dot's spot is modelled on the scalp's surface (mm), squashed along the face plane's
vertical by the foreshortening (the scalp tilts away from the camera), then mapped to pixels through
the face frame (scale and roll).

References
----------
.. [1] /work/shared/domain.md §1 (dot sizes), §2 (healing stages, blow-out, blue shift).

Examples
--------
>>> stage_for_age(0), stage_for_age(7), stage_for_age(28)
('fresh', 'healing', 'healed')
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from smpstudio.optics.colour import srgb_to_linear_image as srgb_to_linear
from smpstudio.optics.dot import DEFAULT_OPTICS, STAGES, SkinOptics, dot_look, pigment_fraction
from smpstudio.pattern.layout import Pattern
from smpstudio.render.render import Splats, composite, render_opacity

# domain.md §2: redness 2-5 days; most fading days 3-10 as scabs flake; settled at ~4 weeks.
FRESH_DAYS = 3
HEALING_DAYS = 10
HEALED_DAYS = 28


def stage_for_age(age_days: float) -> str:
    """The healing stage of a dot ``age_days`` after its session (domain.md §2)."""
    if age_days < FRESH_DAYS:
        return "fresh"
    if age_days <= HEALING_DAYS:
        return "healing"
    return "healed"


def stages_on_day(pattern: Pattern, day: float, interval_days: int, max_session: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(present, stage index into :data:`STAGES`) of every dot on a given day of the treatment.

    ``max_session`` leaves out later sessions (e.g. session 1 healed, before session 2 would happen)."""
    session_day = (pattern.session - 1) * interval_days
    present = session_day <= day
    if max_session is not None:
        present &= pattern.session <= max_session
    age = day - session_day
    stage = np.where(age < FRESH_DAYS, 0, np.where(age <= HEALING_DAYS, 1, 2))
    return present, stage


@dataclass(frozen=True)
class View:
    """Where dots land: face-plane mm -> view px (an affine map), and whether to apply foreshortening."""

    matrix: np.ndarray  # (2, 3): px = M[:, :2] @ xy_mm + M[:, 2]
    foreshorten: bool = True
    spot_fore: float = 1.0  # without foreshortening: the matrix's own stretch of face-plane y, undone on spots

    @classmethod
    def photo(cls, pattern: Pattern, scale: float = 1.0) -> View:
        """The photo itself (``scale`` resizes it: 0.5 = half resolution)."""
        f = pattern.frame
        a = np.deg2rad(f.roll_deg)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        lin = f.px_per_mm * rot @ np.diag([1.0, -1.0])
        m = np.hstack([lin, np.asarray(f.origin_px, dtype=np.float64)[:, None]]) * scale
        return cls(m, True)

    @classmethod
    def closeup(cls, center_mm: tuple[float, float], size_px: tuple[int, int], px_per_mm: float,
                foreshortening: float = 1.0) -> View:
        """A patch of scalp seen square-on at ``px_per_mm`` (face-plane y stretched by 1/foreshortening)."""
        w, h = size_px
        sy = px_per_mm / max(foreshortening, 0.2)
        m = np.array([[px_per_mm, 0.0, w / 2 - px_per_mm * center_mm[0]],
                      [0.0, -sy, h / 2 + sy * center_mm[1]]])
        # positions are unfolded onto the scalp (y stretched); the spots, modelled on the scalp, stay round
        return cls(m, False, max(foreshortening, 0.2))


def dot_splats(pattern: Pattern, keep: np.ndarray, stage_idx: np.ndarray, skin_linear: np.ndarray, view: View,
               optics: SkinOptics = DEFAULT_OPTICS, seed: int = 0, satellite: float = 0.35) -> Splats:
    """Splats (core, dermal haze, fresh redness) of the kept dots in a view (:func:`smpstudio.optics.dot.dot_look`).

    Parameters
    ----------
    pattern : Pattern
    keep : ndarray of bool (N,)
        Dots to draw.
    stage_idx : ndarray of int (N,)
        Index into :data:`STAGES` per dot.
    skin_linear : ndarray (N, 3) or (3,)
        The skin's linear RGB around each dot (the dot's opacity is its colour relative to it).
    view : View
    optics : SkinOptics
    seed : int
        Seeds the patchiness of healing dots and the shape of each impression.
    satellite : float
        Weight of each impression's off-centre lobe (0 = perfect ellipses).
    """
    idx = np.flatnonzero(keep)
    n = len(idx)
    if n == 0:
        return Splats.isotropic(np.empty(0), np.empty(0), 1.0, np.empty((0, 3), np.float32))
    a = pattern.attrs.subset(idx)
    st = np.asarray(stage_idx)[idx]
    skin = np.broadcast_to(np.asarray(skin_linear, np.float64), (len(pattern), 3))[idx]
    skin = np.clip(skin, 1e-4, 1.0)
    frac = np.asarray(pigment_fraction(np.asarray(pattern.water_parts)[pattern.session[idx] - 1]))
    # per-dot random traits are drawn for every dot of the pattern and then picked, so a dot keeps its
    # own traits in every render (whichever other dots are shown)
    rng = np.random.default_rng([int(seed), 11])
    n_all = len(pattern)
    lo, hi = optics.retention_healing_range
    patch = rng.uniform(lo, hi, n_all)[idx]  # flaking: patchy retention per dot
    sat_angle = rng.uniform(0.0, 2 * np.pi, n_all)[idx]
    sat_offset = rng.uniform(0.3, 1.0, n_all)[idx]
    core_opa = np.empty((n, 3))
    haze_opa = np.empty((n, 3))
    core_sigma = np.empty(n)
    halo_sigma = np.empty(n)
    for s_i, name in enumerate(STAGES):
        m = st == s_i
        if not m.any():
            continue
        ret = patch[m] if name == "healing" else None
        look = dot_look(skin[m], frac[m], a.depth_mm[m], a.diameter_mm[m], stage=name, load=a.load[m],
                        retention=ret, optics=optics)
        core_opa[m] = look.core_amp
        haze_opa[m] = look.haze_amp
        core_sigma[m] = look.core_sigma_mm
        halo_sigma[m] = look.haze_sigma_mm
    fore = pattern.foreshortening[idx] if view.foreshorten else np.full(n, view.spot_fore)
    xy = pattern.xy_mm[idx]
    lin = view.matrix[:, :2]
    pxy = xy @ lin.T + view.matrix[:, 2]

    def cov_px(sig_major: np.ndarray, sig_minor: np.ndarray, ang: np.ndarray, fore: np.ndarray
               ) -> tuple[np.ndarray, ...]:
        c, s = np.cos(ang), np.sin(ang)
        a2, b2 = sig_major**2, sig_minor**2
        sxx = a2 * c * c + b2 * s * s
        sxy = (a2 - b2) * c * s
        syy = a2 * s * s + b2 * c * c
        # foreshortening squashes the face plane's vertical
        sxy = sxy * fore
        syy = syy * fore * fore
        # px = L @ mm:  C_px = L C L^T
        l00, l01, l10, l11 = lin[0, 0], lin[0, 1], lin[1, 0], lin[1, 1]
        cxx = l00 * l00 * sxx + 2 * l00 * l01 * sxy + l01 * l01 * syy
        cxy = l00 * l10 * sxx + (l00 * l11 + l01 * l10) * sxy + l01 * l11 * syy
        cyy = l10 * l10 * sxx + 2 * l10 * l11 * sxy + l11 * l11 * syy
        return cxx, cxy, cyy

    parts = []
    core_amp = core_opa
    cxx, cxy, cyy = cov_px(core_sigma * a.elongation, core_sigma, a.angle_rad, fore)
    if satellite > 0:
        # an impression is not a perfect ellipse: a smaller, offset lobe (ink pooled to one side of the
        # needle's entry) breaks the symmetry; the pair keeps about the same peak and ~the same mass
        ang = sat_angle
        off = 0.6 * core_sigma * sat_offset
        d_mm = np.stack([off * np.cos(ang), off * np.sin(ang) * fore], axis=1)
        sat_xy = pxy + d_mm @ lin.T
        sx, sxy, sy = cov_px(0.65 * core_sigma, 0.65 * core_sigma, np.zeros(n), fore)
        main_amp = (core_amp * (1 - 0.55 * satellite)).astype(np.float32)
        parts.append(Splats(pxy[:, 0], pxy[:, 1], cxx, cxy, cyy, main_amp))
        sat_amp = (core_amp * 1.3 * satellite).astype(np.float32)  # 1.3 * 0.65^2 = 0.55: same total mass
        parts.append(Splats(sat_xy[:, 0], sat_xy[:, 1], sx, sxy, sy, sat_amp))
    else:
        parts.append(Splats(pxy[:, 0], pxy[:, 1], cxx, cxy, cyy, core_amp.astype(np.float32)))
    cxx, cxy, cyy = cov_px(halo_sigma, halo_sigma, np.zeros(n), fore)
    parts.append(Splats(pxy[:, 0], pxy[:, 1], cxx, cxy, cyy, haze_opa.astype(np.float32)))
    fresh = st == 0
    if fresh.any():
        r = np.full(int(fresh.sum()), optics.red_halo_sigma_mm)
        cxx, cxy, cyy = cov_px(r, r, np.zeros(len(r)), fore[fresh])
        red = np.tile(np.array([[0.0, optics.red_halo_opacity_gb, optics.red_halo_opacity_gb]], np.float32),
                      (len(r), 1))
        parts.append(Splats(pxy[fresh, 0], pxy[fresh, 1], cxx, cxy, cyy, red))
    return Splats.concat(parts)


class LinearPhoto:
    """An sRGB photo seen in linear light, linearised on demand for the region asked for.

    Renders touch only the region around the dots: linearising a 12 MP photo for every preview would
    cost more than drawing the dots. ``photo[rows, cols]`` is :func:`photo_linear` of that region;
    ``np.asarray(photo)`` linearises the whole.

    Examples
    --------
    >>> import numpy as np
    >>> lin = LinearPhoto(np.full((4, 4, 3), 0.5, np.float32))
    >>> round(float(lin[1:2, 1:2][0, 0, 0]), 3)  # sRGB 0.5 is linear 0.214
    0.214
    """

    def __init__(self, srgb: np.ndarray) -> None:
        self.srgb = srgb

    @property
    def shape(self) -> tuple[int, int, int]:
        h, w, c = self.srgb.shape
        return int(h), int(w), int(c)

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        return srgb_to_linear(self.srgb[key])

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return srgb_to_linear(self.srgb)


def skin_at(photo_linear: np.ndarray | LinearPhoto, xy_px: np.ndarray, blur_px: float) -> np.ndarray:
    """The photo's local colour (linear RGB, blurred over ``blur_px``) at points (N, 2) px.

    Only the region around the points is read, and the blur runs on a copy reduced so that ``blur_px``
    spans ~3 px (the same local mean, much cheaper).
    """
    if len(xy_px) == 0:
        return np.empty((0, 3), np.float32)
    full_h, full_w = photo_linear.shape[:2]
    pad = int(np.ceil(4.0 * blur_px)) + 2  # the blur's reach
    cx0 = int(max(np.floor(xy_px[:, 0].min()) - pad, 0))
    cx1 = int(min(np.ceil(xy_px[:, 0].max()) + pad + 1, full_w))
    cy0 = int(max(np.floor(xy_px[:, 1].min()) - pad, 0))
    cy1 = int(min(np.ceil(xy_px[:, 1].max()) + pad + 1, full_h))
    if cx0 >= cx1 or cy0 >= cy1:  # every point off the photo: the nearest edge pixels
        cx0, cx1 = min(max(cx0, 0), full_w - 1), min(max(cx0, 0), full_w - 1) + 1
        cy0, cy1 = min(max(cy0, 0), full_h - 1), min(max(cy0, 0), full_h - 1) + 1
    img: np.ndarray = np.ascontiguousarray(photo_linear[cy0:cy1, cx0:cx1], dtype=np.float32)
    f = min(1.0, 3.0 / blur_px) if blur_px > 0.5 else 1.0
    if f < 1.0:
        img = cv2.resize(img, (max(1, round(img.shape[1] * f)), max(1, round(img.shape[0] * f))),
                         interpolation=cv2.INTER_AREA)
    if blur_px > 0.5:
        img = cv2.GaussianBlur(img, (0, 0), blur_px * f)
    h, w = img.shape[:2]
    fx, fy = w / (cx1 - cx0), h / (cy1 - cy0)
    x = np.clip((xy_px[:, 0] - cx0) * fx - 0.5, 0, w - 1)
    y = np.clip((xy_px[:, 1] - cy0) * fy - 0.5, 0, h - 1)
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    tx = (x - x0)[:, None]
    ty = (y - y0)[:, None]
    return ((1 - ty) * ((1 - tx) * img[y0, x0] + tx * img[y0, x1]) + ty * ((1 - tx) * img[y1, x0] + tx * img[y1, x1]))


def hair_visibility(hair_mask: np.ndarray | None, shape: tuple[int, int], hidden: float = 0.75,
                    feather_px: float = 1.5, around_px: np.ndarray | None = None, margin_px: int = 16) -> np.ndarray:
    """How much of the skin shows per pixel: 1 on bare skin, ``1 - hidden`` under existing hair.

    With ``around_px`` (dot positions) only the region around the dots is computed (the rest is 1, where
    no dot is drawn anyway).
    """
    out = np.ones(shape, np.float32)
    if hair_mask is None:
        return out
    r0, r1, c0, c1 = 0, shape[0], 0, shape[1]
    if around_px is not None:
        if len(around_px) == 0:
            return out
        c0 = int(max(np.floor(around_px[:, 0].min()) - margin_px, 0))
        c1 = int(min(np.ceil(around_px[:, 0].max()) + margin_px, shape[1]))
        r0 = int(max(np.floor(around_px[:, 1].min()) - margin_px, 0))
        r1 = int(min(np.ceil(around_px[:, 1].max()) + margin_px, shape[0]))
        if c0 >= c1 or r0 >= r1:
            return out
    m: np.ndarray = hair_mask[r0:r1, c0:c1].astype(np.float32)
    if feather_px > 0:
        m = np.asarray(cv2.GaussianBlur(m, (0, 0), feather_px))
    out[r0:r1, c0:c1] = 1.0 - hidden * m
    return out


def splats_on_day(pattern: Pattern, day: float, interval_days: int, skin_linear: np.ndarray, scale: float = 1.0,
                  optics: SkinOptics = DEFAULT_OPTICS, only_healed: bool = False, max_session: int | None = None
                  ) -> Splats:
    """The splats :func:`render_on_photo` draws for ``day``: every present dot at its stage, in photo px."""
    present, stage = stages_on_day(pattern, day, interval_days, max_session)
    if only_healed:
        stage = np.full_like(stage, 2)
    return dot_splats(pattern, present, stage, skin_linear, View.photo(pattern, scale), optics, pattern.seed)


def visibility_at(visibility: np.ndarray | None, x_px: np.ndarray, y_px: np.ndarray) -> np.ndarray:
    """The hair visibility (:func:`hair_visibility`) at points, bilinear (pixel centres at +0.5); 1 without it.

    Folded into a splat's opacity, it approximates the per-pixel ``opacity * visibility`` of
    :func:`smpstudio.render.render.composite` where the visibility varies little across a dot.
    """
    if visibility is None:
        return np.ones(len(x_px), np.float32)
    h, w = visibility.shape
    x = np.clip(np.asarray(x_px, np.float64) - 0.5, 0, w - 1)
    y = np.clip(np.asarray(y_px, np.float64) - 0.5, 0, h - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    tx, ty = x - x0, y - y0
    v = visibility
    top = (1 - tx) * v[y0, x0] + tx * v[y0, x1]
    bottom = (1 - tx) * v[y1, x0] + tx * v[y1, x1]
    return ((1 - ty) * top + ty * bottom).astype(np.float32)


def render_on_photo(photo_linear: np.ndarray | LinearPhoto, pattern: Pattern, day: float, interval_days: int,
                    skin_linear: np.ndarray, visibility: np.ndarray | None = None, scale: float = 1.0,
                    optics: SkinOptics = DEFAULT_OPTICS, to_srgb8: bool = True, only_healed: bool = False,
                    max_session: int | None = None, base_srgb8: np.ndarray | None = None) -> np.ndarray:
    """The photo with every dot present on ``day`` (days since session 1), at each dot's stage.

    ``photo_linear`` must already be at ``scale`` times the pattern's photo size (an array, or a
    :class:`LinearPhoto` read only where the dots are). With ``to_srgb8`` and ``base_srgb8`` (the photo
    already encoded in 8 bits), only the region the dots touch is composited; every pixel no dot reaches
    is ``base_srgb8``'s own.
    """
    h, w = photo_linear.shape[:2]
    splats = splats_on_day(pattern, day, interval_days, skin_linear, scale, optics, only_healed, max_session)
    if not (to_srgb8 and base_srgb8 is not None):
        opacity = render_opacity(splats, h, w)
        return composite(np.asarray(photo_linear), opacity, visibility, to_srgb8=to_srgb8)
    out = base_srgb8.copy()
    if len(splats) == 0:
        return out
    reach_x = 4.0 * np.sqrt(splats.cxx) + 2
    reach_y = 4.0 * np.sqrt(splats.cyy) + 2
    x0 = int(max(np.floor((splats.x_px - reach_x).min()), 0))
    x1 = int(min(np.ceil((splats.x_px + reach_x).max()), w))
    y0 = int(max(np.floor((splats.y_px - reach_y).min()), 0))
    y1 = int(min(np.ceil((splats.y_px + reach_y).max()), h))
    if x0 >= x1 or y0 >= y1:
        return out
    crop = Splats(splats.x_px - x0, splats.y_px - y0, splats.cxx, splats.cxy, splats.cyy, splats.amp)
    opacity = render_opacity(crop, y1 - y0, x1 - x0)
    vis = None if visibility is None else visibility[y0:y1, x0:x1]
    roi = composite(photo_linear[y0:y1, x0:x1], opacity, vis, to_srgb8=True)
    touched = np.any(opacity if vis is None else opacity * vis[..., None], axis=2, keepdims=True)
    np.copyto(out[y0:y1, x0:x1], roi, where=touched)
    return out


def closeup_background(skin_linear: np.ndarray, size_px: tuple[int, int], px_per_mm: float, seed: int) -> np.ndarray:
    """A patch of bare skin of a given linear colour with a subtle synthetic texture (mottling, pores).

    The photo has too few pixels per mm to show skin texture, so the close-up draws it: this is an
    illustration of the skin, not the client's own pores.
    """
    w, h = size_px
    rng = np.random.default_rng([int(seed), 21])
    mott = cv2.resize(rng.normal(0, 1, (max(h // int(3 * px_per_mm), 2) + 2, max(w // int(3 * px_per_mm), 2) + 2))
                      .astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    fine: np.ndarray = np.asarray(cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0),
                                                   max(px_per_mm * 0.05, 0.6)))
    fine = fine / (fine.std() + 1e-6)
    shade = 1.0 + 0.025 * mott + 0.012 * fine
    pores: np.ndarray = np.zeros((h, w), np.float32)
    n_p = int(w * h / (px_per_mm * px_per_mm) * 0.6)  # ~60 openings per cm^2 (domain.md §4 follicle density)
    xs = rng.uniform(0, w, n_p)
    ys = rng.uniform(0, h, n_p)
    pores[np.clip(ys.astype(int), 0, h - 1), np.clip(xs.astype(int), 0, w - 1)] = 1.0
    pores = np.asarray(cv2.GaussianBlur(pores, (0, 0), max(px_per_mm * 0.03, 0.5)))
    pores = pores / (pores.max() + 1e-6)
    shade = shade * (1.0 - 0.12 * pores)
    return (np.asarray(skin_linear, np.float32)[None, None, :] * shade[..., None]).astype(np.float32)


def render_closeup(pattern: Pattern, center_mm: tuple[float, float], size_mm: tuple[float, float],
                   px_per_mm: float, day: float, interval_days: int, skin_linear: np.ndarray,
                   optics: SkinOptics = DEFAULT_OPTICS, only_healed: bool = False,
                   max_session: int | None = None) -> np.ndarray:
    """A close-up of the scalp around ``center_mm`` (face plane) at ``px_per_mm``; linear float32 image."""
    if px_per_mm < 15:
        raise ValueError("a close-up needs at least 15 px/mm to show individual dots")
    w = int(round(size_mm[0] * px_per_mm))
    h = int(round(size_mm[1] * px_per_mm))
    dist = np.hypot(*(pattern.xy_mm - np.asarray(center_mm)).T) if len(pattern) else np.empty(0)
    fore_c = float(np.median(pattern.foreshortening[dist < 10])) if (dist < 10).any() else 1.0
    view = View.closeup(center_mm, (w, h), px_per_mm, fore_c)
    present, stage = stages_on_day(pattern, day, interval_days, max_session)
    if only_healed:
        stage = np.full_like(stage, 2)
    pxy = pattern.xy_mm @ view.matrix[:, :2].T + view.matrix[:, 2]
    inside = (pxy[:, 0] > -10) & (pxy[:, 0] < w + 10) & (pxy[:, 1] > -10) & (pxy[:, 1] < h + 10)
    bg = closeup_background(skin_linear, (w, h), px_per_mm, pattern.seed)
    splats = dot_splats(pattern, present & inside, stage, skin_linear, view, optics, pattern.seed)
    return composite(bg, render_opacity(splats, h, w))


def photo_linear(rgb_srgb: np.ndarray) -> np.ndarray:
    """sRGB float32 photo -> linear float32."""
    return srgb_to_linear(rgb_srgb)
