"""The shaved-head simulation: hair on the skull becomes scalp skin lit like the face; nothing else moves."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from smpstudio.render.shave import simulate_shaved


@pytest.fixture(scope="module")
def shaved(astronaut_photo, astronaut_analysis):
    return simulate_shaved(astronaut_photo.rgb, astronaut_analysis, seed=3)


def test_hair_on_the_skull_becomes_skin_coloured(astronaut_photo, astronaut_analysis, shaved):
    out, masks, changed = shaved
    assert changed
    before = astronaut_analysis.masks
    removed = before.hair & ~masks.hair
    assert removed.sum() > 0.8 * before.hair.sum()
    lab_out = cv2.cvtColor(out, cv2.COLOR_RGB2Lab)
    lab_in = cv2.cvtColor(astronaut_photo.rgb, cv2.COLOR_RGB2Lab)
    cheeks = before.skin & before.face
    skin = np.median(lab_in[cheeks], axis=0)
    scalp = removed & masks.skin
    d_after = np.linalg.norm(np.median(lab_out[scalp], axis=0) - skin)
    d_before = np.linalg.norm(np.median(lab_in[scalp], axis=0) - skin)
    assert d_after < 10 < d_before  # was hair-coloured, is now skin-coloured


def test_face_and_far_background_untouched(astronaut_photo, astronaut_analysis, shaved):
    out = shaved[0]
    pts = astronaut_analysis.points_px
    y0 = int(pts["nasion"][1])
    m = astronaut_analysis.masks
    face = cv2.erode((m.face & m.skin).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    face[:y0] = False  # the face's skin below the eyes (hair at its sides may go)
    np.testing.assert_array_equal(out[face], astronaut_photo.rgb[face])
    np.testing.assert_array_equal(out[300:], astronaut_photo.rgb[300:])  # body and below


def test_masks_stay_a_partition_and_output_is_deterministic(astronaut_photo, astronaut_analysis, shaved):
    out, m, _ = shaved
    assert ((m.hair.astype(int) + m.skin + m.background) == 1).all()
    again, _, _ = simulate_shaved(astronaut_photo.rgb, astronaut_analysis, seed=3)
    np.testing.assert_array_equal(out, again)
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1


def test_no_hair_no_change(astronaut_photo, astronaut_analysis):
    from dataclasses import replace

    bald = replace(astronaut_analysis, masks=replace(astronaut_analysis.masks,
                                                      hair=np.zeros_like(astronaut_analysis.masks.hair)))
    out, _, changed = simulate_shaved(astronaut_photo.rgb, bald)
    assert not changed and out is astronaut_photo.rgb


def test_large_photo_is_modelled_at_work_resolution_and_scaled_up(astronaut_rgb):
    """Above WORK_PX_PER_MM the scalp is modelled small and scaled up; the rest stays bit for bit."""
    from smpstudio import analyze
    from smpstudio.imaging.intake import Photo
    from smpstudio.render.shave import WORK_PX_PER_MM

    big = Photo.from_array(cv2.resize(astronaut_rgb, None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC))
    a = analyze(big)
    assert a.frame.px_per_mm > WORK_PX_PER_MM  # the scaled path is the one under test
    out, masks, changed = simulate_shaved(big.rgb, a, seed=1)
    assert changed and out.shape == big.rgb.shape and out.dtype == np.float32
    removed = a.masks.hair & ~masks.hair
    assert removed.sum() > 0.8 * a.masks.hair.sum()
    assert ((masks.hair.astype(int) + masks.skin + masks.background) == 1).all()
    h = out.shape[0]
    np.testing.assert_array_equal(out[int(0.6 * h):], big.rgb[int(0.6 * h):])  # below the head: untouched
    lab_out = cv2.cvtColor(out, cv2.COLOR_RGB2Lab)
    lab_in = cv2.cvtColor(big.rgb, cv2.COLOR_RGB2Lab)
    skin = np.median(lab_in[a.masks.skin & a.masks.face], axis=0)
    assert np.linalg.norm(np.median(lab_out[removed & masks.skin], axis=0) - skin) < 10
    _assert_volume_filled_with_background(big.rgb, out, a.masks, masks)  # filled coarse, scaled up


@pytest.mark.parametrize("interp", ["linear", "nearest"])
def test_box_upscale_equals_the_same_box_of_a_full_resize(interp) -> None:
    """Scaling up only the changed box gives exactly the pixels a full-image resize gives there."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from smpstudio.render.shave import _upscale_box

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
        box = _upscale_box(small, (w, h), (x0, y0, x1, y1), flag)
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


def test_shaved_head_is_at_least_as_wide_as_the_face_down_to_the_ears(astronaut_photo, astronaut_analysis, shaved):
    """Hair beside the face at temple height becomes the side of the head (skin), not background, and the
    head is no narrower than the face oval there (the head model's ellipsoid pinches in at the temples)."""
    _, masks, _ = shaved
    before = astronaut_analysis.masks
    pts = astronaut_analysis.points_px
    y = int(round(min(pts["left_brow_top"][1], pts["right_brow_top"][1])))
    for row in (y, y + 5):
        face_cols = np.flatnonzero(before.face[row])
        assert len(face_cols) > 20
        head_cols = np.flatnonzero(masks.head[row])
        assert head_cols.min() <= face_cols.min() and head_cols.max() >= face_cols.max()
        beside = np.zeros_like(before.hair[row])
        beside[face_cols.min() - 4: face_cols.min()] = True
        beside[face_cols.max() + 1: face_cols.max() + 5] = True
        was_hair = beside & before.hair[row]
        if was_hair.any():
            assert masks.skin[row][was_hair].mean() > 0.9


def _grain(lin: np.ndarray, mask: np.ndarray, sigma_px: float) -> float:
    """Robust std of the fine detail (relative to the local mean) over a mask."""
    local = cv2.GaussianBlur(lin, (0, 0), sigma_px)
    detail = (lin / np.maximum(local, 1e-4) - 1.0).mean(axis=2)
    return float(1.4826 * np.median(np.abs(detail[mask] - np.median(detail[mask]))))


def test_the_modelled_scalp_has_the_skins_own_grain(astronaut_photo, astronaut_analysis, shaved):
    """The scalp's fine texture comes from the client's own forehead: about as grainy as the real skin, not
    smooth (a painted cap) and not noisier (highlights or freckle clusters copied onto it)."""
    from smpstudio.render.render import srgb_to_linear

    out, masks, _ = shaved
    before = astronaut_analysis.masks
    scalp = cv2.erode((before.hair & masks.skin).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    skin = cv2.erode((before.skin & before.face).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert scalp.sum() > 500 and skin.sum() > 500
    ppm = astronaut_analysis.frame.px_per_mm
    g_scalp = _grain(srgb_to_linear(out), scalp, 1.5 * ppm)
    g_skin = _grain(srgb_to_linear(astronaut_photo.rgb), skin, 1.5 * ppm)
    assert 0.5 * g_skin < g_scalp < 1.5 * g_skin, (g_scalp, g_skin)


def test_grain_needs_clean_skin_to_copy():
    from smpstudio.render.shave import _skin_grain

    rgb = np.full((60, 60, 3), 0.6, np.float32)
    none = _skin_grain(rgb, np.zeros((60, 60), bool), (20, 20), 3.0, np.random.default_rng(0))
    assert none is None
    noisy = np.clip(rgb + np.random.default_rng(1).normal(0, 0.02, rgb.shape), 0, 1).astype(np.float32)
    grain = _skin_grain(noisy, np.ones((60, 60), bool), (25, 33), 3.0, np.random.default_rng(0))
    assert grain is not None and grain.shape == (25, 33, 3) and abs(float(grain.mean())) < 1e-3
    again = _skin_grain(noisy, np.ones((60, 60), bool), (25, 33), 3.0, np.random.default_rng(0))
    np.testing.assert_array_equal(grain, again)
