"""Treatment sessions: written whole (a session and its zones in one transaction), numbered without
gaps or duplicates, and started or marked done only when the safety rules allow it
(:mod:`smpstudio.records.services_safety`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smpstudio.records import schemas as s
from smpstudio.records.errors import Conflict, DuplicateSession, NotFound
from smpstudio.records.models import Client, Consent, InventoryLot, Plan, SessionZone, TreatmentSession, User, utcnow
from smpstudio.records.models_clinic import Appointment
from smpstudio.records.services import (
    WRITERS,
    Actor,
    _plain,
    _resolve_dates,
    audit,
    changeable_client,
    get_clinic,
    owned,
)
from smpstudio.records.services_safety import audit_override, check_number, check_session, enforce, session_start

# ---- treatment sessions ----------------------------------------------------------------------------
REF_FIELDS = ("plan_id", "consent_id", "operator_id", "needle_lot_id", "pigment_lot_id", "appointment_id")


def _check_refs(db: Session, actor: Actor, client: Client, values: dict[str, Any], date: dt.date | None) -> None:
    """Referenced rows must be the clinic's (else 404), fit the client, and make sense on ``date``."""
    refs: dict[str, tuple[type, str]] = {
        "plan_id": (Plan, "plan"),
        "consent_id": (Consent, "consent"),
        "operator_id": (User, "user"),
        "needle_lot_id": (InventoryLot, "lot"),
        "pigment_lot_id": (InventoryLot, "lot"),
        "appointment_id": (Appointment, "appointment"),
    }
    for key, (model, what) in refs.items():
        ref_id = values.get(key)
        if ref_id is None:
            continue
        row: Any = owned(db, actor, model, ref_id, what)
        if model in (Plan, Consent, Appointment) and row.client_id != client.id:
            raise NotFound(f"{what} {ref_id} not found for client {client.id}")
        if key == "needle_lot_id" and row.kind != s.LotKind.needle.value:
            raise Conflict(f"lot {ref_id} is a {row.kind} lot, not a needle lot")
        if key == "pigment_lot_id" and row.kind != s.LotKind.pigment.value:
            raise Conflict(f"lot {ref_id} is a {row.kind} lot, not a pigment lot")
        if model is InventoryLot and row.expires_on is not None and date is not None and date > row.expires_on:
            raise Conflict(f"lot {row.lot_number} expired on {row.expires_on}, before the session on {date}")
        if key == "operator_id" and row.role not in (s.Role.owner.value, s.Role.artist.value):
            raise Conflict(f"user {ref_id} is {row.role}, not an operator (owner or artist)")


def list_sessions(db: Session, actor: Actor, client_id: int) -> Sequence[TreatmentSession]:
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.client_id == client.id, TreatmentSession.clinic_id == actor.clinic_id)
        .order_by(TreatmentSession.date, TreatmentSession.id)
    ).all()
    audit(db, actor, "list", "session", None, client_id=client.id)
    db.commit()
    return rows


def create_session(db: Session, actor: Actor, client_id: int, data: s.SessionCreate) -> TreatmentSession:
    """Write a session and its zones in one transaction (never half a session), after the safety rules
    (:mod:`smpstudio.records.services_safety`) allowed it.

    Under the client's lock (:func:`~smpstudio.records.services.changeable_client`) from reading the
    highest number to the commit: two saves at once get the next two numbers, no duplicate, no gap.
    """
    actor.require(WRITERS)
    client = changeable_client(db, actor, client_id)
    values = _plain(data.model_dump(exclude={"zones"}))
    _resolve_dates(db, actor, values)
    _check_refs(db, actor, client, values, values["date"])
    if values.get("number") is None:
        highest = db.scalar(
            select(func.max(TreatmentSession.number)).where(
                TreatmentSession.client_id == client.id, TreatmentSession.status != s.SessionStatus.cancelled.value
            )
        )
        values["number"] = (highest or 0) + 1
    check_number(db, client, values["number"], None)
    if values.get("operator_id") is None and data.status in (s.SessionStatus.done, s.SessionStatus.started):
        values["operator_id"] = actor.user_id
    overridden = _safety(db, actor, client, None, values, values["status"] in _ACTIVE)
    session = TreatmentSession(clinic_id=actor.clinic_id, client_id=client.id, **values)
    session.zones = [SessionZone(**z.model_dump()) for z in data.zones]
    db.add(session)
    try:
        db.flush()
    except IntegrityError:  # another request took this number meanwhile (uq_sessions_client_number_live)
        db.rollback()
        raise DuplicateSession(
            f"session {values['number']} of client {client_id} was just written by another "
            "request; reload and try again"
        ) from None
    audit(db, actor, "create", "session", session.id, client_id=client.id, detail=f"{len(data.zones)} zones")
    _audit_override(db, actor, session, overridden)
    db.commit()
    return session


_ACTIVE = ("started", "done")


def _safety(
    db: Session, actor: Actor, client: Client, session_id: int | None, values: dict[str, Any], check: bool
) -> list[str]:
    """Check the safety rules for a session about to be written with ``values`` (when ``check``): the
    rules an owner overrode (else :class:`SafetyRefused`). Fills in the consent that covers it."""
    if not check:
        values["override_reason"] = None
        return []
    clinic = get_clinic(db, actor)
    start = session_start(db, clinic, values["date"], values.get("started_at"), values.get("appointment_id"))
    refusals, consent = check_session(
        db,
        clinic,
        client,
        session_id=session_id,
        date=values["date"],
        start=start,
        consent_id=values.get("consent_id"),
        pigment_lot_id=values.get("pigment_lot_id"),
    )
    overridden = enforce(actor, refusals, values.get("override_reason"))
    if consent is not None:
        values["consent_id"] = consent
    if values.get("started_at") is None:
        values["started_at"] = start
    if not overridden:
        values["override_reason"] = None
    return overridden


def _audit_override(db: Session, actor: Actor, session: TreatmentSession, overridden: list[str]) -> None:
    if overridden:
        audit_override(db, actor, session, overridden, session.override_reason or "")


def get_session(db: Session, actor: Actor, session_id: int) -> TreatmentSession:
    session = owned(db, actor, TreatmentSession, session_id, "session")
    audit(db, actor, "read", "session", session.id, client_id=session.client_id)
    db.commit()
    return session


def update_session(db: Session, actor: Actor, session_id: int, data: s.SessionUpdate) -> TreatmentSession:
    actor.require(WRITERS)
    session = owned(db, actor, TreatmentSession, session_id, "session")
    client = changeable_client(db, actor, session.client_id)
    values = _plain(data.model_dump(exclude_unset=True, exclude={"zones"}))
    for key in ("status", "date", "aftercare_given"):
        if key in values and values[key] is None:
            del values[key]
    _resolve_dates(db, actor, values)
    refs = {k: values.get(k, getattr(session, k)) for k in REF_FIELDS}
    _check_refs(db, actor, client, refs, values.get("date", session.date))
    if values.get("status", session.status) != "cancelled" and session.status == "cancelled":
        check_number(db, client, session.number, session.id)
    status = values.get("status", session.status)
    moved = any(k in values and values[k] != getattr(session, k) for k in ("date", "started_at"))
    check = status in _ACTIVE and (status != session.status or moved)
    merged = {k: getattr(session, k) for k in ("date", "started_at", "appointment_id", "consent_id", "pigment_lot_id")}
    merged |= {k: v for k, v in values.items() if k in merged or k == "override_reason"}
    if "started_at" not in values and (session.status not in _ACTIVE or "date" in values):
        merged["started_at"] = None  # the start follows the (new) date or the booking
    overridden = _safety(db, actor, client, session.id, merged, check)
    if check:
        values.update({k: merged[k] for k in ("consent_id", "started_at", "override_reason")})
    else:
        values.pop("override_reason", None)
    if status in _ACTIVE and session.operator_id is None and "operator_id" not in values:
        values["operator_id"] = actor.user_id
    for key, value in values.items():
        setattr(session, key, value)
    if data.zones is not None:
        session.zones = [SessionZone(**z.model_dump()) for z in data.zones]
    session.updated_at = utcnow()
    audit(db, actor, "update", "session", session.id, client_id=client.id, detail="fields: " + ", ".join(values))
    _audit_override(db, actor, session, overridden)
    db.commit()
    return session
