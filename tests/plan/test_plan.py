"""The whole plan on synthetic clients (no face model needed)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from smpstudio.errors import OptionError
from smpstudio.plan.plan import PlanOptions, build_plan

TODAY = dt.date(2031, 3, 1)
START = dt.date(2031, 4, 7)


def _plan(make_scalp, skin_lab, hair_lab=(16.0, 2.0, 4.0), **kw):
    rgb, skin, hair = make_scalp(skin_lab, hair_lab=hair_lab)
    opts = PlanOptions(start=START, today=TODAY, **kw)
    return build_plan(rgb, skin, hair, area_cm2=180.0, options=opts, mfp_height_mm=82.0, age=40)


def test_fair_and_dark_clients_get_the_shades_the_handbook_describes(make_scalp):
    fair = _plan(make_scalp, (82.0, 5.0, 14.0))
    dark = _plan(make_scalp, (34.0, 10.0, 14.0))
    fb, db = fair.block, dark.block
    assert fb.skin.ita_class in ("very light", "light") and db.skin.ita_class in ("brown", "dark")
    f_fr = [s.pigment_fraction for s in fb.sessions if not s.suggested]
    d_fr = [s.pigment_fraction for s in db.sessions if not s.suggested]
    assert f_fr[-1] < d_fr[-1]  # more water for fair skin, little for dark (domain.md §1)
    assert fb.sessions[0].pigment.family != db.sessions[0].pigment.family
    assert f_fr == sorted(f_fr) and d_fr == sorted(d_fr)  # lighter first
    # the healed dot on fair skin is a lighter grey than on dark skin, as a stubble look should be
    assert fb.sessions[-1].predicted_lab[0] > db.sessions[-1].predicted_lab[0]


def test_plan_block_is_consistent_and_serialisable(make_scalp):
    r = _plan(make_scalp, (66.0, 9.0, 18.0))
    b = r.block
    assert b.hair is not None and b.hair.lab[0] < 25
    assert [s.index for s in b.sessions] == list(range(1, len(b.sessions) + 1))
    for s in b.sessions:
        assert s.date == START + dt.timedelta(days=s.day)
        assert s.duration_h == pytest.approx(s.impressions / 4000.0, abs=0.01)
        assert {n.use for n in s.needle} == {"hairline", "density"}
    last = b.sessions[-1].visits[-1].date
    assert b.touch_up.due_date == last + dt.timedelta(days=round(b.touch_up.due_years * 365.25))
    assert 2.0 <= b.touch_up.due_years <= 6.5
    assert len(b.fading_curve.years) == len(b.fading_curve.contrast_relative)
    assert b.cost.years[0] == 0 and b.cost.years[-1] == 10
    assert b.cost.totals["smp"] == b.cost.smp[-1]
    doc = json.loads(b.model_dump_json())
    assert set(doc["skin"]) >= {"lab", "ita_deg", "ita_class", "ita_class_fine", "monk", "fitzpatrick_estimate",
                                "undertone", "spread"}
    assert set(doc["sessions"][0]) >= {"index", "date", "day", "pigment", "dilution", "predicted_delta_e",
                                       "duration_h", "impressions", "density_fraction", "needle"}


def test_risk_factors_bring_the_touch_up_forward(make_scalp):
    base = _plan(make_scalp, (66.0, 9.0, 18.0)).block.touch_up
    risky = _plan(make_scalp, (66.0, 9.0, 18.0), uv="high", oily_scalp=True).block.touch_up
    assert risky.due_years < base.due_years and risky.due_date < base.due_date


def test_dot_engine_counts_replace_the_area_estimate(make_scalp):
    r = _plan(make_scalp, (66.0, 9.0, 18.0), impressions_per_session=(9000, 15000, 6000))
    planned = [s for s in r.block.sessions if not s.suggested]
    assert [s.impressions for s in planned] == [9000, 15000, 6000]


def test_chosen_shade_overrides_hair(make_scalp):
    r = _plan(make_scalp, (66.0, 9.0, 18.0), target_lab=(45.0, 1.0, 3.0))
    assert r.block.pigment.target_source == "chosen shade"
    assert r.block.pigment.target_lab == (45.0, 1.0, 3.0)


@pytest.mark.parametrize(("kw", "msg"), [
    ({"pigment_id": "carbon-blak"}, "unknown pigment"),
    ({"start": dt.date(2031, 2, 1)}, "in the past"),
    ({"interval_days": 40}, "--interval-days"),
    ({"intake": {"pregnant": True}}, "unknown intake question"),
])
def test_bad_options_raise_one_line(make_scalp, kw, msg):
    rgb, skin, hair = make_scalp((66.0, 9.0, 18.0))
    opts = PlanOptions(**{"start": START, "today": TODAY, **kw})
    with pytest.raises(OptionError, match=msg) as exc:
        build_plan(rgb, skin, hair, area_cm2=100.0, options=opts)
    assert "\n" not in str(exc.value)


def test_contraindication_is_a_stop_check(make_scalp):
    r = _plan(make_scalp, (66.0, 9.0, 18.0), intake={"pregnancy": True})
    assert [c.severity for c in r.block.checks if c.code == "contraindication_pregnancy"] == ["stop"]


def test_no_hair_pixels_gives_null_hair_and_a_default_target(make_scalp):
    rgb, skin, hair = make_scalp((66.0, 9.0, 18.0))
    r = build_plan(rgb, skin, np.zeros_like(skin), area_cm2=100.0, options=PlanOptions(today=TODAY))
    assert r.block.hair is None and "default" in r.block.pigment.target_source
    assert all(s.date is None for s in r.block.sessions) and r.block.touch_up.due_date is None
