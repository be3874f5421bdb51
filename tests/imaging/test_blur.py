"""The photo's blur (smpstudio.imaging.blur): read back from edges blurred by a known amount."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from smpstudio.imaging.blur import edge_blur_px


@pytest.mark.parametrize("sigma_px", [0.5, 0.8, 1.0, 1.5, 2.0, 3.0])
def test_a_blurred_step_is_read_back(sigma_px):
    """A step drawn at 8x, blurred and area-averaged down (as a camera samples it) is read within 0.1 px."""
    big = np.zeros((512, 512), np.float32)
    big[:, 257:] = 1.0
    img = cv2.resize(cv2.GaussianBlur(big, (0, 0), 8 * sigma_px), (64, 64), interpolation=cv2.INTER_AREA)
    assert abs(edge_blur_px(img, np.ones((64, 64), bool)) - sigma_px) < 0.1


def test_a_real_face_blurred_further_reads_blurrier(real_photo):
    """On a real portrait's face, a further Gaussian blur of 1.5 px adds to the reading in quadrature
    (within 0.3 px), and too small a mask reads 0."""
    from smpstudio import analyze

    a = analyze(real_photo)
    gray = cv2.cvtColor(np.ascontiguousarray(real_photo.rgb, np.float32), cv2.COLOR_RGB2GRAY)
    s0 = edge_blur_px(gray, a.masks.face)
    s1 = edge_blur_px(cv2.GaussianBlur(gray, (0, 0), 1.5), a.masks.face)
    assert 0.0 <= s0 < 1.5
    assert abs(s1 - np.hypot(s0, 1.5)) < 0.3, (s0, s1)
    assert edge_blur_px(gray, np.zeros_like(a.masks.face)) == 0.0
