"""Cropping a consultation image to the client's head (the photos are often full-length portraits)."""

from __future__ import annotations

import numpy as np


def head_box(mask: np.ndarray, margin: float = 0.25) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` px around a head mask, widened by ``margin`` of its size (half of it below).

    Examples
    --------
    >>> m = np.zeros((100, 100), bool); m[40:60, 30:50] = True
    >>> head_box(m)
    (25, 35, 55, 62)
    """
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    h, w = mask.shape
    if rows.size == 0:
        return 0, 0, w, h
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    my, mx = int((y1 - y0) * margin), int((x1 - x0) * margin)
    return int(max(0, x0 - mx)), int(max(0, y0 - my)), int(min(w, x1 + mx)), int(min(h, y1 + my // 2))
