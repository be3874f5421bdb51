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
