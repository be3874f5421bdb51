"""Pigment catalogue and recommendation."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.errors import OptionError, SMPError
from smpstudio.optics.colour import delta_e2000
from smpstudio.plan.pigment import (
    catalogue_from_dict,
    load_catalogue,
    parse_dilution,
    parse_target_shade,
    predict_healed_lab,
    recommend_sessions,
)
from smpstudio.plan.skin import monk_labs, skin_tone_from_lab

CAT = load_catalogue()
BLACK_HAIR = np.array([10.0, 1.0, 2.0])


def _catalogue_dict() -> dict:
    from importlib import resources

    return yaml.safe_load(resources.files("smpstudio.plan").joinpath("data/pigments.yaml").read_text())


def test_builtin_catalogue_has_the_three_families_and_sorted_ladders():
    fams = {p.family for p in CAT.pigments}
    assert fams == {"light skin", "medium skin", "dark skin"}
    for p in CAT.pigments:
        fr = [d.pigment_fraction for d in p.dilutions]
        assert fr == sorted(fr) and len(set(fr)) == len(fr)
    all_water = sorted({d.water_parts for p in CAT.pigments for d in p.dilutions})
    assert all_water[0] == 0 and all_water[-1] >= 20  # from undiluted to ~25:1 (domain.md §1)


def test_dilution_parsing():
    assert parse_dilution("6:1").pigment_fraction == pytest.approx(1 / 7)
    assert parse_dilution(" 12 : 2 ").pigment_fraction == pytest.approx(2 / 14)
    for bad in ("6-1", "x:1", "6:0", ""):
        with pytest.raises(ValueError):
            parse_dilution(bad)


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda d: d["pigments"][0].__setitem__("dilutons", ["10:1"]), "dilutons"),
    (lambda d: d["pigments"][1].__setitem__("dilutions", ["10;1"]), "10;1"),
    (lambda d: d["pigments"][0].__setitem__("for_ita_classes", ["very lite"]), "very lite"),
    (lambda d: d["pigments"].append(dict(d["pigments"][0])), "twice"),
    (lambda d: d["darkest_water_parts_by_ita_class"].pop("tan"), "tan"),
    (lambda d: d["pigments"][2].__setitem__("rgb_linear", [0.1, 2.0, 0.1]), "rgb_linear"),
])
def test_catalogue_typos_are_one_line_errors_naming_the_problem(mutate, needle):
    d = _catalogue_dict()
    mutate(d)
    with pytest.raises(SMPError) as exc:
        catalogue_from_dict(d, "clinic.yaml")
    msg = str(exc.value)
    assert "\n" not in msg and needle in msg and msg.startswith("clinic.yaml")


def test_catalogue_file_errors(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("pigments: [\n  - id: x\n    name: 'unclosed\n")
    with pytest.raises(SMPError) as exc:
        load_catalogue(bad)
    assert "YAML error" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(SMPError):
        load_catalogue(tmp_path / "missing.yaml")
    good = tmp_path / "ok.yaml"
    good.write_text(yaml.safe_dump(_catalogue_dict()))
    assert [p.id for p in load_catalogue(good).pigments] == [p.id for p in CAT.pigments]


def test_unknown_pigment_is_an_option_error():
    skin = skin_tone_from_lab(monk_labs()[4])
    with pytest.raises(OptionError, match="unknown pigment 'carbon-ligth'"):
        recommend_sessions(skin, CAT, hair_lab=BLACK_HAIR, pigment_id="carbon-ligth")


def test_target_shade_parsing():
    assert parse_target_shade("25,3,6").tolist() == [25.0, 3.0, 6.0]
    assert parse_target_shade("25 3 6").tolist() == [25.0, 3.0, 6.0]
    assert delta_e2000(parse_target_shade("#292420"), monk_labs()[9]) < 1e-6
    for bad in ("25,3", "120,0,0", "#12345g", "dark", "nan,0,0"):
        with pytest.raises(OptionError):
            parse_target_shade(bad)


def test_more_pigment_heals_darker_in_every_skin():
    for lab in monk_labs()[:8]:
        skin = skin_tone_from_lab(lab)
        for p in CAT.pigments:
            labs = predict_healed_lab(skin, p, np.array([d.pigment_fraction for d in p.dilutions]))
            assert np.all(np.diff(labs[:, 0]) < 0)
            assert np.all(labs[:, 0] < skin.lab[0])


def _final_fraction(skin_lab, hair_lab, **kw):
    plan = recommend_sessions(skin_tone_from_lab(np.asarray(skin_lab, float)), CAT,
                              hair_lab=np.asarray(hair_lab, float), **kw)
    planned = [s for s in plan.sessions if not s.suggested]
    return planned[-1].pigment_fraction, plan


def test_recommended_shade_is_lighter_for_lighter_skin():
    # black hair on every Monk swatch, darkest (10) to lightest (1): the final dilution never gets darker
    fr = [_final_fraction(lab, BLACK_HAIR)[0] for lab in monk_labs()[::-1]]
    assert all(b <= a + 1e-12 for a, b in zip(fr, fr[1:], strict=False)), fr
    assert fr[-1] < fr[0]  # and the extremes really differ


@pytest.mark.parametrize("monk", range(1, 9))
def test_recommended_shade_is_darker_for_darker_hair(monk):
    skin = monk_labs()[monk - 1]
    hair_l = [45.0, 38.0, 31.0, 24.0, 17.0, 10.0]  # lighter to darker brown-black hair
    fr = [_final_fraction(skin, (L, 3.0, 7.0))[0] for L in hair_l]
    assert all(b >= a - 1e-12 for a, b in zip(fr, fr[1:], strict=False)), fr


skin_lab = st.tuples(st.floats(25, 92), st.floats(2, 16), st.floats(6, 28))
hair_lab = st.tuples(st.floats(8, 45), st.floats(0, 8), st.floats(0, 16))


@settings(max_examples=40, deadline=None)
@given(skin_lab, hair_lab, st.integers(2, 4))
def test_sessions_go_lighter_first_darker_later_and_report_true_delta_e(s, h, n):
    plan = recommend_sessions(skin_tone_from_lab(np.array(s)), CAT, hair_lab=np.array(h), n_sessions=n)
    planned = [x for x in plan.sessions if not x.suggested]
    assert [x.index for x in planned] == list(range(1, n + 1))
    fr = [x.pigment_fraction for x in planned]
    assert fr == sorted(fr)
    assert len({x.pigment_id for x in plan.sessions}) == 1
    for x in plan.sessions:
        assert x.predicted_delta_e == pytest.approx(delta_e2000(np.array(x.predicted_lab), np.array(plan.target_lab)))
        assert x.pigment_fraction <= 1.0 / (float(CAT.darkest_water_parts_by_ita_class[
            skin_tone_from_lab(np.array(s)).ita_class]) + 1.0) + 1e-12
    # the alternatives include what was chosen and are ranked by score, allowed first
    alts = plan.alternatives
    assert any(a.pigment_id == planned[-1].pigment_id and a.dilution == planned[-1].dilution for a in alts) or \
        len(alts) == 6


def test_fourth_session_suggested_when_the_healed_match_after_three_is_off():
    # a clinic ladder with a big jump: sessions 1-2 can only use the light end, so after 3 sessions the
    # field of dots is far lighter than the final shade; topping the early dots up fixes it.
    d = _catalogue_dict()
    d["pigments"] = [dict(d["pigments"][2], dilutions=["25:1", "3:1"])]
    d["pigments"][0]["for_ita_classes"] = ["very light", "light", "intermediate", "tan", "brown", "dark"]
    d["darkest_water_parts_by_ita_class"] = {k: 0 for k in d["darkest_water_parts_by_ita_class"]}
    cat = catalogue_from_dict(d)
    skin = skin_tone_from_lab(np.array([60.0, 9.0, 20.0]))
    target = predict_healed_lab(skin, cat.pigments[0], 1 / 4)  # exactly what 3:1 heals to
    plan = recommend_sessions(skin, cat, target_lab=target, n_sessions=3)
    assert plan.extra_session_suggested
    assert [s.dilution for s in plan.sessions] == ["25:1", "25:1", "3:1", "3:1"]
    s3, s4 = plan.sessions[2], plan.sessions[3]
    assert s3.predicted_delta_e < 0.01 < 5.0 < s3.composite_delta_e
    assert s4.suggested and s4.composite_delta_e < 1.0
    # with the same ladder and a 4-session plan nothing more is suggested (4 is the maximum)
    plan4 = recommend_sessions(skin, cat, target_lab=target, n_sessions=4)
    assert not plan4.extra_session_suggested and len(plan4.sessions) == 4


def test_unmatchable_target_is_warned_not_hidden():
    # very fair skin and a near-black chosen shade: the darkest advised dilution cannot reach it
    plan = recommend_sessions(skin_tone_from_lab(np.asarray(monk_labs()[0], float)), CAT,
                              target_lab=np.array([30.0, 2.0, 4.0]))
    assert plan.sessions[-1].composite_delta_e > 5.0
    assert any("darker than advised" in w for w in plan.warnings)


def test_default_target_when_no_hair_and_no_shade():
    plan = recommend_sessions(skin_tone_from_lab(monk_labs()[4]), CAT)
    assert "default" in plan.target_source and plan.warnings


def test_white_hair_lifts_the_lightest_dilution_floor_dark_hair_keeps_it():
    """On brown skin the class floor is 8:1 (a thinner grey does not read). White hair buzzed is lighter
    than the skin: pigment cannot reach it, the SMP is to blend, so the catalogue's lightest dilution is
    allowed and taken, with a warning saying why. A dark grey shade chosen on the same skin keeps the floor."""
    skin = skin_tone_from_lab(np.array([46.0, 20.0, 17.0]))
    assert skin.ita_class == "brown"
    floor = CAT.lightest_water_parts_by_ita_class["brown"]
    white = recommend_sessions(skin, CAT, hair_lab=np.array([75.0, 4.0, 8.0]))
    assert white.target_lab[0] > skin.lab[0]  # white stubble lightens the skin (optics.stubble)
    fractions = [s.pigment_fraction for s in white.sessions]
    assert min(fractions) < 1.0 / (floor + 1.0) - 1e-9
    assert white.lightest_allowed != f"{floor:g}:1"
    assert any("lighter than the skin" in w for w in white.warnings)
    black = recommend_sessions(skin, CAT, target_lab=np.array([30.0, 4.0, 5.0]))
    assert black.lightest_allowed == f"{floor:g}:1"
    assert all(s.pigment_fraction >= 1.0 / (floor + 1.0) - 1e-9 for s in black.sessions)
    assert not any("blend, not to read" in w for w in black.warnings)
