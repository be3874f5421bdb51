"""Hair / skin / background segmentation seeded by the face mesh, with no downloaded weights.

1. **Head vs background**: OpenCV's GrabCut, initialised from the geometry: the face oval is sure
   foreground, the head model's silhouette (scalp ellipsoid) probable foreground, far outside it and
   below the chin sure background.
2. **Hair vs skin inside the head**: per-image colour models in CIELAB plus local texture (the
   standard deviation of L* in a small window): skin is sampled on the forehead and the cheeks
   (highlights and shadows trimmed), hair candidates are head pixels outside the face whose colour is
   far from the skin model in the head's outer rim (where hair is surest; the temples' shaded skin
   stays out of the model); each class is a Gaussian, pixels are labelled by likelihood, and a second
   GrabCut pass makes the hair region spatially coherent, never reaching pixels within 2 sigma of
   the skin model (the shining bald scalp). Because both models are fitted on this photo,
   light-brown hair on light skin separates where a fixed skin-colour threshold does not.
3. **Forehead vs scalp skin**: along the midline, the forehead ends at the hair's edge when that
   lies within 1.15 middle facial thirds of the glabella (an intact hairline), else at one third
   (domain.md §3, facial thirds 1:1:0.9); skin above it is visible scalp.

Everything runs on a crop around the head, scaled so that the face is ~110 px wide; masks are scaled back up.

References
----------
.. [1] Rother, C., Kolmogorov, V., Blake, A. "GrabCut: interactive foreground extraction using
   iterated graph cuts." ACM SIGGRAPH 2004.
.. [2] Jones, M. J., Rehg, J. M. "Statistical color models with application to skin detection."
   IJCV 46(1):81-96, 2002.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.analysis.landmarks import (
    FACE_OVAL,
    IDX_GLABELLA,
    IDX_LEFT_BROW_UPPER,
    IDX_MENTON,
    IDX_RIGHT_BROW_UPPER,
    IDX_SUBNASALE,
)
from smpstudio.analysis.types import Masks

WORK_FACE_WIDTH_PX = 110.0
FOREHEAD_POLY = (67, 109, 10, 338, 297, 299, 9, 69)  # between the brows and landmark 10
LEFT_CHEEK_POLY = (116, 123, 147, 187, 205, 36, 142, 100, 118)
RIGHT_CHEEK_POLY = (345, 352, 376, 411, 425, 266, 371, 329, 347)
HAIR_DISTANCE_SIGMA = 4.0  # Mahalanobis distance from the skin model beyond which a pixel may be hair
SKIN_SURE_SIGMA = 1.5  # Mahalanobis distance from the skin model within which a pixel is skin
UPPER_THIRD_RATIO = 1.0  # domain.md §3: upper facial third = middle third (1:1:0.9)
INTACT_HAIRLINE_THIRDS = 1.15  # [calibration] a midline hair edge this high is still the hairline
HAIR_RIM_FACE_WIDTHS = 0.12  # [calibration] depth of the head's outer rim the hair model is fitted on
HEAD_OPEN_FACE_WIDTHS = 0.06  # [calibration] opening radius that cuts the head from touching background
MIN_HAIR_FRACTION = 0.02  # of the head region, below which the client is treated as having no hair
HAIR_VOLUME_FACTOR = 1.3  # hair may stand this far out of the skull model (radii factor)
FAR_FACTOR = 1.45  # beyond this, surely background
EDGE_STEPS_PX = 2  # [calibration] the scaled-up hair edge is re-read up to this far into the skin (photo px)
EDGE_MIN_DELTA_E = 10.0  # [calibration] hair at least this far (CIE76) from the forehead has an edge by colour
SKIN_L_SPREAD = 0.0  # L* (CIELAB) the scalp's skin may differ from the forehead's by (shine, shading)


def _poly_mask(shape: tuple[int, int], pts: np.ndarray) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(pts).astype(np.int32).reshape(-1, 1, 2)], 1)
    return m.astype(bool)


def _features(rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab)
    L = lab[..., 0]
    mean = cv2.blur(L, (5, 5))
    sq = cv2.blur(L * L, (5, 5))
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    return np.concatenate([lab, std[..., None]], axis=2)


def _gaussian(samples: np.ndarray, l_spread: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    mu = samples.mean(axis=0)
    # regularise (L*, a*, b*, std); ``l_spread`` widens L* for lighting the samples do not show
    cov = np.cov(samples, rowvar=False) + np.diag([4.0 + l_spread**2, 1.0, 1.0, 1.0])
    return mu, np.linalg.inv(cov)


def _mahalanobis2(x: np.ndarray, mu: np.ndarray, icov: np.ndarray) -> np.ndarray:
    d = x - mu
    return np.einsum("...i,ij,...j->...", d, icov, d)


def _trimmed(feat: np.ndarray, mask: np.ndarray) -> np.ndarray:
    s = feat[mask]
    if len(s) < 10:
        return s
    lo, hi = np.percentile(s[:, 0], [10, 90])  # drop shadows and highlights
    return s[(s[:, 0] >= lo) & (s[:, 0] <= hi)]


def segment(rgb: np.ndarray, landmarks_px: np.ndarray, head: HeadModel) -> Masks:
    """Label every pixel hair, skin or background.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), float32
        sRGB in [0, 1].
    landmarks_px : ndarray, shape (478, 2+)
    head : HeadModel

    Returns
    -------
    Masks
    """
    h, w = rgb.shape[:2]
    pts = np.asarray(landmarks_px, dtype=np.float64)[:, :2]
    oval = pts[list(FACE_OVAL)]
    face_w, face_h = float(np.ptp(oval[:, 0])), float(np.ptp(oval[:, 1]))
    # work on a crop around the head (the background far from it is irrelevant), scaled down
    x0 = int(max(0, np.floor(oval[:, 0].min() - 0.7 * face_w)))
    x1 = int(min(w, np.ceil(oval[:, 0].max() + 0.7 * face_w)))
    y0 = int(max(0, np.floor(oval[:, 1].min() - 1.0 * face_h)))
    y1 = int(min(h, np.ceil(pts[IDX_MENTON, 1] + 0.1 * face_h)))
    cw, ch = x1 - x0, y1 - y0
    k = min(1.0, WORK_FACE_WIDTH_PX / max(face_w, 1.0))
    sw, sh = max(8, round(cw * k)), max(8, round(ch * k))
    crop = rgb[y0:y1, x0:x1]
    small = cv2.resize(crop, (sw, sh), interpolation=cv2.INTER_AREA) if (sw, sh) != (cw, ch) else crop
    fx, fy = sw / cw, sh / ch
    sp = (pts - np.array([x0, y0])) * np.array([fx, fy])

    face = _poly_mask((sh, sw), sp[list(FACE_OVAL)])
    # the head model's silhouette (scalp ellipsoid), evaluated on the small grid
    yy, xx = np.mgrid[0:sh, 0:sw]
    grid = np.stack([(xx.ravel() + 0.5) / fx + x0, (yy.ravel() + 0.5) / fy + y0], axis=1)
    _, fs = head.surface_at_px(grid)
    scalp = (fs > 0).reshape(sh, sw)
    # hair adds volume around the skull: a wider shell is still probably head, far outside it is not
    _, fs_out = replace(head, radii_mm=head.radii_mm * HAIR_VOLUME_FACTOR).surface_at_px(grid)
    shell = (fs_out > 0).reshape(sh, sw)
    chin_y = sp[IDX_MENTON, 1]
    below_chin = yy > chin_y

    # 1. head vs background -------------------------------------------------------------------
    gc = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    prob_fg = scalp | face
    gc[shell] = cv2.GC_PR_FGD
    gc[prob_fg] = cv2.GC_PR_FGD
    gc[face] = cv2.GC_FGD
    _, fs_far = replace(head, radii_mm=head.radii_mm * FAR_FACTOR).surface_at_px(grid)
    gc[(fs_far.reshape(sh, sw) == 0) | below_chin] = cv2.GC_BGD
    img8 = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
    bgr = cv2.cvtColor(img8, cv2.COLOR_RGB2BGR)
    head_fg = prob_fg & ~below_chin
    if (gc == cv2.GC_BGD).any() and ((gc == cv2.GC_PR_BGD) | (gc == cv2.GC_BGD)).sum() > 50:
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.setRNGSeed(0)
        cv2.grabCut(bgr, gc, (0, 0, 1, 1), bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
        head_fg = ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)) & ~below_chin
    # cut thin bridges into the background (a wall of the hair's colour touching the head)
    r = max(1, round(HEAD_OPEN_FACE_WIDTHS * WORK_FACE_WIDTH_PX))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    head_fg = cv2.morphologyEx(head_fg.astype(np.uint8), cv2.MORPH_OPEN, disk) > 0
    head_fg |= face
    head_fg = _largest_component(head_fg)

    # 2. hair vs skin ---------------------------------------------------------------------------
    feat = _features(small)
    skin_seed = _poly_mask((sh, sw), sp[list(FOREHEAD_POLY)])
    skin_seed |= _poly_mask((sh, sw), sp[list(LEFT_CHEEK_POLY)])
    skin_seed |= _poly_mask((sh, sw), sp[list(RIGHT_CHEEK_POLY)])
    skin_samples = _trimmed(feat, skin_seed)
    brow_y = min(sp[list(IDX_LEFT_BROW_UPPER), 1].min(), sp[list(IDX_RIGHT_BROW_UPPER), 1].min())
    hair = _classify_hair(feat, skin_samples, head_fg, face, yy, brow_y, chin_y, bgr, skin_seed)

    def up(m: np.ndarray) -> np.ndarray:
        full = np.zeros((h, w), bool)
        if (sw, sh) != (cw, ch):
            m = cv2.resize(m.astype(np.float32), (cw, ch), interpolation=cv2.INTER_LINEAR) > 0.5
        full[y0:y1, x0:x1] = m
        return full

    hair_u, head_u = up(hair), up(head_fg)
    face_u = _poly_mask((h, w), oval)
    hair_u &= head_u
    brow_u = min(pts[list(IDX_LEFT_BROW_UPPER), 1].min(), pts[list(IDX_RIGHT_BROW_UPPER), 1].min())
    front = (np.arange(h)[:, None] < brow_u) & (np.abs(np.arange(w)[None, :] - oval[:, 0].mean()) < 0.5 * face_w)
    hair_u = _hair_edge_at_full_resolution(rgb, hair_u, head_u & front,
                                           _poly_mask((h, w), pts[list(FOREHEAD_POLY)]))
    skin_u = head_u & ~hair_u
    forehead_u, scalp_u = _split_forehead_scalp(pts, skin_u, hair_u)
    return Masks(hair=hair_u, skin=skin_u, background=~head_u, face=face_u, head=head_u,
                 scalp=scalp_u, forehead=forehead_u)


def _hair_edge_at_full_resolution(rgb: np.ndarray, hair: np.ndarray, head: np.ndarray,
                                  forehead: np.ndarray) -> np.ndarray:
    """The hair mask with its front edge (above the brows, over the face's width: ``head`` is the head
    there) re-read at the photo's own resolution.

    The classes are found on a grid ~:data:`WORK_FACE_WIDTH_PX` wide and scaled up, so the hair's edge
    is placed to ~2-3 photo pixels: the front row of a dark hairline fell on the skin side, and every
    later step kept it as the client's skin (a dark line along the buzzed hairline). Skin pixels up to
    :data:`EDGE_STEPS_PX` from the hair whose CIELAB colour lies over half way from the forehead's skin
    to the hair beside them become hair; a step grows the mask by one pixel, only where the colour says so.
    """
    if not hair.any() or not (forehead & head & ~hair).any():
        return hair
    rows, cols = np.nonzero(hair.any(axis=1))[0], np.nonzero(hair.any(axis=0))[0]
    pad = EDGE_STEPS_PX + 2
    r0, r1 = max(0, rows[0] - pad), min(hair.shape[0], rows[-1] + 1 + pad)
    c0, c1 = max(0, cols[0] - pad), min(hair.shape[1], cols[-1] + 1 + pad)
    box = (slice(r0, r1), slice(c0, c1))
    lab = cv2.cvtColor(np.ascontiguousarray(rgb[box], np.float32), cv2.COLOR_RGB2Lab)
    hb, head_b = hair[box].copy(), head[box]
    skin_ref = forehead[box] & head_b & ~hb
    if skin_ref.sum() < 20:
        return hair
    skin_lab = np.median(lab[skin_ref], axis=0)
    k = np.ones((3, 3), np.uint8)
    # the hair's colour near its edge (within ~6 px of the skin), where the missed front row belongs
    near = hb & cv2.dilate((head_b & ~hb).astype(np.uint8), np.ones((13, 13), np.uint8)).astype(bool)
    if near.sum() < 20:
        return hair
    d = np.median(lab[near], axis=0) - skin_lab
    dd = float(d @ d)
    if dd < EDGE_MIN_DELTA_E**2:  # hair the colour of skin: no edge to read from colour
        return hair
    t = ((lab - skin_lab) @ d) / dd
    grow = head_b & (t > 0.5)
    for _ in range(EDGE_STEPS_PX):
        step = cv2.dilate(hb.astype(np.uint8), k).astype(bool) & grow & ~hb
        if not step.any():
            break
        hb |= step
    out = hair.copy()
    out[box] = hb
    return out


def _split_forehead_scalp(pts: np.ndarray, skin: np.ndarray, hair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forehead skin (brows to the forehead's top) and visible scalp skin (above it) of the head.

    Heights are measured along the face's midline (subnasale -> glabella) in units of the middle
    facial third (glabella-subnasale). The forehead's top is the lowest hair on the midline above the
    brows when it lies within ``INTACT_HAIRLINE_THIRDS`` (an intact hairline), else the end of the
    upper third at ``UPPER_THIRD_RATIO`` middle thirds (domain.md §3, facial thirds 1:1:0.9): skin
    above it is scalp the hair has receded from.
    """
    h, w = skin.shape
    g, sn = pts[IDX_GLABELLA], pts[IDX_SUBNASALE]
    up = g - sn
    third = float(np.linalg.norm(up))
    if third < 1.0:
        return np.zeros_like(skin), np.zeros_like(skin)
    u = up / third
    brow = min(pts[list(IDX_LEFT_BROW_UPPER), 1].min(), pts[list(IDX_RIGHT_BROW_UPPER), 1].min())
    forehead_full, scalp_full = np.zeros_like(skin), np.zeros_like(skin)
    rows, cols = np.nonzero(np.any(skin | hair, axis=1))[0], np.nonzero(np.any(skin | hair, axis=0))[0]
    if not len(rows):
        return forehead_full, scalp_full
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    skin, hair = skin[r0:r1, c0:c1], hair[r0:r1, c0:c1]  # work on the head's box only
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float32)
    height = ((xx + 0.5 - g[0]) * u[0] + (yy + 0.5 - g[1]) * u[1]) / third  # thirds above the glabella
    lateral = ((xx + 0.5 - g[0]) * -u[1] + (yy + 0.5 - g[1]) * u[0]) / third
    brow_h = float(((np.array([g[0], brow]) - g) @ u) / third)
    strip = (np.abs(lateral) < 0.25) & (height > brow_h) & (skin | hair)
    top = UPPER_THIRD_RATIO
    if strip.any():
        # the hair's edge: the lowest height band (0.05 thirds) of the midline strip that is mostly hair
        band = np.floor(height[strip] / 0.05).astype(np.int64)
        b0 = int(band.min())
        n_all = np.bincount(band - b0)
        n_hair = np.bincount(band - b0, weights=hair[strip].astype(np.float64), minlength=len(n_all))
        mostly = np.nonzero((n_all >= 3) & (n_hair > 0.5 * np.maximum(n_all, 1)))[0]
        if len(mostly):
            hair_edge = (mostly[0] + b0) * 0.05
            if hair_edge <= INTACT_HAIRLINE_THIRDS:
                top = hair_edge
    above_brows = height > brow_h
    forehead_full[r0:r1, c0:c1] = skin & above_brows & (height <= top)
    scalp_full[r0:r1, c0:c1] = skin & (height > top)
    return forehead_full, scalp_full


def _classify_hair(feat: np.ndarray, skin_samples: np.ndarray, head: np.ndarray, face: np.ndarray,
                   yy: np.ndarray, brow_y: float, chin_y: float, bgr: np.ndarray,
                   skin_seed: np.ndarray) -> np.ndarray:
    """Hair pixels of the head: a two-class Gaussian discriminant fitted on this photo.

    Skin is modelled on the forehead and cheeks in chroma and texture (a*, b*, std of L*) with L*
    down-weighted (the scalp above the forehead is lit and shines differently); hair is modelled on
    the head's pixels far from the skin model. Hair is allowed above the mid-face (a fringe over the
    forehead, sideburns), never on the eyes, brows or lower face.
    """
    hair = np.zeros(head.shape, bool)
    if len(skin_samples) < 10:
        return hair
    mu_s, icov_s = _gaussian(skin_samples, SKIN_L_SPREAD)
    d2_skin = _mahalanobis2(feat, mu_s, icov_s)
    allowed = head & (yy < brow_y + 0.5 * (chin_y - brow_y)) & ~(face & (yy > brow_y - 0.02 * head.shape[0]))
    cand = allowed & (d2_skin > HAIR_DISTANCE_SIGMA**2)
    if cand.sum() < max(20, MIN_HAIR_FRACTION * allowed.sum()):
        return hair
    # the hair model is fitted where hair is surest: far from the skin model in the head's outer rim
    # above the brows (the temples' shaded skin, far from the skin model too, stays out of it)
    rim_px = HAIR_RIM_FACE_WIDTHS * WORK_FACE_WIDTH_PX
    d_out = cv2.distanceTransform(head.astype(np.uint8), cv2.DIST_L2, 3)
    rim = cand & (d_out < rim_px) & (yy < brow_y)
    if rim.sum() >= max(20, 0.25 * cand.sum()):
        cand = rim
    mu_h, icov_h = _gaussian(feat[cand])
    d2_hair = _mahalanobis2(feat, mu_h, icov_h)
    ld_s = -0.5 * d2_skin + 0.5 * np.linalg.slogdet(icov_s)[1]
    ld_h = -0.5 * d2_hair + 0.5 * np.linalg.slogdet(icov_h)[1]
    sure_skin = d2_skin <= SKIN_SURE_SIGMA**2
    hair = (ld_h > ld_s) & ~sure_skin & allowed
    # spatial coherence (GrabCut between hair and skin), never onto surely-skin pixels
    hair = _refine_hair(bgr, hair, head, face, skin_seed) & allowed & ~sure_skin
    k = np.ones((3, 3), np.uint8)
    hair = cv2.morphologyEx(cv2.morphologyEx(hair.astype(np.uint8), cv2.MORPH_OPEN, k), cv2.MORPH_CLOSE, k) > 0
    if hair.sum() < MIN_HAIR_FRACTION * allowed.sum():
        hair[:] = False
    return hair


def _refine_hair(bgr: np.ndarray, hair_like: np.ndarray, head: np.ndarray, face: np.ndarray,
                 skin_seed: np.ndarray) -> np.ndarray:
    """GrabCut between hair and skin inside the head, initialised by the colour classification."""
    if hair_like.sum() < 20 or (head & ~hair_like).sum() < 20:
        return hair_like
    er = cv2.erode(hair_like.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    gc = np.full(hair_like.shape, cv2.GC_PR_BGD, np.uint8)
    gc[hair_like] = cv2.GC_PR_FGD
    gc[er] = cv2.GC_FGD
    gc[~head | skin_seed] = cv2.GC_BGD
    gc[face & ~hair_like] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(1)
    cv2.grabCut(bgr, gc, (0, 0, 1, 1), bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    return ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)) & head


def _largest_component(mask: np.ndarray) -> np.ndarray:
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return lab == i
