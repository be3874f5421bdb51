"""Schemas of the clinic's running (issue 12): bookings, calendar feeds, reminders and their templates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from smpstudio.records.schemas import Id, Out, Strict, _text

WhenText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    Field(
        description="date and time: ISO 2027-04-12T14:30 (an offset, or the clinic's local time) or the "
        "clinic's date order with HH:MM, e.g. 12/04/2027 14:30",
        examples=["2027-04-12T14:30", "12/04/2027 14:30"],
    ),
]
Reason = _text(500, 3)
Minutes = Annotated[int, Field(ge=15, le=12 * 60)]


class BookingCreate(Strict):
    starts_at: WhenText
    artist_id: Id
    room: _text(60, 1)  # type: ignore[valid-type]
    plan_id: Id | None = None
    session_number: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None, description="which of the plan's sessions (default: its first)"
    )
    duration_min: Minutes | None = Field(default=None, description="default: the plan's hours for that session")
    series: bool = Field(default=False, description="book every later session of the plan at its intervals too")


class Reschedule(Strict):
    starts_at: WhenText | None = None
    artist_id: Id | None = None
    room: _text(60, 1) | None = None  # type: ignore[valid-type]
    duration_min: Minutes | None = None
    reason: Reason  # type: ignore[valid-type]


class Cancel(Strict):
    reason: Reason  # type: ignore[valid-type]


class AppointmentOut(Out):
    id: int
    client_id: int
    plan_id: int | None
    artist_id: int
    room: str
    session_number: int | None
    series: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    reason: str | None


class FeedCreate(Strict):
    artist_id: Id


class FeedOut(BaseModel):
    artist_id: int
    url: str = Field(description="subscribe to it in a calendar app; keep it secret (it is the key)")


class FeedRevoke(Strict):
    token: Annotated[str, StringConstraints(min_length=20, max_length=100)]


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("the subject must be one line (no line breaks)")
    return value


class TemplateIn(Strict):
    kind: Annotated[str, StringConstraints(pattern="^(appointment|aftercare|touch_up)$")]
    channel: Annotated[str, StringConstraints(pattern="^(email|sms)$")] = "email"
    subject: Annotated[_text(200, 1), AfterValidator(_one_line)]  # type: ignore[valid-type]
    body: _text(10_000, 1)  # type: ignore[valid-type]


class TemplateOut(BaseModel):
    kind: str
    channel: str
    subject: str
    body: str
    placeholders: list[str]


class AttemptOut(Out):
    at: dt.datetime
    ok: bool
    error: str | None
    to: str


class ReminderQueued(BaseModel):
    id: int
    client_id: int
    kind: str
    channel: str
    detail: str
    due_at: dt.datetime
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    tries: list[AttemptOut]


class RunOut(BaseModel):
    queued: int
    sent: int
    failed: int
    given_up: int
    skipped: int


class PortalLinkCreate(Strict):
    days: Annotated[int, Field(ge=1, le=365, description="how long the link opens the portal")] = 30


class PortalLinkOut(Out):
    id: int
    client_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_opened_at: dt.datetime | None


class PortalLinkMade(PortalLinkOut):
    url: str = Field(description="give it to the client (shown once: only its sha256 is stored)")


class RuleRefusal(BaseModel):
    rule: str
    title: str = Field(description="the rule's name for people, e.g. 'Patch test'")
    message: str = Field(description="what is wrong, in words")
    overridable: bool = Field(description="an owner may go ahead with a written reason")


class SessionCheck(BaseModel):
    ok: bool
    refusals: list[RuleRefusal]
    can_override: bool = Field(description="the signed-in user may override every refusal (an owner, none hard)")
    min_reason_chars: int


class ArtistOut(Out):
    id: int
    name: str
    role: str
