"""Optics model: directions stated in domain.md §1-§2, measured in CIELAB."""

from __future__ import annotations

import colour
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.optics.dot import (
    DEFAULT_OPTICS,
    dot_color_linear,
    dot_look,
    effective_area_mm2,
    healed_dot_color_linear,
    healed_tone_linear,
    pigment_fraction,
)

FAIR = np.array([0.62, 0.46, 0.37])
DARK = np.array([0.07, 0.045, 0.03])


def _lab(rgb_linear: np.ndarray) -> np.ndarray:
    xyz = colour.RGB_to_XYZ(rgb_linear, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def test_pigment_fraction_of_dilution() -> None:
    assert pigment_fraction(0.0) == 1.0
    assert pigment_fraction(20.0) == pytest.approx(1 / 21)
    with pytest.raises(ValueError):
        pigment_fraction(-1.0)


def test_deeper_is_lighter_and_cooler_on_fair_skin() -> None:
    f = pigment_fraction(8.0)
    depths = np.array([0.10, 0.15, 0.25, 0.40])
    labs = _lab(healed_dot_color_linear(np.broadcast_to(FAIR, (4, 3)), f, depths))
    skin = _lab(FAIR)
    assert np.all(np.diff(labs[:, 0]) > 0)  # lighter
    # cooler: per unit of darkening, the dot loses more yellow (b*) than a neutral darkening would
    yellow_loss_per_l = (skin[2] - labs[:, 2]) / (skin[0] - labs[:, 0])
    assert np.all(np.diff(yellow_loss_per_l) > 0)
    assert np.all(labs[:, 2] < skin[2])
    # the blue shift is visible on fair skin and much smaller on dark skin (domain.md §2)
    fair_shift = colour.delta_E(*_lab(healed_dot_color_linear(np.stack([FAIR, FAIR]), f, np.array([0.1, 0.4]))))
    dark_shift = colour.delta_E(*_lab(healed_dot_color_linear(np.stack([DARK, DARK]), f, np.array([0.1, 0.4]))))
    assert fair_shift > 2.0 * dark_shift


def test_stronger_dilution_is_darker_and_fresh_darker_than_healed() -> None:
    light = _lab(healed_dot_color_linear(FAIR, pigment_fraction(20.0)))
    dark = _lab(healed_dot_color_linear(FAIR, pigment_fraction(6.0)))
    skin = _lab(FAIR)
    assert skin[0] > light[0] > dark[0]
    fresh = _lab(dot_color_linear(FAIR, pigment_fraction(6.0), 0.15, stage="fresh"))
    assert fresh[0] < dark[0]


def test_spot_sizes() -> None:
    f = pigment_fraction(8.0)
    healed = dot_look(FAIR, f, 0.15, np.array([0.20, 0.25]), stage="healed")
    fresh = dot_look(FAIR, f, 0.15, np.array([0.20, 0.25]), stage="fresh")
    # domain.md §1: healed impressions ~0.10-0.15 mm, fresh up to ~0.25 mm (the brief's range 0.1-0.25)
    assert np.all((healed.core_fwhm_mm > 0.10) & (healed.core_fwhm_mm < 0.25))
    assert np.all((fresh.core_fwhm_mm > healed.core_fwhm_mm) & (fresh.core_fwhm_mm <= 0.26))
    normal = dot_look(FAIR, f, 0.15, 0.25)
    blown = dot_look(FAIR, f, 0.6, 0.25)  # domain.md §2: too deep -> blurred, enlarged, fainter
    assert blown.core_sigma_mm > 2.5 * normal.core_sigma_mm
    assert np.all(blown.core_amp < 0.3 * normal.core_amp)


def test_effective_area_is_the_cross_section_when_thin_and_saturates_when_dense() -> None:
    s = np.array(0.05)
    thin = np.array(1e-5)
    assert float(effective_area_mm2(thin, s)) == pytest.approx(1e-5, rel=1e-3)
    dense = np.array([1.0, 2.0, 4.0])
    a = effective_area_mm2(dense, s)
    assert np.all(a < dense) and np.all(np.diff(a) > 0)
    # doubling the pigment of a saturated cloud adds only ~2 pi s^2 ln 2 of area
    assert float(a[2] - a[1]) == pytest.approx(2 * np.pi * 0.05**2 * np.log(2), rel=0.05)
    # numerically: the integral of 1 - exp(-tau) over the Gaussian cloud
    r = np.linspace(0, 0.5, 20001)
    tau = 2.0 * np.exp(-(r**2) / (2 * 0.05**2)) / (2 * np.pi * 0.05**2)
    numeric = np.trapezoid((1 - np.exp(-tau)) * 2 * np.pi * r, r)
    assert float(a[1]) == pytest.approx(numeric, rel=1e-3)


def test_tone_follows_the_pigment_mass_and_the_density() -> None:
    waters = np.array([20.0, 12.0, 8.0, 6.0])
    tones = healed_tone_linear(np.broadcast_to(FAIR, (4, 3)), pigment_fraction(waters))
    assert np.all(np.diff(tones.mean(axis=1)) < 0)  # more pigment per impression: darker
    half = healed_tone_linear(FAIR, pigment_fraction(8.0), density_per_cm2=40.0)
    full = healed_tone_linear(FAIR, pigment_fraction(8.0), density_per_cm2=80.0)
    assert np.allclose(1 - full / FAIR, 2 * (1 - half / FAIR))  # opacities add
    # more carbon per impression is darker; none leaves the skin as it is
    heavy = healed_tone_linear(FAIR, pigment_fraction(8.0), optics=DEFAULT_OPTICS.with_(carbon_ug_neat=2.4))
    assert np.all(heavy < full)
    none = healed_tone_linear(FAIR, pigment_fraction(8.0), optics=DEFAULT_OPTICS.with_(carbon_ug_neat=0.0))
    assert np.allclose(none, FAIR)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(*(st.floats(0.01, 1.0) for _ in range(3))),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.sampled_from(["fresh", "healing", "healed"]),
)
def test_dot_never_brighter_than_skin(skin: tuple[float, float, float], frac: float, depth: float, stage: str) -> None:
    s = np.array(skin)
    c = dot_color_linear(s, frac, depth, stage=stage)
    assert np.all(c <= s + 1e-12) and np.all(c >= 0)
