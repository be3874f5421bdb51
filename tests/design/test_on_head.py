"""The design stays on the head: hairline and treatment inside the hand-labelled head silhouette of
every test photo, and a hairline that turns with the head."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio import analyze, propose_hairline
from smpstudio.analysis.headmodel import HeadModel
from smpstudio.analysis.landmarks import IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS
from smpstudio.analysis.types import FaceFrame
from smpstudio.design.hairline import control_points_head, controls_on_head
from tests.analysis.regions import load_labels

PHOTOS = ("astronaut", "biden", "obama")


@pytest.fixture(scope="module")
def designs(astronaut_photo):
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.real_photos import photo_path

    photos = {"astronaut": astronaut_photo}
    for n in ("biden", "obama"):
        photos[n] = load_photo(photo_path(f"{n}.jpg"))
    out = {}
    for n, p in photos.items():
        a = analyze(p)
        out[n] = (a, propose_hairline(a))
    return out


@pytest.mark.parametrize("photo", PHOTOS)
def test_hairline_and_treatment_inside_the_labelled_silhouette(designs, photo):
    a, d = designs[photo]
    w, h = a.image_size
    head = load_labels(photo, (h, w))["head"]
    edge = a.frame.to_px(d.hairline.edge_mm)
    xi = np.floor(edge).astype(np.int64)
    assert (xi[:, 0] >= 0).all() and (xi[:, 0] < w).all() and (xi[:, 1] >= 0).all() and (xi[:, 1] < h).all()
    inside = head[xi[:, 1], xi[:, 0]]
    tm = d.treatment_mask
    frac = (tm & head).sum() / tm.sum()
    areas = {z.name: round(z.area_cm2, 1) for z in d.zones}
    print(photo, f"hairline points inside {inside.mean():.3f}, treatment inside {frac:.4f}", areas,
          f"total {sum(areas.values()):.1f} cm2")
    assert inside.all(), f"{(~inside).sum()} hairline points outside the head"
    assert frac >= 0.99


@pytest.mark.parametrize("photo", ["biden", "obama"])
def test_treatment_reaches_the_sides(designs, photo):
    """Not only a frontal band: the hair-bearing sides above the eyes are treated too."""
    a, d = designs[photo]
    temples = d.zone("temples")
    assert temples.area_cm2 >= 10.0
    total = sum(z.area_cm2 for z in d.zones)
    assert total >= 50.0


def _yawed(pts: np.ndarray, rotation: np.ndarray, yaw_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks (px with depth) of the same head turned by ``yaw_deg`` about its vertical axis."""
    t = np.deg2rad(yaw_deg)
    r_y = np.array([[np.cos(t), 0.0, np.sin(t)], [0.0, 1.0, 0.0], [-np.sin(t), 0.0, np.cos(t)]])
    c = pts.mean(axis=0)
    return (pts - c) @ r_y.T + c, r_y @ rotation


@pytest.mark.parametrize("yaw", [-35.0, -20.0, 20.0, 35.0])
def test_hairline_turns_with_the_head(astronaut_analysis, yaw):
    """Geometric consistency: the hairline of a head turned by ``yaw`` is the frontal head's hairline,
    turned. Its control points in head coordinates are the same, and on the image they are the
    turned frontal points projected (not the frontal layout drawn around the glabella)."""
    a = astronaut_analysis
    pts0 = a.landmarks_3d.astype(np.float64)
    rot0 = a.head.rotation
    ppm = a.scale.px_per_mm
    head0 = HeadModel.fit(pts0, rot0, ppm)
    pts1, rot1 = _yawed(pts0, rot0, yaw)
    head1 = HeadModel.fit(pts1, rot1, ppm)
    idx = [IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS]
    q0 = control_points_head(head0, pts0[idx], 85.0, 0.3)
    q1 = control_points_head(head1, pts1[idx], 85.0, 0.3)
    assert np.abs(q1 - q0).max() < 1.0  # mm
    frame1 = FaceFrame(origin_px=tuple(pts1[9, :2]), px_per_mm=ppm, roll_deg=a.pose.roll)
    c1 = controls_on_head(head1, frame1, pts1[idx], 85.0, 0.3)
    # the frontal head-coordinate points, turned with the head and projected
    expected = frame1.to_mm(head1.head_to_px(q0))
    err = np.abs(c1 - expected).max(axis=1)
    # points on the far side that the turn carries behind their neighbours towards the midline (the
    # line folds there: hidden by the head's curvature) are kept in the line's order instead
    k = len(c1)
    mid = k // 2
    shown = np.ones(k, bool)
    for i in range(mid + 1, k):
        shown[i] = expected[i, 0] > expected[mid:i, 0].max()
    for i in range(mid - 1, -1, -1):
        shown[i] = expected[i, 0] < expected[i + 1 : mid + 1, 0].min()
    assert shown.sum() >= 5
    assert err[shown].max() < 1.5, err  # mm on the face frame
    assert (np.diff(c1[:, 0]) > 0).all()
    # and not the frontal image layout: the midline moves off the glabella's column as the head turns
    assert abs(c1[mid, 0]) > 5.0
