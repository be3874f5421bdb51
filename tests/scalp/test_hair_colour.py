"""scalp.step.hair_colour: short hair's pixels mix shafts and scalp; the shafts' colour is read past the median."""

from __future__ import annotations

import numpy as np

from smpstudio.optics.colour import delta_e2000_many, linear_to_lab
from smpstudio.scalp.step import hair_colour


def _mixed(coverage_lo: float, rng: np.random.Generator):
    skin = np.array([0.48, 0.33, 0.24])
    shaft = np.array([0.02, 0.018, 0.016])
    h, w = 60, 60
    lin = np.empty((h, w, 3))
    lin[:30] = skin * rng.uniform(0.97, 1.03, (30, w, 1))  # forehead
    c = rng.uniform(coverage_lo, 1.0, (30, w, 1))  # short hair: the shafts cover a share of each pixel
    lin[30:] = skin + c * (shaft - skin)
    hair = np.zeros((h, w), bool)
    hair[30:] = True
    return lin.astype(np.float32), hair, ~hair, shaft


def test_short_hair_is_read_closer_to_its_shafts_than_the_median():
    rng = np.random.default_rng(3)
    lin, hair, skin, shaft = _mixed(0.45, rng)
    target = linear_to_lab(shaft)
    de_short = float(delta_e2000_many(linear_to_lab(hair_colour(lin, hair, skin, short=True))[None], target)[0])
    de_median = float(delta_e2000_many(linear_to_lab(hair_colour(lin, hair, skin))[None], target)[0])
    print(f"\nshaft vs estimate ΔE00: short {de_short:.2f}, median {de_median:.2f}")
    assert de_short < 0.75 * de_median  # uniform cover 0.45-1: the 75th percentile reads cover ~0.86, not 1


def test_full_coverage_hair_is_read_as_it_is():
    """Long hair covering every pixel (coverage 1): the short-hair reading changes nothing much."""
    rng = np.random.default_rng(4)
    lin, hair, skin, shaft = _mixed(0.999, rng)
    a = linear_to_lab(hair_colour(lin, hair, skin, short=True))
    b = linear_to_lab(hair_colour(lin, hair, skin))
    assert float(delta_e2000_many(a[None], b)[0]) < 0.5


def test_white_hair_is_read_lighter_not_darker():
    """The skin-to-hair line points up for white hair: the shafts are read whiter than the median."""
    rng = np.random.default_rng(5)
    lin, hair, skin, _ = _mixed(0.45, rng)
    white = np.array([0.85, 0.84, 0.82])
    c = rng.uniform(0.45, 1.0, (30, 60, 1))
    lin[30:] = (lin[0, 0] + c * (white - lin[0, 0])).astype(np.float32)
    short = linear_to_lab(hair_colour(lin, hair, skin, short=True))
    median = linear_to_lab(hair_colour(lin, hair, skin))
    assert short[0] > median[0] + 2.0
