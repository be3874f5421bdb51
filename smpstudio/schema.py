"""The ``plan.json`` document: a versioned, documented schema (pydantic).

Every command that writes a plan writes this document; later steps add their blocks (``sessions``,
``pattern``, ``skin``, ...). ``SCHEMA_VERSION`` changes with every incompatible change; the JSON
Schema is exported by ``smp schema`` and kept in ``docs/plan.schema.json``.

Conventions: pixel coordinates are ``[x, y]`` on the oriented photo (x right, y down); "left" and
"right" are image-left and image-right; millimetres on the *face frame* are image-plane mm at the
face (origin glabella, y up), while ``*_surface`` / ``mfp_height_mm`` heights are measured along the
head's surface (see ``smpstudio.analysis.headmodel``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smpstudio.plan.models import (
    CheckBlock,
    CostBlock,
    FadingCurveBlock,
    HairBlock,
    PigmentBlock,
    SessionBlock,
    SkinBlock,
    TouchUpBlock,
)

SCHEMA_VERSION = "1.4"  # 1.1: optional whole_head block (issue 11); 1.2: whole_head.scars, .views, stage.recession;
# 1.3: stage.temple_recession_mm, .midline_recession_mm, .skin_share (the measured stage proposal), scalp_guard;
# 1.4: stage.crown_view, .crown_view_orientation, .crown_skin_share, .view_skin_share (the crown in a top/back view)
MAX_SEED = 2**63 - 1  # plan.json, the CLI (--seed) and the records API agree: a signed 64-bit integer

Point = tuple[float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HeadPoseDeg(_Strict):
    yaw: float = Field(description="degrees; + = face turned toward image left")
    pitch: float = Field(description="degrees; + = chin raised")
    roll: float = Field(description="degrees; + = head tilted clockwise on the image")


class PhotoInfo(_Strict):
    width_px: int
    height_px: int
    source_format: str
    bit_depth: int
    intake_notes: list[str] = Field(default_factory=list)
    pixels_sha256: str = Field(description="sha256 of the oriented 8-bit RGB pixels (not of the file)")


class AnalysisBlock(_Strict):
    scale_px_per_mm: float = Field(description="pixels per millimetre at the face plane")
    scale_source: str = Field(description="'iris', 'ipd' or 'iris+ipd'")
    scale_uncertainty_rel: float = Field(description="relative 1-sigma uncertainty of the scale")
    iris_diameter_px: float
    head_pose_deg: HeadPoseDeg
    landmarks_px: dict[str, Point] = Field(description="named anatomical points, px")
    landmark_backend: str
    mask_fractions: dict[str, float] = Field(description="share of the image labelled hair, skin, background")


class HairlineBlock(_Strict):
    style: str
    age: int
    points_px: list[Point] = Field(description="designed hairline (smooth spline), ordered left to right")
    edge_px: list[Point] = Field(description="the edge with the style's irregularity, left to right")
    control_points_mm: list[Point] = Field(description="editable control points on the face frame (mm)")
    control_points_px: list[Point]
    mfp_px: Point
    mfp_height_mm: float = Field(description="MFP height above the glabella along the forehead's surface")
    mfp_height_image_mm: float = Field(description="the same height on the image plane (foreshortened)")
    transition_mm: float
    thirds_upper_suggestion_mm: float | None = Field(
        default=None, description="image-plane MFP height that makes the upper facial third equal the middle"
    )


class ZoneBlock(_Strict):
    name: str
    area_cm2: float = Field(description="surface area of the visible part, cm^2")
    visible: bool = True
    note: str = ""
    polygon_px: list[list[Point]] = Field(
        default_factory=list, description="outline of each connected part of the zone on the photo, [x, y] px")


class GuardBlock(_Strict):
    """The clipper guard the client's remaining hair is shown buzzed to (and is to be kept at)."""

    name: str = Field(description="guard: '#0' (1/16 in) or '#1' (1/8 in)")
    length_mm: float = Field(description="the cut hair's length above the skin, mm")
    reason: str = Field(description="why: the longest buzz the SMP matches on this skin")


class StageBlock(_Strict):
    """Hair-loss stage (Norwood-Hamilton / Ludwig, :mod:`smpstudio.design.stage`)."""

    proposed: str = Field(description="class proposed from the photo, e.g. 'norwood-3'")
    reason: str = Field(description="why, in words: the zones seen and their share of hair")
    coverage: dict[str, float] = Field(description="share of each visible zone with hair (0-1)")
    chosen: str = Field(description="the class the plan uses: the artist's when given, else the proposal")
    chosen_by: str = Field(description="'photo' or 'artist'")
    regions: dict[str, str] = Field(description="the chosen class, region by region: bald, thinning or kept")
    recession_mm: float | None = Field(
        default=None, description="hair front on the midline minus the proposed MFP, surface mm (+ = behind) (1.2)")
    hair_front_mm: float | None = Field(
        default=None, description="where the hair begins on the midline, surface mm above the glabella (1.2)")
    temple_recession_mm: dict[str, float | None] | None = Field(
        default=None, description="'left'/'right' (image sides): where the hair begins at each temple (the deepest "
        "over its lateral band), surface mm behind the juvenile hairline (+ = behind; null = not seen) (1.3)")
    midline_recession_mm: float | None = Field(
        default=None, description="where the hair begins on the midline, surface mm behind the juvenile MFP "
        "(80 mm above the glabella) (+ = behind) (1.3)")
    skin_share: dict[str, float] | None = Field(
        default=None, description="share of skin showing through the hair, by colour: 15 mm behind the front at "
        "'front-left', 'front-right' (temples) and 'front-midline', and over the visible zones (1.3)")
    crown_view: str | None = Field(
        default=None, description="name of the registered top or back view (--views) the crown was measured in; "
        "null: no such view given or it did not show the crown (the crown not seen, no vertex class) (1.4)")
    crown_view_orientation: str | None = Field(
        default=None, description="that view's orientation: 'top' or 'back' (1.4)")
    crown_skin_share: float | None = Field(
        default=None, description="share of skin showing through the hair (0-1) over the model's crown zone "
        "projected into that view, unmixed between the front photo's skin and dense hair (1.4)")
    view_skin_share: dict[str, float] | None = Field(
        default=None, description="the same share over each zone that view saw ('crown', 'mid-scalp'); these "
        "replace the front photo's in skin_share (1.4)")


class WholeHeadZoneBlock(_Strict):
    name: str
    state: str = Field(description="for the chosen stage: 'bald' (full density), 'thinning' or 'kept' (blended)")
    area_cm2: float = Field(description="true surface area on the 3-D scalp model, cm^2")
    impressions: list[int] = Field(description="impressions laid in this zone, per session")


class WholeHeadSessionBlock(_Strict):
    index: int
    impressions: int
    hours: float = Field(description="hours at the whole-head rate")
    visits_hours: list[float] = Field(description="hours per visit (a session over the limit is split over days)")


class ScarBlock(_Strict):
    """One scar on the 3-D scalp and how the plan treats it (:mod:`smpstudio.head3d.scars`)."""

    kind: str = Field(description="'line' (polyline with a width), 'area' (polygon) or 'fue' (round scars)")
    label: str
    view: str = Field(description="where it was marked: 'surface' (a preset) or a photo's view name")
    width_mm: float = Field(description="line width or FUE scar diameter, mm (0 for an area)")
    length_mm: float = Field(description="a line's length along the surface, mm (0 otherwise)")
    count: int = Field(description="FUE scars: how many; 1 otherwise")
    area_cm2: float = Field(description="scar tissue surface, cm^2")
    marked_px: list[Point] = Field(default_factory=list, description="the points marked on the photo, px")
    points_mm: list[tuple[float, float, float]] = Field(
        description="vertices / FUE centres on the model (head coordinates, mm)")


class ViewBlock(_Strict):
    """One extra photo of the client registered to the 3-D model (:mod:`smpstudio.head3d.views`)."""

    name: str
    orientation: str = Field(description="nominal view: front, top, left, right or back")
    marks_px: dict[str, Point] = Field(description="reference points the artist marked, px")
    residual_mm: float = Field(description="RMS distance between the marks and the fitted model, mm")
    px_per_mm: float
    dots_visible: int = Field(description="dots of the surface pattern the view shows")
    file: str | None = Field(default=None, description="the view with the dots drawn on it")


class WholeHeadBlock(_Strict):
    """The real treatment on the whole 3-D scalp (:mod:`smpstudio.head3d`), for the chosen stage."""

    stage: str
    scalp_area_cm2: float = Field(description="hair-bearing scalp of the model, cm^2 (domain.md §4: ~500)")
    treatment_area_cm2: float = Field(description="bald + thinning surface, cm^2")
    bald_cm2: float
    thinning_cm2: float
    precise_points: int = Field(description="PRECISE score: 1 point per 30 cm^2 bald (domain.md §4)")
    full_density_per_cm2: float
    impressions: int = Field(description="every dot of the one 3-D pattern (one impression each)")
    impressions_per_hour: float
    sessions: list[WholeHeadSessionBlock]
    zones: list[WholeHeadZoneBlock]
    price: float
    price_basis: str
    currency: str
    min_spacing_ratio: float | None = Field(description="smallest dot distance on the surface / local target "
                                            "spacing (none with fewer than two dots)")
    seed: int
    surface: dict[str, Any] = Field(description="the model: semi-axes (mm), frontal polar angle, sources")
    stages_cm2: dict[str, dict[str, float]] = Field(description="every stage on this head: bald, thinning cm^2")
    diagrams: list[str] = Field(default_factory=list, description="diagram PNGs written beside plan.json")
    warnings: list[str] = Field(default_factory=list)
    scars: list[ScarBlock] = Field(default_factory=list, description="scar tissue, its own zone 'scar' (1.2)")
    scar_passes: int = Field(default=0, description="times each scar dot is gone over (1.2)")
    views: list[ViewBlock] = Field(default_factory=list, description="extra photos registered to the model (1.2)")


class SoftwareBlock(_Strict):
    name: str = "smpstudio"
    version: str


class PlanDocument(BaseModel):
    """The whole ``plan.json``. Blocks of later steps are optional."""

    model_config = ConfigDict(extra="allow")

    schema_version: str = SCHEMA_VERSION
    software: SoftwareBlock
    seed: int = Field(ge=0, le=MAX_SEED, description="seed of every random choice (edge irregularity, dots, ...)")
    photo: PhotoInfo
    analysis: AnalysisBlock
    hairline: HairlineBlock
    zones: list[ZoneBlock]
    treatment_area_cm2: float
    warnings: list[str] = Field(default_factory=list)
    scalp: str | None = Field(default=None, description="how the head is shown: 'as-is', 'buzz' or 'shave'")
    scalp_reason: str | None = Field(default=None, description="why that client situation was chosen")
    scalp_guard: GuardBlock | None = Field(default=None, description="buzz and shave: the guard the hair is shown at")
    stage: StageBlock | None = None
    whole_head: WholeHeadBlock | None = None
    # smp plan (issue 4): models in smpstudio.plan.models
    skin: SkinBlock | None = None
    hair: HairBlock | None = None
    pigment: PigmentBlock | None = None
    touch_up: TouchUpBlock | None = None
    fading_curve: FadingCurveBlock | None = None
    cost: CostBlock | None = None
    checks: list[CheckBlock] | None = None
    plan_inputs: dict[str, Any] | None = None
    # sessions: the plan's (pigment, dates, ...) merged by index with the dot engine's (dots, density, ...)
    sessions: list[SessionBlock | PreviewSessionBlock] | None = None
    pattern: PatternBlock | None = None
    renders: list[RenderBlock] | None = None


# ---- dot engine (issue 3: smp preview) ----------------------------------------------------------------
# Blocks that ``smp preview`` writes under ``sessions`` and ``pattern``. Owned by the dot engine.


class PreviewSessionBlock(_Strict):
    index: int
    day: int = Field(description="days after session 1")
    dots: int = Field(description="impressions placed in this session")
    total_dots: int = Field(description="dots present after this session")
    density_per_cm2: float = Field(description="dots per cm^2 of scalp surface behind the transition zone, measured")
    needle: dict[str, str] = Field(description="needle per use (hairline / density), e.g. '1RL 0.20 mm'")
    dot_diameter_mm: float = Field(description="mean impression (needle) diameter of this session's dots")
    healed_dot_diameter_mm: float = Field(description="mean visible diameter (FWHM) of those dots once healed")
    shade: str = Field(description="dilution water:pigment (carbon black)")
    pigment_fraction: float = Field(description="1 / (water + 1)")
    min_distance_mm: float = Field(description="smallest face-plane distance between two dots after this session")


class PatternBlock(_Strict):
    min_distance_mm: float = Field(description="smallest nearest-neighbour distance of the final pattern (face plane)")
    mean_nn_distance_mm: float = Field(description="mean nearest-neighbour distance of the final pattern (face plane)")
    dots: int
    full_density_per_cm2: float
    seed: int
    sampler: str
    skin_ita_deg: float
    closeup_center_mm: Point
    closeup_px_per_mm: float
    healed_after_days: int
    interval_days: int
    blowout_share: float = Field(default=0.0, description="share of impressions rendered too deep (blow-outs)")


class RenderBlock(_Strict):
    """One healed / faded render of the plan (``smp plan``: healed.png, years-N.png, touch-up-due.png)."""

    file: str
    years_after_last_session: float
    pigment_remaining: float = Field(description="share of the last session's healed pigment left")
    water_parts: list[float] = Field(description="dilution rendered per session (the faded pigment as water:1)")
    dots: int


# ---- end dot engine -----------------------------------------------------------------------------------


PlanDocument.model_rebuild()


def json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`PlanDocument`."""
    return PlanDocument.model_json_schema()
