"""Every view: synthetic photos rendered from the head model at known poses, the reference points found
in them as an artist would mark them, each view registered from its marks, and the one surface pattern
projected into every view: the same dot lands on the same surface point (< 1 mm) in each."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.treatment import whole_treatment
from smpstudio.head3d.views import (
    Camera,
    RegistrationError,
    Sticker,
    project_dots,
    ray_hits,
    reference_points,
    register_view,
)

MARK_RADIUS_MM = 4.0
COLOURS = {"mfp": (255, 0, 0), "whorl": (0, 255, 0), "ft_left": (0, 0, 255), "ft_right": (255, 255, 0),
           "ear_left": (255, 0, 255), "ear_right": (0, 255, 255), "nape": (128, 0, 255),
           "sideburn_left": (255, 128, 0), "sideburn_right": (0, 128, 255)}


def _camera(view: str, tilt_deg: tuple[float, float, float], px_per_mm: float, size: int) -> Camera:
    nominal = Camera.nominal(view, px_per_mm)
    rot = (Rotation.from_euler("xyz", tilt_deg, degrees=True) * Rotation.from_matrix(nominal.rotation)).as_matrix()
    c = Camera(rot, px_per_mm, np.zeros(2))
    centre = c.project(np.zeros((1, 3)))[0]
    return Camera(rot, px_per_mm, np.array([size / 2, size / 2]) - centre)


def _scene(surface: HeadSurface, cam: Camera, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The head model seen by ``cam``: grey skin, a coloured disc at each reference point; and the surface
    point (mm) each pixel shows."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    hit = cam.back_project(surface, np.stack([xx.ravel(), yy.ravel()], axis=1))
    img = np.full((size * size, 3), 255, np.uint8)
    on = np.isfinite(hit[:, 0])
    img[on] = (200, 180, 170)
    for name, p in reference_points(surface).items():
        near = on & (np.linalg.norm(np.nan_to_num(hit) - p, axis=1) < MARK_RADIUS_MM)
        img[near] = COLOURS[name]
    return img.reshape(size, size, 3), hit.reshape(size, size, 3)


def _marks(surface: HeadSurface, img: np.ndarray, hit: np.ndarray, min_px: int = 30) -> dict[str, tuple[float, float]]:
    """The artist's marks: on each reference disc the photo shows, the pixel showing its centre (clicked)."""
    out = {}
    ref = reference_points(surface)
    for name, rgb in COLOURS.items():
        ys, xs = np.nonzero(np.all(img == np.array(rgb, np.uint8), axis=-1))
        if len(xs) >= min_px:
            k = int(np.argmin(np.linalg.norm(hit[ys, xs] - ref[name], axis=1)))
            out[name] = (float(xs[k]) + 0.5, float(ys[k]) + 0.5)
    return out


SCENES = {  # view: (nominal orientation, tilt about x, y, z in deg, px/mm)
    "front": ("front", (-8.0, 4.0, 2.0), 3.0),
    "three-quarter": ("front", (-5.0, -30.0, -3.0), 3.0),
    "top": ("top", (18.0, 6.0, -4.0), 3.2),
    "back": ("back", (-12.0, -5.0, 3.0), 2.8),
    "left": ("left", (4.0, 10.0, -6.0), 3.0),
}
SIZE = 640


@pytest.fixture(scope="module")
def scenes():
    from smpstudio.head3d import surface as surface_mod

    s = surface_mod.HeadSurface(np.array([0.0, 5.0, 10.0]), np.array([72.0, 88.0, 97.0]), front_theta_deg=47.0)
    t = whole_treatment(s, "norwood-6", seed=3)
    out = {}
    for name, (view, tilt, ppm) in SCENES.items():
        truth = _camera(view, tilt, ppm, SIZE)
        img, hit = _scene(s, truth, SIZE)
        marks = _marks(s, img, hit)
        reg = register_view(s, view, marks)
        out[name] = (truth, reg, marks)
    return s, t, out


def test_each_view_is_registered_from_its_marks(scenes):
    s, _, out = scenes
    for name, (truth, reg, marks) in out.items():
        assert len(marks) >= 3, name
        assert reg.residual_mm < 1.0, name
        assert abs(reg.camera.px_per_mm / truth.px_per_mm - 1) < 0.03, name
        angle = Rotation.from_matrix(reg.camera.rotation @ truth.rotation.T).magnitude()
        assert np.degrees(angle) < 3.0, name


@pytest.mark.parametrize("a,b", [("front", "top"), ("top", "back"), ("three-quarter", "top"), ("left", "back"),
                                 ("front", "three-quarter")])
def test_a_dot_lands_on_the_same_surface_point_in_two_views(scenes, a, b):
    s, t, out = scenes
    landed = {}
    seen = {}
    for name in (a, b):
        truth, reg, _ = out[name]
        v = project_dots(name, reg.camera, s, t.dots.points_mm, t.session_of_dot)
        # where the photo shows the projected pixel: through the true camera onto the true head
        landed[name] = truth.back_project(s, v.px)
        seen[name] = v.visible & ((t.dots.points_mm - s.center_mm) @ truth.forward < 0)
    both = seen[a] & seen[b] & np.isfinite(landed[a][:, 0]) & np.isfinite(landed[b][:, 0])
    # grazing dots (the normal almost across the ray) are not looked at in a photo; keep those seen well
    for name in (a, b):
        both &= (s.normal(t.dots.points_mm) @ out[name][0].forward) < -0.3
    assert both.sum() > 500
    gap = np.linalg.norm(landed[a][both] - landed[b][both], axis=1)
    assert gap.max() < 1.0, f"{a}/{b}: max {gap.max():.2f} mm, mean {gap.mean():.2f} mm"


def test_the_sessions_stay_nested_in_every_view(scenes):
    s, t, out = scenes
    for name, (_, reg, _) in out.items():
        v = project_dots(name, reg.camera, s, t.dots.points_mm, t.session_of_dot)
        sets = [{tuple(p) for p in v.up_to(k).round(3)} for k in (1, 2, 3)]
        assert sets[0] <= sets[1] <= sets[2] and len(sets[0]) < len(sets[2])


def test_a_scale_sticker_fixes_the_scale():
    s = HeadSurface.average()
    truth = _camera("top", (10.0, 0.0, 0.0), 3.0, SIZE)
    ref = reference_points(s)
    marks = {k: tuple(truth.project(ref[k])[0] + (0.8, -0.6)) for k in ("mfp", "whorl", "ft_left")}
    reg = register_view(s, "top", marks, sticker=Sticker((10.0, 10.0), (70.0, 10.0), 20.0))
    assert abs(reg.camera.px_per_mm - 3.0) < 0.01


def test_bad_marks_are_refused():
    s = HeadSurface.average()
    truth = _camera("back", (0.0, 0.0, 0.0), 3.0, SIZE)
    ref = reference_points(s)
    good = {k: tuple(truth.project(ref[k])[0]) for k in ("whorl", "ear_left", "ear_right", "nape")}
    with pytest.raises(RegistrationError, match="three"):
        register_view(s, "back", dict(list(good.items())[:2]))
    with pytest.raises(RegistrationError, match="unknown reference point"):
        register_view(s, "back", {**good, "nose": (1.0, 2.0)})
    swapped = dict(good, ear_left=good["whorl"], whorl=good["ear_left"])
    with pytest.raises(RegistrationError, match="miss the head model|turn the head"):
        register_view(s, "back", swapped)
    three = {k: good[k] for k in ("ear_left", "ear_right", "nape")}
    with pytest.raises(RegistrationError, match="miss the head model|turn the head"):  # three marks: the turn tells
        register_view(s, "back", dict(three, ear_left=three["ear_right"], ear_right=three["ear_left"]))


def test_ray_hits_the_surface():
    s = HeadSurface.average()
    p = ray_hits(s, np.array([[0.0, -1000.0, 0.0], [500.0, -1000.0, 0.0]]), np.array([0.0, 1.0, 0.0]))
    assert np.allclose(p[0], [0.0, -90.0, 0.0]) and np.isnan(p[1]).all()
