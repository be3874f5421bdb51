"""SQLAlchemy models of the clinic records.

Every table except ``clinics`` carries a ``clinic_id``: the tenant. Services filter every query on it,
so an id of another clinic is simply "not found". Client records are never deleted (retention rules,
domain.md §7); a GDPR erase anonymises what the rule allows and crypto-shreds the photos.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from smpstudio.errors import SMPError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes, stored naive-UTC so SQLite and PostgreSQL behave alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class JSONText(TypeDecorator[Any]):
    """JSON stored as ASCII text (portable; no NUL bytes or lone surrogates reach the database)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=True, sort_keys=True, allow_nan=False)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime}


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    session_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    touch_up_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    # domain.md §7: records kept 2-5 years (UK advice: 10)
    retention_years: Mapped[int] = mapped_column(Integer, default=10)
    # how the clinic's staff type dates (smpstudio.dates: DMY 12/04/1979, MDY 04/12/1979, YMD)
    date_order: Mapped[str] = mapped_column(String(3), default="DMY")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name, e.g. Europe/London
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)  # the place on appointments
    # opening hours in the clinic's zone, whole hours (0-24): the calendar's hour grid spans them (0006)
    opens_hour: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    closes_hour: Mapped[int] = mapped_column(Integer, default=18, server_default="18")
    consent_version: Mapped[str] = mapped_column(String(50), default="v1")  # the consent text in force
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # owner | artist | front_desk
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its sha256."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_clinic_name", "clinic_id", "last_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # answers to the intake questionnaire, e.g. {"pregnancy": false, "isotretinoin_6_months": false}
    medical_intake: Mapped[Any] = mapped_column(JSONText, default=dict)
    patch_test_result: Mapped[str | None] = mapped_column(String(20), nullable=True)
    patch_test_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    reminders_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # per-client photo key, AES-GCM-wrapped with the clinic key (which lives in a key file, not here)
    photo_key_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def contraindications(self) -> list[str]:
        """Intake questions answered "yes" that are contraindications (domain.md §7)."""
        from smpstudio.records.schemas import CONTRAINDICATIONS

        intake = self.medical_intake or {}
        return [k for k in CONTRAINDICATIONS if intake.get(k) is True]


class Consent(Base):
    """A signed consent: immutable once written."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    version: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    signature: Mapped[str] = mapped_column(Text)  # as typed (records API); the signer's name for a drawn one
    signer: Mapped[str | None] = mapped_column(String(200), nullable=True)  # who drew ``signature_png``
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # drawn in the app (PNG)
    preview_sha256: Mapped[Any] = mapped_column(JSONText, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Plan(Base):
    """One immutable version of a client's treatment plan (the engine's ``plan.json``)."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("client_id", "version", name="uq_plans_client_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    plan_json: Mapped[Any] = mapped_column(JSONText)
    plan_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class InventoryLot(Base):
    __tablename__ = "inventory_lots"
    __table_args__ = (UniqueConstraint("clinic_id", "kind", "lot_number", name="uq_lots_clinic_kind_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # pigment | needle
    manufacturer: Mapped[str] = mapped_column(String(100))
    product: Mapped[str] = mapped_column(String(100))  # pigment shade or needle configuration
    lot_number: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TreatmentSession(Base):
    """One SMP session, planned or done (domain.md §7: what is worth recording per session)."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_pigment_lot", "pigment_lot_id"),
        Index("ix_sessions_needle_lot", "needle_lot_id"),
        Index("ix_sessions_clinic_date", "clinic_id", "date"),
        # no two live sessions of a client share a number (cancelled ones may be re-done)
        Index(
            "uq_sessions_client_number_live",
            "client_id",
            "number",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # planned | done | cancelled
    date: Mapped[dt.date] = mapped_column(Date)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    needle_configuration: Mapped[str | None] = mapped_column(String(40), nullable=True)
    needle_gauge: Mapped[str | None] = mapped_column(String(20), nullable=True)
    needle_lot_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_lots.id"), nullable=True)
    pigment_brand: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pigment_shade: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pigment_lot_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_lots.id"), nullable=True)
    dilution: Mapped[str | None] = mapped_column(String(40), nullable=True)
    machine: Mapped[str | None] = mapped_column(String(100), nullable=True)
    duration_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    anaesthetic: Mapped[str | None] = mapped_column(String(100), nullable=True)
    aftercare_given: Mapped[bool] = mapped_column(Boolean, default=False)
    adverse_events: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # owner's, audited
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    zones: Mapped[list[SessionZone]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionZone.id", lazy="selectin"
    )


class SessionZone(Base):
    """Per-zone work of a session: a session and its zones are written in one transaction."""

    __tablename__ = "session_zones"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    zone: Mapped[str] = mapped_column(String(40))
    impressions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    density_per_cm2: Mapped[float | None] = mapped_column(Float, nullable=True)
    session: Mapped[TreatmentSession] = relationship(back_populates="zones")


class Photo(Base):
    """A photo's metadata; the JPEG itself is an encrypted file in the data folder."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    view: Mapped[str] = mapped_column(String(10))  # front | top | left | right | back | crown
    phase: Mapped[str] = mapped_column(String(10))  # before | after | other
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    shredded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """Who read or changed which record, when. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_clinic_at", "clinic_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)


class ImmutableRecordError(SMPError):
    """An attempt to change a record that is written once (plan version, consent, audit event)."""


def _forbid_update(mapper: Any, connection: Any, target: Any) -> None:
    raise ImmutableRecordError(f"{type(target).__name__} {target.id} is immutable: write a new version instead")


for _cls in (Plan, Consent, AuditEvent):
    event.listen(_cls, "before_update", _forbid_update)


# on the same metadata: the clinic's running (bookings, reminders) and the tablet app's consultations in progress
from smpstudio.records import models_clinic as _models_clinic  # noqa: E402,F401
from smpstudio.records import models_consult as _models_consult  # noqa: E402,F401
