"""The client's own skin grain (pores, freckles, sensor and JPEG noise), copied from the forehead."""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio.optics.colour import srgb_to_linear_image as srgb_to_linear


def skin_grain(rgb: np.ndarray, skin: np.ndarray, size: tuple[int, int], ppm: float,
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
