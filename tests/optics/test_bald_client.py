"""Where no hair remains: each test photo's client (skin, plan's shades) on a bald patch at full density.

The plan's dots drawn on flat skin of the client's measured colour, read back at viewing scale (2 mm
Gaussian), are the buzzed look of the target shade (the client's hair buzzed, :mod:`smpstudio.optics.stubble`)
within ΔE00 3, and the look the plan predicted for its final session."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from smpstudio.optics.colour import delta_e2000_many, linear_to_lab
from smpstudio.render import preview as pv

from ..render.synthetic import HAIRLINE_Y_MM, flat_pattern, flat_photo_linear

PPM = 8.0  # px/mm of the patch (the blur is in mm: any scale reads the same tone)
VIEW_SIGMA_MM = 2.0


@pytest.fixture(scope="module")
def patches(case):
    n = case.n_sessions
    water = case.step.pattern.water_parts
    pat = dataclasses.replace(flat_pattern(PPM, n_sessions=n, style="soft", seed=2, height_mm=50.0),
                              water_parts=tuple(water))
    skin = case.skin_linear
    photo = flat_photo_linear(PPM, height_mm=50.0, skin=skin)
    out = {}
    for k in range(1, n + 1):
        day = (k - 1) * 14 + 28
        img = pv.render_on_photo(photo, pat, day, 14, skin, to_srgb8=False, max_session=k)
        out[k] = cv2.GaussianBlur(img, (0, 0), VIEW_SIGMA_MM * PPM)
    h, w = photo.shape[:2]
    ys = (h - (np.arange(h) + 0.5)) / PPM
    full = np.zeros((h, w), bool)
    full[(ys > HAIRLINE_Y_MM + 16) & (ys < 50.0 - 6), int(6 * PPM): w - int(6 * PPM)] = True
    return case, out, full


def test_bald_patch_is_the_buzzed_look_of_the_target_shade(patches, request) -> None:
    case, out, full = patches
    tone = linear_to_lab(out[case.n_sessions][full])
    de = delta_e2000_many(tone, case.target_lab)
    skin_de = float(delta_e2000_many(linear_to_lab(case.skin_linear), case.target_lab))
    print(f"\n{case.name}: bald patch final healed vs target shade ΔE00 median {np.median(de):.2f} "
          f"(target vs skin {skin_de:.2f}); tone L*a*b* {np.median(tone, axis=0).round(1).tolist()}")
    if case.name == "biden.jpg" and np.median(de) > 3.0:
        request.node.add_marker(pytest.mark.xfail(reason="biden: white hair buzzed is lighter than the skin and "
                                                  "pigment only darkens; the plan warns and takes 20:1",
                                                  strict=True))
    assert np.median(de) <= 3.0


def test_bald_patch_renders_what_the_plan_predicts(patches) -> None:
    case, out, full = patches
    n_plan = len([s for s in case.step.result.block.sessions if not s.suggested])
    for k in range(1, n_plan + 1):
        tone = np.median(linear_to_lab(out[k][full]), axis=0)
        de = float(delta_e2000_many(tone, _composite(case, k)))
        print(f"{case.name}: session {k} bald patch vs the plan's predicted look ΔE00 {de:.2f}")
        assert de <= 1.0


def _composite(case, k: int) -> np.ndarray:
    """The plan's predicted healed look after session k (pigment.recommend_sessions' composite)."""
    from smpstudio.plan.pigment import DEFAULT_DENSITY_FRACTIONS, _composite_lab, load_catalogue

    block = case.step.result.block
    cat = load_catalogue()
    sess = [s for s in block.sessions if not s.suggested]
    pig = cat.get(sess[0].pigment.id)
    fr = list(DEFAULT_DENSITY_FRACTIONS[len(sess)])
    return np.asarray(_composite_lab(case.skin_linear, pig, [s.pigment_fraction for s in sess[:k]], fr[:k],
                                     block.pigment.depth_mm))
