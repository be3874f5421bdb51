"""Skin and hair colour measurement, ITA classes, Monk swatches, white balance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.errors import SMPError
from smpstudio.optics.colour import delta_e2000, linear_to_srgb, srgb_to_lab, srgb_to_linear
from smpstudio.plan.skin import (
    ITA_FINE_CUTS,
    MONK_HEX,
    fitzpatrick_from_ita,
    ita_class,
    ita_class_fine,
    ita_deg,
    measure_hair,
    measure_skin,
    monk_labs,
    nearest_monk,
    skin_tone_from_lab,
    undertone_from_lab,
    white_balance,
)

SIX = ["very light", "light", "intermediate", "tan", "brown", "dark"]


def test_ita_formula_on_hand_computed_values():
    # atan((L - 50) / b): L = 50 -> 0 deg; L - 50 = b -> 45 deg; L - 50 = -b*sqrt(3) -> -60 deg
    assert ita_deg(np.array([50.0, 7.0, 15.0])) == pytest.approx(0.0, abs=1e-12)
    assert ita_deg(np.array([70.0, 7.0, 20.0])) == pytest.approx(45.0)
    assert ita_deg(np.array([50.0 - 10.0 * np.sqrt(3.0), 7.0, 10.0])) == pytest.approx(-60.0)


@pytest.mark.parametrize(("ita", "expected"), [
    (70.0, "very light"), (55.01, "very light"), (55.0, "light"), (41.01, "light"), (41.0, "intermediate"),
    (28.01, "intermediate"), (28.0, "tan"), (10.01, "tan"), (10.0, "brown"), (-29.99, "brown"),
    (-30.0, "dark"), (-80.0, "dark"),
])
def test_six_class_cut_offs(ita, expected):
    assert ita_class(ita) == expected


def test_fine_classes_follow_the_cut_offs():
    probes = [c + 0.01 for c in ITA_FINE_CUTS] + [ITA_FINE_CUTS[-1] - 5.0]
    labels = [ita_class_fine(v) for v in probes]
    assert [lab.split()[0] for lab in labels] == [f"F{i}" for i in range(1, 9)]
    assert ita_class_fine(34.6).endswith("(34.5-41)")


def test_monk_swatches_ita_is_monotonic_and_in_expected_classes():
    labs = monk_labs()
    itas = np.array([ita_deg(lab) for lab in labs])
    assert np.all(np.diff(itas) < 0), itas  # lighter swatch -> larger ITA, strictly
    classes = [ita_class(v) for v in itas]
    ranks = [SIX.index(c) for c in classes]
    assert ranks == sorted(ranks)
    assert classes[0] == "very light" and classes[-1] == "dark"
    assert set(classes[:4]) == {"very light"}  # Monk 1-4 are the pale swatches
    assert set(classes[7:]) == {"dark"}  # Monk 8-10 are the deepest
    fine = [int(ita_class_fine(v).split()[0][1:]) for v in itas]
    assert fine == sorted(fine)
    fitz = [fitzpatrick_from_ita(v) for v in itas]
    assert fitz == sorted(fitz) and fitz[0] == 1 and fitz[-1] == 6


def test_each_monk_swatch_is_its_own_nearest():
    for i, lab in enumerate(monk_labs()):
        monk, de = nearest_monk(lab)
        assert monk == i + 1 and de == pytest.approx(0.0, abs=1e-9)
    assert len(MONK_HEX) == 10


def test_undertone_follows_hue_angle():
    assert undertone_from_lab(np.array([60.0, 16.0, 12.0]))[0] == "cool"  # h = 36.9
    assert undertone_from_lab(np.array([60.0, 10.0, 13.0]))[0] == "neutral"  # h = 52.4 .. 62
    assert undertone_from_lab(np.array([60.0, 6.0, 20.0]))[0] == "warm"  # h = 73.3


@pytest.mark.parametrize("skin_lab", [(78.0, 6.0, 16.0), (62.0, 10.0, 20.0), (40.0, 12.0, 18.0), (28.0, 9.0, 12.0)])
def test_measure_skin_ignores_highlights_shadows_brows_and_redness(make_scalp, skin_lab):
    rgb, skin, hair = make_scalp(skin_lab, hair_lab=(20.0, 3.0, 6.0))
    tone = measure_skin(rgb, skin, hair_mask=hair)
    assert delta_e2000(np.array(tone.lab), np.array(skin_lab)) < 1.0
    naive = srgb_to_lab(rgb[skin].mean(axis=0))  # what a plain mean would say
    assert delta_e2000(naive, np.array(skin_lab)) > 2.0 * delta_e2000(np.array(tone.lab), np.array(skin_lab))
    sp = tone.spread
    assert sp["excluded_shadow"] > 0 and sp["excluded_redness"] > 0
    assert sp["excluded_highlight"] + sp["excluded_clipped"] > 0
    assert 0.5 < sp["kept_fraction"] < 1.0
    assert sp["L_iqr"] < 3.0  # the kept pixels are the clean skin: small spread


def test_fair_and_dark_synthetic_skins_classify_apart(make_scalp):
    fair = measure_skin(*make_scalp((80.0, 5.0, 14.0))[:2])
    dark = measure_skin(*make_scalp((32.0, 10.0, 14.0))[:2])
    assert fair.ita_deg > 41 > 10 > dark.ita_deg
    assert fair.monk < dark.monk
    assert fair.fitzpatrick_estimate < dark.fitzpatrick_estimate
    assert fair.fitzpatrick_is_heuristic and dark.fitzpatrick_is_heuristic


def test_overexposed_skin_is_refused_not_mismeasured():
    rgb = np.full((40, 40, 3), 1.0, np.float32)
    rgb[:5] = (0.8, 0.6, 0.5)  # the only unclipped pixels are not representative
    with pytest.raises(SMPError, match="clipped"):
        measure_skin(rgb, np.ones((40, 40), bool))


def test_measure_skin_needs_pixels():
    rgb = np.full((10, 10, 3), 0.5, np.float32)
    with pytest.raises(SMPError):
        measure_skin(rgb, np.zeros((10, 10), bool))
    with pytest.raises(SMPError):
        measure_skin(rgb, np.ones((9, 10), bool))


def test_measure_hair_drops_shine_and_returns_none_without_hair(make_scalp):
    rgb, skin, hair = make_scalp((70.0, 6.0, 16.0), hair_lab=(24.0, 4.0, 9.0))
    h = measure_hair(rgb, hair)
    assert h is not None and delta_e2000(np.array(h.lab), np.array([24.0, 4.0, 9.0])) < 1.5
    assert measure_hair(rgb, np.zeros_like(hair)) is None
    assert measure_hair(rgb, None) is None


def test_white_balance_from_grey_card_restores_skin(make_scalp):
    skin_lab = (66.0, 9.0, 18.0)
    rgb, skin, _ = make_scalp(skin_lab)
    card = np.zeros(skin.shape, bool)
    card[5:30, 5:30] = True
    skin = skin & ~card
    rgb[card] = 0.46  # a neutral grey card in the scene
    cast = np.clip(linear_to_srgb(srgb_to_linear(rgb) * np.array([1.18, 1.0, 0.72])), 0, 1).astype(np.float32)
    before = measure_skin(cast, skin)
    after = measure_skin(white_balance(cast, card), skin)
    truth = measure_skin(rgb, skin)
    assert delta_e2000(np.array(before.lab), np.array(truth.lab)) > 5.0  # the cast really shifts the skin
    # the cast is a camera-style gain error; CAT02 von Kries undoes it to within a just-noticeable difference
    assert delta_e2000(np.array(after.lab), np.array(truth.lab)) < 2.0
    assert delta_e2000(np.array(after.lab), np.array(truth.lab)) < 0.3 * delta_e2000(np.array(before.lab),
                                                                                        np.array(truth.lab))
    with pytest.raises(SMPError):
        white_balance(cast, np.zeros(skin.shape, bool))
    red_patch = rgb.copy()
    red_patch[card] = (0.8, 0.1, 0.1)
    with pytest.raises(SMPError):
        white_balance(red_patch, card)


@settings(max_examples=40, deadline=None)
@given(st.floats(20, 90), st.floats(2, 20), st.floats(5, 30))
def test_lighter_skin_never_gets_a_darker_class(L, a, b):
    darker = skin_tone_from_lab(np.array([L, a, b]))
    lighter = skin_tone_from_lab(np.array([min(L + 8.0, 99.0), a, b]))
    assert lighter.ita_deg > darker.ita_deg
    assert SIX.index(lighter.ita_class) <= SIX.index(darker.ita_class)


@settings(max_examples=25, deadline=None)
@given(
    st.tuples(st.floats(30, 88), st.floats(3, 16), st.floats(8, 26)),
    st.floats(0.0, 0.12),  # share of specular highlight pixels
    st.floats(0.0, 0.12),  # share of shadow / brow pixels
    st.floats(0.0, 0.08),  # share of red (irritated) pixels
    st.integers(0, 2**16),
)
def test_robust_skin_lab_survives_contamination(skin_lab, hi, lo, red, seed):
    from hypothesis import assume

    from smpstudio.optics.colour import lab_to_linear, lab_to_srgb

    lin = lab_to_linear(np.array(skin_lab))
    assume(np.all(lin > 0.01) and np.all(lin < 0.95))  # a skin colour a camera records without clipping
    rng = np.random.default_rng(seed)
    n = 4000
    base = lab_to_srgb(np.array(skin_lab))
    px = np.clip(base + rng.normal(0, 0.008, (n, 3)), 0, 1)
    kinds = rng.random(n)
    px[kinds < hi] = np.clip(base * 1.35 + 0.1, 0, 0.97)
    shadow = (kinds >= hi) & (kinds < hi + lo)
    px[shadow] = base * 0.35
    reds = (kinds >= hi + lo) & (kinds < hi + lo + red)
    px[reds] = lab_to_srgb(np.array([skin_lab[0] - 4, skin_lab[1] + 22, skin_lab[2]]))
    img = px.reshape(40, 100, 3).astype(np.float32)
    tone = measure_skin(img, np.ones((40, 100), bool))
    assert delta_e2000(np.array(tone.lab), np.array(skin_lab)) < 1.0


def test_a_large_mask_thinned_to_max_pixels_measures_what_every_pixel_says(make_scalp):
    """A 12 MP photo's skin is measured on every k-th pixel: the same tone as measuring them all."""
    rgb, skin, hair = make_scalp((62.0, 10.0, 20.0), hair_lab=(20.0, 3.0, 6.0), size=900)
    every = measure_skin(rgb, skin, hair_mask=hair, max_pixels=10**9)
    thinned = measure_skin(rgb, skin, hair_mask=hair, max_pixels=20_000)
    assert every.spread["sampled_every"] == 1 and thinned.spread["sampled_every"] > 10
    assert thinned.spread["n_pixels"] <= 20_000
    assert delta_e2000(np.array(thinned.lab), np.array(every.lab)) < 0.3
    assert thinned.spread["kept_fraction"] == pytest.approx(every.spread["kept_fraction"], abs=0.02)
    hair_all = measure_hair(rgb, hair, max_pixels=10**9)
    hair_thin = measure_hair(rgb, hair, max_pixels=5_000)
    assert hair_all is not None and hair_thin is not None and hair_thin.n_pixels == hair_all.n_pixels
    assert delta_e2000(np.array(hair_thin.lab), np.array(hair_all.lab)) < 0.5


def test_skin_next_to_hair_is_excluded_within_the_margin(make_scalp):
    from scipy import ndimage

    rgb, skin, hair = make_scalp((62.0, 10.0, 20.0), hair_lab=(20.0, 3.0, 6.0))
    for margin in (1, 3, 5):
        tone = measure_skin(rgb, skin, hair_mask=hair, hair_margin_px=margin)
        near = ndimage.binary_dilation(hair, iterations=margin)  # 4-connected, `margin` steps
        assert tone.spread["excluded_near_hair"] == float((skin & near).sum())
