"""The whole-head plan drawn on the model itself: top, left, right and back views (no extra photos).

Each view is an orthographic render of the scalp surface (rays cast on the ellipsoid, the zone and the
density share looked up at each hit on the surface grid): zones in their colours, bald scalp at full
colour, thinning lighter, kept hair pale; zone borders dark; every dot of the one 3-D pattern that faces
the viewer drawn as one dark pixel, so the same dot shows in every view that sees it. A legend gives each
zone's state, surface area (cm²) and impressions.

References
----------
.. [1] Foley, J. D. et al. "Computer Graphics: Principles and Practice", 2nd ed., 1990 (orthographic
   projection, Lambert shading).
"""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio.head3d.treatment import WholeTreatment
from smpstudio.head3d.zones import ZONE_COLOURS, ZONES

#: view name -> (forward: the direction the viewer looks, up on the image) in head coordinates
VIEWS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "top": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),  # from above, the face at the top
    "left": ((-1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),  # the client's left side (+x), face to image left
    "right": ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),  # the client's right side (-x), face to image right
    "back": ((0.0, 0.0, -1.0), (0.0, -1.0, 0.0)),  # from behind
}
DOT_RGB = (25, 25, 25)
DOT_RADIUS_MM = 0.12  # a healed dot is ~0.1-0.25 mm across (domain.md §1); drawn as a disc at >= 8 px/mm
OFF_SCALP_RGB = (214, 200, 186)  # the rest of the head: plain skin
BG_RGB = (255, 255, 255)
LINE_RGB = (60, 60, 60)
STATE_MIX = {"bald": 0.0, "thinning": 0.45, "kept": 0.8}  # share of white mixed into the zone colour
#: the head below the hair-bearing scalp is drawn as skin only this far (deg of polar angle), then faded out,
#: so the diagram shows the scalp and the top of the face and ears, not a ball of skin
SKIN_MARGIN_DEG = 14.0
OUTLINE_RGB = (200, 200, 200)  # the rest of the head's outline, faint
SCAR_RGB = (205, 0, 0)  # scar tissue (smpstudio.head3d.scars), under its dots


def _basis(view: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f, up = (np.array(v, dtype=np.float64) for v in VIEWS[view])
    right = np.cross(f, up)
    return f, right, -up  # forward, image right, image down


def render_view(t: WholeTreatment, view: str, px_per_mm: float = 4.0, margin_mm: float = 12.0
                ) -> tuple[np.ndarray, int]:
    """One orthographic view (RGB uint8) of the plan on the model, and the number of dots drawn.

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> from smpstudio.head3d.treatment import whole_treatment
    >>> t = whole_treatment(HeadSurface.average(), "norwood-3-vertex", seed=0)
    >>> img, n = render_view(t, "top", px_per_mm=2.0)
    >>> img.dtype, img.shape[2], n > 1000
    (dtype('uint8'), 3, True)
    """
    s = t.surface
    f, right, down = _basis(view)
    r = s.radii_mm
    half_w = float(np.sqrt(np.sum((right * r) ** 2))) + margin_mm
    half_h = float(np.sqrt(np.sum((down * r) ** 2))) + margin_mm
    w, h = int(round(2 * half_w * px_per_mm)), int(round(2 * half_h * px_per_mm))
    u = (np.arange(w) + 0.5) / px_per_mm - half_w
    v = (np.arange(h) + 0.5) / px_per_mm - half_h
    uu, vv = np.meshgrid(u, v)
    o = s.center_mm + uu[..., None] * right + vv[..., None] * down - 1000.0 * f
    inv = 1.0 / r**2
    a = float(np.sum(f * f * inv))
    q = o - s.center_mm
    b = 2.0 * np.sum(q * f * inv, axis=-1)
    c = np.sum(q * q * inv, axis=-1) - 1.0
    disc = b * b - 4 * a * c
    hit = disc >= 0
    tt = (-b - np.sqrt(np.where(hit, disc, 0.0))) / (2 * a)
    p = o + tt[..., None] * f
    theta, alpha = s.angles(p)
    g = t.zones.grid
    step = float(g.theta_deg[1] - g.theta_deg[0])
    ti = np.floor(theta / step).astype(np.int64)
    ai = np.floor((alpha + 180.0) / step).astype(np.int64) % len(g.alpha_deg)
    on_grid = hit & (ti < len(g.theta_deg))
    # how far below the scalp's lower boundary (deg): skin fades out over SKIN_MARGIN_DEG
    below = theta - s.boundary_theta_deg(alpha)
    fade = np.clip(below / SKIN_MARGIN_DEG, 0.0, 1.0) ** 2
    lab = np.full((h, w), -1, np.int64)
    lab[on_grid] = t.zones.labels[ti[on_grid], ai[on_grid]]
    states = t.areas.zones
    zone_rgb = np.array([ZONE_COLOURS[z] for z in ZONES] + [OFF_SCALP_RGB], dtype=np.float64)
    mix = np.array([STATE_MIX[states[z]] for z in ZONES] + [0.0])
    base = zone_rgb[lab] * (1 - mix[lab])[..., None] + 255.0 * mix[lab][..., None]
    n = s.normal(np.where(hit[..., None], p, s.center_mm + r * np.array([0.0, -1.0, 0.0])))
    shade = 0.62 + 0.38 * np.clip(-(n @ f), 0.0, 1.0)
    img = np.where(hit[..., None], base * shade[..., None], np.array(BG_RGB, dtype=np.float64))
    if t.scars:  # exact scar geometry at each pixel's surface point
        from smpstudio.head3d.scars import in_scar

        scar = np.zeros((h, w), bool)
        for sc in t.scars:
            scar[hit] |= in_scar(s, sc, p[hit])
        img[scar] = np.array(SCAR_RGB, dtype=np.float64) * shade[scar][:, None]
    skin = hit & (lab < 0)
    img[skin] = img[skin] * (1 - fade[skin])[:, None] + np.array(BG_RGB, dtype=np.float64) * fade[skin][:, None]
    shown = hit & ((lab >= 0) | (below < SKIN_MARGIN_DEG))
    # zone borders and the scalp's edge
    edge = np.zeros((h, w), bool)
    edge[:, 1:] |= (lab[:, 1:] != lab[:, :-1]) & shown[:, 1:] & shown[:, :-1]
    edge[1:, :] |= (lab[1:, :] != lab[:-1, :]) & shown[:, 1:].any() & shown[1:, :] & shown[:-1, :]
    edge = cv2.dilate(edge.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
    # the whole head's silhouette, faint, where the skin has faded out
    rim = hit.astype(np.uint8)
    rim = (rim - cv2.erode(rim, np.ones((3, 3), np.uint8))) > 0
    img[rim & ~shown] = OUTLINE_RGB
    img[edge] = LINE_RGB
    out = np.clip(img, 0, 255).astype(np.uint8)
    # the one 3-D pattern's dots that face the viewer
    dp = t.dots.points_mm
    facing = (s.normal(dp) @ f) < -0.05
    rel = dp[facing] - s.center_mm
    col = np.floor((rel @ right + half_w) * px_per_mm).astype(np.int64)
    row = np.floor((rel @ down + half_h) * px_per_mm).astype(np.int64)
    ok = (col >= 0) & (col < w) & (row >= 0) & (row < h)
    out[row[ok], col[ok]] = DOT_RGB
    r_px = int(round(DOT_RADIUS_MM * px_per_mm))
    if r_px >= 1:  # close-ups: each dot as a disc of its healed size
        for x, y in zip(col[ok].tolist(), row[ok].tolist(), strict=True):
            cv2.circle(out, (x, y), r_px, DOT_RGB, -1, cv2.LINE_AA)
    _landmarks(out, t, view, right, down, half_w, half_h, px_per_mm)
    _label_zones(out, lab, hit)
    return out, int(ok.sum())


EAR_POLAR_DEG, EAR_AZIMUTH_DEG, EAR_HALF_MM = 116.0, 95.0, (14.0, 26.0)  # [assumption] ear on the model


def _landmarks(img: np.ndarray, t: WholeTreatment, view: str, right: np.ndarray, down: np.ndarray, half_w: float,
               half_h: float, ppm: float) -> None:
    """Orientation marks: the ears (outlined where the view faces them) and an arrow toward the face."""
    s = t.surface

    def px(p: np.ndarray) -> tuple[int, int]:
        rel = p - s.center_mm
        return int((rel @ right + half_w) * ppm), int((rel @ down + half_h) * ppm)

    f = np.array(VIEWS[view][0])
    for side in (-1.0, 1.0):
        ear = s.point(np.array(EAR_POLAR_DEG), np.array(side * EAR_AZIMUTH_DEG))
        if s.normal(ear) @ f < -0.5:
            axes = (int(EAR_HALF_MM[0] * ppm), int(EAR_HALF_MM[1] * ppm))
            cv2.ellipse(img, px(ear), axes, 0, 0, 360, (150, 120, 100), -1, cv2.LINE_AA)
            cv2.ellipse(img, px(ear), axes, 0, 0, 360, LINE_RGB, 2, cv2.LINE_AA)
            _text(img, "ear", (px(ear)[0] - 14, px(ear)[1] + 6), 0.5)
    if view != "back":
        nose = s.center_mm + np.array([0.0, 0.0, -s.radii_mm[2]])
        tip = np.array(px(nose), dtype=np.float64)
        ahead = np.array([0.0, 0.0, -1.0])  # the face looks toward -z
        d = np.array([ahead @ right, ahead @ down])
        d = d / max(float(np.linalg.norm(d)), 1e-9)
        start = tip - d * 40 * ppm / 4
        cv2.arrowedLine(img, tuple(int(v) for v in start), tuple(int(v) for v in tip), LINE_RGB, 2, cv2.LINE_AA,
                        tipLength=0.3)
        _text(img, "face", (int(start[0]) - 20, int(start[1]) - 8), 0.55)


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.5,
          colour: tuple[int, int, int] = (0, 0, 0), thick: int = 1) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)


def _label_zones(img: np.ndarray, lab: np.ndarray, hit: np.ndarray) -> None:
    total = max(int(hit.sum()), 1)
    for i, z in enumerate(ZONES):
        m = lab == i
        if m.sum() < 0.02 * total:
            continue
        # the zone's most interior pixel keeps the label off the borders
        d = cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 3)
        y, x = np.unravel_index(int(np.argmax(d)), d.shape)
        (tw, th), _ = cv2.getTextSize(z, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
        _text(img, z, (int(x - tw / 2), int(y + th / 2)), 0.55)


def legend(t: WholeTreatment, width: int) -> np.ndarray:
    """The legend panel (RGB uint8): zone colour, state, area cm², impressions; the plan's totals."""
    rows = 3 + len(ZONES) + (1 if t.scars else 0)
    img = np.full((rows * 26 + 16, width, 3), 255, np.uint8)
    _text(img, f"{t.stage}: {t.areas.treatment_cm2:.0f} cm2 treated, {t.total_impressions:,} impressions, "
               f"{' / '.join(f'{h:.1f}' for h in t.session_hours)} h, {t.price:,.0f} {t.currency}", (10, 22), 0.55)
    _text(img, "colour = zone; full = bald (full density), light = thinning, pale = kept hair; dots = impressions",
          (10, 48), 0.45, (60, 60, 60))
    if t.scars:
        y = 62 + 26 * len(ZONES)
        cv2.rectangle(img, (10, y), (40, y + 18), SCAR_RGB, -1)
        _text(img, f"scar: {sum(t.scar_areas_cm2):.1f} cm2, {sum(t.impressions['scar']):,} impressions "
                   f"({t.scar_passes} passes)", (50, y + 15), 0.5)
    for k, z in enumerate(ZONES):
        y = 62 + 26 * k
        st = t.areas.zones[z]
        m = STATE_MIX[st]
        rgb = tuple(int(c * (1 - m) + 255 * m) for c in ZONE_COLOURS[z])
        cv2.rectangle(img, (10, y), (40, y + 18), rgb, -1)
        cv2.rectangle(img, (10, y), (40, y + 18), LINE_RGB, 1)
        _text(img, f"{z}: {st}, {t.zones.areas_cm2[z]:.0f} cm2, {sum(t.impressions[z]):,} impressions",
              (50, y + 15), 0.5)
    return img


def diagram_views(t: WholeTreatment, px_per_mm: float = 4.0) -> dict[str, np.ndarray]:
    """Every view with its title and the legend, as RGB uint8 images keyed ``diagram-<view>.png``.

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> from smpstudio.head3d.treatment import whole_treatment
    >>> t = whole_treatment(HeadSurface.average(), "ludwig-2", seed=0)
    >>> sorted(diagram_views(t, px_per_mm=1.5))
    ['diagram-back.png', 'diagram-left.png', 'diagram-right.png', 'diagram-top.png']
    """
    titles = {"top": "from above (face at the top)", "left": "client's left side (face to the left)",
              "right": "client's right side (face to the right)", "back": "from behind"}
    out = {}
    for view in VIEWS:
        img, n = render_view(t, view, px_per_mm)
        width = max(img.shape[1], 720)
        canvas = np.full((img.shape[0] + 40, width, 3), 255, np.uint8)
        x0 = (width - img.shape[1]) // 2
        canvas[40:, x0:x0 + img.shape[1]] = img
        _text(canvas, f"{titles[view]}: {n:,} dots in view", (10, 28), 0.65)
        out[f"diagram-{view}.png"] = np.concatenate([canvas, legend(t, width)], axis=0)
    return out


def scar_closeup(t: WholeTreatment, px_per_mm: float = 10.0, margin_mm: float = 15.0) -> np.ndarray | None:
    """The scars up close on the model (RGB uint8): the view that faces them best, cropped to them, each dot a
    disc of its healed size over the red scar tissue; ``None`` without scars.

    Examples
    --------
    >>> from smpstudio.head3d.scars import fut_strip
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> from smpstudio.head3d.treatment import whole_treatment
    >>> s = HeadSurface.average()
    >>> img = scar_closeup(whole_treatment(s, "norwood-3", seed=0, scars=[fut_strip(s, 120.0)]), px_per_mm=4.0)
    >>> img.shape[1] > img.shape[0]  # a strip across the back: wider than high
    True
    """
    if not t.scars:
        return None
    s = t.surface
    pts = np.concatenate([sc.points_mm for sc in t.scars])
    n = s.normal(pts).mean(axis=0)
    view = min(VIEWS, key=lambda v: float(np.array(VIEWS[v][0]) @ n))  # looking against the scars' normal
    img, _ = render_view(t, view, px_per_mm)
    f, right, down = _basis(view)
    r = s.radii_mm
    half_w = float(np.sqrt(np.sum((right * r) ** 2))) + 12.0
    half_h = float(np.sqrt(np.sum((down * r) ** 2))) + 12.0
    rel = pts - s.center_mm
    cols = (rel @ right + half_w) * px_per_mm
    rows = (rel @ down + half_h) * px_per_mm
    m = margin_mm * px_per_mm
    x0, x1 = int(max(0, cols.min() - m)), int(min(img.shape[1], cols.max() + m))
    y0, y1 = int(max(0, rows.min() - m)), int(min(img.shape[0], rows.max() + m))
    crop = img[y0:y1, x0:x1]
    out = np.full((crop.shape[0] + 30, max(crop.shape[1], 520), 3), 255, np.uint8)
    out[30:, :crop.shape[1]] = crop
    _text(out, f"scars from the {view}: {sum(t.scar_areas_cm2):.1f} cm2 of scar tissue under "
               f"{int(t.scar_of_dot.sum()) if t.scar_of_dot is not None else 0:,} dots", (8, 20), 0.5)
    return out
