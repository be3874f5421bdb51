"""Colour maths against published reference values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.optics.colour import (
    delta_e2000,
    hex_to_srgb,
    lab_to_linear,
    linear_to_lab,
    srgb_to_hex,
    srgb_to_lab,
)

# Sharma, Wu & Dalal, Color Res. Appl. 30(1):21-30 (2005), Table 1: the 34 CIEDE2000 test pairs
# (L1, a1, b1, L2, a2, b2, dE00).
SHARMA_PAIRS = [
    (50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425),
    (50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615),
    (50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412),
    (50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669),
    (50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461),
    (50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065),
    (50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492),
    (50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977),
    (50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030),
    (50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000),
    (60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644),
    (63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630),
    (61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731),
    (35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645),
    (22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373),
    (36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146),
    (90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441),
    (90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381),
    (6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377),
    (2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082),
]


@pytest.mark.parametrize("row", SHARMA_PAIRS, ids=[f"pair{i + 1}" for i in range(len(SHARMA_PAIRS))])
def test_ciede2000_matches_sharma_table(row):
    lab1, lab2, expected = np.array(row[:3]), np.array(row[3:6]), row[6]
    assert delta_e2000(lab1, lab2) == pytest.approx(expected, abs=5e-5)
    assert delta_e2000(lab2, lab1) == pytest.approx(expected, abs=5e-5)  # the formula is symmetric


def test_srgb_white_and_black_are_the_lab_poles():
    assert srgb_to_lab(np.ones(3))[0] == pytest.approx(100.0, abs=1e-3)
    assert srgb_to_lab(np.zeros(3))[0] == pytest.approx(0.0, abs=1e-6)
    # sRGB mid grey 0.5 (encoded) is L* 53.39 (IEC 61966-2-1 + CIE 15)
    assert srgb_to_lab(np.full(3, 0.5))[0] == pytest.approx(53.39, abs=0.01)


lab_colour = st.tuples(st.floats(5, 95), st.floats(-30, 30), st.floats(-30, 30)).map(np.array)


@settings(max_examples=60, deadline=None)
@given(lab_colour)
def test_lab_linear_round_trip(lab):
    assert np.allclose(linear_to_lab(lab_to_linear(lab)), lab, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(lab_colour, lab_colour)
def test_ciede2000_is_a_symmetric_non_negative_difference(a, b):
    d = delta_e2000(a, b)
    assert d >= 0
    assert d == pytest.approx(delta_e2000(b, a), abs=1e-9)
    assert delta_e2000(a, a) == pytest.approx(0.0, abs=1e-9)


def test_hex_round_trip_and_rejects_garbage():
    assert srgb_to_hex(hex_to_srgb("#a07e56")) == "#a07e56"
    with pytest.raises(ValueError):
        hex_to_srgb("#12345")
    with pytest.raises(ValueError):
        hex_to_srgb("zzzzzz")
