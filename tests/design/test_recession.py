"""Frontal recession on the head model's midline: where the hair begins against the proposed MFP."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.design.recession import coverage_with_recession, frontal_recession
from smpstudio.design.stage import classify


def _head() -> HeadModel:
    pts = np.zeros((478, 3))
    pts[:, :2] = (400.0, 600.0)
    pts[9] = (400, 520, -40)
    pts[151] = (400, 440, -32)
    pts[10] = (400, 360, -20)
    pts[127] = (120, 560, 160)
    pts[356] = (680, 560, 160)
    return HeadModel.fit(pts, np.eye(3), 4.0)


@pytest.mark.parametrize("front_mm", [75.0, 95.0, 120.0])
def test_the_hair_front_is_found_where_the_hair_begins(front_mm):
    head = _head()
    hair = np.zeros((900, 800), bool)
    y_front = head.head_to_px(head.midline_point(front_mm)[None])[0, 1]
    hair[: int(round(y_front)), 250:550] = True
    rec = frontal_recession(SimpleNamespace(head=head), hair, 85.0)
    assert rec is not None and rec.hair_front_mm is not None
    assert abs(rec.hair_front_mm - front_mm) <= 2.0
    assert abs(rec.recession_mm - (front_mm - 85.0)) <= 2.0


def test_no_hair_on_the_midline_and_the_proposal_it_gives():
    head = _head()
    rec = frontal_recession(SimpleNamespace(head=head), np.zeros((900, 800), bool), 85.0)
    assert rec.hair_front_mm is None and rec.seen_up_to_mm > 110
    assert "no hair on the midline" in rec.words()
    # a bald front wins over a hairline band whose back half shows hair
    seen = {"hairline": 0.7, "frontal": 0.2, "temples": 0.1}
    assert classify(seen).stage != classify(coverage_with_recession(seen, rec)).stage
    assert coverage_with_recession(seen, rec)["hairline"] <= 0.1
