"""The inputs of one consultation, grouped by the step that first reads them.

Each group is a frozen dataclass, so a step's cache key is the group's value: changing a hairline point
(:class:`DesignInputs`) recomputes the design and what follows, never the analysis; changing the session
count (:class:`PatternInputs`) recomputes the pattern, the plan and the renders, never the design.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from smpstudio.imaging.intake import Photo
from smpstudio.optics.fading import FadingParams

SCALP_MODES = ("auto", "as-is", "buzz", "shave")


@dataclass(frozen=True)
class ScalpInputs:
    """How the photo's head is shown: ``auto`` (chosen from the photo), ``as-is``, ``buzz`` or ``shave``."""

    mode: str = "auto"


@dataclass(frozen=True, eq=False, repr=False)
class ViewPhoto:
    """An extra photo of the client (top, back, side ...) and the reference points the artist marked on it
    (:data:`smpstudio.head3d.views.REFERENCE_POINTS`, px), optionally a scale sticker.

    Its ``repr`` (the steps' cache key) names the photo by the sha256 of its pixels, not by its array.
    """

    name: str
    orientation: str
    photo: Photo
    marks_px: dict[str, tuple[float, float]]
    sticker: Any = None  # smpstudio.head3d.views.Sticker
    pixels_sha256: str = field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "pixels_sha256", hashlib.sha256(self.photo.to_uint8().tobytes()).hexdigest())

    def __repr__(self) -> str:
        return (f"ViewPhoto({self.name!r}, {self.orientation!r}, sha256={self.pixels_sha256}, "
                f"marks_px={self.marks_px!r}, sticker={self.sticker!r})")


@dataclass(frozen=True)
class DesignInputs:
    """Hairline proposal and the artist's edits (:func:`smpstudio.design.propose_hairline`).

    ``moves`` are control-point moves ``(index, (x_mm, y_mm))`` on the face frame, applied in order,
    mirrored when ``mirror``. ``stage`` is the artist's choice of hair-loss class
    (:data:`smpstudio.design.stage.STAGES`); without it the class proposed from the photo is used.
    ``views`` are the extra photos (``--views``); a top or back one lets the proposal see the crown.
    """

    age: int = 35
    style: str = "soft"
    mfp_height_mm: float | None = None
    conservative: bool = False
    moves: tuple[tuple[int, tuple[float, float]], ...] = ()
    mirror: bool = True
    stage: str | None = None  # the artist's hair-loss stage (smpstudio.design.stage.STAGES); else proposed
    scale: str = "norwood"  # the scale the stage is proposed on: "norwood" (men) or "ludwig" (women)
    #: registered top/back views (``--views``, :class:`ViewPhoto`): the stage proposal measures the crown in
    #: them (:mod:`smpstudio.head3d.crown`); the other views are only drawn on. Typed ``Any`` so that the
    #: web app's drafts can still store Inputs as JSON (pydantic has no schema for a photo's array); the
    #: web app never sets it
    views: tuple[Any, ...] = ()


@dataclass(frozen=True)
class PatternInputs:
    """The dot pattern: sessions, their interval (days), the final density (dots/cm²), the skin measurement."""

    n_sessions: int = 3
    interval_days: int = 14
    density_per_cm2: float = 80.0
    blowout_share: float = 0.0
    #: a grey card box ``(x, y, w, h)`` px: the skin (the dots' optics and the plan) is measured white-balanced on it
    neutral_box_px: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class PlanInputs:
    """Options of the treatment plan that are not the pattern's (:class:`smpstudio.plan.plan.PlanOptions`)."""

    start: dt.date | None = None
    today: dt.date | None = None
    uv: str = "med"
    oily_scalp: bool = False
    flaky_scalp: bool = False
    exfoliation: bool = False
    smoking: bool = False
    target_lab: tuple[float, float, float] | None = None
    pigment_id: str | None = None
    impressions_per_hour: float = 4000.0
    cost_years: int = 10
    intake: tuple[tuple[str, bool], ...] = ()
    accept_extra_session: bool = True
    fading: FadingParams = field(default_factory=FadingParams)


SCAR_SPECS = ("fut", "fue", "line", "area")


@dataclass(frozen=True)
class ScarSpec:
    """One scar for the whole-head plan (:mod:`smpstudio.head3d.scars`).

    ``kind``: ``fut`` (preset strip scar across the occiput: ``length_mm`` x ``width_mm``), ``fue`` (preset:
    ``count`` round scars of ``diameter_mm`` over the donor area), ``line`` (a polyline marked on the front
    photo, ``px`` points, ``width_mm`` wide) or ``area`` (a polygon marked on the front photo).
    """

    kind: str
    px: tuple[tuple[float, float], ...] = ()
    width_mm: float = 1.5
    length_mm: float = 250.0
    count: int = 500
    diameter_mm: float = 0.9


@dataclass(frozen=True)
class WholeHeadInputs:
    """The whole-head plan's own inputs: the scars."""

    scars: tuple[ScarSpec, ...] = ()


@dataclass(frozen=True)
class Inputs:
    """Everything one consultation is made from (besides the photo and the clinic's data files)."""

    seed: int = 0
    scalp: ScalpInputs = field(default_factory=ScalpInputs)
    design: DesignInputs = field(default_factory=DesignInputs)
    pattern: PatternInputs = field(default_factory=PatternInputs)
    plan: PlanInputs = field(default_factory=PlanInputs)
    whole_head: WholeHeadInputs = field(default_factory=WholeHeadInputs)
