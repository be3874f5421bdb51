"""The background behind removed hair volume, reconstructed from the background around it.

OpenCV's Telea inpainting [1]_ at ~1 px/mm: the fill is a smooth continuation of the background, so a
coarse fill scaled up is the same picture at a fraction of the cost.

References
----------
.. [1] Telea, A. "An image inpainting technique based on the fast marching method." J. Graphics Tools
   9(1):23-34, 2004.
"""

from __future__ import annotations

import cv2
import numpy as np

INPAINT_PX_PER_MM = 1.0  # the background fill is smooth: filled at 1 px/mm and scaled up
RIM_MM = 4.0  # the face outline's inner rim is no source of the background fill (it holds hair strands)


def inpaint_background(rgb: np.ndarray, hole: np.ndarray, need: np.ndarray,
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




STRAY_MIN_SHARE = 0.25  # a pixel this far from the background toward the hair's colour holds hair
STRAY_MIN_DELTA_E = 6.0  # CIE76: closer to the background fill than this is background (texture, noise)


def stray_hair(rgb: np.ndarray, fill: np.ndarray, hair_srgb: np.ndarray, search: np.ndarray) -> np.ndarray:
    """Pixels of ``search`` that hold hair the mask missed: wisps and fly-aways against the background.

    A wisp is a mix ``b * hair + (1 - b) * background``; with the background estimated by a fill over the
    whole search ring (:func:`inpaint_background`), ``b`` is the pixel's share along the line from the
    fill's colour to the hair's, in CIE L*a*b*. A pixel is hair where that share is at least
    ``STRAY_MIN_SHARE`` and it stands ``STRAY_MIN_DELTA_E`` apart from the fill (a hair colour that close
    to the background's is not told apart: it does not show either).

    Parameters
    ----------
    rgb, fill : ndarray, shape (H, W, 3), float32
        The photo and the background fill over the same box, sRGB in [0, 1].
    hair_srgb : ndarray, shape (3,)
        The client's hair colour, sRGB in [0, 1].
    search : ndarray of bool, shape (H, W)
        Where to look (background beside the head).

    Returns
    -------
    ndarray of bool, shape (H, W)

    Examples
    --------
    >>> bg = np.full((4, 4, 3), [0.9, 0.7, 0.1], np.float32)
    >>> img = bg.copy(); img[1, 1] = 0.6 * np.float32(0.95) + 0.4 * bg[1, 1]
    >>> int(stray_hair(img, bg, np.array([0.95, 0.95, 0.95]), np.ones((4, 4), bool)).sum())
    1
    """
    lab = cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2Lab)
    ref = cv2.cvtColor(np.ascontiguousarray(fill, np.float32), cv2.COLOR_RGB2Lab)
    hair = cv2.cvtColor(np.asarray(hair_srgb, np.float32).reshape(1, 1, 3), cv2.COLOR_RGB2Lab)[0, 0]
    dh = hair[None, None, :] - ref
    dh2 = (dh * dh).sum(axis=2)
    share = ((lab - ref) * dh).sum(axis=2) / np.maximum(dh2, 1e-6)
    apart = np.linalg.norm(lab - ref, axis=2) > STRAY_MIN_DELTA_E
    return search & apart & (share >= STRAY_MIN_SHARE) & (dh2 > STRAY_MIN_DELTA_E**2)


def enclosed_specks(around: np.ndarray, max_area_px: float) -> np.ndarray:
    """Pieces of the image outside ``around`` smaller than ``max_area_px`` that ``around`` encloses (they
    touch neither the image's border nor any larger piece).

    Examples
    --------
    >>> ring = np.ones((7, 7), bool); ring[3, 3] = False
    >>> int(enclosed_specks(ring, 4).sum())
    1
    """
    n, comp, stats, _ = cv2.connectedComponentsWithStats((~around).astype(np.uint8), connectivity=4)
    h, w = around.shape
    x, y, bw, bh, area = (stats[:, i] for i in range(5))
    keep = (area < max_area_px) & (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h)
    keep[0] = False
    return np.asarray(keep[comp] & ~around)
