"""On the real test photos (and the sample) the whole-head pattern and the design lie on the head: the dots
the front photo sees, projected through its camera, fall inside the analysis' head mask."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.head3d.views import project_dots


def _photos():
    return ["sample", "biden.jpg", "obama.jpg", "obama2.jpg"]


@pytest.fixture(scope="module")
def pipe():
    from smpstudio.pipeline import Pipeline

    return Pipeline()


@pytest.mark.parametrize("name", _photos())
def test_the_dots_and_the_design_lie_on_the_head(pipe, name):
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.imaging.working import working_photo
    from smpstudio.pipeline import DesignInputs, Inputs

    if name == "sample":
        photo = sample_photo()
    else:
        from smpstudio.imaging.real_photos import PhotoMissingError, photo_path

        try:
            photo = working_photo(load_photo(photo_path(name)))
        except PhotoMissingError:
            pytest.skip(f"{name} not installed (scripts/setup.sh)")
    inputs = Inputs(seed=1, design=DesignInputs(stage="norwood-6"))
    t = pipe.whole_head(photo, inputs)
    cam = pipe.front_camera(photo, inputs)
    masks = pipe.design(photo, inputs).scalp.masks_as_taken
    v = project_dots("front", cam, t.surface, t.dots.points_mm, t.session_of_dot)
    px = np.round(v.px[v.visible]).astype(int)
    h, w = masks.head.shape
    inside = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)
    assert len(px) > 5000 and inside.all()
    on_head = masks.head[px[:, 1], px[:, 0]]
    assert on_head.mean() >= 0.97, f"{name}: {100 * on_head.mean():.1f} % of the seen dots on the head"
    # the design's hairline, drawn on the photo, lies on the head too
    hl = np.round(np.array(pipe.design(photo, inputs).document.hairline.points_px)).astype(int)
    assert masks.head[np.clip(hl[:, 1], 0, h - 1), np.clip(hl[:, 0], 0, w - 1)].mean() >= 0.99


def test_the_outline_fit_recovers_a_known_head():
    from smpstudio.head3d.silhouette import fit_to_outline
    from smpstudio.head3d.surface import HeadSurface
    from smpstudio.head3d.views import Camera

    truth = HeadSurface(np.array([0.0, 0.0, 0.0]), np.array([76.0, 86.0, 95.0]))
    cam = Camera.nominal("front", 3.0, (400.0, 400.0))
    yy, xx = np.mgrid[0:800, 0:800] + 0.5
    hit = cam.back_project(truth, np.stack([xx.ravel(), yy.ravel()], axis=1))
    mask = np.isfinite(hit[:, 0]).reshape(800, 800)
    keep = truth.point(np.array(60.0), np.array(0.0))  # the forehead's top, on the true surface
    start = HeadSurface(np.array([0.0, 6.0, 0.0]), np.array([70.0, 92.0, 95.0]))
    got, note = fit_to_outline(start, cam, mask, 400.0, keep)
    assert "fitted" in note
    # the allowance for close-cropped hair puts the scalp ~3 mm inside the outline
    assert abs(got.radii_mm[0] - (76.0 - 3.0)) < 2.0 and abs(got.radii_mm[1] - 86.0) < 4.0
