"""The scalp step measured on every test photo: what changes, where, how it joins, and what it chooses."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from smpstudio.scalp.workres import head_box
from tests.scalp.conftest import seam_strength

EXPECTED_MODE = {"astronaut": "shave", "biden.jpg": "buzz", "obama.jpg": "buzz", "obama2.jpg": "buzz"}


def test_the_situation_is_read_from_the_photo(scalp_case):
    """Long voluminous hair is removed and buzzed; receding thin hair and close-cropped hair are buzzed."""
    name, _, _, r = scalp_case
    assert r.mode == EXPECTED_MODE[name], (r.mode, r.reason, r.situation)
    assert r.reason and r.changed.any()
    assert r.hair_rgb_linear is not None and r.hair_rgb_linear.shape == (3,)


def test_outside_the_head_box_the_photo_is_bit_identical(scalp_case):
    _, rgb, analysis, r = scalp_case
    x0, y0, x1, y1 = head_box(analysis)
    outside = np.ones(rgb.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    np.testing.assert_array_equal(r.rgb[outside], rgb[outside])
    assert r.rgb.dtype == np.float32 and r.rgb.min() >= 0 and r.rgb.max() <= 1
    np.testing.assert_array_equal(r.changed, (r.rgb != rgb).any(axis=2))


def test_the_clients_skin_is_never_replaced(scalp_case):
    """Forehead, face, bald scalp: every pixel labelled skin is the photo's own."""
    _, rgb, analysis, r = scalp_case
    skin = analysis.masks.skin
    assert skin.sum() > 5000
    np.testing.assert_array_equal(r.rgb[skin], rgb[skin])


def test_masks_stay_a_partition_and_buzzed_hair_is_scalp_skin(scalp_case):
    _, _, analysis, r = scalp_case
    m = r.masks
    assert ((m.hair.astype(int) + m.skin + m.background) == 1).all()
    assert (analysis.masks.hair & ~m.hair).sum() > 0.5 * analysis.masks.hair.sum()


def test_buzzed_colour_lies_between_the_skin_and_the_hair(scalp_case):
    """The stubble model's colour: skin darkened toward the hair's colour, a little (a #1 buzz shows the skin)."""
    from smpstudio.optics.colour import linear_to_lab
    from smpstudio.optics.colour import srgb_to_linear_image as srgb_to_linear

    _, rgb, analysis, r = scalp_case
    m = analysis.masks
    buzzed = cv2.erode((m.hair & r.masks.skin & r.changed).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert buzzed.sum() > 500
    lin_out = srgb_to_linear(r.rgb)
    skin = linear_to_lab(np.median(srgb_to_linear(rgb)[m.skin & m.face], axis=0))
    hair = linear_to_lab(r.hair_rgb_linear)
    out = linear_to_lab(np.median(lin_out[buzzed], axis=0))
    axis = hair - skin
    t = float((out - skin) @ axis / (axis @ axis))
    off = float(np.linalg.norm(out - skin - t * axis))
    # no further toward the hair than the model's own buzzed look where it is densest (full hair, the
    # steepest foreshortening of the head model), plus 0.1 for the lighting
    from smpstudio.analysis.headmodel import MIN_FORESHORTENING
    from smpstudio.optics.colour import lab_to_linear
    from smpstudio.optics.stubble import buzzed_look_linear

    densest = linear_to_lab(buzzed_look_linear(r.hair_rgb_linear, np.clip(lab_to_linear(skin), 0, 1), 1.0,
                                               MIN_FORESHORTENING))
    t_max = float((densest - skin) @ axis / (axis @ axis)) + 0.1
    assert -0.35 < t < t_max, (t, t_max)  # between skin and hair (the lighting may be a bit brighter)
    assert off < 12.0, off  # close to that line: the skin's own hue, not a painted colour


@pytest.mark.parametrize("side", ["all", "skin", "hair", "background"])
def test_seams_no_stronger_than_the_photos_own_edges(scalp_case, side):
    """Colour step across every boundary of changed pixels, in the output vs in the photo at the same pixel
    pairs: overall and separately where the unchanged side is skin (forehead), hair or background."""
    name, rgb, analysis, r = scalp_case
    m = analysis.masks
    beside = {"all": None, "skin": m.skin, "hair": m.hair, "background": m.background}[side]
    seam = seam_strength(rgb, r.rgb, r.changed, beside)
    if seam is None:
        # every hair pixel beside the changed region was changed with it (wisps included): no seam there
        assert side == "hair", f"no {side} pixels beside the changed region"
        pytest.skip(f"{name}: no unchanged hair beside the changed pixels")
    out, photo = seam
    # biden beside skin was 0.067 vs 0.066 with a 0.5 mm feather (an xfail until 2026-12-03)
    print(f"\n{name} seams beside {side}: output {out:.4f}, photo's own edges {photo:.4f}")
    assert out <= photo, (out, photo)


def test_a_buzzed_photo_fed_back_in_is_left_as_it_is(scalp_case):
    """Idempotence: the step's own output, as an 8-bit photo, is recognised as buzzed and not changed again."""
    from smpstudio import analyze
    from smpstudio.imaging.intake import Photo
    from smpstudio.scalp import prepare_scalp

    _, _, _, r = scalp_case
    again = Photo.from_array(np.clip(r.rgb * 255 + 0.5, 0, 255).astype(np.uint8))
    r2 = prepare_scalp(again.rgb, analyze(again))
    assert r2.mode == "as-is", (r2.reason, r2.situation)
    assert r2.rgb is again.rgb and not r2.changed.any()


def test_modes_can_be_chosen(scalp_case):
    from smpstudio.scalp import prepare_scalp

    _, rgb, analysis, r = scalp_case
    kept = prepare_scalp(rgb, analysis, mode="as-is")
    assert kept.rgb is rgb and kept.mode == "as-is" and not kept.changed.any()
    buzzed = prepare_scalp(rgb, analysis, mode="buzz")
    shaved = prepare_scalp(rgb, analysis, mode="shave")
    assert buzzed.mode == "buzz" and shaved.mode == "shave"
    # buzzing removes no more volume than shaving
    assert (buzzed.masks.head.sum()) >= shaved.masks.head.sum()
    with pytest.raises(ValueError):
        prepare_scalp(rgb, analysis, mode="bald")


def test_deterministic(scalp_case):
    from smpstudio.scalp import prepare_scalp

    _, rgb, analysis, r = scalp_case
    np.testing.assert_array_equal(prepare_scalp(rgb, analysis, seed=0).rgb, r.rgb)


def test_no_hair_is_left_around_the_removed_volume(scalp_case):
    """Where the step removed hair volume, the background beside the new head holds no more hair-coloured
    pixels (CIE76 < 12 from the hair's measured colour) than the background farther out: no halo of wisps,
    no fill smeared from hair. Measured above the eyes, in the band 0-8 mm outside the shown head, against
    the band 20-30 mm out; the photo itself shows the halo there."""
    import cv2

    from smpstudio.analysis.landmarks import IDX_LEFT_IRIS, IDX_RIGHT_IRIS
    from smpstudio.optics.colour import linear_to_lab
    from smpstudio.optics.colour import srgb_to_linear_image as srgb_to_linear

    name, rgb, analysis, r = scalp_case
    ppm = analysis.frame.px_per_mm
    removed_cm2 = float((analysis.masks.head & ~r.masks.head).sum()) / ppm**2 / 100
    if removed_cm2 < 2.0:
        pytest.skip(f"{name}: {removed_cm2:.1f} cm² of hair volume removed, no background band to measure")
    dist = cv2.distanceTransform((~r.masks.head).astype(np.uint8), cv2.DIST_L2, 5) / ppm
    rows = np.arange(rgb.shape[0])[:, None]
    above_eyes = rows < analysis.landmarks_px[[IDX_LEFT_IRIS[0], IDX_RIGHT_IRIS[0]], 1].mean()
    near, far = (dist > 0) & (dist <= 8) & above_eyes, (dist > 20) & (dist <= 30) & above_eyes
    hair = linear_to_lab(r.hair_rgb_linear)

    def hair_like(img):
        return np.linalg.norm(linear_to_lab(srgb_to_linear(img)) - hair, axis=2) < 12

    before, after = hair_like(rgb), hair_like(r.rgb)
    excess_photo = float(before[near].mean() - before[far].mean())
    excess_out = float(after[near].mean() - after[far].mean())
    assert excess_photo > 0.1, excess_photo  # the photo has hair there: the measure can see it
    assert excess_out < 0.06, (excess_out, excess_photo)


def test_no_hair_of_the_mask_is_left_as_it_was(scalp_case):
    """Every hair pixel of the analysis above the chin is buzzed or removed: none is left as the photo had it
    (on main before the far-hair and face-rim rules biden kept 3.2 % of his hair, 2.3 cm², as white arcs at
    the sides beyond the buzz's reach, and obama2 1.6 %)."""
    from smpstudio.analysis.landmarks import FACE_OVAL

    name, rgb, analysis, r = scalp_case
    rows = np.arange(rgb.shape[0])[:, None]
    hair = analysis.masks.hair & (rows < analysis.landmarks_px[FACE_OVAL[18], 1])
    left = hair & ~r.changed
    assert hair.sum() > 1000
    assert left.sum() < 0.01 * hair.sum(), (name, int(left.sum()), int(hair.sum()))


def test_buzzed_stubble_on_the_front_of_the_head_runs_down_the_image(scalp_case):
    """The hair stream radiates from the vertex whorl, behind the top of the head on a frontal photo, so
    the stubble on the front of the head lies forward (down the image): its streaks are closer to vertical
    than to horizontal there, measured by the structure tensor of the changed pixels' lightness. With the
    whorl placed a quarter of the way down the head (before 2026-12-03) the front showed a sunburst: the
    streaks around it ran every way, horizontally above the forehead's middle.

    Only the texture finer than 0.5 mm is measured (the image less its Gaussian blur of sigma 0.5 mm): the
    light falling off up the head is a vertical gradient of its own, which at about 2 px/mm outweighs a #0
    buzz's streaks (2-3 px long). Measured on 2026-12-03: biden 1.24, obama 1.77, obama2 1.66; the same
    renders with the streaks turned sideways 0.72, 0.51, 0.39; unfiltered 1.08, 1.40, 1.04.

    Since 2026-12-04 the stubble is drawn as blurred as the photo (imaging.blur): where a #0 streak is
    shorter than 3 x the photo's blur the photo cannot show its direction, and it is not read here (biden:
    2.3 px streaks, 0.78 px blur; 0.99 down the image, 0.97 turned sideways). The direction itself is tested
    on the stubble alone, blurred and not (test_scalp_step.py::test_stubble_streaks_follow_the_hair_stream)."""
    from smpstudio.imaging.blur import edge_blur_px
    from smpstudio.optics.stubble import EXIT_SIN, GUARDS_MM

    name, rgb, analysis, r = scalp_case
    if r.mode != "buzz":
        pytest.skip("the structure is measured on buzzed hair only")
    ppm = analysis.frame.px_per_mm
    blur = edge_blur_px(cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2GRAY), analysis.masks.face)
    streak_px = GUARDS_MM["#0"] * EXIT_SIN * ppm
    if streak_px < 3.0 * blur:
        pytest.skip(f"{name}: {streak_px:.1f} px streaks under {blur:.2f} px of the photo's blur")
    gray = cv2.cvtColor(np.ascontiguousarray(r.rgb), cv2.COLOR_RGB2GRAY)
    gray = gray - cv2.GaussianBlur(gray, (0, 0), 0.5 * ppm)
    gx, gy = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    # the changed scalp within 25 mm of the midline, above the forehead
    ys, xs = np.mgrid[0:gray.shape[0], 0:gray.shape[1]]
    mm = analysis.frame.to_mm(np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)).reshape(gray.shape + (2,))
    front = r.changed & r.masks.skin & (np.abs(mm[..., 0]) < 25.0) & (mm[..., 1] > 55.0)
    front = cv2.erode(front.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert front.sum() > 20 * ppm**2, front.sum()
    jxx, jyy = float((gx[front] ** 2).sum()), float((gy[front] ** 2).sum())
    # vertical streaks: the lightness changes across them (x) more than along them (y)
    print(f"\n{name}: front stubble gradient energy x/y {jxx / jyy:.2f}")
    assert jxx > 1.1 * jyy, (jxx, jyy)


def front_edge_valley(img: np.ndarray, changed: np.ndarray, forehead: np.ndarray, ppm: float) -> np.ndarray:
    """Per column of the forehead's middle half: how much darker (CIELAB L*) the output is at the front
    edge of the changed region (its lowest changed pixel above the forehead, +-1 px) than on both sides of
    it (the mean over 1.5-3 mm inside the buzzed region and over 1.5-3 mm down the forehead)."""
    import cv2

    lum = cv2.cvtColor(np.ascontiguousarray(img, np.float32), cv2.COLOR_RGB2Lab)[..., 0]
    xs = np.nonzero(forehead)[1]
    k = max(2, int(round(1.5 * ppm)))
    out = []
    for c in range(int(np.percentile(xs, 25)), int(np.percentile(xs, 75))):
        top = np.nonzero(forehead[:, c])[0]
        edge = np.nonzero(changed[: top.min(), c])[0] if len(top) else []
        if not len(edge) or edge.max() < 2 * k:
            continue
        e = edge.max()
        beside = min(lum[e - 2 * k: e - k, c].mean(), lum[e + k + 1: e + 2 * k + 1, c].mean())
        out.append(beside - lum[e - 1: e + 2, c].min())
    return np.array(out)


def test_no_dark_line_along_the_buzzed_hairline(scalp_case):
    """The front row of the hair is buzzed with the rest: no dark line is left along the front edge of
    the buzzed region (before 2026-12-04 the hair mask, found on a grid ~110 px across the face and scaled
    up, left obama's darkest front row on the skin side, and the edge's fade-in brought the photo's hair
    back: a thin dark line across his forehead, 8.9 L* deep at the 90th percentile, obama2 5.9)."""
    name, _, analysis, r = scalp_case
    if r.mode != "buzz":
        pytest.skip(f"{name}: {r.mode}, no buzzed hairline")
    depth = front_edge_valley(r.rgb, r.changed, analysis.masks.forehead, analysis.frame.px_per_mm)
    assert len(depth) > 20, (name, len(depth))
    assert np.percentile(depth, 90) < 5.0, (name, np.percentile(depth, 90), np.median(depth))


def test_the_skull_outline_is_fitted_to_the_head(scalp_case):
    """The skull's outline fitted to the head's silhouette above the temples (close-cropped hair standing
    HAIR_ALLOWANCE_MM over it) lies on it: half its outline points within 3 mm of where it should be, and at
    most 0.6 x the head model's own error (4.0-7.6 mm on these photos; the model sat 9 mm to the left of
    obama2's turned head, its hair beside the right ear left as it was)."""
    from smpstudio.analysis.landmarks import IDX_LEFT_TEMPLE, IDX_RIGHT_TEMPLE
    from smpstudio.scalp.outline import HAIR_ALLOWANCE_MM, HAIR_REACH_MM, Outline, fit_outline, outline_points
    from smpstudio.scalp.regions import head_normals

    name, _, analysis, _ = scalp_case
    ppm = analysis.frame.px_per_mm
    head = analysis.masks.head
    _, skull = head_normals(analysis, head.shape)
    temple_y = float(analysis.landmarks_px[[IDX_LEFT_TEMPLE, IDX_RIGHT_TEMPLE], 1].mean())
    model = Outline.of_mask(skull)
    fitted = fit_outline(model, head, temple_y, ppm)
    pts = outline_points(head, temple_y)
    d_model = model.radial_px(pts) / ppm
    used = d_model < HAIR_REACH_MM
    assert used.sum() >= 50, name
    err_model = float(np.median(np.abs(d_model[used] - HAIR_ALLOWANCE_MM)))
    err_fit = float(np.median(np.abs(fitted.radial_px(pts[used]) / ppm - HAIR_ALLOWANCE_MM)))
    assert err_fit <= 3.0 and err_fit <= 0.6 * err_model, (name, err_fit, err_model)


def fine_ratio(gray: np.ndarray, mask: np.ndarray) -> float:
    """Texture finer than 1 px (the image less its 1 px Gaussian) over that between 1 and 2 px (RMS ratio):
    how sharp the texture in ``mask`` is, independent of its contrast."""
    g1, g2 = cv2.GaussianBlur(gray, (0, 0), 1.0), cv2.GaussianBlur(gray, (0, 0), 2.0)
    return float(np.sqrt(np.mean((gray - g1)[mask] ** 2) / np.mean((g1 - g2)[mask] ** 2)))


def test_buzzed_stubble_is_no_sharper_than_the_photo(scalp_case):
    """The stubble is drawn as blurred as the photo: its texture is no sharper (fine_ratio) than 1.1 x the
    sharper of the photo's own face skin and the hair it replaces. Measured on 2026-12-04: biden's stubble,
    drawn with 0.5 px of anti-aliasing only in his soft portrait (edges 0.8 px), read 1.92 against 1.63 / 1.34,
    a white frost over the head; drawn with the photo's blur 1.67. obama 1.92 vs 1.54 / 2.82, obama2 1.57 vs
    1.27 / 1.88."""
    name, rgb, analysis, r = scalp_case
    if r.mode != "buzz":
        pytest.skip(f"{name}: {r.mode}, the stubble is measured on a buzz")
    g0 = cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2GRAY)
    g1 = cv2.cvtColor(np.ascontiguousarray(r.rgb, np.float32), cv2.COLOR_RGB2GRAY)
    core = cv2.erode((r.changed & analysis.masks.hair).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert core.sum() > 1000, (name, int(core.sum()))
    photo = max(fine_ratio(g0, analysis.masks.skin & analysis.masks.face), fine_ratio(g0, core))
    assert fine_ratio(g1, core) <= 1.1 * photo, (name, fine_ratio(g1, core), photo)
