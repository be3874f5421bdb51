"""The treatment plan in one call: colour measurement -> pigments -> sessions -> fading -> checks -> cost.

Pure: arrays and small objects in, a :class:`PlanResult` out (its ``block`` is the ``plan.json`` part).
The caller passes ``today`` (the engine reads no clock).

Examples
--------
>>> import datetime as dt, numpy as np
>>> rgb = np.zeros((60, 60, 3), np.float32); rgb[...] = (0.80, 0.62, 0.50); rgb[:15] = 0.08
>>> skin = np.zeros((60, 60), bool); skin[15:] = True
>>> r = build_plan(rgb, skin, ~skin, area_cm2=150.0, options=PlanOptions(start=dt.date(2031, 5, 5),
...                today=dt.date(2031, 1, 1)))
>>> [s.index for s in r.block.sessions][:3], r.block.hair is not None
([1, 2, 3], True)
>>> 2.0 <= r.block.touch_up.due_years <= 6.0
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from smpstudio.errors import OptionError
from smpstudio.optics.dot import TARGET_DEPTH_MM as DEFAULT_DEPTH_MM
from smpstudio.optics.fading import HEALING_YEARS, FadingFactors, FadingParams, FadingResult, fading_curve
from smpstudio.optics.stubble import CLIPPER_LENGTH_MM
from smpstudio.plan import checks as ck
from smpstudio.plan.cost import CostResult, Prices, cost_of_ownership
from smpstudio.plan.models import (
    AftercareBlock,
    AlternativeBlock,
    CheckBlock,
    CostBlock,
    FadingCurveBlock,
    HairBlock,
    HealingBlock,
    NeedleBlock,
    PigmentBlock,
    PigmentRef,
    SessionBlock,
    SkinBlock,
    TouchUpBlock,
    TreatmentPlanBlock,
    VisitBlock,
)
from smpstudio.plan.pigment import Catalogue, PigmentPlan, load_catalogue, recommend_sessions
from smpstudio.plan.sessions import (
    DEFAULT_DOTS_PER_CM2,
    DEFAULT_IMPRESSIONS_PER_HOUR,
    DEFAULT_INTERVAL_DAYS,
    MAX_SESSION_H,
    SessionPlan,
    plan_sessions,
)
from smpstudio.plan.skin import MONK_HEX, HairTone, SkinTone, measure_hair, measure_skin, white_balance


@dataclass(frozen=True)
class PlanOptions:
    """Options of a plan (CLI flags map one to one)."""

    n_sessions: int = 3
    interval_days: int = DEFAULT_INTERVAL_DAYS
    start: dt.date | None = None
    today: dt.date | None = None
    uv: str = "med"
    oily_scalp: bool = False
    flaky_scalp: bool = False
    exfoliation: bool = False
    smoking: bool = False
    alcohol_products: bool = False
    target_lab: tuple[float, float, float] | None = None
    pigment_id: str | None = None
    depth_mm: float = DEFAULT_DEPTH_MM
    dots_per_cm2: float = DEFAULT_DOTS_PER_CM2
    impressions_per_hour: float = DEFAULT_IMPRESSIONS_PER_HOUR
    impressions_per_session: tuple[int, ...] | None = None
    max_session_h: float = MAX_SESSION_H
    cost_years: int = 10
    intake: Mapping[str, bool] = field(default_factory=dict)
    accept_extra_session: bool = True
    fading: FadingParams = field(default_factory=FadingParams)
    stubble_length_mm: float = CLIPPER_LENGTH_MM  # the buzz the hair is kept at (pigment.matched_guard)


@dataclass
class PlanResult:
    block: TreatmentPlanBlock
    skin: SkinTone
    hair: HairTone | None
    pigments: PigmentPlan
    sessions: SessionPlan
    fading: FadingResult
    cost: CostResult


def _r(v: float, n: int = 3) -> float:
    return round(float(v), n)


def recorded_hours(hours: float) -> float:
    """A session's (or visit's) time in the chair as the plan records it: to 0.01 h."""
    return _r(hours, 2)


def _lab(v: tuple[float, float, float] | np.ndarray) -> tuple[float, float, float]:
    return (_r(v[0], 2), _r(v[1], 2), _r(v[2], 2))


def build_plan(
    rgb: np.ndarray,
    skin_mask: np.ndarray,
    hair_mask: np.ndarray | None,
    *,
    area_cm2: float,
    options: PlanOptions = PlanOptions(),
    catalogue: Catalogue | None = None,
    prices: Prices | None = None,
    neutral_mask: np.ndarray | None = None,
    mfp_height_mm: float | None = None,
    age: int | None = None,
    skin: SkinTone | None = None,
    hair: HairTone | None | Literal["measure"] = "measure",
) -> PlanResult:
    """Make the treatment plan for one client.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3)
        The photo, sRGB-encoded float32 in [0, 1].
    skin_mask, hair_mask : ndarray of bool
        From the analysis (:class:`smpstudio.analysis.types.Masks`).
    area_cm2 : float
        Treated surface area (sum of the design's zones).
    options : PlanOptions
    catalogue, prices : optional
        The clinic's pigment catalogue and prices (built-in defaults otherwise).
    neutral_mask : ndarray of bool, optional
        A grey card or neutral patch: the photo is white-balanced on it first.
    mfp_height_mm, age : optional
        From the design, for the hairline check.
    skin : SkinTone, optional
        The skin already measured on this photo (:func:`smpstudio.plan.skin.measure_skin`), so that a
        caller that needs it first (the dot pattern's optics) and the plan use one measurement.
    hair : HairTone or None, optional
        The hair already measured on this image (:func:`smpstudio.plan.skin.measure_hair`; None: no hair
        seen); measured here by default.
    """
    o = options
    cat = catalogue or load_catalogue()
    if o.start is not None and o.today is not None and o.start < o.today:
        raise OptionError(f"--start {o.start.isoformat()} is in the past (today is {o.today.isoformat()})")
    if o.pigment_id is not None:
        cat.get(o.pigment_id)  # unknown pigment -> one-line OptionError before any work
    intake_checks = ck.check_contraindications(o.intake)
    if skin is not None and neutral_mask is not None:
        raise ValueError("pass either a measured skin or a neutral patch to measure it on, not both")
    img = white_balance(rgb, neutral_mask) if neutral_mask is not None else rgb
    skin = skin if skin is not None else measure_skin(img, skin_mask, hair_mask=hair_mask)
    hair = measure_hair(img, hair_mask) if hair == "measure" else hair
    pp = recommend_sessions(
        skin, cat, hair_lab=None if hair is None else np.asarray(hair.lab),
        target_lab=None if o.target_lab is None else np.asarray(o.target_lab, dtype=np.float64),
        n_sessions=o.n_sessions, depth_mm=o.depth_mm, pigment_id=o.pigment_id,
        stubble_length_mm=o.stubble_length_mm)
    extra = pp.extra_session_suggested and o.accept_extra_session
    pig_sessions = pp.sessions if extra else [s for s in pp.sessions if not s.suggested]
    n_total = len(pig_sessions)
    from smpstudio.plan.pigment import DEFAULT_DENSITY_FRACTIONS

    fractions = list(DEFAULT_DENSITY_FRACTIONS[o.n_sessions])
    counts = list(o.impressions_per_session) if o.impressions_per_session is not None else None
    if extra:
        # the extra session tops up the lighter dots: no new density, impressions on the earlier sessions' dots
        lighter = sum(f for f, s in zip(fractions, pig_sessions[:-1], strict=False)
                      if s.pigment_fraction < pig_sessions[-1].pigment_fraction)
        fractions = fractions + [max(lighter, 0.05)]
        if counts is not None and len(counts) == o.n_sessions:
            counts = counts + [int(round(sum(counts) * fractions[-1] / sum(fractions[:-1])))]
    sp = plan_sessions(
        area_cm2=area_cm2, impressions_per_session=counts, n_sessions=n_total, interval_days=o.interval_days,
        start=o.start, today=o.today, density_fractions=fractions, dots_per_cm2=o.dots_per_cm2,
        impressions_per_hour=o.impressions_per_hour, max_session_h=o.max_session_h, suggested_extra=extra)

    final = [s for s in pig_sessions if not s.suggested][-1]
    pigment = cat.get(final.pigment_id)
    factors = FadingFactors(uv=o.uv, fitzpatrick=skin.fitzpatrick_estimate, oily_scalp=o.oily_scalp,
                            flaky_scalp=o.flaky_scalp, exfoliation=o.exfoliation, smoking=o.smoking,
                            alcohol_products=o.alcohol_products)
    fade = fading_curve(np.asarray(skin.rgb_linear), final.pigment_fraction, factors, o.fading,
                        depth_mm=o.depth_mm, pigment_rgb_linear=pigment.rgb_linear)
    due_years = None if fade.touch_up_years is None else _r(fade.touch_up_years + HEALING_YEARS, 2)
    due_date = None
    if due_years is not None and sp.last_date is not None:
        due_date = sp.last_date + dt.timedelta(days=round(due_years * 365.25))
    cost = cost_of_ownership(n_sessions=n_total, touch_up_years=due_years, area_cm2=area_cm2,
                             years=o.cost_years, prices=prices)

    found: list[ck.Check] = list(intake_checks)
    if mfp_height_mm is not None and age is not None:
        found += ck.check_hairline_height(mfp_height_mm, age)
    found += ck.check_density(o.dots_per_cm2)
    darkest_water = float(cat.darkest_water_parts_by_ita_class[skin.ita_class])
    found += ck.check_pigment_darkness(max(s.pigment_fraction for s in pig_sessions), 1.0 / (darkest_water + 1.0),
                                       skin.ita_class, final.dilution, pp.darkest_allowed)
    found += ck.check_interval(o.interval_days)
    found += ck.check_dot_size(sp.sessions[0].needles[0].diameter_mm, sp.sessions[0].needles[0].configuration)
    for s in sp.sessions:
        if len(s.visits) == 1:
            found += ck.check_session_length(s.duration_h, s.index, o.max_session_h)
    warnings = list(pp.warnings) + list(sp.warnings) + [c.line() for c in found]
    if extra:
        warnings.append(pp.extra_session_reason)
    if not fade.judged_by_contrast:
        warnings.append("the healed dots hardly show on this skin (contrast below ΔE00 1); touch-up judged by "
                        "the pigment left")

    sessions_out = []
    for s, ps in zip(sp.sessions, pig_sessions, strict=True):
        sessions_out.append(SessionBlock(
            index=s.index, date=s.date, day=s.day,
            pigment=PigmentRef(id=pigment.id, name=pigment.name, manufacturer=pigment.manufacturer,
                               family=pigment.family, rgb_linear=pigment.rgb_linear, lot=pigment.lot),
            dilution=ps.dilution, water_parts=_r(1.0 / ps.pigment_fraction - 1.0, 4),
            pigment_fraction=_r(ps.pigment_fraction, 5), layers=ps.layers,
            predicted_lab=_lab(ps.predicted_lab), predicted_delta_e=_r(ps.predicted_delta_e, 2),
            healed_match_delta_e=_r(ps.composite_delta_e, 2),
            delta_e_to_hair=None if ps.delta_e_to_hair is None else _r(ps.delta_e_to_hair, 2),
            duration_h=recorded_hours(s.duration_h), impressions=s.impressions,
            density_fraction=_r(s.density_fraction, 4),
            needle=[NeedleBlock(configuration=n.configuration, diameter_mm=n.diameter_mm, label=n.label, use=n.use)
                    for n in s.needles],
            visits=[VisitBlock(day=v.day, date=v.date, impressions=v.impressions,
                               duration_h=recorded_hours(v.duration_h)) for v in s.visits],
            aftercare=[AftercareBlock(rule=a.rule, days=a.days, until=a.until, source=a.source) for a in s.aftercare],
            healing=[HealingBlock(stage=h.stage, from_day=h.from_day, to_day=h.to_day, from_date=h.from_date,
                                  to_date=h.to_date, source=h.source) for h in s.healing],
            suggested=s.suggested, note=ps.note))

    block = TreatmentPlanBlock(
        skin=SkinBlock(lab=_lab(skin.lab), ita_deg=_r(skin.ita_deg, 2), ita_class=skin.ita_class,
                       ita_class_fine=skin.ita_class_fine, monk=skin.monk, monk_hex=MONK_HEX[skin.monk - 1],
                       monk_delta_e=_r(skin.monk_delta_e, 2), fitzpatrick_estimate=skin.fitzpatrick_estimate,
                       undertone=skin.undertone, hue_deg=_r(skin.hue_deg, 1),
                       spread={k: _r(v, 3) for k, v in skin.spread.items()}, white_balanced=neutral_mask is not None),
        hair=None if hair is None else HairBlock(lab=_lab(hair.lab), n_pixels=hair.n_pixels),
        pigment=PigmentBlock(
            target_lab=_lab(pp.target_lab), target_source=pp.target_source, depth_mm=o.depth_mm,
            advised_window=f"{pp.lightest_allowed} to {pp.darkest_allowed}",
            optics_model="smpstudio.optics.dot.healed_tone_linear", catalogue=cat.source,
            alternatives=[AlternativeBlock(pigment=a.pigment_id, dilution=a.dilution,
                                           predicted_lab=_lab(a.predicted_lab), predicted_delta_e=_r(a.delta_e, 2),
                                           score=_r(a.score, 2), allowed=a.allowed, note=a.note)
                          for a in pp.alternatives],
            extra_session_suggested=pp.extra_session_suggested, extra_session_reason=pp.extra_session_reason),
        sessions=sessions_out,
        touch_up=TouchUpBlock(due_years=None if due_years is None else _r(due_years, 2), due_date=due_date,
                              threshold_relative_contrast=fade.threshold, rate_per_year=_r(fade.rate_per_year, 4),
                              judged_by="contrast" if fade.judged_by_contrast else "pigment"),
        fading_curve=FadingCurveBlock(
            years=[_r(v, 3) for v in fade.years], pigment_remaining=[_r(v, 4) for v in fade.pigment_remaining],
            contrast_delta_e=[_r(v, 3) for v in fade.contrast_delta_e],
            contrast_relative=[_r(v, 4) for v in fade.contrast_relative],
            factors={"uv": factors.uv, "fitzpatrick": factors.fitzpatrick, "oily_scalp": factors.oily_scalp,
                     "flaky_scalp": factors.flaky_scalp, "exfoliation": factors.exfoliation,
                     "smoking": factors.smoking, "alcohol_products": factors.alcohol_products}),
        cost=CostBlock(currency=cost.currency, years=[_r(y, 4) for y in cost.years],
                       smp=[_r(v, 2) for v in cost.cumulative["smp"]],
                       transplant=[_r(v, 2) for v in cost.cumulative["transplant"]],
                       medication=[_r(v, 2) for v in cost.cumulative["medication"]],
                       totals={k: _r(v, 2) for k, v in cost.totals.items()}, grafts=cost.grafts,
                       transplant_sessions=cost.transplant_sessions, touch_ups=cost.touch_ups, notes=cost.notes,
                       prices=cost.assumptions),
        checks=[CheckBlock(code=c.code, severity=c.severity, message=c.message, reason=c.reason, source=c.source)
                for c in found],
        warnings=warnings,
        inputs={"n_sessions": o.n_sessions, "interval_days": o.interval_days,
                "start": None if o.start is None else o.start.isoformat(), "uv": o.uv, "oily_scalp": o.oily_scalp,
                "target_lab": None if o.target_lab is None else list(o.target_lab), "pigment": o.pigment_id,
                "area_cm2": _r(area_cm2, 2), "dots_per_cm2": o.dots_per_cm2,
                "impressions_per_hour": o.impressions_per_hour, "depth_mm": o.depth_mm,
                "cost_years": o.cost_years},
    )
    return PlanResult(block, skin, hair, pp, sp, fade, cost)
