"""One hair colour per consultation: the plan matches the hair the buzzed preview is drawn with."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.optics.colour import delta_e2000_many, linear_to_lab
from smpstudio.pipeline import Inputs, PatternInputs, Pipeline
from smpstudio.plan.pigment import stubble_target_lab


@pytest.fixture(scope="module", params=["sample", "biden.jpg", "obama.jpg", "obama2.jpg"])
def step(request, astronaut_photo):
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.real_photos import photo_path

    photo = astronaut_photo if request.param == "sample" else load_photo(photo_path(request.param))
    return request.param, photo, Pipeline().plan(photo, Inputs(seed=0))


def test_the_plan_matches_the_hair_the_scalp_step_buzzed(step):
    name, _, s = step
    shaft = s.pattern_step.design.scalp.result.hair_rgb_linear
    assert shaft is not None and s.result.hair is not None
    de = float(delta_e2000_many(np.asarray(s.result.hair.lab)[None], linear_to_lab(shaft))[0])
    print(f"\n{name}: plan's hair vs the scalp step's shaft colour ΔE00 {de:.3f}; hair L* {s.result.hair.lab[0]:.1f}")
    assert de < 0.05
    # and the plan's target shade is that hair buzzed over the plan's skin
    target = stubble_target_lab(np.asarray(s.result.skin.lab), np.asarray(s.result.hair.lab))
    assert float(delta_e2000_many(np.asarray(s.result.block.pigment.target_lab)[None], target)[0]) < 0.05


def test_a_neutral_patch_white_balances_the_hair_too(step):
    """With a grey card the plan's hair is the shaft colour white-balanced like the skin: the colour a pixel
    of that shaft colour in the photo takes when the whole photo is balanced on the card."""
    from smpstudio.errors import SMPError
    from smpstudio.optics.colour import linear_to_srgb, srgb_to_lab
    from smpstudio.plan.skin import white_balance

    name, photo, s = step
    h, w = photo.rgb.shape[:2]
    box = (4, 4, 40, 40)  # a corner of the photo's background as the "grey card"
    try:
        s2 = Pipeline().plan(photo, Inputs(seed=0, pattern=PatternInputs(neutral_box_px=box)))
    except SMPError as exc:  # a corner too colourful or clipped for a grey card: nothing to compare
        pytest.skip(f"{name}: corner refused as a neutral patch ({exc})")
    shaft = s2.pattern_step.design.scalp.result.hair_rgb_linear
    img = photo.rgb.copy()
    img[h - 1, w - 1] = np.clip(linear_to_srgb(np.clip(shaft, 0, 1)), 0, 1)
    card = np.zeros((h, w), bool)
    card[4:44, 4:44] = True
    expected = srgb_to_lab(white_balance(img, card)[h - 1, w - 1].astype(np.float64))
    de = float(delta_e2000_many(np.asarray(s2.result.hair.lab)[None], expected)[0])
    de_raw = float(delta_e2000_many(np.asarray(s2.result.hair.lab)[None], linear_to_lab(shaft))[0])
    print(f"\n{name}: balanced hair vs expected ΔE00 {de:.3f} (vs unbalanced {de_raw:.2f})")
    assert de < 0.1


def test_the_buzz_guard_is_one_the_plan_matches_and_is_reported(step):
    """The guard the preview buzzes to is in plan.json with its reason, the plan's target is the hair buzzed to
    it, and the plan's final healed look matches it within ΔE00 3 unless no guard does (white hair)."""
    from smpstudio.pipeline.document import document_json
    from smpstudio.pipeline.steps import guard_mm

    name, _, s = step
    res = s.pattern_step.design.scalp.result
    assert res.guard is not None and res.guard.name in ("#0", "#1") and res.guard.reason
    doc = s.pattern_step.design.document
    assert doc.scalp_guard is not None and doc.scalp_guard.name == res.guard.name
    assert f"{res.guard.length_mm:g} mm" in res.guard.reason
    length = guard_mm(res)
    target = stubble_target_lab(np.asarray(s.result.skin.lab), np.asarray(s.result.hair.lab), length_mm=length)
    assert float(delta_e2000_many(np.asarray(s.result.block.pigment.target_lab)[None], target)[0]) < 0.05
    final = [x for x in s.result.pigments.sessions if not x.suggested][-1]
    print(f"\n{name}: guard {res.guard.name}, final healed vs target ΔE00 {final.composite_delta_e:.2f}: "
          f"{res.guard.reason}")
    if "lighter than the skin" not in res.guard.reason:
        assert final.composite_delta_e <= 3.0
    assert document_json(doc)["scalp_guard"]["length_mm"] == res.guard.length_mm
