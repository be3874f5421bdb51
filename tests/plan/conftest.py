"""Synthetic images and masks for the plan tests (no photo, no face model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.optics.colour import lab_to_srgb


def synthetic_scalp(skin_lab: tuple[float, float, float], *, hair_lab: tuple[float, float, float] | None = None,
                    size: int = 160, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A noisy skin patch with a highlight, a shadow, a brow, red spots and (optionally) hair on top.

    Returns (rgb float32 sRGB, skin mask, hair mask). The skin mask deliberately includes the brow,
    the highlight, the shadow and the red spots (as a real segmentation would).
    """
    rng = np.random.default_rng(seed)
    h = w = size
    base = lab_to_srgb(np.array(skin_lab, float))
    img = np.empty((h, w, 3), np.float64)
    img[...] = base
    img += rng.normal(0.0, 0.01, img.shape)
    yy, xx = np.mgrid[0:h, 0:w]
    skin = np.zeros((h, w), bool)
    skin[h // 4:, :] = True
    hair = np.zeros((h, w), bool)
    if hair_lab is not None:
        hair[: h // 4, :] = True
        img[hair] = lab_to_srgb(np.array(hair_lab, float)) + rng.normal(0.0, 0.01, (int(hair.sum()), 3))
        shine = hair & (rng.random((h, w)) < 0.05)
        img[shine] = 0.9
    # specular highlight (clipped white core + bright halo)
    r2 = (yy - 0.55 * h) ** 2 + (xx - 0.3 * w) ** 2
    img[r2 < (0.06 * h) ** 2] = np.clip(img[r2 < (0.06 * h) ** 2] * 1.5, 0, 1)
    img[r2 < (0.03 * h) ** 2] = 1.0
    # shadow band at the bottom
    img[int(0.9 * h):, :] *= 0.45
    # a brow: dark hair-coloured band inside the skin mask
    img[int(0.4 * h):int(0.44 * h), int(0.55 * w):int(0.85 * w)] = lab_to_srgb(np.array([22.0, 4.0, 8.0]))
    # red spots (irritation)
    red = lab_to_srgb(np.array([skin_lab[0] - 5, skin_lab[1] + 25, skin_lab[2]]))
    for cy, cx in ((0.7, 0.7), (0.75, 0.2), (0.6, 0.8)):
        m = (yy - cy * h) ** 2 + (xx - cx * w) ** 2 < (0.04 * h) ** 2
        img[m] = red
    return np.clip(img, 0, 1).astype(np.float32), skin, hair


@pytest.fixture
def make_scalp():
    return synthetic_scalp
