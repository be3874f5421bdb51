"""The sides of the head are treated: below the hairline's ends the hair-bearing (or buzzed) scalp beside
the face carries dots, on every test photo.

Before (2026-12-02) the sides were in the treatment region but every pixel there counted as "in front of
the hairline" (its sideways extension), so the density ramp gave them no dot: 0 dots below the line's
ends on all four photos, and after a buzz the sides were not even hair any more (the scalp step had made
them skin).
"""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.pipeline import Inputs, Pipeline

FAR_SIDE_YAW_DEG = 10.0  # turned farther than this, the far side of the head may not show
MIN_SIDE_DOTS = 50


def _photos():
    return ["sample", "biden.jpg", "obama.jpg", "obama2.jpg"]


@pytest.fixture(scope="module", params=_photos())
def planned(request, astronaut_photo):
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.real_photos import photo_path

    photo = astronaut_photo if request.param == "sample" else load_photo(photo_path(request.param))
    return request.param, Pipeline().pattern(photo, Inputs(seed=0))


def test_dots_below_the_hairlines_ends_on_the_sides(planned):
    name, step = planned
    edge = step.design.design.hairline.edge_mm
    xy = step.pattern.xy_mm
    yaw = step.design.scalp.analysis.pose.yaw
    counts = {}
    for side, end in (("left", edge[np.argmin(edge[:, 0])]), ("right", edge[np.argmax(edge[:, 0])])):
        sign = -1.0 if side == "left" else 1.0
        counts[side] = int(((sign * xy[:, 0] > abs(end[0])) & (xy[:, 1] < end[1] - 5.0)).sum())
    if abs(yaw) <= FAR_SIDE_YAW_DEG:
        assert min(counts.values()) >= MIN_SIDE_DOTS, (name, yaw, counts)
    else:  # turned: the side toward the camera (obama2, yaw -14°: the image's right, with the ear)
        assert max(counts.values()) >= MIN_SIDE_DOTS, (name, yaw, counts)
