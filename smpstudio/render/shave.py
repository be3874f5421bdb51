"""Simulate the client's head shaved, as it will be for SMP, from a photo with hair.

SMP is worn with a shaved or buzzed head, so a preview drawn over the client's current hair says
little. This model replaces the hair on the skull with scalp skin and removes the hair's volume
outside the skull:

1. **Scalp skin** on the skull (head model silhouette) where the photo shows hair: the skin's albedo
   and the scene's lighting are fitted on the client's own forehead, in linear light, as a
   first-order spherical-harmonic (ambient + directional) shading model over the head model's
   surface normals, ``I_c(n) = a_c + b_c . n`` per channel; the scalp is then shaded with the same
   light at its own normals, so it is lit like the forehead (brighter where it faces the light,
   darker toward the silhouette), with the grain of the client's own forehead (blocks of its fine
   detail, picked at random from clean skin).
2. **Background** where the hair stood out beyond the skull: filled in from the surrounding
   background (OpenCV's Telea inpainting).
3. The transition is feathered over ~1 mm so no seam is visible.

References
----------
.. [1] Ramamoorthi, R., Hanrahan, P. "An efficient representation for irradiance environment maps."
   SIGGRAPH 2001 (low-order spherical-harmonic lighting).
.. [2] Telea, A. "An image inpainting technique based on the fast marching method." J. Graphics Tools
   9(1):23-34, 2004.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from smpstudio.analysis.landmarks import (
    FACE_OVAL,
    IDX_LEFT_BROW_UPPER,
    IDX_RIGHT_BROW_UPPER,
    IDX_SUBNASALE,
)
from smpstudio.analysis.segmentation import FOREHEAD_POLY, LEFT_CHEEK_POLY, RIGHT_CHEEK_POLY
from smpstudio.analysis.types import Analysis, Masks
from smpstudio.plan.colour_space import linear_to_srgb
from smpstudio.render.render import srgb_to_linear

# Lighting of the shaved scalp: Lambertian, ambient + diffuse from a light above the camera, scaled so
# that the forehead's mean normal reproduces the forehead's measured colour.
LIGHT_DIR = np.array([0.0, -0.45, -0.89], np.float32)  # toward the light: up and toward the camera
AMBIENT, DIFFUSE = 0.6, 0.4  # soft indoor light: sides of the head only somewhat darker
TEXTURE_STRENGTH = 0.025  # relative std of the synthetic texture used when no clean forehead skin is seen
FRINGE_DELTA_E = 14.0  # colour distance (CIE76) beyond which a forehead pixel is hair, not skin
FEATHER_MM = 1.0
VOLUME_MARGIN_MM = 3.0  # background margin taken around the removed hair volume before inpainting
WORK_PX_PER_MM = 3.0  # resolution of the scalp model (1/3 mm); the result is scaled up to the photo
HEAD_BOX_MARGIN_MM = 25.0  # the shave's reach beyond the head mask: skull outline, volume margin, seam, fill
INPAINT_PX_PER_MM = 1.0  # the background fill is smooth: filled at 1 px/mm and scaled up
RIM_MM = 4.0  # the face outline's inner rim is no source of the background fill (it holds hair strands)


def _encode(v: np.ndarray) -> np.ndarray:
    """Linear light -> sRGB-encoded float32, clipped to [0, 1]."""
    return np.clip(linear_to_srgb(np.clip(v, 0.0, 1.0)), 0.0, 1.0).astype(np.float32)


def _normals(analysis: Analysis, xy_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit normals (image axes, z toward the camera negative) of the head model under pixels."""
    head = analysis.head
    assert head is not None
    q, fs = head.surface_at_px(xy_px)
    grad = (q - head.center_mm) / head.radii_mm**2
    n = grad @ head.rotation.T
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    return n, fs > 0


def _top_edge(oval: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The face oval's upper boundary as y(x): for each x, the smallest y of the polygon's upper half."""
    top = oval[np.argsort(oval[:, 0])]
    upper = top[top[:, 1] <= np.median(oval[:, 1])]
    return upper[:, 0], upper[:, 1]


def simulate_shaved(rgb: np.ndarray, analysis: Analysis, *, seed: int = 0) -> tuple[np.ndarray, Masks, bool]:
    """The photo with the head shaved.

    The scalp is a smooth, softly lit surface: it is modelled at no more than ``WORK_PX_PER_MM`` (on a
    crop around the head) and scaled up, so a 12 MP phone photo costs about what a small one does;
    pixels outside the changed region are the input's, bit for bit.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), float32
        sRGB photo in [0, 1].
    analysis : Analysis
    seed : int
        Seed of the skin texture.

    Returns
    -------
    rgb : ndarray, float32
        The shaved photo (the input itself when there is no hair to remove).
    masks : Masks
        Updated masks: the skull's hair is now skin, the removed volume background.
    changed : bool
        Whether any hair was removed.
    """
    m = analysis.masks
    if not m.hair.any():
        return rgb, m, False
    # everything the shave changes lies within the head's box (the removed volume, its margin, the
    # feathered seam): work on that crop only
    h, w = rgb.shape[:2]
    rows, cols = np.nonzero(m.head.any(axis=1))[0], np.nonzero(m.head.any(axis=0))[0]
    if len(rows) == 0:  # no head outline to bound the work: the whole photo
        return _shave_scaled(rgb, analysis, seed)
    pad = int(np.ceil(HEAD_BOX_MARGIN_MM * analysis.frame.px_per_mm)) + 2
    y0, y1 = max(0, int(rows[0]) - pad), min(h, int(rows[-1]) + 1 + pad)
    x0, x1 = max(0, int(cols[0]) - pad), min(w, int(cols[-1]) + 1 + pad)
    if (y0, y1, x0, x1) == (0, h, 0, w):
        return _shave_scaled(rgb, analysis, seed)
    crop = _cropped(analysis, (x0, y0, x1, y1))
    out_c, masks_c, changed = _shave_scaled(np.ascontiguousarray(rgb[y0:y1, x0:x1]), crop, seed)
    if not changed:
        return rgb, m, False
    result = rgb.copy()
    result[y0:y1, x0:x1] = out_c

    def paste(full: np.ndarray, part: np.ndarray) -> np.ndarray:
        out = full.copy()
        out[y0:y1, x0:x1] = part
        return out

    return result, Masks(hair=paste(m.hair, masks_c.hair), skin=paste(m.skin, masks_c.skin),
                         background=paste(m.background, masks_c.background), face=m.face,
                         head=paste(m.head, masks_c.head)), True


def _cropped(analysis: Analysis, box: tuple[int, int, int, int]) -> Analysis:
    """The analysis of the photo cropped to ``box`` = (x0, y0, x1, y1) px (what the shave reads of it)."""
    x0, y0, x1, y1 = box
    m = analysis.masks
    head = analysis.head
    assert head is not None
    f = analysis.frame

    def cut(mask: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(mask[y0:y1, x0:x1])

    return replace(
        analysis,
        image_size=(x1 - x0, y1 - y0),
        landmarks_px=analysis.landmarks_px - np.array([x0, y0], np.float32),
        masks=Masks(hair=cut(m.hair), skin=cut(m.skin), background=cut(m.background), face=cut(m.face),
                    head=cut(m.head)),
        frame=replace(f, origin_px=(f.origin_px[0] - x0, f.origin_px[1] - y0)),
        head=replace(head, origin_px=head.origin_px - np.array([x0, y0, 0.0])),
    )


def _shave_scaled(rgb: np.ndarray, analysis: Analysis, seed: int) -> tuple[np.ndarray, Masks, bool]:
    """:func:`simulate_shaved` of a crop: modelled at no more than ``WORK_PX_PER_MM`` and scaled up."""
    m = analysis.masks
    h, w = rgb.shape[:2]
    k = min(1.0, WORK_PX_PER_MM / analysis.frame.px_per_mm)
    if k >= 1.0:
        return _shave(rgb, analysis, seed)
    sw, sh = max(8, round(w * k)), max(8, round(h * k))
    kx, ky = sw / w, sh / h
    small_rgb = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
    small = _scaled(analysis, kx, ky, (sw, sh))
    out_small, masks_small, changed = _shave(small_rgb, small, seed)
    if not changed:
        return rgb, m, False
    # where the small result differs, take it scaled up; elsewhere keep the input's own pixels. Only the
    # changed region's bounding box is scaled up (a bilinear resize of a zero difference is zero).
    diff = np.abs(out_small - small_rgb).max(axis=2) > 0
    rows, cols = np.nonzero(diff.any(axis=1))[0], np.nonzero(diff.any(axis=0))[0]
    # full-resolution box: pixels whose bilinear taps touch a changed small pixel (1 small px margin)
    y0, y1 = max(0, int((rows[0] - 1) / ky)), min(h, int(np.ceil((rows[-1] + 2) / ky)) + 1)
    x0, x1 = max(0, int((cols[0] - 1) / kx)), min(w, int(np.ceil((cols[-1] + 2) / kx)) + 1)
    result = rgb.copy()
    result[y0:y1, x0:x1] = np.clip(rgb[y0:y1, x0:x1] + _upscale_box(out_small - small_rgb, (w, h), (x0, y0, x1, y1),
                                                                      cv2.INTER_LINEAR), 0.0, 1.0)

    def up(mask: np.ndarray) -> np.ndarray:
        full = np.zeros((h, w), bool)
        full[y0:y1, x0:x1] = _upscale_box(mask.astype(np.uint8), (w, h), (x0, y0, x1, y1), cv2.INTER_NEAREST) > 0
        return full

    removed = up(_removed(small.masks, masks_small)) & m.hair
    volume = up(small.masks.head & ~masks_small.head) & m.head
    hair = m.hair & ~removed & ~volume
    head = m.head & ~volume
    return result, replace(m, hair=hair, skin=head & ~hair, background=~head, head=head), True


def _upscale_box(small: np.ndarray, size: tuple[int, int], box: tuple[int, int, int, int], interp: int) -> np.ndarray:
    """The part ``box`` = (x0, y0, x1, y1) of ``small`` resized to ``size`` (w, h), as ``cv2.resize`` maps it.

    Full-resolution pixel centre x + 0.5 samples the small image at (x + 0.5) * kx - 0.5 (kx computed as
    OpenCV does, 1 / (w / small_w)), the same mapping as resizing the whole image, so a box equals the same
    box cut from the full resize.
    """
    kx, ky = 1.0 / (size[0] / small.shape[1]), 1.0 / (size[1] / small.shape[0])
    x0, y0, x1, y1 = box
    if interp == cv2.INTER_NEAREST:  # OpenCV's nearest neighbour: floor(x * kx), no half-pixel shift
        xs = np.minimum(np.floor(np.arange(x0, x1) * kx).astype(np.int64), small.shape[1] - 1)
        ys = np.minimum(np.floor(np.arange(y0, y1) * ky).astype(np.int64), small.shape[0] - 1)
        return small[ys[:, None], xs[None, :]]
    m = np.array([[kx, 0.0, (x0 + 0.5) * kx - 0.5], [0.0, ky, (y0 + 0.5) * ky - 0.5]])
    return cv2.warpAffine(small, m, (x1 - x0, y1 - y0), flags=interp | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def _skin_grain(rgb: np.ndarray, skin: np.ndarray, size: tuple[int, int], ppm: float,
                rng: np.random.Generator) -> np.ndarray | None:
    """The photo's own skin grain (pores, freckles, sensor and JPEG noise) for a patch of ``size`` (h, w).

    The forehead's fine detail (linear light relative to its 1.5 mm local mean, per channel) is cut into
    square blocks of ~2 mm that lie wholly on clean skin, and the patch is tiled with blocks picked at
    random (seeded): the modelled scalp then has the same grain as the real skin beside it instead of
    a synthetic texture. None when the skin offers fewer than 8 such blocks.
    """
    block = max(4, int(round(2.0 * ppm)))
    ok = cv2.erode(skin.astype(np.uint8), np.ones((block, block), np.uint8), anchor=(0, 0),
                   borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
    oy, ox = np.nonzero(ok[: ok.shape[0] - block + 1, : ok.shape[1] - block + 1])
    if len(oy) < 8:
        return None
    r, c = np.nonzero(skin.any(axis=1))[0], np.nonzero(skin.any(axis=0))[0]
    pad = 3 * block
    by = slice(max(0, r[0] - pad), min(skin.shape[0], r[-1] + 1 + pad))
    bx = slice(max(0, c[0] - pad), min(skin.shape[1], c[-1] + 1 + pad))
    lin = srgb_to_linear(np.ascontiguousarray(rgb[by, bx]))
    local = cv2.GaussianBlur(lin, (0, 0), max(0.7, 1.5 * ppm))
    detail = np.clip(lin / np.maximum(local, 1e-4) - 1.0, -0.5, 0.5).astype(np.float32)
    oy, ox = oy - by.start, ox - bx.start
    # grain, not features: blocks holding a highlight, a freckle cluster or a shadow edge are left out
    absmax = np.abs(detail).max(axis=2)
    block_max = cv2.dilate(absmax, np.ones((block, block), np.uint8), anchor=(0, 0))  # max over each block
    sigma = max(1.4826 * float(np.median(absmax[skin[by, bx]])), 1e-4)
    calm = block_max[oy, ox] < 2.5 * sigma
    if calm.sum() < 8:
        return None
    oy, ox = oy[calm], ox[calm]
    detail = np.clip(detail, -2.5 * sigma, 2.5 * sigma)
    h, w = size
    nby, nbx = -(-h // block), -(-w // block)
    pick = rng.integers(0, len(oy), nby * nbx)
    dy, dx = np.mgrid[0:block, 0:block]
    rows = (oy[pick][:, None, None] + dy[None]).reshape(nby, nbx, block, block)
    cols = (ox[pick][:, None, None] + dx[None]).reshape(nby, nbx, block, block)
    tiles = detail[rows, cols]  # (nby, nbx, block, block, 3)
    grain = tiles.transpose(0, 2, 1, 3, 4).reshape(nby * block, nbx * block, 3)[:h, :w]
    return np.ascontiguousarray(grain - grain.reshape(-1, 3).mean(axis=0))


def _inpaint_background(rgb: np.ndarray, hole: np.ndarray, need: np.ndarray,
                        ppm: float) -> tuple[np.ndarray, tuple[slice, slice]]:
    """Telea inpainting of ``hole`` over the bounding box of ``need`` (plus the fill radius), at no more
    than ``INPAINT_PX_PER_MM``: the fill is a smooth continuation of the background, so a coarse fill
    scaled up is the same picture at a fraction of the cost (inpainting time grows with hole area x radius²).

    Returns the filled crop (float32 sRGB) and the box (row and column slices) of the photo it covers.
    """
    h, w = hole.shape
    radius_px = 2.0 * ppm
    r, c = np.nonzero(need.any(axis=1))[0], np.nonzero(need.any(axis=0))[0]
    pad = int(np.ceil(4 * radius_px)) + 2
    box = (slice(max(0, r[0] - pad), min(h, r[-1] + 1 + pad)), slice(max(0, c[0] - pad), min(w, c[-1] + 1 + pad)))
    img8: np.ndarray = np.clip(rgb[box] * 255 + 0.5, 0, 255).astype(np.uint8)
    hole8: np.ndarray = hole[box].astype(np.uint8)
    bh, bw = hole8.shape
    f = min(1.0, INPAINT_PX_PER_MM / ppm)
    if f < 1.0:
        sw, sh = max(4, round(bw * f)), max(4, round(bh * f))
        img8 = cv2.resize(img8, (sw, sh), interpolation=cv2.INTER_AREA)
        # a coarse pixel touching the hole is hole: no hair colour is averaged into the known background
        hole8 = (cv2.resize(hole8.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0).astype(np.uint8)
    filled = cv2.inpaint(img8, hole8, max(3, int(round(radius_px * f))), cv2.INPAINT_TELEA)
    if f < 1.0:
        filled = cv2.resize(filled, (bw, bh), interpolation=cv2.INTER_LINEAR)
    return filled.astype(np.float32) / np.float32(255.0), box


def _removed(before: Masks, after: Masks) -> np.ndarray:
    """Hair pixels the shave turned into skin."""
    return before.hair & ~after.hair & after.head


def _scaled(analysis: Analysis, kx: float, ky: float, size: tuple[int, int]) -> Analysis:
    """The analysis of the same photo resized by (kx, ky) to ``size`` (w, h)."""
    sw, sh = size

    def shrink(mask: np.ndarray) -> np.ndarray:
        return cv2.resize(mask.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST).astype(bool)

    m = analysis.masks
    head = analysis.head
    assert head is not None
    f = analysis.frame
    pts = analysis.landmarks_px * np.array([kx, ky], np.float32)
    return replace(
        analysis,
        image_size=(sw, sh),
        landmarks_px=pts,
        masks=Masks(hair=shrink(m.hair), skin=shrink(m.skin), background=shrink(m.background),
                    face=shrink(m.face), head=shrink(m.head)),
        frame=replace(f, origin_px=(f.origin_px[0] * kx, f.origin_px[1] * ky), px_per_mm=f.px_per_mm * kx),
        head=replace(head, origin_px=head.origin_px * np.array([kx, ky, kx]), px_per_mm=head.px_per_mm * kx),
    )


def _shave(rgb: np.ndarray, analysis: Analysis, seed: int) -> tuple[np.ndarray, Masks, bool]:
    """:func:`simulate_shaved` at the photo's own resolution."""
    h, w = rgb.shape[:2]
    m = analysis.masks
    pts = analysis.landmarks_px.astype(np.float64)
    ppm = analysis.frame.px_per_mm

    # the skull's silhouette, evaluated on a coarse grid over the head's box and scaled up
    step = max(1, int(round(1.5 * ppm)))  # ~1.5 mm: normals vary slowly; the outline is interpolated
    r, c = np.nonzero(m.head.any(axis=1))[0], np.nonzero(m.head.any(axis=0))[0]
    pad = int(10 * ppm) + step
    hy = slice(max(0, r[0] - pad), min(h, r[-1] + 1 + pad)) if len(r) else slice(0, h)
    hx = slice(max(0, c[0] - pad), min(w, c[-1] + 1 + pad)) if len(c) else slice(0, w)
    bw, bh = hx.stop - hx.start, hy.stop - hy.start
    gx = np.arange(0, bw, step) + 0.5 * step
    gy = np.arange(0, bh, step) + 0.5 * step
    xx, yy = np.meshgrid(gx + hx.start, gy + hy.start)
    n_grid, on_grid = _normals(analysis, np.stack([xx.ravel(), yy.ravel()], axis=1))
    n_grid = n_grid.reshape(len(gy), len(gx), 3).astype(np.float32)
    n_grid[~on_grid.reshape(len(gy), len(gx))] = 0
    normals = np.zeros((h, w, 3), np.float32)
    normals[hy, hx] = cv2.resize(n_grid, (bw, bh), interpolation=cv2.INTER_LINEAR)
    skull = np.zeros((h, w), bool)
    skull[hy, hx] = cv2.resize(on_grid.reshape(len(gy), len(gx)).astype(np.float32), (bw, bh),
                               interpolation=cv2.INTER_LINEAR) > 0.5

    brow_y = min(pts[list(IDX_LEFT_BROW_UPPER), 1].min(), pts[list(IDX_RIGHT_BROW_UPPER), 1].min())
    rows = np.arange(h)[:, None]
    oval = pts[list(FACE_OVAL)]
    # the head is at least as wide as the face: down to the ears' lower end (~ the nose's base) the outline
    # is the convex hull of the model's silhouette and the face oval (the ellipsoid alone pinches in at the
    # temples, and what the hair hid beside the face is the side of the head, not background)
    contours, _ = cv2.findContours(skull.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        ear_low_y = float(pts[IDX_SUBNASALE, 1])
        hull = cv2.convexHull(np.concatenate([np.concatenate(contours).reshape(-1, 2),
                                              np.round(oval).astype(np.int32)]).astype(np.int32))
        widened = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(widened, hull, 1)
        skull |= widened.astype(bool) & (rows < ear_low_y)
    above_brows = rows < brow_y
    above_chin = rows < pts[FACE_OVAL[18], 1]
    # on the skull, above the face mesh's top edge, is scalp whatever the masks say (a fringe hides it);
    # between the mesh's top and the brows only what is labelled hair
    mesh_top = np.interp(np.arange(w), *_top_edge(oval))[None, :]
    # (and hair on the skull's sides, beside the face: the sides are clippered too)
    scalp = skull & ((m.hair & (above_brows | ~m.face)) | (rows < mesh_top)) & above_chin
    scalp &= ~(m.background & ~m.hair)
    volume = m.hair & ~skull & above_chin  # hair outside the skull
    # its wispy edge is labelled background but is still hair-coloured: take a margin around it
    grow = max(2, int(round(VOLUME_MARGIN_MM * ppm)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    volume = cv2.dilate(volume.astype(np.uint8), kernel).astype(bool) & ~skull & ~m.face & above_chin
    if not scalp.any() and not volume.any():
        return rgb, m, False

    # albedo x lighting measured on the forehead skin (median: no highlights, no shadows)
    # (cheeks too: a fringe labelled skin would darken a forehead-only estimate)
    fore = np.zeros((h, w), np.uint8)
    for poly in (FOREHEAD_POLY, LEFT_CHEEK_POLY, RIGHT_CHEEK_POLY):
        cv2.fillPoly(fore, [np.round(pts[list(poly)]).astype(np.int32).reshape(-1, 1, 2)], 1)
    fore_mask = fore.astype(bool) & m.skin
    if fore_mask.sum() < 20:
        fore_mask = m.skin & m.face
    samples = srgb_to_linear(rgb[fore_mask])  # linear light, only where it is needed
    lum = samples.mean(axis=1)
    lo, hi = np.percentile(lum, [40, 90])
    fore_colour = np.median(samples[(lum >= lo) & (lum <= hi)], axis=0)
    fore_normal = normals[fore_mask].mean(axis=0)
    fore_normal /= max(float(np.linalg.norm(fore_normal)), 1e-9)

    # a fringe over the forehead that the segmentation left as skin: clearly not skin-coloured pixels
    # between the brows' band and the mesh's top
    band = skull & (rows < brow_y - 0.04 * (pts[FACE_OVAL[18], 1] - brow_y)) & ~scalp & ~m.background
    if band.any():
        r, c = np.nonzero(band.any(axis=1))[0], np.nonzero(band.any(axis=0))[0]
        by = slice(max(0, r[0] - 1), r[-1] + 2)  # the band's box, 1 px margin for the closing
        bx = slice(max(0, c[0] - 1), c[-1] + 2)
        lab = cv2.cvtColor(np.ascontiguousarray(rgb[by, bx]), cv2.COLOR_RGB2Lab)
        ref = cv2.cvtColor(_encode(fore_colour.reshape(1, 1, 3)), cv2.COLOR_RGB2Lab)[0, 0]
        far = ((lab - ref) ** 2).sum(axis=2) > FRINGE_DELTA_E**2
        fringe = band[by, bx] & far
        fringe = cv2.morphologyEx(fringe.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool)
        scalp[by, bx] |= fringe & band[by, bx]

    ys, xs = np.nonzero(scalp)
    n = normals[ys, xs]
    shade = (AMBIENT + DIFFUSE * np.clip(n @ LIGHT_DIR, 0.0, None)) / (
        AMBIENT + DIFFUSE * max(float(fore_normal @ LIGHT_DIR), 0.0))
    # fine texture, drawn over the scalp's bounding box only
    y0, x0 = int(ys.min()) if len(ys) else 0, int(xs.min()) if len(xs) else 0
    bh, bw = (int(ys.max()) - y0 + 1, int(xs.max()) - x0 + 1) if len(ys) else (1, 1)
    rng = np.random.default_rng(seed)
    tex = _skin_grain(rgb, fore_mask, (bh, bw), ppm, rng)
    if tex is None:  # too little clean forehead: a synthetic fine texture
        noise = rng.standard_normal((bh, bw)).astype(np.float32)
        noise = np.asarray(cv2.GaussianBlur(noise, (0, 0), max(0.4, 0.06 * ppm)), dtype=np.float32)
        noise *= TEXTURE_STRENGTH / max(float(noise.std()), 1e-6)
        tex = np.repeat(noise[..., None], 3, axis=2)
    out = rgb.copy()
    out[ys, xs] = _encode(fore_colour[None, :] * shade[:, None] * (1.0 + tex[ys - y0, xs - x0]))

    if volume.any():
        # fill the volume from the background around the head only: the skull is part of the hole too,
        # so no scalp or hair colour bleeds outwards
        # the face's own border is not a source either: at the temples it still holds strands of hair
        rim = max(1, int(round(RIM_MM * ppm)))
        inner = cv2.erode(m.face.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1,) * 2))
        hole = volume | skull & ~m.face & above_chin | (m.face & ~inner.astype(bool) & above_chin)
        filled, box = _inpaint_background(rgb, hole, volume, ppm)
        out[box][volume[box]] = filled[volume[box]]

    # feather the seam between what changed and what did not
    changed = (scalp | volume).astype(np.float32)
    sigma = max(0.5, FEATHER_MM * ppm / 2)
    alpha = cv2.GaussianBlur(changed, (0, 0), sigma)
    alpha = np.maximum(alpha, changed * 0.0)[..., None]
    result = (rgb * (1 - alpha) + out * alpha).astype(np.float32)

    hair = m.hair & ~scalp & ~volume
    head = m.head & ~volume
    new_masks = replace(m, hair=hair, skin=head & ~hair, background=~head, head=head)
    return np.ascontiguousarray(result), new_masks, True
