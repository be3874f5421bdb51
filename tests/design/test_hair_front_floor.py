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
