"""Optics model: directions stated in domain.md §1-§2, measured in CIELAB."""

from __future__ import annotations

import colour
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.render.optics import (
    dot_color_linear,
    healed_dot_color_linear,
    pigment_fraction,
    spot_shape,
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


def test_spot_shape_sizes() -> None:
    healed = spot_shape(np.array([0.20, 0.25]), 0.15, "healed")
    fresh = spot_shape(np.array([0.20, 0.25]), 0.15, "fresh")
    fwhm_healed = 2.3548 * healed.core_sigma_mm
    # domain.md §1: healed impressions 0.10-0.15 mm for these needles (we allow the depth blur on top)
    assert np.all((fwhm_healed > 0.10) & (fwhm_healed < 0.25))
    assert np.all(fresh.core_sigma_mm > healed.core_sigma_mm)
    blown = spot_shape(0.25, 0.6, "healed")
    assert blown.core_sigma_mm > 2.5 * spot_shape(0.25, 0.15).core_sigma_mm
    assert blown.peak_scale < 0.3


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
