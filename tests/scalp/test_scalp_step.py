"""The scalp step's parts: the sample's shave, large photos at working resolution, the box upscale, the grain,
the stubble model and the lighting fit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from smpstudio.scalp import prepare_scalp


@pytest.fixture(scope="module")
def shaved(astronaut_photo, astronaut_analysis):
    r = prepare_scalp(astronaut_photo.rgb, astronaut_analysis, mode="shave", seed=3)
    return r.rgb, r.masks, r


def test_no_hair_no_change(astronaut_photo, astronaut_analysis):
    from dataclasses import replace

    bald = replace(astronaut_analysis, masks=replace(astronaut_analysis.masks,
                                                      hair=np.zeros_like(astronaut_analysis.masks.hair)))
    r = prepare_scalp(astronaut_photo.rgb, bald)
    assert r.mode == "as-is" and r.rgb is astronaut_photo.rgb and r.hair_rgb_linear is None


def test_large_photo_is_modelled_at_work_resolution_and_scaled_up(astronaut_rgb):
    """Above WORK_PX_PER_MM the scalp is modelled small and scaled up; the rest stays bit for bit."""
    from smpstudio import analyze
    from smpstudio.imaging.intake import Photo
    from smpstudio.scalp.workres import WORK_PX_PER_MM

    big = Photo.from_array(cv2.resize(astronaut_rgb, None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC))
    a = analyze(big)
    assert a.frame.px_per_mm > WORK_PX_PER_MM  # the scaled path is the one under test
    r = prepare_scalp(big.rgb, a, mode="shave", seed=1)
    out, masks = r.rgb, r.masks
    assert r.changed.any() and out.shape == big.rgb.shape and out.dtype == np.float32
    assert ((masks.hair.astype(int) + masks.skin + masks.background) == 1).all()
    h = out.shape[0]
    np.testing.assert_array_equal(out[int(0.6 * h):], big.rgb[int(0.6 * h):])  # below the head: untouched
    np.testing.assert_array_equal(out[a.masks.skin], big.rgb[a.masks.skin])
    _assert_volume_filled_with_background(big.rgb, out, a.masks, masks)  # filled coarse, scaled up


@pytest.mark.parametrize("interp", ["linear", "nearest"])
def test_box_upscale_equals_the_same_box_of_a_full_resize(interp) -> None:
    """Scaling up only the changed box gives exactly the pixels a full-image resize gives there."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from smpstudio.scalp.workres import upscale_box

    flag = cv2.INTER_LINEAR if interp == "linear" else cv2.INTER_NEAREST

    @settings(max_examples=150, deadline=None)
    @given(st.integers(3, 60), st.integers(3, 60), st.floats(1.0, 4.0), st.floats(1.0, 4.0), st.data())
    def check(sh, sw, fy, fx, data):
        h, w = max(sh, round(sh * fy)), max(sw, round(sw * fx))
        small = np.random.default_rng(sh * 61 + sw).random((sh, sw, 3)).astype(np.float32)
        if flag == cv2.INTER_NEAREST:
            small = (small[..., 0] > 0.5).astype(np.uint8)
        x0 = data.draw(st.integers(0, w - 1))
        x1 = data.draw(st.integers(x0 + 1, w))
        y0 = data.draw(st.integers(0, h - 1))
        y1 = data.draw(st.integers(y0 + 1, h))
        full = cv2.resize(small, (w, h), interpolation=flag)
        box = upscale_box(small, (w, h), (x0, y0, x1, y1), flag)
        np.testing.assert_allclose(box, full[y0:y1, x0:x1], atol=1e-6)

    check()


def _assert_volume_filled_with_background(rgb_in, out, before, after) -> None:
    volume = before.head & ~after.head
    assert volume.sum() > 200
    lab_out = cv2.cvtColor(out, cv2.COLOR_RGB2Lab)
    lab_in = cv2.cvtColor(rgb_in, cv2.COLOR_RGB2Lab)
    k = max(15, rgb_in.shape[0] // 35)
    ring = cv2.dilate(before.head.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool) & ~before.head
    background = np.median(lab_in[ring & before.background], axis=0)
    hair = np.median(lab_in[volume], axis=0)
    filled = np.median(lab_out[volume], axis=0)
    assert np.linalg.norm(filled - background) < 0.5 * np.linalg.norm(hair - background)


def test_removed_hair_volume_is_filled_with_the_background(astronaut_photo, astronaut_analysis, shaved):
    """Where hair stood out beyond the skull, the fill continues the background beside it, not the hair."""
    _assert_volume_filled_with_background(astronaut_photo.rgb, shaved[0], astronaut_analysis.masks, shaved[1])


def test_stubble_darkens_skin_as_its_model_expects():
    """Seeded stubble over uniform skin: the mean darkening matches the coverage model's expectation, about
    74 FU/cm² are laid, white hair darkens nothing."""
    from smpstudio.scalp import stubble

    skin = np.full((300, 300, 3), 0.4, np.float32)
    dens = np.ones((300, 300), np.float32)
    black = np.array([0.01, 0.01, 0.01], np.float32)
    out, dark = stubble.buzz(skin, black, dens, 6.0, (150.0, -500.0), np.random.default_rng(0))
    mean_dark = 1.0 - float(out.mean()) / 0.4
    expected = stubble.expected_darkness(black, skin[0, 0])
    assert 0.15 < expected < 0.5
    assert abs(mean_dark - expected) < 0.2 * expected, (mean_dark, expected)
    white, _ = stubble.buzz(skin, np.array([0.6, 0.6, 0.6], np.float32), dens, 6.0, (150.0, -500.0),
                            np.random.default_rng(0))
    assert float(white.mean()) >= 0.4 - 1e-6
    x, _, _, _ = stubble._segments(np.random.default_rng(0), dens, 6.0, (150.0, -500.0))
    area_cm2 = (300 / 6.0) ** 2 / 100
    hairs_per_fu = np.dot(np.arange(1, 4), stubble.HAIRS_PER_FU_P) / sum(stubble.HAIRS_PER_FU_P)
    assert abs(len(x) / area_cm2 / hairs_per_fu - 74.4) < 6


@pytest.mark.parametrize("blur_px", [0.0, 0.8])
def test_stubble_streaks_follow_the_hair_stream(blur_px):
    """Stubble from a whorl far above the image lies down it: the lightness changes across the streaks (x)
    more than along them (y); from a whorl far to the left the other way round. Also with 0.8 px of the
    photo's blur (biden.jpg's), where the mean darkening stays the model's (within 20 %)."""
    from smpstudio.scalp import stubble

    skin = np.full((300, 300, 3), 0.4, np.float32)
    dens = np.ones((300, 300), np.float32)
    black = np.array([0.01, 0.01, 0.01], np.float32)
    ratio = {}
    for name, crown in (("down", (150.0, -5000.0)), ("sideways", (-5000.0, 150.0))):
        out, _ = stubble.buzz(skin, black, dens, 2.0, crown, np.random.default_rng(0), blur_px=blur_px)
        g = out.mean(axis=2)
        gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
        ratio[name] = float((gx[5:-5, 5:-5] ** 2).sum() / (gy[5:-5, 5:-5] ** 2).sum())
        expected = stubble.expected_darkness(black, skin[0, 0])
        assert abs(1.0 - float(out.mean()) / 0.4 - expected) < 0.2 * expected
    assert ratio["down"] > 1.2 and ratio["sideways"] < 1 / 1.2, ratio


def test_a_longer_guard_darkens_as_its_model_expects():
    """A #1 buzz (3.2 mm) over the same skin: darker than a #0, by what the expectation predicts at that length."""
    from smpstudio.optics.stubble import GUARDS_MM
    from smpstudio.scalp import stubble

    skin = np.full((300, 300, 3), 0.4, np.float32)
    dens = np.ones((300, 300), np.float32)
    black = np.array([0.01, 0.01, 0.01], np.float32)
    dark = {}
    for name, length in GUARDS_MM.items():
        out, _ = stubble.buzz(skin, black, dens, 6.0, (150.0, -500.0), np.random.default_rng(0), None, length)
        dark[name] = 1.0 - float(out.mean()) / 0.4
        expected = stubble.expected_darkness(black, skin[0, 0], length_mm=length)
        assert abs(dark[name] - expected) < 0.2 * expected, (name, dark[name], expected)
    assert dark["#1"] > dark["#0"] + 0.08, dark


def test_a_scalp_turned_away_shows_more_hairs_per_pixel():
    """Where the head model's surface is seen at a slant (image area per surface area 0.5, the top of a head
    on a frontal photo) the same surface density puts twice the units on each image mm², and the stubble
    darkens the skin as the model expects at that foreshortening: more than facing the camera."""
    from smpstudio.scalp import stubble

    skin = np.full((300, 300, 3), 0.4, np.float32)
    dens = np.ones((300, 300), np.float32)
    fs = np.full((300, 300), 0.5, np.float32)
    black = np.array([0.01, 0.01, 0.01], np.float32)
    x_face, _, _, _ = stubble._segments(np.random.default_rng(0), dens, 6.0, (150.0, -500.0))
    x_slant, _, _, _ = stubble._segments(np.random.default_rng(0), dens, 6.0, (150.0, -500.0), fs)
    assert abs(len(x_slant) / len(x_face) - 2.0) < 0.1, (len(x_slant), len(x_face))
    out, _ = stubble.buzz(skin, black, dens, 6.0, (150.0, -500.0), np.random.default_rng(0), fs)
    mean_dark = 1.0 - float(out.mean()) / 0.4
    expected = stubble.expected_darkness(black, skin[0, 0], foreshortening=0.5)
    assert expected > stubble.expected_darkness(black, skin[0, 0]) + 0.05
    assert abs(mean_dark - expected) < 0.2 * expected, (mean_dark, expected)


def test_lighting_fit_recovers_a_known_light():
    """Skin rendered with a known order-1 light on a hemisphere of normals: the fit gets it back."""
    from smpstudio.scalp.lighting import fit_lighting, sh_basis

    rng = np.random.default_rng(0)
    n = rng.normal(size=(4000, 3))
    n[:, 2] = -np.abs(n[:, 2]) - 0.3  # facing the camera
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    true = np.array([[0.5, 0.35, 0.25], [0.05, 0.03, 0.02], [-0.1, -0.07, -0.05], [-0.15, -0.1, -0.08]])
    x = sh_basis(n, 1) @ true
    x[:200] *= 0.3  # eyebrows and shadows: left out by the trimmed fit
    light = fit_lighting(x, n, np.ones(len(n), bool), order=1)
    np.testing.assert_allclose(light.diffuse(n[200:]), x[200:], rtol=0.03)
    assert light.light_dir[1] < 0 and light.light_dir[2] < 0  # from above and from the camera's side
    assert light.residual < 0.05


def test_grain_needs_clean_skin_to_copy():
    from smpstudio.scalp.grain import skin_grain

    rgb = np.full((60, 60, 3), 0.6, np.float32)
    none = skin_grain(rgb, np.zeros((60, 60), bool), (20, 20), 3.0, np.random.default_rng(0))
    assert none is None
    noisy = np.clip(rgb + np.random.default_rng(1).normal(0, 0.02, rgb.shape), 0, 1).astype(np.float32)
    grain = skin_grain(noisy, np.ones((60, 60), bool), (25, 33), 3.0, np.random.default_rng(0))
    assert grain is not None and grain.shape == (25, 33, 3) and abs(float(grain.mean())) < 1e-3
    again = skin_grain(noisy, np.ones((60, 60), bool), (25, 33), 3.0, np.random.default_rng(0))
    np.testing.assert_array_equal(grain, again)
