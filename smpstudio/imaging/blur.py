"""How blurred a photo is: the Gaussian sigma (px) of its sharpest edges, so that what is drawn into it
(the buzzed stubble, :func:`smpstudio.scalp.stubble.buzz`) is no sharper than the photo itself.

Re-blur estimator ([1]_): an ideal step edge blurred by ``sigma`` has, after a further Gaussian blur of
``s``, a peak gradient proportional to ``1 / sqrt(sigma^2 + s^2)``. Re-blurred at two sigmas ``sa < sb``
the ratio of the peak gradients is ``r = sqrt(sigma^2 + sb^2) / sqrt(sigma^2 + sa^2)``, so
``sigma^2 = (sb^2 - r^2 sa^2) / (r^2 - 1)``. It is read at the strongest edges (local maxima of the
gradient in its top :data:`EDGE_PERCENTILE` percent) inside a mask, and the median taken. On a sampled image
the pixel's area and the 3 x 3 Sobel's central difference add :data:`SAMPLING_VAR_PX2` to the measured
``sigma^2`` (calibration: steps blurred by 0.5-3 px, rendered at 8x and area-averaged, measure
``sigma^2 + 0.55-0.60``); it is taken off, so the result is the optics' blur, in px.

References
----------
.. [1] Hu, H., de Haan, G. (2006), "Low cost robust blur estimator", Proc. IEEE International Conference
   on Image Processing (ICIP), 617-620.

Examples
--------
>>> import numpy as np, cv2
>>> step = np.zeros((512, 512), np.float32); step[:, 257:] = 1.0  # drawn at 8x, sampled down
>>> blurred = cv2.resize(cv2.GaussianBlur(step, (0, 0), 8 * 1.5), (64, 64), interpolation=cv2.INTER_AREA)
>>> round(edge_blur_px(blurred, np.ones((64, 64), bool)), 1)
1.5
"""

from __future__ import annotations

import cv2
import numpy as np

REBLUR_PX = (1.0, 2.0)  # the two re-blur sigmas (px)
EDGE_PERCENTILE = 3.0  # the strongest share of the gradients (percent) read as edges
MIN_EDGES = 20
SAMPLING_VAR_PX2 = 0.58  # [calibration] what sampling and the Sobel difference add to sigma^2 (see above)


def _gradient(gray: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.asarray(np.hypot(gx, gy))


def edge_blur_px(gray: np.ndarray, mask: np.ndarray) -> float:
    """Gaussian sigma (px) of the photo's edges inside ``mask``; 0.0 with too few edges to read it.

    Parameters
    ----------
    gray : ndarray, shape (H, W), float32
        The photo's grey levels (any scale).
    mask : ndarray of bool, shape (H, W)
        Where to read it (e.g. the face: eyes, brows, lips).
    """
    if mask.sum() < MIN_EDGES:
        return 0.0
    sa, sb = REBLUR_PX
    # only the mask's box, with the wider blur's reach (4 sigma) and the Sobel's pixel around it: the same
    # values inside as over the whole image
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    pad = int(np.ceil(4 * sb)) + 2
    box = (slice(max(0, rows[0] - pad), rows[-1] + 1 + pad), slice(max(0, cols[0] - pad), cols[-1] + 1 + pad))
    g, mask = np.ascontiguousarray(gray[box], np.float32), mask[box]
    a = _gradient(cv2.GaussianBlur(g, (0, 0), sa))
    b = _gradient(cv2.GaussianBlur(g, (0, 0), sb))
    peak = a >= cv2.dilate(a, np.ones((5, 5), np.uint8))
    edges = mask & peak & (a > np.percentile(a[mask], 100.0 - EDGE_PERCENTILE)) & (a > 0)
    if edges.sum() < MIN_EDGES:
        return 0.0
    r2 = (a[edges] / np.maximum(b[edges], 1e-12)) ** 2
    s2 = (sb**2 - r2 * sa**2) / np.maximum(r2 - 1.0, 1e-6)
    return float(np.sqrt(max(float(np.median(s2)) - SAMPLING_VAR_PX2, 0.0)))
