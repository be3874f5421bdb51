"""Pydantic schemas of the records API: every input is bounded (lengths, ranges, enums)."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from smpstudio.dates import DATE_ORDERS, parse_date
from smpstudio.errors import SMPError
from smpstudio.plan.intake import STOP_KEYS, IntakeAnswers
from smpstudio.schema import MAX_SEED, PlanDocument

_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean_text(value: str) -> str:
    if _BAD_CHARS.search(value):
        raise ValueError("contains control characters or invalid unicode")
    return value


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_clean_text),
    ]


Name = _text(100, 1)
Short = _text(100)
Tiny = _text(40)
Long = _text(20_000)
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]{1,189}$"),
    AfterValidator(_clean_text),
]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)


def _check_date(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"must lie between {MIN_DATE} and {MAX_DATE}")
    return value


def _check_datetime(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValueError(f"must lie between {MIN_DATE} and {MAX_DATE}")
    return value.astimezone(dt.UTC)


Date = Annotated[dt.date, AfterValidator(_check_date)]
DateTime = Annotated[dt.datetime, AfterValidator(_check_datetime)]


class LocalDate(str):
    """A date typed in the clinic's own format (``12/04/1979``): the service reads it with the clinic's
    date order (:func:`smpstudio.records.services_clinic.resolve_date`)."""


def _typed_date(value: Any) -> dt.date | LocalDate:
    if isinstance(value, dt.datetime):
        raise ValueError("give a date without a time of day")
    if isinstance(value, dt.date):
        return _check_date(value)
    if not isinstance(value, str):
        raise ValueError("a date is written as text, e.g. 1979-04-12 or 12/04/1979")
    raw = value.strip()
    if raw[:4].isdigit():  # ISO (or year first): the same in every clinic
        try:
            return _check_date(parse_date(raw, "YMD"))
        except SMPError as exc:
            raise ValueError(str(exc)) from None
    errors = []
    for order in ("DMY", "MDY"):  # the shape is checked here, the order by the clinic's setting
        try:
            parse_date(raw, order)
            return LocalDate(raw)
        except SMPError as exc:
            errors.append(str(exc))
    raise ValueError(errors[0])


TypedDate = Annotated[
    Any,
    PlainValidator(_typed_date),
    WithJsonSchema(
        {
            "type": "string",
            "description": "a date: ISO 1979-04-12, or in the clinic's date order (clinic.date_order: "
            "DMY 12/04/1979, MDY 04/12/1979); separators / . - accepted",
            "examples": ["1979-04-12", "12/04/1979"],
        }
    ),
]
DateOrder = Annotated[str, StringConstraints(pattern="^(" + "|".join(DATE_ORDERS) + ")$")]


def _not_future_date(value: dt.date) -> dt.date:
    if value > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):  # a day of time-zone slack
        raise ValueError("must not lie in the future")
    return value


def _not_future_datetime(value: dt.datetime) -> dt.datetime:
    if value > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        raise ValueError("must not lie in the future")
    return value


PastDate = Annotated[Date, AfterValidator(_not_future_date)]
PastDateTime = Annotated[DateTime, AfterValidator(_not_future_datetime)]


def _not_future_typed(value: dt.date | LocalDate) -> dt.date | LocalDate:
    """A typed date in the future is refused here; one in the clinic's format once it is read
    (:func:`smpstudio.records.services_clinic.resolve_date`)."""
    return _not_future_date(value) if isinstance(value, dt.date) else value


PastTypedDate = Annotated[TypedDate, AfterValidator(_not_future_typed)]


class Role(StrEnum):
    owner = "owner"
    artist = "artist"
    front_desk = "front_desk"


class SessionStatus(StrEnum):
    planned = "planned"
    started = "started"
    done = "done"
    cancelled = "cancelled"


class PhotoView(StrEnum):
    front = "front"
    top = "top"
    left = "left"
    right = "right"
    back = "back"
    crown = "crown"


class PhotoPhase(StrEnum):
    before = "before"
    after = "after"
    other = "other"


class LotKind(StrEnum):
    pigment = "pigment"
    needle = "needle"


class PatchTestResult(StrEnum):
    negative = "negative"
    positive = "positive"
    inconclusive = "inconclusive"


class ReminderKind(StrEnum):
    next_session = "next_session"
    aftercare_check = "aftercare_check"
    touch_up = "touch_up"
    patch_test = "patch_test"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- auth / users / clinic -------------------------------------------------------------------------
class LoginIn(Strict):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserCreate(Strict):
    email: Email
    name: Name
    role: Role
    password: Annotated[str, StringConstraints(min_length=12, max_length=200)]

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str, info: Any) -> str:
        from smpstudio.records.security import password_problem

        problem = password_problem(value, [str(info.data.get("email") or ""), str(info.data.get("name") or "")])
        if problem:
            raise ValueError(problem)
        return value


class UserOut(Out):
    id: int
    clinic_id: int
    email: str
    name: str
    role: Role
    active: bool


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str


class ClinicOut(Out):
    id: int
    name: str
    currency: str
    session_price_cents: int
    touch_up_price_cents: int
    retention_years: int
    date_order: str
    timezone: str
    address: str | None
    consent_version: str
    opens_hour: int
    closes_hour: int


def _check_tz(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name like Europe/London or America/New_York") from None
    return value


class ClinicUpdate(Strict):
    """The clinic's settings (owner only)."""

    date_order: DateOrder | None = Field(default=None, description="how staff type dates: DMY, MDY or YMD")
    timezone: Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_tz)] | None = None
    address: _text(500) | None = None  # type: ignore[valid-type]
    consent_version: _text(50, 1) | None = Field(  # type: ignore[valid-type]
        default=None, description="the consent text version in force: sessions need a consent of it"
    )
    opens_hour: Annotated[int, Field(ge=0, le=23, description="opening hour, clinic's zone (0-23)")] | None = None
    closes_hour: Annotated[int, Field(ge=1, le=24, description="closing hour, clinic's zone (1-24)")] | None = None

    @model_validator(mode="after")
    def _opens_before_closing(self) -> ClinicUpdate:
        if self.opens_hour is not None and self.closes_hour is not None and self.opens_hour >= self.closes_hour:
            raise ValueError(f"the clinic cannot close at {self.closes_hour}:00 when it opens at {self.opens_hour}:00")
        return self


# ---- clients ---------------------------------------------------------------------------------------
# the intake questionnaire: one documented schema shared with the CLI (smpstudio.plan.intake)
Intake = IntakeAnswers
# domain.md §7: contraindications asked at intake (and the further stop-level questions of the schema)
CONTRAINDICATIONS = STOP_KEYS


class ClientBase(Strict):
    date_of_birth: PastTypedDate | None = None
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9+()\-. ]*$")] | None = None
    address: _text(500) | None = None  # type: ignore[valid-type]
    medical_intake: Intake = Field(default_factory=IntakeAnswers)
    patch_test_result: PatchTestResult | None = None
    patch_test_at: DateTime | None = None
    notes: Long | None = None  # type: ignore[valid-type]
    reminders_opt_out: bool = False


class ClientCreate(ClientBase):
    first_name: Name  # type: ignore[valid-type]
    last_name: Name  # type: ignore[valid-type]


class ClientUpdate(ClientBase):
    first_name: Name | None = None  # type: ignore[valid-type]
    last_name: Name | None = None  # type: ignore[valid-type]
    medical_intake: Intake | None = None  # type: ignore[assignment]
    reminders_opt_out: bool | None = None  # type: ignore[assignment]


class ClientOut(Out):
    id: int
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    email: str | None
    phone: str | None
    address: str | None
    medical_intake: dict[str, Any]
    contraindications: list[str]
    patch_test_result: PatchTestResult | None
    patch_test_at: dt.datetime | None
    notes: str | None
    reminders_opt_out: bool
    erased_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientSummary(Out):
    id: int
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    erased_at: dt.datetime | None


# ---- consents and plans ----------------------------------------------------------------------------
class ConsentCreate(Strict):
    version: _text(50, 1)  # type: ignore[valid-type]
    text: _text(100_000, 1)  # type: ignore[valid-type]
    signed_at: PastDateTime
    signature: _text(200_000, 1)  # type: ignore[valid-type]
    preview_sha256: Annotated[list[Sha256], Field(max_length=50)] = Field(default_factory=list)


class ConsentOut(Out):
    id: int
    client_id: int
    version: str
    text: str
    text_sha256: str
    signed_at: dt.datetime
    signature: str
    signer: str | None = Field(default=None, description="who drew the signature in the app (its PNG is in "
                               "the consent's PDF)")
    preview_sha256: list[str]
    created_at: dt.datetime


MAX_PLAN_BYTES = 2_000_000


class PlanCreate(Strict):
    """A plan version: the consultation's ``plan.json`` (:class:`smpstudio.schema.PlanDocument`, validated)."""

    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    plan: PlanDocument

    @field_validator("plan")
    @classmethod
    def _bounded(cls, value: PlanDocument) -> PlanDocument:
        try:
            size = len(value.model_dump_json())
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"plan is not storable JSON: {exc}") from None
        if size > MAX_PLAN_BYTES:
            raise ValueError(f"plan.json is {size} bytes, at most {MAX_PLAN_BYTES} are accepted")
        return value

    @model_validator(mode="after")
    def _same_seed(self) -> PlanCreate:
        if self.seed != self.plan.seed:
            raise ValueError(f"seed {self.seed} is not the plan's seed {self.plan.seed}")
        return self


class PlanOut(Out):
    id: int
    client_id: int
    version: int
    seed: int
    plan_json: dict[str, Any]
    plan_sha256: str
    created_at: dt.datetime


class PlanSummary(Out):
    id: int
    client_id: int
    version: int
    seed: int
    plan_sha256: str
    created_at: dt.datetime


# ---- sessions --------------------------------------------------------------------------------------
class ZoneIn(Strict):
    zone: _text(40, 1)  # type: ignore[valid-type]
    impressions: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    density_per_cm2: Annotated[float, Field(ge=0, le=10_000)] | None = None


class ZoneOut(Out):
    zone: str
    impressions: int | None
    density_per_cm2: float | None


class SessionFields(Strict):
    plan_id: Id | None = None
    consent_id: Id | None = None
    operator_id: Id | None = None
    needle_configuration: Tiny | None = None  # type: ignore[valid-type]
    needle_gauge: _text(20) | None = None  # type: ignore[valid-type]
    needle_lot_id: Id | None = None
    pigment_brand: Short | None = None  # type: ignore[valid-type]
    pigment_shade: Short | None = None  # type: ignore[valid-type]
    pigment_lot_id: Id | None = None
    dilution: Tiny | None = None  # type: ignore[valid-type]
    machine: Short | None = None  # type: ignore[valid-type]
    duration_min: Annotated[int, Field(ge=0, le=24 * 60)] | None = None
    anaesthetic: Short | None = None  # type: ignore[valid-type]
    adverse_events: Long | None = None  # type: ignore[valid-type]
    notes: Long | None = None  # type: ignore[valid-type]


class SafetyFields(Strict):
    started_at: DateTime | None = Field(
        default=None, description="when the work began (else the booked start, else noon of the date)"
    )
    appointment_id: Id | None = None
    override_reason: _text(1000) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="owner only: the written reason to go ahead although a safety rule refuses (audited)",
    )


class SessionCreate(SessionFields, SafetyFields):
    status: SessionStatus = SessionStatus.planned
    date: TypedDate
    number: Annotated[int, Field(ge=1, le=100)] | None = None
    aftercare_given: bool = False
    zones: Annotated[list[ZoneIn], Field(max_length=30)] = Field(default_factory=list)


class SessionUpdate(SessionFields, SafetyFields):
    status: SessionStatus | None = None
    date: TypedDate | None = None
    aftercare_given: bool | None = None
    zones: Annotated[list[ZoneIn], Field(max_length=30)] | None = None


class SessionOut(Out):
    id: int
    client_id: int
    number: int
    status: SessionStatus
    date: dt.date
    plan_id: int | None
    consent_id: int | None
    operator_id: int | None
    needle_configuration: str | None
    needle_gauge: str | None
    needle_lot_id: int | None
    pigment_brand: str | None
    pigment_shade: str | None
    pigment_lot_id: int | None
    dilution: str | None
    machine: str | None
    duration_min: int | None
    anaesthetic: str | None
    aftercare_given: bool
    adverse_events: str | None
    notes: str | None
    started_at: dt.datetime | None
    appointment_id: int | None
    override_reason: str | None
    zones: list[ZoneOut]
    created_at: dt.datetime
    updated_at: dt.datetime


# ---- photos, lots, workflows -----------------------------------------------------------------------
class PhotoOut(Out):
    id: int
    client_id: int
    session_id: int | None
    view: PhotoView
    phase: PhotoPhase
    taken_at: dt.datetime
    sha256: str
    width_px: int
    height_px: int
    size_bytes: int
    shredded_at: dt.datetime | None
    created_at: dt.datetime


class LotCreate(Strict):
    kind: LotKind
    manufacturer: Name  # type: ignore[valid-type]
    product: Name  # type: ignore[valid-type]
    lot_number: _text(64, 1)  # type: ignore[valid-type]
    expires_on: Date | None = None
    opened_at: DateTime | None = None


class LotOut(Out):
    id: int
    kind: LotKind
    manufacturer: str
    product: str
    lot_number: str
    expires_on: dt.date | None
    opened_at: dt.datetime | None


class RecallHit(BaseModel):
    client_id: int
    client_name: str
    email: str | None
    phone: str | None
    session_id: int
    session_date: dt.date
    status: SessionStatus


class RecallOut(BaseModel):
    lot: LotOut
    clients: int
    sessions: list[RecallHit]


class ReminderOut(BaseModel):
    kind: ReminderKind
    client_id: int
    client_name: str
    due_on: dt.date
    session_id: int | None = None
    plan_id: int | None = None
    detail: str


class EraseOut(BaseModel):
    client_id: int
    photos_shredded: int
    fields_cleared: list[str]
    retained: list[str]
    retention_until: dt.date | None


class AuditOut(Out):
    id: int
    user_id: int | None
    action: str
    entity: str
    entity_id: int | None
    client_id: int | None
    at: dt.datetime
    detail: str | None


class Page(Strict):
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    limit: Annotated[int, Field(ge=1, le=500)] = 100
