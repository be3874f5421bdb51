"""Simulate the client's head shaved, as it will be for SMP, from a photo with hair.

SMP is worn with a shaved or buzzed head, so a preview drawn over the client's current hair says
little. This model replaces the hair on the skull with scalp skin and removes the hair's volume
outside the skull:

1. **Scalp skin** on the skull (head model silhouette) where the photo shows hair: the skin's albedo
   and the scene's lighting are fitted on the client's own forehead, in linear light, as a
   first-order spherical-harmonic (ambient + directional) shading model over the head model's
   surface normals, ``I_c(n) = a_c + b_c . n`` per channel; the scalp is then shaded with the same
   light at its own normals, so it is lit like the forehead (brighter where it faces the light,
   darker toward the silhouette), with a faint fine-grained texture.
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

from smpstudio.analysis.landmarks import FACE_OVAL, IDX_LEFT_BROW_UPPER, IDX_RIGHT_BROW_UPPER
from smpstudio.analysis.segmentation import FOREHEAD_POLY, LEFT_CHEEK_POLY, RIGHT_CHEEK_POLY
from smpstudio.analysis.types import Analysis, Masks
from smpstudio.plan.colour_space import linear_to_srgb
from smpstudio.render.render import srgb_to_linear

# Lighting of the shaved scalp: Lambertian, ambient + diffuse from a light above the camera, scaled so
# that the forehead's mean normal reproduces the forehead's measured colour.
LIGHT_DIR = np.array([0.0, -0.45, -0.89], np.float32)  # toward the light: up and toward the camera
AMBIENT, DIFFUSE = 0.6, 0.4  # soft indoor light: sides of the head only somewhat darker
TEXTURE_STRENGTH = 0.025  # relative std of the scalp's fine texture (pores, follicle openings)
FRINGE_DELTA_E = 14.0  # colour distance (CIE76) beyond which a forehead pixel is hair, not skin
FEATHER_MM = 1.0
VOLUME_MARGIN_MM = 3.0  # background margin taken around the removed hair volume before inpainting
WORK_PX_PER_MM = 3.0  # resolution of the scalp model (1/3 mm); the result is scaled up to the photo


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
    # where the small result differs, take it scaled up; elsewhere keep the input's own pixels
    diff = np.abs(out_small - small_rgb).max(axis=2) > 0
    weight = cv2.dilate(diff.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    up_w = cv2.resize(weight, (w, h), interpolation=cv2.INTER_LINEAR)
    up_delta = cv2.resize(out_small - small_rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    result = rgb.copy()
    sel = up_w > 0
    result[sel] = np.clip(rgb[sel] + up_delta[sel], 0.0, 1.0)

    def up(mask: np.ndarray) -> np.ndarray:
        return cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)

    removed = up(_removed(small.masks, masks_small)) & m.hair
    volume = up(small.masks.head & ~masks_small.head) & m.head
    hair = m.hair & ~removed & ~volume
    head = m.head & ~volume
    return result, replace(m, hair=hair, skin=head & ~hair, background=~head, head=head), True


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

    # the skull's silhouette, evaluated on a coarse grid and scaled up
    step = max(1, int(round(1.5 * ppm)))  # ~1.5 mm: normals vary slowly; the outline is interpolated
    gx = np.arange(0, w, step) + 0.5 * step
    gy = np.arange(0, h, step) + 0.5 * step
    xx, yy = np.meshgrid(gx, gy)
    n_grid, on_grid = _normals(analysis, np.stack([xx.ravel(), yy.ravel()], axis=1))
    n_grid = n_grid.reshape(len(gy), len(gx), 3).astype(np.float32)
    n_grid[~on_grid.reshape(len(gy), len(gx))] = 0
    normals = cv2.resize(n_grid, (w, h), interpolation=cv2.INTER_LINEAR)
    skull = cv2.resize(on_grid.reshape(len(gy), len(gx)).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_LINEAR) > 0.5

    brow_y = min(pts[list(IDX_LEFT_BROW_UPPER), 1].min(), pts[list(IDX_RIGHT_BROW_UPPER), 1].min())
    rows = np.arange(h)[:, None]
    above_brows = rows < brow_y
    above_chin = rows < pts[FACE_OVAL[18], 1]
    # on the skull, above the face mesh's top edge, is scalp whatever the masks say (a fringe hides it);
    # between the mesh's top and the brows only what is labelled hair
    oval = pts[list(FACE_OVAL)]
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
        lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
        ref = cv2.cvtColor(_encode(fore_colour.reshape(1, 1, 3)), cv2.COLOR_RGB2Lab)[0, 0]
        far = np.linalg.norm(lab - ref, axis=2) > FRINGE_DELTA_E
        fringe = band & far
        fringe = cv2.morphologyEx(fringe.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool)
        scalp |= fringe & band

    ys, xs = np.nonzero(scalp)
    n = normals[ys, xs]
    shade = (AMBIENT + DIFFUSE * np.clip(n @ LIGHT_DIR, 0.0, None)) / (
        AMBIENT + DIFFUSE * max(float(fore_normal @ LIGHT_DIR), 0.0))
    # fine texture, drawn over the scalp's bounding box only
    y0, x0 = int(ys.min()) if len(ys) else 0, int(xs.min()) if len(xs) else 0
    bh, bw = (int(ys.max()) - y0 + 1, int(xs.max()) - x0 + 1) if len(ys) else (1, 1)
    rng = np.random.default_rng(seed)
    tex = rng.standard_normal((bh, bw)).astype(np.float32)
    tex = np.asarray(cv2.GaussianBlur(tex, (0, 0), max(0.4, 0.06 * ppm)), dtype=np.float32)
    tex *= TEXTURE_STRENGTH / max(float(tex.std()), 1e-6)
    out = rgb.copy()
    out[ys, xs] = _encode(fore_colour[None, :] * (shade * (1.0 + tex[ys - y0, xs - x0]))[:, None])

    if volume.any():
        # fill the volume from the background around the head only: the skull is part of the hole too,
        # so no scalp or hair colour bleeds outwards
        img8 = np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
        radius = max(3, int(round(2 * ppm)))
        hole = (volume | skull & ~m.face & above_chin).astype(np.uint8)
        filled = cv2.inpaint(img8, hole, radius, cv2.INPAINT_TELEA)
        out[volume] = filled[volume].astype(np.float32) / 255.0

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
