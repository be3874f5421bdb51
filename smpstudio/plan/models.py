"""Pydantic blocks the treatment plan adds to ``plan.json`` (``skin``, ``hair``, ``pigment``, ``sessions``,
``touch_up``, ``fading_curve``, ``cost``, ``checks``). The lead's :mod:`smpstudio.schema` includes them.

Units are in the field names or descriptions; dates are ISO ``YYYY-MM-DD``; CIELAB is D65 / 2 degrees.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Lab = tuple[float, float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkinBlock(_Strict):
    lab: Lab = Field(description="median CIELAB (D65) of the clean skin pixels")
    ita_deg: float = Field(description="individual typology angle, degrees (Chardon 1991)")
    ita_class: str = Field(description="six classes: very light, light, intermediate, tan, brown, dark")
    ita_class_fine: str = Field(description="eight classes from the cut-offs 55/48/41/34.5/28/19/10")
    monk: int = Field(ge=1, le=10, description="nearest Monk Skin Tone swatch by CIEDE2000")
    monk_hex: str
    monk_delta_e: float
    fitzpatrick_estimate: int = Field(ge=1, le=6)
    fitzpatrick_is_heuristic: bool = Field(default=True, description="ITA -> Fitzpatrick is a heuristic only")
    undertone: str = Field(description="cool, neutral or warm (from the hue angle; heuristic)")
    hue_deg: float
    spread: dict[str, float] = Field(description="IQRs of the kept pixels and counts excluded per reason")
    white_balanced: bool = False


class HairBlock(_Strict):
    lab: Lab
    n_pixels: int


class NeedleBlock(_Strict):
    configuration: str = Field(description="1RL / 3RL")
    diameter_mm: float
    label: str = Field(description="trade number, e.g. #06")
    use: str = Field(description="hairline or density")


class AftercareBlock(_Strict):
    rule: str
    days: int | None = Field(description="days after the session's last visit; null = for life")
    until: dt.date | None = Field(description="last day the rule applies (null without a start date or for life)")
    source: str


class HealingBlock(_Strict):
    stage: str
    from_day: int = Field(description="days after the session's last visit")
    to_day: int | None
    from_date: dt.date | None
    to_date: dt.date | None
    source: str


class VisitBlock(_Strict):
    day: int
    date: dt.date | None
    impressions: int
    duration_h: float


class PigmentRef(_Strict):
    id: str
    name: str
    manufacturer: str
    family: str
    rgb_linear: tuple[float, float, float] = Field(description="the dry pigment's reflectance, linear sRGB")
    lot: str | None = None


class SessionBlock(BaseModel):
    """One session. Extra keys are allowed so the dot engine can add what it measured on the pattern
    (``dots``, ``total_dots``, ``density_per_cm2``, ``healed_dot_diameter_mm``, ...) to the same entry."""

    model_config = ConfigDict(extra="allow")
    index: int
    date: dt.date | None = Field(description="first day of the session (null without --start)")
    day: int = Field(description="days after session 1")
    pigment: PigmentRef
    dilution: str = Field(description="water:pigment")
    water_parts: float = Field(description="water parts of water:1 (0 = undiluted); the dot engine's input")
    pigment_fraction: float = Field(description="1 / (water + 1)")
    layers: int = Field(description="2 when the session tops up earlier dots")
    predicted_lab: Lab = Field(description="healed colour of this session's dots")
    predicted_delta_e: float = Field(description="CIEDE2000 of this session's healed dots to the target")
    healed_match_delta_e: float = Field(description="CIEDE2000 to the target of all dots laid so far (healed)")
    delta_e_to_hair: float | None = Field(description="CIEDE2000 to the raw hair colour, when known")
    duration_h: float
    impressions: int
    density_fraction: float = Field(description="share of the final density laid in this session")
    needle: list[NeedleBlock]
    visits: list[VisitBlock]
    aftercare: list[AftercareBlock]
    healing: list[HealingBlock] = Field(default_factory=list, description="what the client will see, when")
    suggested: bool = Field(default=False, description="an extra session the plan suggests (match still off)")
    note: str = ""


class AlternativeBlock(_Strict):
    pigment: str
    dilution: str
    predicted_lab: Lab
    predicted_delta_e: float
    score: float
    allowed: bool
    note: str = ""


class PigmentBlock(_Strict):
    target_lab: Lab
    target_source: str
    depth_mm: float
    advised_window: str = Field(description="lightest to darkest dilution advised for this skin class")
    optics_model: str
    catalogue: str
    alternatives: list[AlternativeBlock]
    extra_session_suggested: bool
    extra_session_reason: str = ""


class TouchUpBlock(_Strict):
    due_years: float | None = Field(description="years after the last session (healing ~4 weeks included)")
    due_date: dt.date | None
    threshold_relative_contrast: float
    rate_per_year: float = Field(description="first-order pigment loss rate k (1/year)")
    judged_by: str = Field(description="'contrast' or 'pigment' (dot hardly visible on this skin)")


class FadingCurveBlock(_Strict):
    years: list[float]
    pigment_remaining: list[float]
    contrast_delta_e: list[float]
    contrast_relative: list[float]
    factors: dict[str, Any]


class CostBlock(_Strict):
    currency: str
    years: list[float] = Field(description="monthly grid, years")
    smp: list[float]
    transplant: list[float]
    medication: list[float]
    totals: dict[str, float]
    grafts: int
    transplant_sessions: int
    touch_ups: int
    notes: list[str]
    prices: dict[str, Any]


class CheckBlock(_Strict):
    code: str
    severity: str = Field(description="info, warning or stop")
    message: str
    reason: str
    source: str


class TreatmentPlanBlock(_Strict):
    """Everything ``smp plan`` adds to ``plan.json``."""

    skin: SkinBlock
    hair: HairBlock | None
    pigment: PigmentBlock
    sessions: list[SessionBlock]
    touch_up: TouchUpBlock
    fading_curve: FadingCurveBlock
    cost: CostBlock
    checks: list[CheckBlock]
    warnings: list[str]
    inputs: dict[str, Any] = Field(description="options the plan was made with")
