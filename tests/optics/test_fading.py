"""Fading model: monotonic, faster with each risk factor, default touch-up within 2-6 years."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.errors import OptionError
from smpstudio.optics.fading import (
    FadingFactors,
    FadingParams,
    faded_pigment_fraction,
    fading_curve,
    fading_rate_per_year,
    pigment_remaining,
)
from smpstudio.plan.pigment import load_catalogue, recommend_sessions
from smpstudio.plan.skin import monk_labs, skin_tone_from_lab

CAT = load_catalogue()
REF = FadingFactors()
RISKS = {
    "uv high": replace(REF, uv="high"),
    "oily scalp": replace(REF, oily_scalp=True),
    "flaky scalp": replace(REF, flaky_scalp=True),
    "exfoliation": replace(REF, exfoliation=True),
    "smoking": replace(REF, smoking=True),
    "alcohol products": replace(REF, alcohol_products=True),
    "fair skin (I)": replace(REF, fitzpatrick=1),
}


def _client(monk: int, hair=(18.0, 2.0, 4.0)):
    skin = skin_tone_from_lab(monk_labs()[monk - 1])
    plan = recommend_sessions(skin, CAT, hair_lab=np.array(hair))
    final = plan.sessions[-1]
    return skin, final.pigment_fraction, CAT.get(final.pigment_id).rgb_linear


def _due(monk: int, factors: FadingFactors, params: FadingParams = FadingParams()) -> float:
    skin, f, pig = _client(monk)
    r = fading_curve(np.array(skin.rgb_linear), f, factors, params, pigment_rgb_linear=pig)
    assert r.touch_up_years is not None
    return r.touch_up_years


@pytest.mark.parametrize("monk", [1, 3, 5, 6, 7, 8])
def test_default_client_touch_up_within_published_2_to_6_years(monk):
    skin, _, _ = _client(monk)
    due = _due(monk, replace(REF, fitzpatrick=skin.fitzpatrick_estimate))
    assert 2.0 <= due <= 6.0  # domain.md §2: touch-up at 2-6 years


@pytest.mark.parametrize("monk", [2, 5, 7])
def test_curve_is_monotonic_and_crosses_threshold_at_touch_up(monk):
    skin, f, pig = _client(monk)
    r = fading_curve(np.array(skin.rgb_linear), f, REF, pigment_rgb_linear=pig)
    assert r.years[0] == 0.0 and r.years[-1] == pytest.approx(8.0)
    assert np.all(np.diff(r.pigment_remaining) < 0)
    assert np.all(np.diff(r.contrast_delta_e) < 0)
    assert r.contrast_relative[0] == pytest.approx(1.0)
    t = r.touch_up_years
    assert t is not None
    before = r.contrast_relative[r.years < t - 0.01]
    after = r.contrast_relative[r.years > t + 0.01]
    assert np.all(before >= r.threshold) and np.all(after < r.threshold)


@pytest.mark.parametrize("name", list(RISKS))
def test_each_risk_factor_makes_fading_faster(name):
    risky = RISKS[name]
    assert fading_rate_per_year(risky) > fading_rate_per_year(REF)
    assert _due(5, risky) < _due(5, REF)
    assert pigment_remaining(3.0, risky) < pigment_remaining(3.0, REF)


def test_low_uv_and_dark_skin_fade_slower_and_risks_compound():
    assert _due(5, replace(REF, uv="low")) > _due(5, REF)
    assert fading_rate_per_year(replace(REF, fitzpatrick=6)) < fading_rate_per_year(REF)
    both = replace(REF, uv="high", oily_scalp=True)
    assert _due(5, both) < min(_due(5, RISKS["uv high"]), _due(5, RISKS["oily scalp"]))


@settings(max_examples=30, deadline=None)
@given(st.floats(0.02, 1.0), st.floats(0.0, 7.9), st.floats(0.01, 0.1))
def test_faded_fraction_decreases_with_time(f0, t, dt):
    a = faded_pigment_fraction(f0, t)
    b = faded_pigment_fraction(f0, t + dt)
    assert 0 < b < a <= f0


def test_invisible_dots_fall_back_to_pigment_left():
    skin = skin_tone_from_lab(monk_labs()[9])  # the darkest swatch: carbon barely shows
    r = fading_curve(np.array(skin.rgb_linear), 1.0, REF)
    if r.judged_by_contrast:  # the optics may still see some contrast; then the normal rule applies
        assert r.contrast_delta_e[0] >= FadingParams().min_contrast_delta_e
    else:
        assert np.allclose(r.contrast_relative, r.pigment_remaining)
    assert r.touch_up_years is not None


def test_bad_factors_are_option_errors():
    with pytest.raises(OptionError):
        FadingFactors(uv="extreme")
    with pytest.raises(OptionError):
        FadingFactors(fitzpatrick=7)
    with pytest.raises(OptionError):
        fading_curve(np.array([0.5, 0.4, 0.3]), 0.0)
