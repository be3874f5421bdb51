"""Clinic workflows on the records: lot recall, reminders (+ iCalendar), GDPR export and erase."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from smpstudio.records import schemas as s
from smpstudio.records.db import scrub_after_erase
from smpstudio.records.models import (
    AuditEvent,
    Client,
    Clinic,
    Consent,
    InventoryLot,
    Photo,
    Plan,
    TreatmentSession,
    utcnow,
)
from smpstudio.records.models_clinic import Appointment, PortalLink, Reminder, ReminderAttempt
from smpstudio.records.services import OWNER, WRITERS, Actor, audit, lock_client, owned
from smpstudio.records.services_bookings import CANCELLED
from smpstudio.records.services_photos import Vault, client_key
from smpstudio.records.storage import ErasureLedger

# domain.md §7 aftercare: no wetting 3-5 days, no heavy sweating 5-10 days -> check in after 5 days
AFTERCARE_CHECK_DAYS = 5
# domain.md §7: patch test 24-72 h before (the first session)
PATCH_TEST_MIN_H = 24
PATCH_TEST_MAX_H = 72


# ---- recall ----------------------------------------------------------------------------------------
def recall(db: Session, actor: Actor, lot_id: int) -> s.RecallOut:
    """Every session (and so every client) that used pigment or needle lot ``lot_id``."""
    actor.require(WRITERS)
    lot = owned(db, actor, InventoryLot, lot_id, "lot")
    rows = db.execute(
        select(TreatmentSession, Client)
        .join(Client, Client.id == TreatmentSession.client_id)
        .where(
            TreatmentSession.clinic_id == actor.clinic_id,
            Client.clinic_id == actor.clinic_id,
            or_(TreatmentSession.pigment_lot_id == lot.id, TreatmentSession.needle_lot_id == lot.id),
        )
        .order_by(TreatmentSession.date, TreatmentSession.id)
    ).all()
    hits = [
        s.RecallHit(
            client_id=c.id,
            client_name=f"{c.first_name} {c.last_name}",
            email=c.email,
            phone=c.phone,
            session_id=t.id,
            session_date=t.date,
            status=s.SessionStatus(t.status),
        )
        for t, c in rows
    ]
    clients = sorted({h.client_id for h in hits})
    for cid in clients:
        audit(db, actor, "recall", "client", cid, client_id=cid, detail=f"lot {lot.id} {lot.lot_number}")
    db.commit()
    return s.RecallOut(lot=s.LotOut.model_validate(lot), clients=len(clients), sessions=hits)


# ---- reminders -------------------------------------------------------------------------------------
def _touch_up_due(plan_json: Any) -> dt.date | None:
    """The predicted touch-up date of a stored ``plan.json`` (``touch_up.due_date``), if it has one."""
    try:
        raw = plan_json["touch_up"]["due_date"]
        return dt.date.fromisoformat(str(raw)[:10])
    except (KeyError, TypeError, ValueError):
        return None


def reminders(
    db: Session,
    actor: Actor,
    *,
    start: dt.date,
    end: dt.date,
    client_id: int | None = None,
) -> list[s.ReminderOut]:
    """Reminders due between ``start`` and ``end`` (inclusive), for the clinic or one client."""
    cond_client = [Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None)]
    if client_id is not None:
        cond_client.append(Client.id == client_id)
    out: list[s.ReminderOut] = []

    def add(kind: s.ReminderKind, c: Client, due: dt.date, detail: str, **ids: int | None) -> None:
        if start <= due <= end:
            out.append(
                s.ReminderOut(
                    kind=kind,
                    client_id=c.id,
                    client_name=f"{c.first_name} {c.last_name}",
                    due_on=due,
                    detail=detail,
                    **ids,
                )
            )

    sessions = db.execute(
        select(TreatmentSession, Client)
        .join(Client, Client.id == TreatmentSession.client_id)
        .where(*cond_client, TreatmentSession.clinic_id == actor.clinic_id, TreatmentSession.status != "cancelled")
        .where(
            TreatmentSession.date >= start - dt.timedelta(days=AFTERCARE_CHECK_DAYS),
            TreatmentSession.date <= end + dt.timedelta(days=PATCH_TEST_MAX_H // 24),
        )
        .order_by(TreatmentSession.date, TreatmentSession.id)
    ).all()
    first_done = dict(
        db.execute(
            select(TreatmentSession.client_id, func.min(TreatmentSession.date))
            .join(Client, Client.id == TreatmentSession.client_id)
            .where(*cond_client, TreatmentSession.status == "done")
            .group_by(TreatmentSession.client_id)
        ).all()
    )
    first_planned: dict[int, TreatmentSession] = {}
    for t, c in sessions:
        if t.status == "planned":
            add(s.ReminderKind.next_session, c, t.date, f"session {t.number} planned", session_id=t.id)
            if c.id not in first_done and c.id not in first_planned:
                first_planned[c.id] = t
        elif t.status == "done":
            add(
                s.ReminderKind.aftercare_check,
                c,
                t.date + dt.timedelta(days=AFTERCARE_CHECK_DAYS),
                f"aftercare check-in after session {t.number}",
                session_id=t.id,
            )
    clients = {c.id: c for _t, c in sessions}
    for cid, t in first_planned.items():
        c = clients[cid]
        lo = dt.datetime.combine(t.date, dt.time(0), dt.UTC) - dt.timedelta(hours=PATCH_TEST_MAX_H)
        hi = dt.datetime.combine(t.date, dt.time(23, 59), dt.UTC) - dt.timedelta(hours=PATCH_TEST_MIN_H)
        ok = c.patch_test_at is not None and lo <= c.patch_test_at <= hi and c.patch_test_result == "negative"
        if not ok:
            due = t.date - dt.timedelta(days=PATCH_TEST_MAX_H // 24)  # book it 3 days ahead
            add(
                s.ReminderKind.patch_test,
                c,
                due,
                f"patch test needed {PATCH_TEST_MIN_H}-{PATCH_TEST_MAX_H} h before session {t.number} on {t.date}",
                session_id=t.id,
            )
    latest = (
        select(Plan.client_id, func.max(Plan.version).label("v"))
        .where(Plan.clinic_id == actor.clinic_id)
        .group_by(Plan.client_id)
        .subquery()
    )
    plans = db.execute(
        select(Plan, Client)
        .join(latest, (latest.c.client_id == Plan.client_id) & (latest.c.v == Plan.version))
        .join(Client, Client.id == Plan.client_id)
        .where(*cond_client)
    ).all()
    for p, c in plans:
        due = _touch_up_due(p.plan_json)
        if due is not None:
            add(s.ReminderKind.touch_up, c, due, f"touch-up due (plan version {p.version})", plan_id=p.id)
    out.sort(key=lambda r: (r.due_on, r.client_id, r.kind.value))
    return out


def clinic_reminders(db: Session, actor: Actor, *, today: dt.date, days: int, overdue_days: int) -> list[s.ReminderOut]:
    rows = reminders(db, actor, start=today - dt.timedelta(days=overdue_days), end=today + dt.timedelta(days=days))
    audit(db, actor, "list", "reminder", None, detail=f"{len(rows)} reminders")
    db.commit()
    return rows


# ---- GDPR ------------------------------------------------------------------------------------------
def _row(obj: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in obj.__table__.columns:
        if col.key in exclude:
            continue
        v = getattr(obj, col.key)
        if isinstance(v, dt.date | dt.datetime):
            v = v.isoformat()
        elif isinstance(v, bytes):
            continue
        out[col.key] = v
    return out


def _reminders_of(db: Session, client_id: int) -> list[dict[str, Any]]:
    """The client's messages, each with its attempts (to whom, when, the error), for the export."""
    out = []
    for r in db.scalars(select(Reminder).where(Reminder.client_id == client_id).order_by(Reminder.id)):
        attempts = db.scalars(select(ReminderAttempt).where(ReminderAttempt.reminder_id == r.id)
                              .order_by(ReminderAttempt.id))
        out.append(_row(r) | {"attempts": [_row(t, ("reminder_id",)) for t in attempts]})
    return out


def _signature_file(consent: Consent) -> str:
    return f"consents/{consent.id}-signature.png"


def export_client(db: Session, actor: Actor, vault: Vault, client_id: int) -> bytes:
    """A zip of the client's complete record: ``record.json``, the decrypted photos and the drawn signatures."""
    actor.require(OWNER)
    client = owned(db, actor, Client, client_id, "client")
    cid = client.id
    sessions = db.scalars(select(TreatmentSession).where(TreatmentSession.client_id == cid)).all()
    lot_ids = {i for t in sessions for i in (t.pigment_lot_id, t.needle_lot_id) if i is not None}
    lots = db.scalars(select(InventoryLot).where(InventoryLot.id.in_(lot_ids))).all() if lot_ids else []
    photos = db.scalars(select(Photo).where(Photo.client_id == cid).order_by(Photo.id)).all()
    consents = db.scalars(select(Consent).where(Consent.client_id == cid).order_by(Consent.id)).all()
    record = {
        "format": "smpstudio-client-export/1",
        "exported_at": utcnow().isoformat(),
        "client": _row(client) | {"contraindications": client.contraindications},
        "consents": [_row(c) | ({"signature_file": _signature_file(c)} if c.signature_png else {}) for c in consents],
        "plans": [_row(p) for p in db.scalars(select(Plan).where(Plan.client_id == cid).order_by(Plan.version))],
        "sessions": [_row(t) | {"zones": [_row(z, ("id", "session_id")) for z in t.zones]} for t in sessions],
        "lots": [_row(lot) for lot in lots],
        "photos": [_row(p) | {"file": f"photos/{p.id}-{p.view}-{p.phase}.jpg"} for p in photos if not p.shredded_at],
        "appointments": [_row(a) for a in db.scalars(select(Appointment).where(Appointment.client_id == cid)
                                                     .order_by(Appointment.starts_at))],
        "reminders": _reminders_of(db, cid),
        "portal_links": [_row(link, ("token_sha256",)) for link in db.scalars(
            select(PortalLink).where(PortalLink.client_id == cid).order_by(PortalLink.id))],
        "audit_events": [_row(a) for a in db.scalars(select(AuditEvent).where(AuditEvent.client_id == cid))],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        live = [p for p in photos if p.shredded_at is None]
        if live:
            key = client_key(db, vault, client, create=False)
            for p in live:
                data = vault.photos.read(p.clinic_id, cid, p.storage_key, key, "jpg")
                zf.writestr(f"photos/{p.id}-{p.view}-{p.phase}.jpg", data)
        for c in consents:
            if c.signature_png:
                zf.writestr(_signature_file(c), c.signature_png)
        zf.writestr("record.json", json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True))
    audit(db, actor, "export", "client", cid, client_id=cid, detail=f"GDPR export, {len(photos)} photos")
    db.commit()
    return buf.getvalue()


# domain.md §7: what local codes require per procedure and so survives an erase inside the retention period
RETAINED = (
    "first_name",
    "last_name",
    "date_of_birth",
    "address",
    "sessions (date, operator, site, lots)",
    "consents (version, signature)",
)


ERASED_LEDGER = "erased.jsonl"


def _clear_client(db: Session, client: Client, photos: Sequence[Photo], now: dt.datetime, *,
                  anonymise: bool) -> None:
    """What an erase clears (:func:`erase_client`, and :func:`reapply_erasures` after a restore): the
    photos crypto-shredded (without the key no copy of a photo can be read), contact, intake and notes;
    with ``anonymise`` also the identity, consents, plans and sessions."""
    client.photo_key_wrapped = None
    for p in photos:
        p.shredded_at = now
    from smpstudio.records.services_drafts import drop_client_drafts

    drop_client_drafts(db, client.id)  # consultations in progress: their photo is shredded
    client.email = client.phone = client.notes = None
    client.medical_intake = {}
    client.patch_test_result = None
    client.patch_test_at = None
    sessions = db.scalars(select(TreatmentSession).where(TreatmentSession.client_id == client.id)).all()
    for t in sessions:
        t.notes = None
    _end_clinic_ties(db, client, now, anonymise=anonymise)
    if not anonymise:
        return
    client.first_name, client.last_name = "erased", f"client {client.id}"
    client.date_of_birth = None
    client.address = None
    for t in sessions:
        t.plan_id = t.consent_id = None
        t.adverse_events = None
    db.flush()
    for model in (Consent, Plan):
        for row in db.scalars(select(model).where(model.client_id == client.id)):  # type: ignore[attr-defined]
            db.delete(row)
    for t in sessions:
        db.delete(t)


def _end_clinic_ties(db: Session, client: Client, now: dt.datetime, *, anonymise: bool) -> None:
    """What an erase ends beyond the client's own record: every portal link revoked, the bookings still
    ahead cancelled, the queued messages skipped, the address dropped from the record of sent messages;
    with ``anonymise`` (plans and sessions are then deleted) the bookings and messages no longer point at
    them."""
    for link in db.scalars(select(PortalLink).where(PortalLink.client_id == client.id,
                                                    PortalLink.revoked_at.is_(None))):
        link.revoked_at = now
    for a in db.scalars(select(Appointment).where(Appointment.client_id == client.id)):
        if a.status != CANCELLED and a.ends_at > now:
            a.status, a.reason = CANCELLED, "the client's record was erased"
        if anonymise:
            a.plan_id = None
    reminders = db.scalars(select(Reminder).where(Reminder.client_id == client.id)).all()
    for r in reminders:
        if r.status == "queued":
            r.status = "skipped"
        if anonymise:
            r.plan_id = r.session_id = None
    if reminders:
        db.execute(update(ReminderAttempt).where(ReminderAttempt.reminder_id.in_([r.id for r in reminders]))
                   .values(to="(erased)"))


def reapply_erasures(db: Session, vault: Vault, entries: list[dict[str, Any]]) -> int:
    """Erase again, after a restore, every client of ``entries`` (an :class:`ErasureLedger`) that the
    restored database still holds un-erased; returns how many. Same effect as :func:`erase_client`:
    photos crypto-shredded, contact, intake and notes cleared; the identity, consents, plans and sessions
    also when the original erase anonymised them."""
    # one client may be listed twice: erased within the retention period (record kept), then again once
    # it was over (anonymised); the strongest erase listed is the one to re-apply
    anonymise: dict[tuple[int, int], bool] = {}
    for e in entries:
        key = (int(e["clinic_id"]), int(e["client_id"]))
        anonymise[key] = anonymise.get(key, False) or bool(e.get("anonymised"))
    count = 0
    for (clinic_id, client_id), anonymised in anonymise.items():
        client = db.get(Client, client_id)
        if client is None or client.clinic_id != clinic_id:
            continue
        photos = db.scalars(select(Photo).where(Photo.client_id == client.id, Photo.shredded_at.is_(None))).all()
        if (client.erased_at is not None and client.photo_key_wrapped is None and not photos
                and (not anonymised or _is_anonymised(db, client))):
            continue
        now = utcnow()
        _clear_client(db, client, photos, now, anonymise=anonymised)
        client.erased_at = client.erased_at or now
        audit(db, None, "erase", "client", client.id, client_id=client.id, clinic_id=client.clinic_id,
              detail="re-applied after a restore")
        db.commit()
        for p in photos:
            vault.photos.delete(p.clinic_id, p.client_id, p.storage_key)
        count += 1
    scrub_after_erase(db)
    return count


def _is_anonymised(db: Session, client: Client) -> bool:
    """Whether an anonymising erase already cleared ``client``'s identity and procedure record (a
    backup made between a record-keeping erase and a later anonymising one still holds them)."""
    if (client.first_name, client.last_name) != ("erased", f"client {client.id}"):
        return False
    if client.date_of_birth is not None or client.address is not None:
        return False
    return not any(
        db.scalar(select(func.count()).select_from(model).where(model.client_id == client.id))  # type: ignore[attr-defined]
        for model in (TreatmentSession, Consent, Plan)
    )


def erase_client(db: Session, actor: Actor, vault: Vault, client_id: int, *, today: dt.date) -> s.EraseOut:
    """GDPR erase: crypto-shred the photos and clear everything the retention rule does not require.

    Within the clinic's retention period after the last done session the procedure record required by
    local codes (domain.md §7: name, date of birth, address, date, operator, site, signature, ink and
    lot) is kept; after it (or when nothing was done) the identity is anonymised too.
    """
    actor.require(OWNER)
    client = lock_client(db, actor, client_id)  # the erase lock: ordered with every photo upload
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None
    last_done = db.scalar(
        select(func.max(TreatmentSession.date)).where(
            TreatmentSession.client_id == client.id, TreatmentSession.status == "done"
        )
    )
    retention_until = None
    if last_done is not None:
        try:
            retention_until = last_done.replace(year=last_done.year + clinic.retention_years)
        except ValueError:  # 29 February
            retention_until = last_done.replace(year=last_done.year + clinic.retention_years, day=28)
    keep = retention_until is not None and retention_until >= today
    photos = db.scalars(select(Photo).where(Photo.client_id == client.id, Photo.shredded_at.is_(None))).all()
    now = utcnow()
    _clear_client(db, client, photos, now, anonymise=not keep)
    cleared = ["email", "phone", "medical_intake", "patch_test_result", "patch_test_at", "notes", "photos",
               "session notes", "portal links", "bookings ahead", "queued messages", "addresses of sent messages"]
    if not keep:
        cleared += ["first_name", "last_name", "date_of_birth", "address", "consents", "plans", "sessions"]
    client.erased_at = now
    retained = list(RETAINED) if keep else []
    audit(
        db,
        actor,
        "erase",
        "client",
        client.id,
        client_id=client.id,
        detail=f"shredded {len(photos)} photos; retained until {retention_until}"
        if keep
        else f"shredded {len(photos)} photos; identity anonymised",
    )
    db.commit()
    # files go after the commit: a crash here leaves only unreadable files, removed by reconcile()
    for p in photos:
        vault.photos.delete(p.clinic_id, p.client_id, p.storage_key)
    ErasureLedger(vault.keys.key_dir.parent / ERASED_LEDGER).append(
        client.clinic_id, client.id, now.isoformat(), not keep
    )
    scrub_after_erase(db)  # no old page with the erased values left in SQLite's -wal
    return s.EraseOut(
        client_id=client.id,
        photos_shredded=len(photos),
        fields_cleared=cleared,
        retained=retained,
        retention_until=retention_until if keep else None,
    )
