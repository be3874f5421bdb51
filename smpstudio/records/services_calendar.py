"""Appointments as iCalendar: a file per client and a subscribable feed per artist (RFC 5545).

Events carry their times in the clinic's time zone (with its VTIMEZONE), the place (clinic, address,
room) and the artist. An artist's feed is read with a random token in its URL (a calendar app cannot
sign in); the table keeps only the token's sha256, and the owner or the artist can revoke it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from smpstudio.records.errors import NotFound
from smpstudio.records.models import Client, Clinic, User, utcnow
from smpstudio.records.models_clinic import Appointment, CalendarFeed
from smpstudio.records.security import new_token, token_digest
from smpstudio.records.services import OWNER, Actor, audit, owned
from smpstudio.records.services_bookings import CANCELLED
from smpstudio.records.services_clinic import clinic_of, clinic_tz

FEED_DAYS_BACK = 60  # an artist's feed shows the last two months and everything ahead


def _place(clinic: Clinic, room: str) -> str:
    return ", ".join(p for p in (clinic.name, clinic.address, f"room {room}") if p)


def _calendar(db: Session, clinic: Clinic, rows: Sequence[Appointment], name: str, *, for_artist: bool) -> bytes:
    tz = clinic_tz(clinic)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//SMP Studio//bookings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(tz))
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_({r.artist_id for r in rows})))}
    clients = {c.id: c for c in db.scalars(select(Client).where(Client.id.in_({r.client_id for r in rows})))}
    stamp = utcnow()
    for r in rows:
        artist, client = users[r.artist_id], clients[r.client_id]
        what = f"SMP session {r.session_number}" if r.session_number else "SMP appointment"
        ev = icalendar.Event()
        ev.add("uid", f"appointment-{r.id}@smpstudio")
        ev.add("dtstamp", stamp)
        ev.add("last-modified", r.updated_at)
        ev.add("dtstart", r.starts_at.astimezone(tz))
        ev.add("dtend", r.ends_at.astimezone(tz))
        # an artist sees who comes (first name and initial); a client sees whom they meet
        who = f"{client.first_name} {client.last_name[:1]}." if for_artist else f"with {artist.name}"
        ev.add("summary", f"{what}: {who}")
        ev.add("location", _place(clinic, r.room))
        ev.add("description", f"{what} with {artist.name}, room {r.room}, {clinic.name}")
        ev.add("organizer", f"mailto:{artist.email}", parameters={"cn": artist.name})
        ev.add("status", "CANCELLED" if r.status == CANCELLED else "CONFIRMED")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def client_ics(db: Session, actor: Actor, client_id: int) -> bytes:
    """The client's appointments (cancelled ones marked so, which removes them from a calendar)."""
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(
        select(Appointment)
        .where(Appointment.clinic_id == actor.clinic_id, Appointment.client_id == client.id)
        .order_by(Appointment.starts_at)
    ).all()
    clinic = clinic_of(db, actor)
    data = _calendar(db, clinic, rows, f"{clinic.name}: {client.first_name} {client.last_name}", for_artist=False)
    audit(db, actor, "export", "appointments", client.id, client_id=client.id, detail=f"{len(rows)} events")
    db.commit()
    return data


def create_feed(db: Session, actor: Actor, artist_id: int) -> tuple[int, str]:
    """A new feed token of ``artist_id`` (the owner, or the artist for themself)."""
    artist = owned(db, actor, User, artist_id, "user")
    if artist.id != actor.user_id:
        actor.require(OWNER)
    token = new_token()
    db.add(CalendarFeed(clinic_id=actor.clinic_id, user_id=artist.id, token_sha256=token_digest(token)))
    audit(db, actor, "create", "calendar_feed", artist.id)
    db.commit()
    return artist.id, token


def revoke_feed(db: Session, actor: Actor, token: str) -> None:
    feed = db.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_sha256 == token_digest(token), CalendarFeed.clinic_id == actor.clinic_id
        )
    )
    if feed is None:
        raise NotFound("no such calendar feed")
    if feed.user_id != actor.user_id:
        actor.require(OWNER)
    feed.revoked_at = utcnow()
    audit(db, actor, "revoke", "calendar_feed", feed.user_id)
    db.commit()


def feed_ics(db: Session, token: str) -> bytes:
    """The artist's bookings for a feed token (no sign-in: the token is the key)."""
    feed = db.scalar(select(CalendarFeed).where(CalendarFeed.token_sha256 == token_digest(token)))
    if feed is None or feed.revoked_at is not None:
        raise NotFound("no such calendar feed (revoked or never issued)")
    clinic = db.get(Clinic, feed.clinic_id)
    artist = db.get(User, feed.user_id)
    assert clinic is not None and artist is not None
    if not artist.active:  # feeds of a deactivated user are revoked with it; this holds for older rows too
        raise NotFound("no such calendar feed (revoked or never issued)")
    since = utcnow() - dt.timedelta(days=FEED_DAYS_BACK)
    rows = db.scalars(
        select(Appointment)
        .where(Appointment.clinic_id == clinic.id, Appointment.artist_id == artist.id, Appointment.ends_at >= since)
        .order_by(Appointment.starts_at)
    ).all()
    return _calendar(db, clinic, rows, f"{clinic.name}: {artist.name}", for_artist=True)
