"""The working resolution: photos over the budget are reduced by area averaging, others kept as they are."""

from __future__ import annotations

import numpy as np

from smpstudio.imaging.intake import Photo
from smpstudio.imaging.working import working_photo


def test_a_photo_within_the_budget_is_the_same_object():
    p = Photo(rgb=np.zeros((100, 200, 3), np.float32))
    assert working_photo(p, max_megapixels=0.02) is p


def test_a_larger_photo_is_reduced_to_the_budget_keeping_its_colours_and_aspect():
    rng = np.random.default_rng(0)
    rgb = rng.random((1200, 900, 3), dtype=np.float32)
    rgb[:600] *= 0.5  # a darker top half: area averaging keeps each half's mean
    p = Photo(rgb=rgb, source_format="JPEG", notes=("EXIF orientation applied",))
    w = working_photo(p, max_megapixels=0.27)
    assert w.width * w.height <= 270_000 and w.width * w.height > 0.97 * 270_000
    assert abs(w.width / w.height - 900 / 1200) < 0.01
    assert w.rgb.dtype == np.float32 and w.source_format == "JPEG"
    assert w.notes[0] == "EXIF orientation applied" and "reduced from 900x1200" in w.notes[-1]
    h = w.height // 2
    assert abs(float(w.rgb[: h - 2].mean()) - float(rgb[:600].mean())) < 2e-3
    assert abs(float(w.rgb[h + 2:].mean()) - float(rgb[600:].mean())) < 2e-3
