"""Request and response schemas of the consultation API (``/api/.../consults``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from smpstudio.records.schemas import Sha256, _text
from smpstudio.schema import WholeHeadBlock

Px = Annotated[float, Field(ge=-100_000, le=100_000, allow_inf_nan=False)]
Point = tuple[Px, Px]
STAGE_NAME = r"^(before|session-[1-6]-(fresh|healed)|session-1-healing|years-[13]|touch-up-due)$"
StageName = Annotated[str, StringConstraints(pattern=STAGE_NAME)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Move(Strict):
    """Control point ``index`` dragged to ``(x, y)`` px on the displayed photo."""

    index: Annotated[int, Field(ge=0, le=40)]
    x: Px
    y: Px


class ConsultChange(Strict):
    """What the artist changed; every field is optional (only the given ones change)."""

    move: Move | None = None
    draft: bool = Field(default=False, description="a step of a drag still under way: the hairline, the dots and "
                        "the preview follow; the plan (hours, prices) is recomputed when the drag ends (draft false)")
    mirror: bool | None = None
    reset_moves: bool = False
    style: Literal["soft", "broken", "defined"] | None = None
    age: Annotated[int, Field(ge=18, le=95)] | None = None
    density_per_cm2: Annotated[float, Field(ge=20, le=160, allow_inf_nan=False)] | None = None
    sessions: Annotated[int, Field(ge=1, le=6)] | None = None
    interval_days: Annotated[int, Field(ge=7, le=90)] | None = None
    shade: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] | None = Field(
        default=None, description="target healed shade (#rrggbb); empty = matched to the client's hair")
    auto_shade: bool = False
    stage: Annotated[str, StringConstraints(max_length=20, pattern=r"^[a-z0-9-]+$")] | None = None


class Overlay(BaseModel):
    """The analysis drawn over the photo (display px)."""

    px_per_mm: float
    scale_bar_mm: float
    scale_source: str
    landmarks: dict[str, Point]
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    pose_warning: str | None


class SessionLine(BaseModel):
    index: int
    date: dt.date | None
    day: int
    hours: float
    shade: str = Field(description="the shade in words (light / medium / dark grey, near-black)")
    dilution: str = Field(description="the mix the artist records (water:pigment), for the details view")
    pigment: str
    impressions: int
    price: float
    suggested: bool


class PlanView(BaseModel):
    """The plan in the client's words; ``details`` (ITA, ΔE) for the artist's details view."""

    sessions: list[SessionLine]
    currency: str
    total_price: float
    touch_up_years: float | None
    touch_up_date: dt.date | None
    must_resolve: list[str]
    good_to_know: list[str]
    details: dict[str, int | float | str | None]


class DraftOut(BaseModel):
    """A consultation in progress of the signed-in user (resume it with ``GET /api/consults/{id}``)."""

    id: int
    client_id: int
    photo_id: int
    revision: int = Field(description="settled changes so far")
    created_at: dt.datetime
    updated_at: dt.datetime


class ConsultOut(BaseModel):
    id: int
    client_id: int
    photo_id: int
    revision: int
    width: int
    height: int
    overlay: Overlay
    control_points: list[Point]
    hairline: list[Point]
    mirror: bool
    style: str
    age: int
    density_per_cm2: float
    sessions: int
    interval_days: int
    shade: str | None
    hair_stage: str | None
    hair_stage_proposed: str | None = None
    hair_stage_reason: str | None = None
    hair_stage_options: dict[str, str] = Field(default_factory=dict, description="every stage: name -> label")
    dots: int
    stages: list[str]
    stage_labels: dict[str, str]
    closeup_px_per_mm: float
    plan: PlanView
    warnings: list[str]
    draft: bool = Field(description="a drag under way: the plan is the one before it")
    base_sha256: str = Field(description="sha256 of the scene the dots are drawn on (`GET .../base`): the browser "
                             "draws a drag's dots (`GET .../dots`) over it")


class WholeHeadOut(BaseModel):
    """The whole-head plan of the consultation's stage (plan.json's ``whole_head``) and the stage's proposal."""

    revision: int = Field(description="the consultation's revision it was planned for")
    stage: str
    stage_label: str
    proposed: str | None = Field(description="the stage proposed from the photo's visible zones")
    proposed_label: str | None
    reason: str | None = Field(description="why it was proposed (the zones seen and their hair)")
    chosen_by: str = Field(description="'photo' (the proposal) or 'artist'")
    views: list[str] = Field(description="diagram views (`GET .../diagram?view=`)")
    block: WholeHeadBlock


class ConsentText(BaseModel):
    version: str
    text: str


class SaveConsult(Strict):
    """Save the consultation as the client's next plan version, with the consent the client signed."""

    signer: _text(200, 1)  # type: ignore[valid-type]
    consent_version: _text(50, 1)  # type: ignore[valid-type]
    signature_png_base64: Annotated[str, StringConstraints(min_length=100, max_length=400_000,
                                                           pattern=r"^[A-Za-z0-9+/=]+$")]
    preview_sha256: Annotated[list[Sha256], Field(min_length=1, max_length=40)]
    revision: Annotated[int, Field(ge=0, le=1_000_000)]


class SavedConsult(BaseModel):
    plan_id: int
    plan_version: int
    consent_id: int
    photo_id: int
    preview_sha256: list[str]
