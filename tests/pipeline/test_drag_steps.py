"""A drag recomputes the design from the cached proposal: the same design as moving point by point."""

from __future__ import annotations

import numpy as np

from smpstudio.design import edit_design, edit_design_moves, propose_hairline
from smpstudio.pipeline import DesignInputs, Inputs, Pipeline


def test_moves_at_once_give_the_design_of_moves_one_by_one(astronaut_analysis):
    a = astronaut_analysis
    base = propose_hairline(a)
    c = base.hairline.control_mm
    mid = len(c) // 2
    moves = [(1, (float(c[1, 0]) - 2.0, float(c[1, 1]) - 4.0)), (mid, (0.0, float(c[mid, 1]) - 6.0)),
             (len(c) - 2, (float(c[-2, 0]) + 1.0, float(c[-2, 1]) - 3.0))]
    one_by_one = base
    for i, xy in moves:
        one_by_one = edit_design(a, one_by_one, i, xy)
    at_once = edit_design_moves(a, base, moves)
    assert np.array_equal(at_once.hairline.control_mm, one_by_one.hairline.control_mm)
    assert at_once.hairline.mfp_height_mm == one_by_one.hairline.mfp_height_mm
    assert at_once.warnings == one_by_one.warnings
    for z1, z2 in zip(at_once.zones, one_by_one.zones, strict=True):
        assert z1.name == z2.name and np.array_equal(z1.mask, z2.mask) and z1.area_cm2 == z2.area_cm2


def test_a_drag_does_not_propose_the_hairline_again(astronaut_photo):
    p = Pipeline()
    first = p.design(astronaut_photo, Inputs(seed=1))
    c = first.design.hairline.control_mm
    mid = len(c) // 2
    for k in range(4):
        moved = p.design(astronaut_photo, Inputs(seed=1, design=DesignInputs(moves=((mid, (0.0, c[mid, 1] - k - 1)),))))
        assert abs(moved.design.hairline.control_mm[mid, 1] - (c[mid, 1] - k - 1)) < 1e-9
    assert p.calls["proposal"] == 1 and p.calls["design"] == 5


def test_midline_points_at_once_equal_one_by_one(astronaut_analysis):
    head = astronaut_analysis.head
    arcs = np.linspace(0.0, 200.0, 801)
    one = np.stack([head.midline_point(float(a)) for a in arcs])
    assert np.allclose(head.midline_points(arcs), one, rtol=0, atol=1e-9)
