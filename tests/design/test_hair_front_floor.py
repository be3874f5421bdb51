"""A proposed hairline that has to come down to stay on the head never comes below the client's own hair
front: SMP rebuilds a receded hairline, it does not draw one on the forehead under hair the client has.

Before (2026-12-03) on obama2.jpg (head turned 14°) the far temporal point lay beyond the outline at every
height, so the whole line came down from 75 to 32 mm above the glabella (image plane): 27 mm below where
his hair begins, and the dots covered that band of his real forehead.
"""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design import hair_front_image_mm
from smpstudio.pipeline import Inputs, Pipeline

TOLERANCE_MM = 1.0  # one lowering step and the rounding of the outline to pixels


@pytest.fixture(scope="module", params=["sample", "biden.jpg", "obama.jpg", "obama2.jpg"])
def designed(request, astronaut_photo):
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.real_photos import photo_path

    photo = astronaut_photo if request.param == "sample" else load_photo(photo_path(request.param))
    return request.param, Pipeline().pattern(photo, Inputs(seed=0))


def test_the_line_is_never_lowered_below_the_clients_hair_front(designed):
    name, step = designed
    ds = step.design
    front = hair_front_image_mm(ds.scalp.analysis, ds.scalp.masks_as_taken.hair)
    hl = ds.design.hairline
    print(f"\n{name}: hair front {front} mm, MFP {hl.mfp_height_image_mm:.1f} mm (image plane), "
          f"{hl.mfp_height_mm:.1f} mm on the head")
    assert front is not None  # every test client has hair on the midline
    assert hl.mfp_height_image_mm >= front - TOLERANCE_MM, (name, front, hl.mfp_height_image_mm)


def test_no_dot_on_the_forehead_below_the_hair_front(designed):
    """The dots begin at the designed line, so none lies on the client's own forehead below the hair front
    (the transition zone's dots sit above the line)."""
    name, step = designed
    ds = step.design
    front = hair_front_image_mm(ds.scalp.analysis, ds.scalp.masks_as_taken.hair)
    hl = ds.design.hairline
    xy = step.pattern.xy_mm
    x_mid = hl.control_mm[len(hl.control_mm) // 2, 0]
    near_midline = np.abs(xy[:, 0] - x_mid) < 15.0
    low = near_midline & (xy[:, 1] < front - 3.0)
    print(f"\n{name}: {int(near_midline.sum())} dots within 15 mm of the midline, {int(low.sum())} more than 3 mm "
          "below the hair front")
    assert near_midline.sum() > 50
    assert low.sum() <= 0.01 * near_midline.sum()


def _narrow_head_case():
    """A design on a synthetic frame whose head outline is too narrow for the line's temporal points."""
    from smpstudio.analysis.types import FaceFrame
    from smpstudio.design.hairline import smooth_curve
    from smpstudio.design.types import Hairline

    frame = FaceFrame(origin_px=(200.0, 400.0), px_per_mm=2.0, roll_deg=0.0)
    c = np.array([[-50.0, 78.0], [-40.0, 90.0], [-20.0, 80.0], [0.0, 75.0], [20.0, 80.0], [40.0, 90.0],
                  [50.0, 78.0]])
    curve = smooth_curve(c)
    hl = Hairline(style="soft", age=35, control_mm=c, curve_mm=curve, edge_mm=curve, transition_mm=8.0,
                  mfp_height_mm=85.0, mfp_height_image_mm=75.0, seed=0)
    yy, xx = np.mgrid[0:500, 0:400]
    mm = frame.to_mm(np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], axis=1)).reshape(500, 400, 2)
    head = (mm[..., 0] / 50.0) ** 2 + ((mm[..., 1] - 20.0) / 80.0) ** 2 < 1.0  # 100 mm wide, top at 100 mm
    return hl, frame, head


def test_a_floor_below_the_line_stops_its_descent_and_narrows_it():
    from smpstudio.design.hairline import keep_on_head

    hl, frame, head = _narrow_head_case()
    free = keep_on_head(hl, frame, head)
    held = keep_on_head(hl, frame, head, floor_mm=70.0)
    mid = len(hl.control_mm) // 2
    assert free.control_mm[mid, 1] < 70.0 - 1.0  # without the floor the whole line comes down past it
    assert held.control_mm[mid, 1] >= 70.0 - 0.5
    width = lambda h: np.ptp(h.control_mm[:, 0])  # noqa: E731
    assert width(held) < width(hl) and width(free) == width(hl)


def test_a_floor_above_the_line_binds_nothing():
    """The hair begins behind the proposed line (a receded client): the line is kept on the head as
    without a floor, not narrowed."""
    from smpstudio.design.hairline import keep_on_head

    hl, frame, head = _narrow_head_case()
    free = keep_on_head(hl, frame, head)
    receded = keep_on_head(hl, frame, head, floor_mm=110.0)
    np.testing.assert_array_equal(receded.control_mm, free.control_mm)
