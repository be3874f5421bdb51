"""Titles on images (previews, close-ups, the gallery)."""

from __future__ import annotations

import numpy as np


def label_strip(img: np.ndarray, text: str, height_px: int = 28) -> np.ndarray:
    """The image (uint8 RGB) with a white title strip of ``height_px`` above it."""
    import cv2

    strip = np.full((height_px, img.shape[1], 3), 255, np.uint8)
    cv2.putText(strip, text, (8, height_px - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (30, 30, 30), 1, cv2.LINE_AA)
    return np.vstack([strip, img])
