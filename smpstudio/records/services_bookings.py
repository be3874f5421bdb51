"""Bookings: appointments with an artist in a chair or room, one or a whole series of a plan's sessions.

The duration comes from the plan's session hours (``sessions[].duration_h``, rounded up to the quarter
hour) and a series follows the plan's intervals (``sessions[].day``, days after session 1) at the same
local time of day. Conflicts (the artist, the room or the client already booked) are checked for
**every** date before anything is written: a series is booked whole or not at all. The front desk
books, reschedules and cancels (each with its reason, audited).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smpstudio.dates import parse_datetime
from smpstudio.errors import SMPError
from smpstudio.records import schemas as s
from smpstudio.records import schemas_clinic as sc
from smpstudio.records.errors import BookingConflict, Conflict, InvalidInput
from smpstudio.records.models import Client, Plan, User, utcnow
from smpstudio.records.models_clinic import Appointment
from smpstudio.records.services import EVERYONE, Actor, audit, changeable_client, lock_clinic, owned
from smpstudio.records.services_clinic import clinic_of, clinic_tz

BOOKED, CANCELLED = "booked", "cancelled"
SLOT_MIN = 15  # durations are rounded up to the quarter hour [clinic practice]


def plan_sessions(plan_json: Any) -> list[tuple[int, int, float]]:
    """(number, day after session 1, hours) of the plan's sessions (suggested extras left out)."""
    out = []
    for block in plan_json.get("sessions") or []:
        if block.get("suggested") or "duration_h" not in block:
            continue
        out.append((int(block["index"]), int(block.get("day", 0)), float(block["duration_h"])))
    return sorted(out)


def minutes_of(hours: float) -> int:
    return max(SLOT_MIN, math.ceil(hours * 60 / SLOT_MIN) * SLOT_MIN)


def _start(db: Session, actor: Actor, text: str) -> dt.datetime:
    clinic = clinic_of(db, actor)
    try:
        value = parse_datetime(text, clinic.date_order, clinic_tz(clinic))
        if not s.MIN_DATE <= value.date() <= s.MAX_DATE:
            raise InvalidInput(f"starts_at: {value.date()} is not between {s.MIN_DATE} and {s.MAX_DATE}")
        return value.astimezone(dt.UTC)
    except SMPError as exc:
        raise InvalidInput(exc if str(exc).startswith("starts_at") else f"starts_at: {exc}") from None
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"starts_at: {text!r} is not a date and time ({exc})") from None


def _artist(db: Session, actor: Actor, artist_id: int) -> User:
    user = owned(db, actor, User, artist_id, "user")
    if user.role not in (s.Role.owner.value, s.Role.artist.value) or not user.active:
        raise Conflict(f"user {artist_id} ({user.name}) is not an active artist")
    return user


def conflicts(
    db: Session,
    actor: Actor,
    slots: Sequence[tuple[dt.datetime, dt.datetime]],
    *,
    artist_id: int,
    room: str,
    client_id: int,
    ignore: Sequence[int] = (),
) -> list[str]:
    """Every clash of ``slots`` with the clinic's live bookings of the artist, the room or the client."""
    tz = clinic_tz(clinic_of(db, actor))
    found = []
    for start, end in slots:
        stmt = select(Appointment).where(
            Appointment.clinic_id == actor.clinic_id,
            Appointment.status == BOOKED,
            Appointment.starts_at < end,
            Appointment.ends_at > start,
            or_(Appointment.artist_id == artist_id, Appointment.room == room, Appointment.client_id == client_id),
        )
        if ignore:
            stmt = stmt.where(Appointment.id.not_in(ignore))
        for other in db.scalars(stmt.order_by(Appointment.starts_at)):
            who = []
            if other.artist_id == artist_id:
                who.append("the artist")
            if other.room == room:
                who.append(f"room {room!r}")
            if other.client_id == client_id:
                who.append("the client")
            a, b = other.starts_at.astimezone(tz), other.ends_at.astimezone(tz)
            found.append(
                f"{start.astimezone(tz):%Y-%m-%d %H:%M}: {' and '.join(who)} already booked "
                f"{a:%H:%M}-{b:%H:%M} (appointment {other.id})"
            )
    return found


def book(db: Session, actor: Actor, client_id: int, data: sc.BookingCreate) -> list[Appointment]:
    """One appointment, or with ``series`` one for each of the plan's sessions from ``session_number``
    on, at the plan's intervals; all or none.

    Under the clinic's lock (:func:`~smpstudio.records.services.lock_clinic`) from the clash check to the
    commit: of two bookings of one artist, room or client at once, the second sees the first.
    """
    actor.require(EVERYONE)
    lock_clinic(db, actor)
    client = changeable_client(db, actor, client_id)
    artist = _artist(db, actor, data.artist_id)
    start = _start(db, actor, data.starts_at)
    plan = None
    if data.plan_id is not None:
        plan = owned(db, actor, Plan, data.plan_id, "plan")
        if plan.client_id != client.id:
            raise InvalidInput(f"plan {plan.id} is not a plan of client {client.id}")
    sessions = plan_sessions(plan.plan_json) if plan is not None else []
    if data.series and not sessions:
        raise InvalidInput("a series needs a plan with sessions (plan_id)")
    number = data.session_number or (sessions[0][0] if sessions else None)
    if sessions and number not in {n for n, _d, _h in sessions}:
        raise InvalidInput(f"the plan has sessions {', '.join(str(n) for n, _d, _h in sessions)}, not {number}")
    if data.duration_min is None and not sessions:
        raise InvalidInput("give duration_min, or a plan_id whose session hours set it")
    first = number or 0
    chosen = [x for x in sessions if x[0] >= first] if data.series else [x for x in sessions if x[0] == first]
    if not chosen:
        chosen = [(number or 0, 0, (data.duration_min or 0) / 60)]
    tz = clinic_tz(clinic_of(db, actor))
    local = start.astimezone(tz)
    first_day = chosen[0][1]
    slots = []
    for n, day, hours in chosen:
        # the same local time of day, the plan's days later (a DST change keeps 10:00 at 10:00)
        at = (local.replace(tzinfo=None) + dt.timedelta(days=day - first_day)).replace(tzinfo=tz).astimezone(dt.UTC)
        minutes = data.duration_min if data.duration_min is not None else minutes_of(hours)
        slots.append((n, at, at + dt.timedelta(minutes=minutes)))
    clashes = conflicts(
        db, actor, [(a, b) for _n, a, b in slots], artist_id=artist.id, room=data.room, client_id=client.id
    )
    if clashes:
        raise BookingConflict("cannot book: " + "; ".join(clashes))
    series = secrets.token_hex(8) if len(slots) > 1 else None
    rows = [
        Appointment(
            clinic_id=actor.clinic_id,
            client_id=client.id,
            plan_id=plan.id if plan else None,
            artist_id=artist.id,
            room=data.room,
            session_number=n or None,
            series=series,
            starts_at=a,
            ends_at=b,
            status=BOOKED,
            created_by=actor.user_id,
        )
        for n, a, b in slots
    ]
    db.add_all(rows)
    db.flush()
    for row in rows:
        audit(
            db, actor, "book", "appointment", row.id, client_id=client.id, detail=f"{row.starts_at:%Y-%m-%d %H:%M} UTC"
        )
    db.commit()
    return rows


def reschedule(db: Session, actor: Actor, appointment_id: int, data: sc.Reschedule) -> Appointment:
    """Move a live appointment (time, artist, room or length), checked for clashes under the clinic's
    lock as :func:`book` is."""
    actor.require(EVERYONE)
    lock_clinic(db, actor)
    appt = owned(db, actor, Appointment, appointment_id, "appointment")
    changeable_client(db, actor, appt.client_id)
    if appt.status != BOOKED:
        raise Conflict(f"appointment {appt.id} is {appt.status}; book a new one")
    start = _start(db, actor, data.starts_at) if data.starts_at is not None else appt.starts_at
    minutes = data.duration_min or round((appt.ends_at - appt.starts_at).total_seconds() / 60)
    artist_id = _artist(db, actor, data.artist_id).id if data.artist_id is not None else appt.artist_id
    room = data.room or appt.room
    end = start + dt.timedelta(minutes=minutes)
    clashes = conflicts(
        db, actor, [(start, end)], artist_id=artist_id, room=room, client_id=appt.client_id, ignore=[appt.id]
    )
    if clashes:
        raise BookingConflict("cannot move the appointment: " + "; ".join(clashes))
    old = appt.starts_at
    appt.starts_at, appt.ends_at, appt.artist_id, appt.room = start, end, artist_id, room
    appt.reason = data.reason
    appt.updated_at = utcnow()
    audit(
        db,
        actor,
        "reschedule",
        "appointment",
        appt.id,
        client_id=appt.client_id,
        detail=f"{old:%Y-%m-%d %H:%M} -> {start:%Y-%m-%d %H:%M} UTC; reason: {data.reason}",
    )
    db.commit()
    return appt


def cancel(db: Session, actor: Actor, appointment_id: int, data: sc.Cancel) -> Appointment:
    actor.require(EVERYONE)
    appt = owned(db, actor, Appointment, appointment_id, "appointment")
    if appt.status == CANCELLED:
        raise Conflict(f"appointment {appt.id} is already cancelled")
    appt.status, appt.reason, appt.updated_at = CANCELLED, data.reason, utcnow()
    audit(db, actor, "cancel", "appointment", appt.id, client_id=appt.client_id, detail=f"reason: {data.reason}")
    db.commit()
    return appt


def list_for_client(db: Session, actor: Actor, client_id: int) -> Sequence[Appointment]:
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(
        select(Appointment)
        .where(Appointment.clinic_id == actor.clinic_id, Appointment.client_id == client.id)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    audit(db, actor, "list", "appointment", None, client_id=client.id)
    db.commit()
    return rows


def calendar(
    db: Session, actor: Actor, *, start: dt.datetime, end: dt.datetime, artist_id: int | None = None
) -> Sequence[Appointment]:
    """The clinic's live bookings between ``start`` and ``end`` (a day or week view), of one artist."""
    stmt = select(Appointment).where(
        Appointment.clinic_id == actor.clinic_id,
        Appointment.status == BOOKED,
        Appointment.starts_at < end,
        Appointment.ends_at > start,
    )
    if artist_id is not None:
        owned(db, actor, User, artist_id, "user")
        stmt = stmt.where(Appointment.artist_id == artist_id)
    return db.scalars(stmt.order_by(Appointment.starts_at, Appointment.id)).all()


def get(db: Session, actor: Actor, appointment_id: int) -> Appointment:
    return owned(db, actor, Appointment, appointment_id, "appointment")


def list_artists(db: Session, actor: Actor) -> Sequence[User]:
    """Who takes appointments (active owners and artists of the clinic): anyone who books may see them."""
    actor.require(EVERYONE)
    return db.scalars(
        select(User)
        .where(User.clinic_id == actor.clinic_id, User.active.is_(True),
               User.role.in_((s.Role.owner.value, s.Role.artist.value)))
        .order_by(User.name, User.id)
    ).all()
