"""The crown measured in a registered top view: synthetic top photos rendered from the head model through the
same camera machinery (the model's crown zone painted skin or hair), registered from the artist's marks, the
zones projected back into them and the skin showing measured; the stage proposal then sees the crown."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.stage_proposal import StageMeasures, propose_stage, with_view
from smpstudio.head3d.crown import best_crown_view, measure_view_zones, zone_labels
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.views import reference_points, register_view
from smpstudio.head3d.zones import ZONES, label_points
from smpstudio.optics.colour import srgb_to_linear
from tests.head3d.test_views import _camera

SIZE = 640
SKIN_SRGB, HAIR_SRGB = (0.85, 0.68, 0.58), (0.16, 0.11, 0.08)
SKIN_LIN = tuple(float(v) for v in srgb_to_linear(np.array(SKIN_SRGB)))
HAIR_LIN = tuple(float(v) for v in srgb_to_linear(np.array(HAIR_SRGB)))
#: the front photo's measures of a Norwood III front (deep temples, thinning hairline): only the crown differs
FRONT = StageMeasures(42.0, 35.0, 4.0, False, {"hairline": 0.45, "frontal": 0.1}, True)


@pytest.fixture(scope="module")
def head():
    s = HeadSurface(np.array([0.0, 5.0, 10.0]), np.array([72.0, 88.0, 97.0]), front_theta_deg=47.0)
    truth = _camera("top", (18.0, 6.0, -4.0), 3.0, SIZE)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    hit = truth.back_project(s, np.stack([xx.ravel(), yy.ravel()], axis=1))
    on = np.isfinite(hit[:, 0])
    lab = np.full(len(hit), -1)
    lab[on] = label_points(s, hit[on], np.ones(int(on.sum()), bool))
    crown = (lab == ZONES.index("crown")).reshape(SIZE, SIZE)
    # the artist's marks: where the true camera shows the reference points (clicked on the photo)
    ref = reference_points(s)
    marks = {k: tuple(truth.project(ref[k])[0]) for k in ("mfp", "whorl", "ft_left", "ft_right")}
    reg = register_view(s, "top", marks)
    return s, reg.camera, crown


def _paint(skin: np.ndarray) -> np.ndarray:
    img = np.empty((SIZE, SIZE, 3))
    img[:] = HAIR_SRGB
    img[skin] = SKIN_SRGB
    return img


def _measure(head, img):
    s, cam, _ = head
    return measure_view_zones(s, cam, img, SKIN_LIN, HAIR_LIN, view="top", orientation="top")


def test_a_bald_crown_in_the_top_view_proposes_a_vertex_class(head):
    _, _, crown = head
    m = _measure(head, _paint(crown))
    assert m.skin_share["crown"] > 0.9 and m.skin_share["mid-scalp"] < 0.05  # 0.99, 0.01 (the blurred edge)
    assert m.pixels["crown"] > 5000
    p = propose_stage(with_view(FRONT, "top view 'top'", m.skin_share))
    assert p.stage == "norwood-3-vertex" and p.states["crown"] == "bald"
    assert f"crown {100 * m.skin_share['crown']:.0f} % skin showing through the hair (in the top view 'top')" \
        in p.reason
    assert "crown" not in p.reason.split("Not measured")[-1]


def test_a_covered_crown_proposes_no_vertex_class(head):
    m = _measure(head, _paint(np.zeros((SIZE, SIZE), bool)))
    assert m.skin_share["crown"] < 0.02
    p = propose_stage(with_view(FRONT, "top view 'top'", m.skin_share))
    assert p.stage == "norwood-3" and p.states["crown"] == "kept"


def test_a_thinning_crown_reads_thinning(head):
    _, _, crown = head
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    pattern = ((yy // 3) + 2 * (xx // 3)) % 5 < 2  # 2 cells of 5 skin: 40 %
    m = _measure(head, _paint(crown & pattern))
    assert 0.33 < m.skin_share["crown"] < 0.47  # 0.40
    p = propose_stage(with_view(FRONT, "top view 'top'", m.skin_share))
    assert p.states["crown"] == "thinning"
    ludwig = propose_stage(with_view(StageMeasures(None, None, None, False, {"hairline": 0.0}, True),
                                     "top view 'top'", {**m.skin_share, "mid-scalp": 0.4}), scale="ludwig")
    assert ludwig.stage == "ludwig-1"


def test_the_share_is_measured_through_the_projection(head):
    """The bald disc painted off the crown's projected place: the crown's share drops, the mid-scalp's rises."""
    _, _, crown = head
    on = _measure(head, _paint(crown))
    off = _measure(head, _paint(np.roll(crown, -90, axis=0)))  # 30 mm toward the front in the image
    assert off.skin_share["crown"] < on.skin_share["crown"] - 0.3
    assert off.skin_share["mid-scalp"] > on.skin_share["mid-scalp"] + 0.1


def test_the_view_that_sees_the_crown_best_is_used(head):
    s, cam, crown = head
    lab, _ = zone_labels(s, cam, (SIZE, SIZE), step=4)
    assert (lab == ZONES.index("crown")).sum() > 0.1 * (lab >= 0).sum()
    top = _measure(head, _paint(crown))
    none = measure_view_zones(s, cam, _paint(crown), SKIN_LIN, SKIN_LIN)  # no contrast: nothing measured
    assert none.skin_share == {} and best_crown_view([none, top]) is top and best_crown_view([none]) is None


def test_a_back_view_measures_the_crown_too():
    s = HeadSurface(np.array([0.0, 5.0, 10.0]), np.array([72.0, 88.0, 97.0]), front_theta_deg=47.0)
    truth = _camera("back", (-12.0, -5.0, 3.0), 2.8, SIZE)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    hit = truth.back_project(s, np.stack([xx.ravel(), yy.ravel()], axis=1))
    on = np.isfinite(hit[:, 0])
    lab = np.full(len(hit), -1)
    lab[on] = label_points(s, hit[on], np.ones(int(on.sum()), bool))
    ref = reference_points(s)
    cam = register_view(s, "back", {k: tuple(truth.project(ref[k])[0])
                                    for k in ("whorl", "ear_left", "ear_right", "nape")}).camera
    img = _paint((lab == ZONES.index("crown")).reshape(SIZE, SIZE))
    m = measure_view_zones(s, cam, img, SKIN_LIN, HAIR_LIN, view="back", orientation="back")
    assert m.skin_share["crown"] > 0.9 and m.pixels["crown"] > 2000  # 0.99 on 5740 sampled pixels
