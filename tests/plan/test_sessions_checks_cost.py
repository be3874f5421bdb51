"""Sessions (counts, durations, dates, aftercare), checks and cost."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.errors import OptionError, SMPError
from smpstudio.plan import checks as ck
from smpstudio.plan.cost import Prices, cost_of_ownership, load_prices
from smpstudio.plan.sessions import (
    DEFAULT_IMPRESSIONS_PER_HOUR,
    MAX_SESSION_H,
    parse_start_date,
    plan_sessions,
)

TODAY = dt.date(2030, 1, 10)


def test_default_rate_makes_14000_impressions_take_3_to_4_hours():
    s = plan_sessions(impressions_per_session=[14000, 14000, 14000], today=TODAY)
    assert all(3.0 <= x.duration_h <= 4.0 for x in s.sessions)
    assert 3.0 <= 14000 / DEFAULT_IMPRESSIONS_PER_HOUR <= 4.0


@settings(max_examples=50, deadline=None)
@given(st.floats(20, 600), st.integers(2, 4), st.integers(7, 30), st.integers(0, 400))
def test_durations_dates_and_impressions_are_consistent(area, n, interval, offset):
    start = TODAY + dt.timedelta(days=offset)
    p = plan_sessions(area_cm2=area, n_sessions=n, interval_days=interval, start=start, today=TODAY)
    assert [s.index for s in p.sessions] == list(range(1, n + 1))
    assert sum(s.density_fraction for s in p.sessions) == pytest.approx(1.0)
    assert sum(s.impressions for s in p.sessions) == pytest.approx(area * 100.0, abs=n)
    for s in p.sessions:
        assert s.date == start + dt.timedelta(days=s.day)
        assert sum(v.impressions for v in s.visits) == s.impressions
        assert s.duration_h == pytest.approx(s.impressions / DEFAULT_IMPRESSIONS_PER_HOUR)
        assert all(v.duration_h <= MAX_SESSION_H + 1e-9 for v in s.visits)
        assert [v.day for v in s.visits] == list(range(s.day, s.day + len(s.visits)))
        for v in s.visits:
            assert v.date == start + dt.timedelta(days=v.day)
        last = s.visits[-1].date
        for h in s.healing:
            assert h.from_date == last + dt.timedelta(days=h.from_day)
            assert (h.to_date is None) == (h.to_day is None)
            if h.to_day is not None:
                assert h.to_date == last + dt.timedelta(days=h.to_day) and h.to_day >= h.from_day
        assert s.healing[-1].from_day == 28  # settled at ~4 weeks (domain.md §2)
        for a in s.aftercare:
            assert (a.until is None) == (a.days is None)
            if a.days is not None:
                assert a.until == last + dt.timedelta(days=a.days)
    for a, b in zip(p.sessions, p.sessions[1:], strict=False):
        assert b.day - a.visits[-1].day == interval


def test_long_sessions_are_split_or_warned():
    p = plan_sessions(impressions_per_session=[30000, 12000], n_sessions=2, today=TODAY)
    first = p.sessions[0]
    assert first.duration_h == pytest.approx(7.5) and len(first.visits) == 2
    assert any("split over 2" in w for w in p.warnings)
    q = plan_sessions(impressions_per_session=[30000, 12000], n_sessions=2, today=TODAY, split_long=False)
    assert len(q.sessions[0].visits) == 1 and any("longer than" in w for w in q.warnings)


def test_without_start_only_days():
    p = plan_sessions(area_cm2=100, today=TODAY)
    assert [s.day for s in p.sessions] == [0, 14, 28] and all(s.date is None for s in p.sessions)
    assert all(a.until is None for s in p.sessions for a in s.aftercare)


@pytest.mark.parametrize(("kw", "text"), [
    ({"interval_days": 6}, "--interval-days"), ({"interval_days": 31}, "--interval-days"),
    ({"n_sessions": 1}, "--sessions"), ({"n_sessions": 5}, "--sessions"),
    ({"start": TODAY - dt.timedelta(days=1)}, "in the past"),
])
def test_bad_session_options(kw, text):
    with pytest.raises(OptionError, match=text):
        plan_sessions(area_cm2=100, today=TODAY, **kw)


def test_start_date_parsing():
    assert parse_start_date("2030-02-01", TODAY) == dt.date(2030, 2, 1)
    for bad, msg in (("2030-13-01", "not a date"), ("next week", "not a date"), ("2029-12-31", "in the past"),
                     ("2040-01-01", "3 years")):
        with pytest.raises(OptionError, match=msg):
            parse_start_date(bad, TODAY)


def test_checks_carry_reason_and_source():
    found = (ck.check_hairline_height(65, 30) + ck.check_density(150) + ck.check_interval(8)
             + ck.check_dot_size(0.30, "3RL") + ck.check_pigment_darkness(0.25, 1 / 9, "very light", "3:1", "8:1")
             + ck.check_contraindications({"isotretinoin_6_months": True, "pregnancy": False})
             + ck.check_session_length(6.0, 2))
    codes = {c.code for c in found}
    assert codes == {"hairline_low_for_age", "density_painted_on", "sessions_too_close", "hairline_dots_too_large",
                     "hairline_needle_grouping", "pigment_too_dark", "contraindication_isotretinoin_6_months",
                     "session_too_long"}
    for c in found:
        assert c.reason and "domain.md §" in c.source and c.severity in ck.SEVERITIES
    assert [c.severity for c in found if c.code.startswith("contra")] == ["stop"]
    # and nothing fires for a sound plan
    assert not (ck.check_hairline_height(85, 45) + ck.check_density(100) + ck.check_interval(14)
                + ck.check_dot_size(0.20) + ck.check_pigment_darkness(1 / 9, 1 / 9, "light", "8:1", "8:1")
                + ck.check_contraindications({"pregnancy": False}))
    with pytest.raises(OptionError, match="pregancy"):
        ck.check_contraindications({"pregancy": True})


def test_mfp_minimum_rises_with_age():
    mins = [ck.min_mfp_height_mm(a) for a in (20, 25, 35, 45, 70)]
    assert mins == sorted(mins) and mins[0] == 70 and mins[-1] == 80


def test_cost_curves_are_cumulative_and_priced_as_configured():
    p = Prices(currency="EUR", smp_session=500, smp_consultation=50, smp_touch_up=300,
               transplant_price_per_graft=2.0, transplant_grafts_per_cm2=40, finasteride_per_month=10,
               minoxidil_per_month=15, transplant_consultation=0, transplant_with_finasteride=False)
    c = cost_of_ownership(n_sessions=3, touch_up_years=3.0, area_cm2=50.0, years=10, prices=p)
    assert c.currency == "EUR" and c.grafts == 2000 and c.transplant_sessions == 1
    assert c.touch_ups == 3  # years 3, 6, 9
    assert c.totals["smp"] == 50 + 3 * 500 + 3 * 300
    assert c.totals["transplant"] == 2000 * 2.0
    assert c.totals["medication"] == 10 * 12 * 25
    for v in c.cumulative.values():
        assert all(b >= a for a, b in zip(v, v[1:], strict=False))
    big = cost_of_ownership(n_sessions=3, touch_up_years=None, area_cm2=300.0, years=5)
    assert big.transplant_sessions == 4 and big.notes and big.touch_ups == 0


def test_prices_file_typos(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("currency: GBP\nsmp_sesion: 500\n")
    with pytest.raises(SMPError, match="smp_sesion"):
        load_prices(f)
    f.write_text("currency: GBP\nsmp_session: -5\n")
    with pytest.raises(SMPError, match="smp_session"):
        load_prices(f)
    f.write_text("currency: GBP\nsmp_session: 550\n")
    assert load_prices(f).smp_session == 550 and load_prices().currency == "USD"


@pytest.mark.parametrize("content, needle", [
    (b"\xff\xd8\xff\xe0 not text", "cannot read prices"),
    (b"currency: [GBP\n", "YAML error at line"),
])
def test_prices_file_that_is_not_yaml_text_is_one_line(tmp_path, content, needle):
    f = tmp_path / "p.yaml"
    f.write_bytes(content)
    with pytest.raises(SMPError, match=needle) as exc:
        load_prices(f)
    assert "\n" not in str(exc.value)
    with pytest.raises(SMPError, match="prices file not found"):
        load_prices(tmp_path / "missing.yaml")
