"""The scalp step: the client's photo as SMP will be worn, before any design is drawn on it.

1. The situation is read from the photo (:mod:`smpstudio.scalp.situation`) unless the caller chooses:
   ``as-is`` (bald or shaved: the photo's own scalp), ``buzz`` (short or thinning hair clippered to
   stubble in place) or ``shave`` (long hair: the volume beyond the skull removed, then buzzed).
2. The scalp's skin is lit by a spherical-harmonic model fitted to the client's own face
   (:mod:`~smpstudio.scalp.lighting`), with the forehead's albedo, sheen and grain, and joined to the real
   forehead by a gradient-domain membrane (:mod:`~smpstudio.scalp.blend`).
3. The remaining hair becomes #0-#1 stubble in the client's hair colour (:mod:`~smpstudio.scalp.stubble`).
4. Removed volume is background reconstructed from around it (:mod:`~smpstudio.scalp.background`).

Only pixels labelled hair, or background next to removed hair, ever change: the client's skin (forehead,
face, bald scalp, ears) and everything outside the head's box are the photo's own pixels, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from smpstudio.analysis.types import Analysis, Masks
from smpstudio.imaging.blur import edge_blur_px
from smpstudio.optics.colour import linear_to_lab, linear_to_srgb
from smpstudio.optics.colour import srgb_to_linear_image as srgb_to_linear
from smpstudio.optics.stubble import CLIPPER_LENGTH_MM
from smpstudio.scalp.background import RIM_MM, enclosed_specks, inpaint_background, stray_hair
from smpstudio.scalp.blend import feather, fine_correction, heal_seams, membrane, skin_band_values
from smpstudio.scalp.grain import skin_grain
from smpstudio.scalp.lighting import MAX_FIT_PIXELS, Lighting, face_normals_at, fit_lighting
from smpstudio.scalp.regions import (
    BUZZ_REACH_MM,
    Regions,
    cheeks_and_forehead,
    find_regions,
    forehead_skin,
    within_reach,
)
from smpstudio.scalp.situation import MODES, Situation, choose, measure
from smpstudio.scalp.stubble import buzz
from smpstudio.scalp.workres import WORK_PX_PER_MM, cropped, head_box, scaled, upscale_box

HAIR_SKIN_DELTA_E = 20.0  # CIE76 distance from the forehead beyond which a hair pixel shows the hair's colour
EAR_SKIN_DELTA_E = 12.0  # CIE76 distance from the forehead within which a pixel beside the face is an ear
SHORT_HAIR_COVER_PERCENTILE = 75.0  # short hair's own colour: where the quarter of its pixels most covered by
# shafts lie on the skin-to-hair line (calibration choice: obama's hair L* 42 by the median, 34 this way)
FULL_HAIR_ALPHA = 0.7  # a pixel this far from the skin toward the hair's colour is full-density hair
DENSITY_BLUR_MM = 2.0  # the remaining hair's density is read over ~2 mm
HAIRLINE_RAMP_MM = 3.0  # stubble density rises from 0 at bare skin over this distance
BAND_MAX_LOG_RATIO = 0.3  # band pixels farther than x/÷ 1.35 from the lighting model are not skin
WISP_MM = 8.0  # fly-away hair beyond the mask is looked for this far outside the skull and the volume
SPECK_MM2 = 6.0  # a piece of the photo smaller than this, enclosed by removed volume, is removed with it
SEAM_FEATHER_MM = 1.0  # the buzzed region fades in over this distance from its edge (inside it only); at 0.5 mm
# biden's seam beside his forehead was 0.067 against the photo's own edges 0.066 [calibration]


@dataclass
class ScalpResult:
    """The photo as shown for SMP.

    Attributes
    ----------
    rgb : ndarray, shape (H, W, 3), float32
        sRGB photo in [0, 1] (the input itself for ``as-is``).
    masks : Masks
        Updated masks: buzzed hair is scalp skin, removed volume background.
    mode : str
        ``as-is``, ``buzz`` or ``shave``.
    reason : str
        Why that mode, in one sentence.
    changed : ndarray of bool, shape (H, W)
        Pixels that differ from the input.
    hair_rgb_linear : ndarray, shape (3,), or None
        The hair's colour measured on the photo (linear sRGB), None without hair.
    situation : Situation or None
        The measurements behind an automatic choice.
    lighting : Lighting or None
        The light fitted to the face (buzz and shave).
    guard : Guard or None
        The clipper guard the hair is shown buzzed to (buzz and shave).
    """

    rgb: np.ndarray
    masks: Masks
    mode: str
    reason: str
    changed: np.ndarray
    hair_rgb_linear: np.ndarray | None
    situation: Situation | None = None
    lighting: Lighting | None = None
    guard: Guard | None = None


@dataclass(frozen=True)
class Guard:
    """A clipper guard: its name (``#0``, ``#1``), the shafts' length above the skin (mm) and why it was chosen."""

    name: str
    length_mm: float
    reason: str


#: the guard for a hair colour (linear sRGB, shape (3,)): a fixed one, or the caller's choice for this hair
GuardChoice = Guard | Callable[[np.ndarray], Guard]
DEFAULT_GUARD = Guard("#0", CLIPPER_LENGTH_MM, "the shortest buzz, which SMP matches on every skin")


@dataclass
class _Work:
    out: np.ndarray
    scalp: np.ndarray
    volume: np.ndarray
    mode: str
    reason: str
    hair_lin: np.ndarray | None
    situation: Situation
    lighting: Lighting | None
    guard: Guard | None = None


def _encode(v: np.ndarray) -> np.ndarray:
    """Linear light -> sRGB-encoded float32, clipped to [0, 1]."""
    return np.clip(linear_to_srgb(np.clip(v, 0.0, 1.0)), 0.0, 1.0).astype(np.float32)


def hair_colour(lin: np.ndarray, hair: np.ndarray, skin: np.ndarray, *, short: bool = False) -> np.ndarray | None:
    """Median linear colour of hair pixels below the 90th percentile of luminance (shine removed).

    Only hair pixels clearly apart from the skin's colour (``HAIR_SKIN_DELTA_E``) are read when there are
    enough of them: thin hair over skin, or an ear inside a coarse hair mask, is no measure of the hair.

    ``short``: the hair is short or thinning (buzz, or stubble left as it is), so at a photo's 1-3 px/mm every hair
    pixel mixes shafts with the scalp showing between them, ``p = s + c (h - s)`` in linear light with
    coverage ``c`` < 1: the median is only part of the way from the skin ``s`` to the shaft colour ``h``.
    The shafts' own colour is then read where they cover most, extrapolated along the skin-to-median line
    to the :data:`SHORT_HAIR_COVER_PERCENTILE` of the pixels' positions on it (linear unmixing,
    Keshava & Mustard 2002, with the skin and the hair as the two end members).

    References
    ----------
    .. [1] Keshava, N., Mustard, J. F. (2002), "Spectral unmixing", IEEE Signal Processing Magazine 19(1),
       44-57: a pixel as a linear mixture of end members weighted by their area shares.
    """
    s = lin[hair]
    if len(s) < 20:
        return None
    ref_lin = None
    if skin.sum() >= 20:
        ref_lin = np.median(lin[skin], axis=0)
        lab = linear_to_lab(s)
        far = np.linalg.norm(lab - linear_to_lab(ref_lin), axis=1) > HAIR_SKIN_DELTA_E
        if far.sum() >= 20:
            s = s[far]
    lum = s.mean(axis=1)
    med = np.median(s[lum <= np.percentile(lum, 90)], axis=0)
    if short and ref_lin is not None:
        u = med - ref_lin
        uu = float(u @ u)
        if uu > 1e-8:
            pos = (s - ref_lin) @ u / uu  # 1 at the median, 0 at the skin
            reach = max(1.0, float(np.percentile(pos, SHORT_HAIR_COVER_PERCENTILE)))
            med = np.clip(ref_lin + reach * u, 0.0, 1.0)
    return np.asarray(med, dtype=np.float32)


def _fit_light(lin: np.ndarray, analysis: Analysis, reg: Regions) -> Lighting:
    ys, xs = np.nonzero(reg.face_skin)
    step = max(1, -(-len(ys) // MAX_FIT_PIXELS))
    ys, xs = ys[::step], xs[::step]
    n = face_normals_at(analysis, np.stack([xs + 0.5, ys + 0.5], axis=1))
    return fit_lighting(lin[ys, xs], n, reg.forehead[ys, xs])


def _bbox(mask: np.ndarray, pad: int) -> tuple[slice, slice]:
    r, c = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    h, w = mask.shape
    return slice(max(0, r[0] - pad), min(h, r[-1] + 1 + pad)), slice(max(0, c[0] - pad), min(w, c[-1] + 1 + pad))


def _buzz_scalp(rgb: np.ndarray, lin: np.ndarray, analysis: Analysis, reg: Regions, scalp: np.ndarray,
                hair_lin: np.ndarray, light: Lighting, rng: np.random.Generator, length_mm: float) -> np.ndarray:
    """The scalp region buzzed: lit skin, joined to the real skin by the membrane, with stubble (sRGB)."""
    m = analysis.masks
    ppm = analysis.frame.px_per_mm
    by, bx = _bbox(scalp, int(np.ceil(4 * ppm)) + 3)
    sc, skin = scalp[by, bx], m.skin[by, bx]
    band = cv2.dilate(sc.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & skin & ~sc
    where = sc | band
    model = np.zeros(sc.shape + (3,), np.float32)
    model[where] = light.shade(reg.normals[by, bx][where].astype(np.float64)).astype(np.float32)
    lin_b = lin[by, bx]
    # the membrane holds only to what is skin by its colour: hair (a fringe, stray strands) labelled skin
    # beside the scalp is no measure of the skin's light
    lum_ratio = lin_b.mean(axis=2) / np.maximum(model.mean(axis=2), 1e-4)
    band &= np.abs(np.log(np.maximum(lum_ratio, 1e-4))) < BAND_MAX_LOG_RATIO
    vals = skin_band_values(lin_b, model, band, skin, ppm)
    d = membrane(sc, band, vals, ppm)
    d += fine_correction(sc, band, vals - d, ppm)
    base = model * np.exp(d)
    grain = skin_grain(rgb, cheeks_and_forehead(analysis, m.skin.shape) | reg.forehead,
                       sc.shape, ppm, rng)
    skin_syn = base * (1.0 + grain) if grain is not None else base
    # how much hair the photo shows at each pixel: its colour between the modelled skin and the hair's
    ref = np.maximum(np.median(base[sc], axis=0), 1e-4)
    hair_px = hair_lin[None, None, :] * base / ref[None, None, :]
    dh = hair_px - base
    alpha = np.clip(((lin_b - base) * dh).sum(axis=2) / np.maximum((dh * dh).sum(axis=2), 1e-8), 0.0, 1.5)
    sig = max(0.7, DENSITY_BLUR_MM * ppm)
    num = cv2.GaussianBlur((alpha * sc).astype(np.float32), (0, 0), sig)
    den = cv2.GaussianBlur(sc.astype(np.float32), (0, 0), sig)
    density = np.clip(num / np.maximum(den, 1e-6) / FULL_HAIR_ALPHA, 0.0, 1.0) * sc
    # the hair thins out toward the bare skin beside it (a hairline's hairs are sparse and fine)
    dist = cv2.distanceTransform((~band).astype(np.uint8), cv2.DIST_L2, 3)
    density *= np.clip(dist / max(1.0, HAIRLINE_RAMP_MM * ppm), 0.0, 1.0)
    crown = (reg.crown_px[0] - bx.start, reg.crown_px[1] - by.start)
    normals = reg.normals[by, bx]
    fs = np.where(np.abs(normals).sum(axis=2) > 0, np.abs(normals[..., 2]), 1.0).astype(np.float32)
    # drawn as blurred as the photo's own edges (its face: eyes, brows, lips)
    blur = edge_blur_px(cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2GRAY), m.face)
    stub, _ = buzz(np.maximum(skin_syn, 0.0), hair_lin, density.astype(np.float32), ppm, crown, rng, fs,
                   length_mm, blur)
    # the fade-in shows the photo only where it is skin: hair at the region's edge (its front row, darker
    # than the lit skin) is replaced whole, else the feather keeps it as a dark line along the hairline
    hairy = np.clip(alpha / FULL_HAIR_ALPHA, 0.0, 1.0) * sc
    a = np.maximum(feather(sc, ppm, SEAM_FEATHER_MM), hairy)[..., None]
    out = rgb.copy()
    out[by, bx] = a * _encode(stub) + (1.0 - a) * rgb[by, bx]
    return out


def _work(rgb: np.ndarray, analysis: Analysis, mode: str, seed: int, guard: GuardChoice) -> _Work:
    """The step at working resolution."""
    h, w = rgb.shape[:2]
    m = analysis.masks
    ppm = analysis.frame.px_per_mm
    # the skin's colour (forehead, else the face): ears beside the face are of it, hair clearly apart from it
    fore = forehead_skin(analysis, (h, w))
    skin_ref = fore if fore.sum() >= 20 else m.skin & m.face
    lab = cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2Lab)
    skin_like = np.linalg.norm(lab - np.median(lab[skin_ref], axis=0), axis=2) < EAR_SKIN_DELTA_E
    # the skull's outline widened to the head the photo shows: its silhouette above the temples less close-cropped
    # hair (smpstudio.scalp.outline); the situation is measured against the model's own outline (model_skull)
    reg = find_regions(analysis, (h, w), skin_like=skin_like, to_outline=True)
    sit = measure(rgb, m.hair, m.background, reg, ppm, lab)
    if mode == "auto":
        mode, reason = choose(sit)
    else:
        reason = f"{mode} chosen by the user"
    lin = srgb_to_linear(rgb)
    # the hair's colour on the skull, not of background the mask took for hair
    hair_px = m.hair & reg.model_skull & (sit.not_background if sit.not_background is not None else True)
    hair_lin = hair_colour(lin, hair_px, skin_ref, short=mode != "shave") if m.hair.any() else None
    none = np.zeros((h, w), bool)
    if mode == "as-is" or hair_lin is None:
        return _Work(rgb, none, none, "as-is", reason, hair_lin, sit, None)
    far = np.zeros((h, w), bool)
    if mode == "buzz":  # short hair: what stands out beyond the skull is removed only as far as such hair reaches;
        near = within_reach(reg, BUZZ_REACH_MM, ppm)  # farther, only what looks like hair and joins it (below)
        far = reg.volume & ~near.volume
        reg = near
    scalp, volume = reg.scalp, reg.volume
    light = _fit_light(lin, analysis, reg)
    out = rgb
    rng = np.random.default_rng(seed)
    chosen = guard(hair_lin) if callable(guard) else guard
    if scalp.any():
        out = _buzz_scalp(rgb, lin, analysis, reg, scalp, hair_lin, light, rng, chosen.length_mm)
    rows = np.arange(h)[:, None]
    above_chin = rows < reg.chin_y
    # the fill's sources: background around the head only (not the skull, not the face's rim, which holds
    # strands of hair at the temples, nor skin-labelled pixels beside the face: mostly hair the mask missed)
    rim = max(1, int(round(RIM_MM * ppm)))
    inner = cv2.erode(m.face.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1,) * 2))
    no_source = (reg.skull & ~m.face | m.face & ~inner.astype(bool) | m.skin & ~m.face | m.hair) & above_chin
    # wisps and fly-aways beyond the mask, beside the skull: background that leans toward the hair's colour
    # (against a first fill over the whole ring) and joins the head's hair
    wisp = max(2, int(round(WISP_MM * ppm)))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * wisp + 1,) * 2)
    ring = cv2.dilate((reg.skull | volume).astype(np.uint8), disk).astype(bool)
    search = (ring & m.background | far) & ~reg.skull & ~m.face & above_chin & ~volume
    if search.any():
        fill0, box0 = inpaint_background(rgb, volume | search | no_source, volume | search, ppm)
        stray = np.zeros((h, w), bool)
        stray[box0] = stray_hair(rgb[box0], fill0, _encode(hair_lin), search[box0])
        # only what joins the head's hair: a hair-coloured object of the background stays
        _, comp = cv2.connectedComponents((stray | volume | scalp).astype(np.uint8), connectivity=8)
        touching = np.unique(comp[volume | scalp])
        stray &= np.isin(comp, touching[touching > 0])
        volume = volume | (cv2.dilate(stray.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & search)
    if volume.any():  # specks left inside the removed volume (wisps too faint to join it) go with it
        volume = volume | enclosed_specks(volume | reg.skull | m.face | ~above_chin, SPECK_MM2 * ppm * ppm)
    if volume.any():
        filled, box = inpaint_background(rgb, volume | no_source, volume, ppm)
        out = out.copy() if out is rgb else out
        a = feather(volume, ppm)[box][..., None]
        out[box] = np.where(volume[box][..., None], a * filled + (1 - a) * out[box], out[box])
    return _Work(np.ascontiguousarray(out, dtype=np.float32), scalp, volume, mode, reason, hair_lin, sit, light,
                 chosen)


def _unchanged(rgb: np.ndarray, analysis: Analysis, reason: str, work: _Work | None = None) -> ScalpResult:
    return ScalpResult(rgb, analysis.masks, "as-is", reason, np.zeros(rgb.shape[:2], bool),
                       None if work is None else work.hair_lin, None if work is None else work.situation)


def prepare_scalp(photo_rgb: np.ndarray, analysis: Analysis, mode: str = "auto", seed: int = 0,
                  guard: GuardChoice = DEFAULT_GUARD) -> ScalpResult:
    """The photo as SMP will be worn: as it is, buzzed, or with the hair's volume removed and buzzed.

    The step works on the head's box at no more than ``WORK_PX_PER_MM`` and scales up only what it
    changed, so a 12 MP photo costs about what a small one does.

    Parameters
    ----------
    photo_rgb : ndarray, shape (H, W, 3), float32
        sRGB photo in [0, 1].
    analysis : Analysis
        Its analysis (landmarks, head model, masks).
    mode : {"auto", "as-is", "buzz", "shave"}
        ``auto`` reads the situation from the photo.
    seed : int
        Seed of the stubble's layout and the skin grain.
    guard : Guard or callable
        The clipper guard to buzz to, or a function of the measured hair colour (linear sRGB) that picks
        it (the pipeline's: the longest guard the plan's pigments can match on this skin).

    Returns
    -------
    ScalpResult
    """
    if mode not in ("auto", *MODES):
        raise ValueError(f"scalp mode must be auto, as-is, buzz or shave, not {mode!r}")
    m = analysis.masks
    if analysis.head is None or not m.hair.any():
        return _unchanged(photo_rgb, analysis, "no hair on the photo: the photo's own scalp is kept")
    if mode == "as-is":
        return _unchanged(photo_rgb, analysis, "as-is chosen by the user")
    h, w = photo_rgb.shape[:2]
    box = head_box(analysis) or (0, 0, w, h)
    x0, y0, x1, y1 = box
    a_crop = cropped(analysis, box) if box != (0, 0, w, h) else analysis
    crop = np.ascontiguousarray(photo_rgb[y0:y1, x0:x1], dtype=np.float32)
    ch, cw = crop.shape[:2]
    k = min(1.0, WORK_PX_PER_MM / analysis.frame.px_per_mm)
    if k < 1.0:
        sw, sh = max(8, round(cw * k)), max(8, round(ch * k))
        small = cv2.resize(crop, (sw, sh), interpolation=cv2.INTER_AREA)
        a_small = scaled(a_crop, sw / cw, sh / ch, (sw, sh))
    else:
        small, a_small = crop, a_crop
    work = _work(small, a_small, mode, seed, guard)
    if work.mode == "as-is" or not (work.scalp.any() or work.volume.any()):
        return _unchanged(photo_rgb, analysis, work.reason, work)
    diff = work.out - small
    moved = (diff != 0).any(axis=2) | work.scalp | work.volume
    rows, cols = np.nonzero(moved.any(axis=1))[0], np.nonzero(moved.any(axis=0))[0]
    sh, sw = small.shape[:2]
    ky, kx = sh / ch, sw / cw
    # the full-resolution box whose bilinear taps touch a changed small pixel (1 small px margin): only it
    # is scaled up and written
    by0, by1 = max(0, int((rows[0] - 1) / ky)), min(ch, int(np.ceil((rows[-1] + 2) / ky)) + 1)
    bx0, bx1 = max(0, int((cols[0] - 1) / kx)), min(cw, int(np.ceil((cols[-1] + 2) / kx)) + 1)
    box_c = (bx0, by0, bx1, by1)
    if k < 1.0:
        diff = upscale_box(diff, (cw, ch), box_c, cv2.INTER_LINEAR)
        scalp = upscale_box(work.scalp.astype(np.uint8), (cw, ch), box_c, cv2.INTER_NEAREST) > 0
        volume = upscale_box(work.volume.astype(np.uint8), (cw, ch), box_c, cv2.INTER_NEAREST) > 0
    else:
        diff = diff[by0:by1, bx0:bx1]
        scalp, volume = work.scalp[by0:by1, bx0:bx1], work.volume[by0:by1, bx0:bx1]
    sub = crop[by0:by1, bx0:bx1]
    allowed = ~a_crop.masks.skin[by0:by1, bx0:bx1]  # the client's skin is never replaced
    out_sub = np.add(sub, diff, dtype=np.float32)
    np.clip(out_sub, 0.0, 1.0, out=out_sub)
    keep = ~allowed | ~(diff != 0).any(axis=2)
    out_sub[keep] = sub[keep]  # bit for bit: not a float round trip of the photo's own pixels
    out_sub = heal_seams(sub, out_sub, ~keep, analysis.frame.px_per_mm, in_place=True)
    y0, x0 = y0 + by0, x0 + bx0  # the written box in photo pixels
    y1, x1 = y0 + (by1 - by0), x0 + (bx1 - bx0)
    rgb = photo_rgb.copy()
    rgb[y0:y1, x0:x1] = out_sub
    changed = np.zeros((h, w), bool)
    changed[y0:y1, x0:x1] = (out_sub != sub).any(axis=2)

    # masks: only the written box changes (buzzed hair is scalp skin, removed volume background)
    box_hair = m.hair[y0:y1, x0:x1]
    buzzed = scalp & box_hair
    removed = volume & ~m.skin[y0:y1, x0:x1]
    hair, head = m.hair.copy(), m.head.copy()
    hair[y0:y1, x0:x1] &= ~(buzzed | removed)
    head[y0:y1, x0:x1] &= ~removed
    # the buzzed hair is visible scalp now: the design treats it as the hair-bearing scalp it is (its sides)
    shown_scalp = np.zeros((h, w), bool) if m.scalp is None else m.scalp.copy()
    shown_scalp[y0:y1, x0:x1] |= buzzed & ~removed
    skin = head & ~hair
    masks = replace(m, hair=hair, skin=skin, background=~head, head=head, scalp=shown_scalp & skin)
    return ScalpResult(rgb, masks, work.mode, work.reason, changed, work.hair_lin, work.situation, work.lighting,
                       work.guard)
