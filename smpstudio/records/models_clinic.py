"""Models of the clinic's running: appointments (bookings), calendar feeds, reminders and their sends.

Every table carries ``clinic_id`` (the tenant), as in :mod:`smpstudio.records.models`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smpstudio.records.models import Base, UTCDateTime, utcnow


class Appointment(Base):
    """A booked chair/room time with an artist for one session of a client's plan."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_clinic_start", "clinic_id", "starts_at"),
        Index("ix_appointments_artist_start", "artist_id", "starts_at"),
        Index("ix_appointments_client", "client_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    room: Mapped[str] = mapped_column(String(60))
    session_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    series: Mapped[str | None] = mapped_column(String(32), nullable=True)  # shared by a booked series
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="booked")  # booked | cancelled
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)  # of the last reschedule/cancel
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CalendarFeed(Base):
    """A subscribable iCalendar feed of one artist: the URL holds a random token, the table its sha256."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReminderTemplate(Base):
    """The clinic's own wording of one kind of message on one channel."""

    __tablename__ = "reminder_templates"
    __table_args__ = (UniqueConstraint("clinic_id", "kind", "channel", name="uq_templates_clinic_kind_channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Reminder(Base):
    """One message queued for a client; ``key`` makes queuing idempotent (one per event and day)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("clinic_id", "key", name="uq_reminders_clinic_key"),
        Index("ix_reminders_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # appointment | aftercare | touch_up
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    key: Mapped[str] = mapped_column(String(120))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")  # what the message is about
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderAttempt(Base):
    """One try to send a reminder, successful or not (never updated)."""

    __tablename__ = "reminder_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))


class PortalLink(Base):
    """A client's portal link: the URL holds a random token, the table its sha256, when it ends, and who
    made and revoked it (issue 12 item 5)."""

    __tablename__ = "portal_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    last_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
