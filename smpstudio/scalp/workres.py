"""Working on the head's box at a working resolution, and scaling up only what changed.

The scalp step changes nothing outside the head's box (the removed volume, its margin, the seam): it
works on that crop, at no more than ``WORK_PX_PER_MM`` (the scalp's light, stubble and fill are smooth
at that scale), and the difference it makes is scaled up onto the photo's own pixels, so a 12 MP photo
costs about what a small one does and every pixel it did not change is the input's, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

import cv2
import numpy as np

from smpstudio.analysis.types import Analysis, Masks

WORK_PX_PER_MM = 2.5  # resolution of the scalp model (0.4 mm): its light, stubble tone and fill are smooth there
HEAD_BOX_MARGIN_MM = 25.0  # the step's reach beyond the head mask: skull outline, volume margin, seam, fill


def head_box(analysis: Analysis) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) px of the head mask plus ``HEAD_BOX_MARGIN_MM``; None when there is no head mask."""
    m = analysis.masks
    w, h = analysis.image_size
    rows, cols = np.nonzero(m.head.any(axis=1))[0], np.nonzero(m.head.any(axis=0))[0]
    if len(rows) == 0:
        return None
    pad = int(np.ceil(HEAD_BOX_MARGIN_MM * analysis.frame.px_per_mm)) + 2
    return (max(0, int(cols[0]) - pad), max(0, int(rows[0]) - pad),
            min(w, int(cols[-1]) + 1 + pad), min(h, int(rows[-1]) + 1 + pad))


def map_masks(m: Masks, fn: Callable[[np.ndarray], np.ndarray]) -> Masks:
    """``m`` with ``fn`` applied to every (H, W) mask it has (also masks added to :class:`Masks` later)."""
    return replace(m, **{f.name: fn(getattr(m, f.name)) for f in fields(m)
                         if isinstance(getattr(m, f.name), np.ndarray) and getattr(m, f.name).ndim == 2})


def upscale_box(small: np.ndarray, size: tuple[int, int], box: tuple[int, int, int, int], interp: int) -> np.ndarray:
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


def cropped(analysis: Analysis, box: tuple[int, int, int, int]) -> Analysis:
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
        landmarks_3d=analysis.landmarks_3d - np.array([x0, y0, 0.0], np.float32),
        masks=map_masks(m, cut),
        frame=replace(f, origin_px=(f.origin_px[0] - x0, f.origin_px[1] - y0)),
        head=replace(head, origin_px=head.origin_px - np.array([x0, y0, 0.0])),
    )


def scaled(analysis: Analysis, kx: float, ky: float, size: tuple[int, int]) -> Analysis:
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
        landmarks_3d=analysis.landmarks_3d * np.array([kx, ky, kx], np.float32),
        masks=map_masks(m, shrink),
        frame=replace(f, origin_px=(f.origin_px[0] * kx, f.origin_px[1] * ky), px_per_mm=f.px_per_mm * kx),
        head=replace(head, origin_px=head.origin_px * np.array([kx, ky, kx]), px_per_mm=head.px_per_mm * kx),
    )
