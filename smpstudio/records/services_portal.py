"""The client portal link (issue 12 item 5): what a client opens on a phone, without an account.

A link's secret is a random 256-bit token (:func:`smpstudio.records.security.new_token`) in the URL; the
table keeps only its sha256, with the clinic and client it opens, when it ends and who revoked it. The
link carries no data of its own: a changed character (a tampered or forged link) matches no row, an
expired or revoked row opens nothing, and a link only ever shows the client of its own row (the clinic
is the row's, never one a caller names). The owner and the front desk make and revoke links; every
make, revoke and open is in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smpstudio.records.errors import InvalidInput, NotFound
from smpstudio.records.models import Client, Clinic, Plan, User, utcnow
from smpstudio.records.models_clinic import Appointment, PortalLink
from smpstudio.records.schemas import Role
from smpstudio.records.security import new_token, token_digest
from smpstudio.records.services import Actor, audit, changeable_client, owned
from smpstudio.records.services_bookings import CANCELLED

MAKERS = (Role.owner, Role.front_desk)
DEFAULT_DAYS = 30  # a link lasts a month unless the clinic chooses otherwise
MAX_DAYS = 365


class PortalClosed(NotFound):
    """The link opens nothing: unknown (tampered), expired, revoked, or its client was erased.

    ``why`` is one of ``unknown``, ``expired``, ``revoked``, ``erased``; the page says it in words."""

    def __init__(self, why: str, message: str) -> None:
        super().__init__(message)
        self.why = why


@dataclass(frozen=True)
class PortalRecords:
    """What one open link shows, as stored: the clinic, the client, the newest plan, the live bookings
    (with their artists' names)."""

    link: PortalLink
    clinic: Clinic
    client: Client
    plan: Plan | None
    appointments: list[tuple[Appointment, str]]

    @property
    def plan_json(self) -> dict[str, Any] | None:
        return None if self.plan is None else self.plan.plan_json


def create_link(db: Session, actor: Actor, client_id: int, days: int = DEFAULT_DAYS,
                now: dt.datetime | None = None) -> tuple[PortalLink, str]:
    """A new link for ``client_id`` valid ``days`` days (owner or front desk); the row and the token."""
    actor.require(MAKERS)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days: a link lasts 1-{MAX_DAYS} days, not {days}")
    client = changeable_client(db, actor, client_id)
    now = now or utcnow()
    token = new_token()
    link = PortalLink(clinic_id=actor.clinic_id, client_id=client.id, token_sha256=token_digest(token),
                      created_by=actor.user_id, created_at=now, expires_at=now + dt.timedelta(days=days))
    db.add(link)
    db.flush()
    audit(db, actor, "create", "portal_link", link.id, client_id=client.id,
          detail=f"valid until {link.expires_at:%Y-%m-%d %H:%M} UTC")
    db.commit()
    return link, token


def list_links(db: Session, actor: Actor, client_id: int) -> list[PortalLink]:
    """The client's links, newest first (the token itself is never stored, so never listed)."""
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(select(PortalLink).where(PortalLink.clinic_id == actor.clinic_id,
                                               PortalLink.client_id == client.id).order_by(PortalLink.id.desc()))
    out = list(rows)
    audit(db, actor, "list", "portal_link", None, client_id=client.id)
    db.commit()
    return out


def revoke_link(db: Session, actor: Actor, link_id: int, now: dt.datetime | None = None) -> PortalLink:
    """Revoke a link (owner or front desk); revoking twice keeps the first time."""
    actor.require(MAKERS)
    link = owned(db, actor, PortalLink, link_id, "portal link")
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by = now or utcnow(), actor.user_id
    audit(db, actor, "revoke", "portal_link", link.id, client_id=link.client_id)
    db.commit()
    return link


def open_link(db: Session, token: str, now: dt.datetime | None = None) -> PortalRecords:
    """The records a link shows, or :class:`PortalClosed` (nothing of the client is read first)."""
    now = now or utcnow()
    link = db.scalar(select(PortalLink).where(PortalLink.token_sha256 == token_digest(token)))
    if link is None:
        raise PortalClosed("unknown", "this link is not valid: check that it was copied whole, or ask the clinic "
                                      "for a new one")
    if link.revoked_at is not None:
        raise PortalClosed("revoked", "this link was withdrawn by the clinic; ask the clinic for a new one")
    if link.expires_at <= now:
        raise PortalClosed("expired", f"this link expired on {link.expires_at:%Y-%m-%d}; ask the clinic for a "
                                      "new one")
    client = db.get(Client, link.client_id)
    clinic = db.get(Clinic, link.clinic_id)
    if client is None or clinic is None or client.clinic_id != link.clinic_id or client.erased_at is not None:
        raise PortalClosed("erased", "this link no longer opens anything; ask the clinic")
    plan = db.scalar(select(Plan).where(Plan.client_id == client.id, Plan.clinic_id == clinic.id)
                     .order_by(Plan.version.desc()).limit(1))
    rows = db.execute(
        select(Appointment, User.name).join(User, User.id == Appointment.artist_id)
        .where(Appointment.clinic_id == clinic.id, Appointment.client_id == client.id,
               Appointment.status != CANCELLED)
        .order_by(Appointment.starts_at)
    ).all()
    link.last_opened_at = now
    audit(db, None, "read", "portal", link.id, client_id=client.id, clinic_id=clinic.id, detail="opened by link")
    db.commit()
    return PortalRecords(link, clinic, client, plan, [(a, name) for a, name in rows])
