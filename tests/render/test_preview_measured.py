"""Rendered previews measured like a photo: detect the dots (blob detection) on synthetic flat skin with
a known scale and check counts, spacing, layering, healing and the depth colour shift (issue 3)."""

from __future__ import annotations

import colour
import numpy as np
import pytest
from scipy.spatial import cKDTree
from skimage.feature import blob_log

from smpstudio.pattern.dots import DotParams
from smpstudio.render import preview as pv

from .synthetic import FAIR_SKIN_LINEAR, HAIRLINE_Y_MM, flat_pattern, flat_photo_linear

PPM = 16.0  # px/mm: a close phone photo
INTERVAL = 14


def _render(pattern, day: float, max_session: int | None = None, ppm: float = PPM, scale: float = 1.0):
    lin = flat_photo_linear(ppm * scale)
    return pv.render_on_photo(lin, pattern, day, INTERVAL, FAIR_SKIN_LINEAR, scale=scale, to_srgb8=False,
                              max_session=max_session)


def _opacity(img: np.ndarray, channel: int | None = None) -> np.ndarray:
    if channel is None:
        return 1.0 - img.mean(axis=2) / FAIR_SKIN_LINEAR.mean()
    return 1.0 - img[..., channel] / FAIR_SKIN_LINEAR[channel]


def _detect(img: np.ndarray, channel: int | None = None) -> np.ndarray:
    """Dots found in the image: (N, 3) rows of (y px, x px, sigma px)."""
    return blob_log(_opacity(img, channel), min_sigma=0.8, max_sigma=5, num_sigma=10, threshold=0.04)


def _px_to_mm(pattern, yx: np.ndarray) -> np.ndarray:
    # pixel centres: blob coordinates index pixels, whose centres are at +0.5
    return pattern.frame.to_mm(np.stack([yx[:, 1] + 0.5, yx[:, 0] + 0.5], axis=1))


def _inside(xy_mm: np.ndarray, margin_mm: float = 3.0) -> np.ndarray:
    """Away from the image's borders, where a dot cut by the edge is found off-centre or not at all."""
    return (np.abs(xy_mm[:, 0]) < 30.0 - margin_mm) & (xy_mm[:, 1] < 40.0 - margin_mm)


@pytest.fixture(scope="module")
def pattern():
    return flat_pattern(PPM, n_sessions=3, style="soft", seed=3)


@pytest.fixture(scope="module")
def healed(pattern):
    return {k: _render(pattern, (k - 1) * INTERVAL + 28, max_session=k) for k in (1, 2, 3)}


def test_count_per_zone_matches_plan(pattern, healed) -> None:
    found = _px_to_mm(pattern, _detect(healed[3]))
    behind_found = found[:, 1] - HAIRLINE_Y_MM
    behind_plan = pattern.xy_mm[:, 1] - HAIRLINE_Y_MM
    for lo, hi in ((-10.0, 8.0), (8.0, 100.0)):  # hairline/transition band, full-density area
        plan = int(((behind_plan >= lo) & (behind_plan < hi)).sum())
        seen = int(((behind_found >= lo) & (behind_found < hi)).sum())
        assert plan > 150
        assert abs(seen - plan) <= 0.05 * plan, (lo, hi, seen, plan)


def test_spacing_of_detected_dots(pattern, healed) -> None:
    found = _px_to_mm(pattern, _detect(healed[3]))
    d, nn = cKDTree(found).query(found, k=2)
    _, nearest = cKDTree(pattern.xy_mm).query(found)
    local = pattern.session_min_distance_mm(3)[nearest]
    # where the density changes (edges, transition zone) two neighbours have different targets: the pair
    # keeps the smaller one (the later-placed dot's)
    target = np.minimum(local, local[nn[:, 1]])
    assert np.min(d[:, 1] / target) >= 0.85
    # and it is blue noise, not a grid or random: nearest-neighbour distances are tightly spread
    full = found[:, 1] > HAIRLINE_Y_MM + 10
    dn = d[full, 1]
    assert dn.min() / dn.mean() > 0.8


def test_layering_keeps_old_dots_and_spaces_new_ones(pattern, healed) -> None:
    for k in (1, 2):
        old = _px_to_mm(pattern, _detect(healed[k]))
        new_all = _px_to_mm(pattern, _detect(healed[k + 1]))
        old = old[_inside(old, 2.0)]
        new_all = new_all[_inside(new_all, 2.0)]
        d_old, _ = cKDTree(new_all).query(old)
        assert np.all(d_old < 0.25), "a dot of an earlier session is missing later"
        d_new, _ = cKDTree(old).query(new_all)
        added = new_all[(d_new >= 0.25) & _inside(new_all, 4.0)]
        assert len(added) > 100
        gap, _ = cKDTree(old).query(added)
        target = np.minimum(pattern.session_min_distance_mm(k + 1, added),
                            pattern.session_min_distance_mm(k + 1, old[cKDTree(old).query(added)[1]]))
        assert np.all(gap >= 0.85 * target)


def _spot_size(op: np.ndarray, centres: np.ndarray, radius: int = 5) -> np.ndarray:
    """Area (px) of each dot above half its peak opacity (over the local background): the visible spot."""
    yy, xx = np.mgrid[-radius: radius + 1, -radius: radius + 1]
    ring = (yy**2 + xx**2 > (radius - 1) ** 2) & (yy**2 + xx**2 <= radius**2)
    out = []
    h, w = op.shape
    for cy, cx in centres:
        if radius <= cy < h - radius and radius <= cx < w - radius:
            win = op[cy - radius: cy + radius + 1, cx - radius: cx + radius + 1]
            rel = win - np.median(win[ring])
            out.append(float((rel >= 0.5 * rel.max()).sum()))
    return np.array(out)


def test_healed_dots_are_smaller_and_lighter_than_fresh(pattern) -> None:
    fresh = _render(pattern, 0, max_session=1)
    healed = _render(pattern, 28, max_session=1)
    # red channel: the fresh redness (absorbs green and blue) does not blur the dot's own size there
    bf, bh = _detect(fresh, channel=0), _detect(healed, channel=0)
    assert abs(len(bf) - len(bh)) <= 0.02 * len(bh)
    centres = bh[:, :2].astype(int)
    size_f = _spot_size(_opacity(fresh, 0), centres)
    size_h = _spot_size(_opacity(healed, 0), centres)
    assert np.median(size_h) < 0.9 * np.median(size_f)
    op_f = _opacity(fresh)[centres[:, 0], centres[:, 1]]
    op_h = _opacity(healed)[centres[:, 0], centres[:, 1]]
    assert np.median(op_h) < np.median(op_f)
    # fresh skin between the dots is redder (erythema), healed skin is not
    h = fresh.shape[0]
    dense = np.zeros(fresh.shape[:2], bool)
    dense[: int(h - (HAIRLINE_Y_MM + 12) * PPM)] = True  # rows well behind the transition zone
    redder = _opacity(fresh, 1) - _opacity(fresh, 0)
    # between the dots: the healed image's lightest fifth of the dense area (the dermal haze gives every
    # pixel some opacity, so "between" is where it is least)
    op_h_all = _opacity(healed)
    between = dense & (op_h_all < np.percentile(op_h_all[dense], 20))
    assert np.median(redder[between]) > 0.01
    assert np.abs(np.median((_opacity(healed, 1) - _opacity(healed, 0))[dense])) < np.median(redder[dense]) / 3


def _lab(rgb_linear: np.ndarray) -> np.ndarray:
    xyz = colour.RGB_to_XYZ(np.clip(rgb_linear, 1e-6, 1), colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def test_deeper_dots_are_larger_lighter_and_cooler() -> None:
    skin = _lab(FAIR_SKIN_LINEAR)
    res = {}
    for depth in (0.12, 0.30):
        pat = flat_pattern(PPM, n_sessions=1, seed=5, dots=DotParams(depth_mm=depth, depth_sd_mm=0.0))
        img = _render(pat, 28)
        blobs = _detect(img)
        c = blobs[:, :2].astype(int)
        res[depth] = (_lab(np.median(img[c[:, 0], c[:, 1]], axis=0)), np.median(blobs[:, 2]))
    (shallow, s_sig), (deep, d_sig) = res[0.12], res[0.30]
    assert d_sig > s_sig  # larger / softer
    assert deep[0] > shallow[0]  # lighter
    # cooler: per unit of darkening against the skin, the deep dot loses more yellow (b*)
    assert (skin[2] - deep[2]) / (skin[0] - deep[0]) > (skin[2] - shallow[2]) / (skin[0] - shallow[0])


@pytest.mark.parametrize("factor", [4, 8])
def test_low_resolution_render_equals_downsampled_high_resolution(pattern, factor: int) -> None:
    hi = _render(pattern, 56)
    lo = _render(pattern, 56, scale=1.0 / factor)
    h, w = lo.shape[:2]
    down = hi[: h * factor, : w * factor].reshape(h, factor, w, factor, 3).mean(axis=(1, 3))
    de = colour.delta_E(_lab(down), _lab(lo), method="CIE 2000")
    inner = de[2:-2, 2:-2]
    assert inner.max() <= 1.0, inner.max()
    # and the dots are not lost at low resolution: the full-density area is measurably darker
    rows = slice(int(h * 0.1), int(h * 0.5))  # well behind the transition zone, away from the top edge
    assert colour.delta_E(_lab(lo[rows, 4:-4].reshape(-1, 3).mean(0)), _lab(FAIR_SKIN_LINEAR),
                          method="CIE 2000") > 1.0


def test_cropped_composite_equals_full_frame(pattern) -> None:
    from smpstudio.render.render import linear_to_srgb8

    lin = flat_photo_linear(PPM, height_mm=60.0)  # taller than the pattern: rows without dots
    base = linear_to_srgb8(lin)
    full = pv.render_on_photo(lin, pattern, 20, INTERVAL, FAIR_SKIN_LINEAR)
    fast = pv.render_on_photo(lin, pattern, 20, INTERVAL, FAIR_SKIN_LINEAR, base_srgb8=base)
    assert np.array_equal(full, fast)
    assert not np.array_equal(full, base)


def _textured_srgb(h: int, w: int) -> np.ndarray:
    """An sRGB photo with a smooth gradient and pixel noise (every pixel different)."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.35 + 0.3 * (xx / w)[..., None] * np.array([1.0, 0.8, 0.6], np.float32) + 0.1 * (yy / h)[..., None]
    return np.clip(base + rng.normal(0, 0.03, (h, w, 3)), 0, 1).astype(np.float32)


def test_lazily_linearised_photo_renders_the_same_and_leaves_the_rest_alone(pattern) -> None:
    from scipy.ndimage import distance_transform_edt

    from smpstudio.imaging.intake import to_uint8

    h, w = flat_photo_linear(PPM, height_mm=60.0).shape[:2]
    srgb = _textured_srgb(h, w)
    full = pv.photo_linear(srgb)
    lazy = pv.LinearPhoto(srgb)
    assert np.array_equal(lazy[5:40, 7:90], full[5:40, 7:90])
    base = to_uint8(srgb)
    a = pv.render_on_photo(full, pattern, 20, INTERVAL, FAIR_SKIN_LINEAR, base_srgb8=base)
    b = pv.render_on_photo(lazy, pattern, 20, INTERVAL, FAIR_SKIN_LINEAR, base_srgb8=base)
    assert np.array_equal(a, b)
    changed = (a != base).any(axis=2)
    assert changed.sum() > 0.05 * changed.size
    # every pixel more than 2 mm from any dot is the photo's own 8-bit pixel, bit for bit
    near = np.zeros((h, w), bool)
    xy = np.round(pattern.xy_px).astype(int)
    ok = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    near[xy[ok, 1], xy[ok, 0]] = True
    far = distance_transform_edt(~near) > 2 * PPM
    assert far.sum() > 1000 and not changed[far].any()


def test_skin_at_reads_only_around_the_points_and_matches_the_whole_photo_blur() -> None:
    import cv2

    srgb = _textured_srgb(300, 400)
    lin = pv.photo_linear(srgb)
    pts = np.random.default_rng(2).uniform([30, 30], [370, 270], (200, 2))
    blur = 12.0
    # reference: blur the whole photo at full resolution, sample bilinearly at the points
    ref_img = cv2.GaussianBlur(lin, (0, 0), blur)
    ref = np.array([cv2.getRectSubPix(ref_img, (1, 1), (float(x - 0.5), float(y - 0.5)))[0, 0] for x, y in pts])
    got = pv.skin_at(pv.LinearPhoto(srgb), pts, blur)
    np.testing.assert_allclose(got, ref, rtol=0.01)
    np.testing.assert_allclose(pv.skin_at(lin, pts, blur), got, rtol=1e-6)
