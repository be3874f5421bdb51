"""Safety rules that hold: a session is started or marked done only when every rule allows it.

Rules (domain.md §7 unless noted), checked in :func:`check_session` whenever a session becomes
``started`` or ``done`` (or its date or start time changes while it is):

- ``consent``: a signed consent of the clinic's current consent version, signed before the start
  (§7: consent with medical history). Not overridable.
- ``patch_test``: before the client's first session, and before a session with a pigment the client has
  not had in an earlier session, a patch test read 24-72 h before the start with a negative result
  (§7: patch test 24-72 h before). Later sessions with a pigment already used need no new test, but a
  non-negative result on file still refuses. Owner-overridable. Why only then: §7 cites no source for
  when; the clinics' own pages describe the test before the first treatment ("prior to their first
  treatment", ultrascalp-ink.co.uk/2024/01/03/4995; "before we start their requested procedure", with
  "the same pigment colour(s) that we will be using", lpcp.org/how-to-perform-a-patch-test) and warn
  that a test "does not rule out reaction to future implanted pigments"
  (beautybydesignnc.com/permanent-makeup/patch-testing) [clinic]: so a new pigment (manufacturer and
  product, not a new bottle's lot of the same pigment) needs a new test.
- ``contraindication``: no stop-level intake answer (§7 list and :mod:`smpstudio.plan.intake`).
  Owner-overridable (a physician's clearance, written in the reason).
- ``interval``: not sooner than 7 days after the client's previous session (domain.md §1: sessions
  7-30 days apart; ``smpstudio.plan.sessions.MIN_INTERVAL_DAYS``). Owner-overridable.
- ``future``: not dated after today, nor started after now. Not overridable: work not yet done cannot
  be recorded as done.

And always, for any status: no two live (not cancelled) sessions of a client with one number.

An owner overrides only with a written reason (``override_reason``); the override is stored on the
session and written to the audit trail with the rules it set aside.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from smpstudio.plan.intake import BY_KEY
from smpstudio.plan.sessions import MIN_INTERVAL_DAYS
from smpstudio.records import schemas as s
from smpstudio.records.errors import DuplicateSession, SafetyRefused
from smpstudio.records.models import Client, Clinic, Consent, InventoryLot, TreatmentSession, utcnow
from smpstudio.records.models_clinic import Appointment
from smpstudio.records.services import Actor, audit
from smpstudio.records.services_clinic import clinic_today, clinic_tz

PATCH_TEST_MIN_H = 24  # domain.md §7: patch test 24-72 h before
PATCH_TEST_MAX_H = 72
MIN_OVERRIDE_REASON = 15  # characters: a sentence, not "ok"
ACTIVE = (s.SessionStatus.started.value, s.SessionStatus.done.value)


@dataclass(frozen=True)
class Refusal:
    rule: str
    message: str
    overridable: bool


def session_start(
    db: Session, clinic: Clinic, date: dt.date, started_at: dt.datetime | None, appointment_id: int | None,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """When the session began: ``started_at``, else its appointment's start, else noon of its date in the
    clinic's time zone, or ``now`` when that noon is still to come (today's session recorded in the morning
    began no later than now; a later date is refused by its date alone)."""
    if started_at is not None:
        return started_at
    if appointment_id is not None:
        appt = db.get(Appointment, appointment_id)
        if appt is not None and appt.starts_at.astimezone(clinic_tz(clinic)).date() == date:
            return appt.starts_at
    noon = dt.datetime.combine(date, dt.time(12), clinic_tz(clinic)).astimezone(dt.UTC)
    return min(noon, now or utcnow())


def check_number(db: Session, client: Client, number: int, session_id: int | None) -> None:
    stmt = select(TreatmentSession.id, TreatmentSession.date).where(
        TreatmentSession.client_id == client.id,
        TreatmentSession.number == number,
        TreatmentSession.status != s.SessionStatus.cancelled.value,
    )
    if session_id is not None:
        stmt = stmt.where(TreatmentSession.id != session_id)
    row = db.execute(stmt).first()
    if row is not None:
        raise DuplicateSession(
            f"client {client.id} already has session {number} (session id {row[0]} on {row[1]}); "
            "cancel that one first or give another number"
        )


def check_session(
    db: Session,
    clinic: Clinic,
    client: Client,
    *,
    session_id: int | None,
    date: dt.date,
    start: dt.datetime,
    consent_id: int | None,
    pigment_lot_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[list[Refusal], int | None]:
    """The rules a started/done session on ``date`` (begun at ``start``, with ``pigment_lot_id``) breaks,
    and the consent that covers it."""
    now = now or utcnow()
    out: list[Refusal] = []
    # consent of the current version, signed before the start
    stmt = select(Consent).where(Consent.client_id == client.id, Consent.clinic_id == clinic.id)
    if consent_id is not None:
        stmt = stmt.where(Consent.id == consent_id)
    consents = db.scalars(stmt.order_by(Consent.signed_at.desc())).all()
    good = [c for c in consents if c.version == clinic.consent_version and c.signed_at <= start]
    if not good:
        seen = ", ".join(sorted({f"{c.version} signed {c.signed_at:%Y-%m-%d %H:%M} UTC" for c in consents}))
        out.append(
            Refusal(
                "consent",
                f"no consent of the current version {clinic.consent_version!r} signed before the session"
                + (f" (on file: {seen})" if seen else " (none on file)"),
                False,
            )
        )
    # patch test read 24-72 h before the first session (or a new pigment), negative
    pt, result = client.patch_test_at, client.patch_test_result
    why = patch_test_needed(db, client, session_id=session_id, date=date, pigment_lot_id=pigment_lot_id)
    if result is not None and result != s.PatchTestResult.negative.value:
        out.append(Refusal("patch_test", f"the patch test of {pt:%Y-%m-%d %H:%M} UTC was {result}", True))
    elif why is not None and (pt is None or result is None):
        out.append(Refusal("patch_test", f"no patch test on file (needed 24-72 h before {why})", True))
    elif why is not None and pt is not None:
        hours = (start - pt).total_seconds() / 3600
        if not PATCH_TEST_MIN_H <= hours <= PATCH_TEST_MAX_H:
            when = "after the session began" if hours < 0 else f"{hours:.0f} h before the session"
            out.append(
                Refusal(
                    "patch_test",
                    f"the patch test was read {when}; it must be {PATCH_TEST_MIN_H}-{PATCH_TEST_MAX_H} h "
                    f"before {why}",
                    True,
                )
            )
    # no stop-level contraindication
    stops = client.contraindications
    if stops:
        out.append(
            Refusal(
                "contraindication",
                "stop-level contraindication: " + "; ".join(BY_KEY[k].text for k in stops if k in BY_KEY),
                True,
            )
        )
    # not before the previous session's minimum interval
    prev_stmt = select(TreatmentSession).where(
        TreatmentSession.client_id == client.id,
        TreatmentSession.status.in_(ACTIVE),
        TreatmentSession.date <= date,
    )
    if session_id is not None:
        prev_stmt = prev_stmt.where(TreatmentSession.id != session_id)
    prev = db.scalars(prev_stmt.order_by(TreatmentSession.date.desc())).first()
    if prev is not None and (date - prev.date).days < MIN_INTERVAL_DAYS:
        out.append(
            Refusal(
                "interval",
                f"only {(date - prev.date).days} days after session {prev.number} on {prev.date}; "
                f"sessions are at least {MIN_INTERVAL_DAYS} days apart",
                True,
            )
        )
    # not in the future
    today = clinic_today(clinic, now)
    if date > today:
        out.append(Refusal("future", f"the session is dated {date}, after today ({today})", False))
    elif start > now + dt.timedelta(minutes=5):
        out.append(Refusal("future", f"the session starts at {start:%Y-%m-%d %H:%M} UTC, after now", False))
    return out, (good[0].id if good else None)


def _pigment(db: Session, lot_id: int | None) -> tuple[str, str] | None:
    lot = db.get(InventoryLot, lot_id) if lot_id is not None else None
    return None if lot is None else (lot.manufacturer.strip().casefold(), lot.product.strip().casefold())


def patch_test_needed(
    db: Session, client: Client, *, session_id: int | None, date: dt.date, pigment_lot_id: int | None
) -> str | None:
    """Why the session needs a patch test read 24-72 h before it, or None when it needs none.

    Needed before the client's first started/done session, and before one whose pigment (manufacturer
    and product of ``pigment_lot_id``) none of the client's earlier sessions used (see the module
    docstring for the sources)."""
    stmt = select(TreatmentSession.pigment_lot_id).where(
        TreatmentSession.client_id == client.id,
        TreatmentSession.status.in_(ACTIVE),
        TreatmentSession.date <= date,
    )
    if session_id is not None:
        stmt = stmt.where(TreatmentSession.id != session_id)
    earlier = db.scalars(stmt).all()
    if not earlier:
        return "the client's first session"
    pigment = _pigment(db, pigment_lot_id)
    if pigment is None:
        return None
    if pigment in {_pigment(db, lot) for lot in earlier}:
        return None
    return f"a session with a pigment the client has not had before ({pigment_lot_label(db, pigment_lot_id)})"


def pigment_lot_label(db: Session, lot_id: int | None) -> str:
    lot = db.get(InventoryLot, lot_id) if lot_id is not None else None
    return "" if lot is None else f"{lot.manufacturer} {lot.product}, lot {lot.lot_number}"


def enforce(actor: Actor, refusals: list[Refusal], override_reason: str | None) -> list[str]:
    """Raise :class:`SafetyRefused` unless nothing refuses or an owner overrides with a written reason;
    the rules overridden."""
    if not refusals:
        return []
    hard = [r for r in refusals if not r.overridable]
    can_override = not hard and actor.role == s.Role.owner
    reason = (override_reason or "").strip()
    if can_override and len(reason) >= MIN_OVERRIDE_REASON:
        return [r.rule for r in refusals]
    text = "; ".join(r.message for r in refusals)
    if hard:
        hint = f" ({', '.join(sorted({r.rule for r in hard}))}: cannot be overridden)"
    elif actor.role != s.Role.owner:
        hint = " (only an owner may override, with a written override_reason)"
    else:
        hint = f" (to go ahead anyway, give override_reason: at least {MIN_OVERRIDE_REASON} characters)"
    raise SafetyRefused(f"the session cannot be started or marked done: {text}{hint}", [r.rule for r in refusals])


def audit_override(db: Session, actor: Actor, session: TreatmentSession, rules: list[str], reason: str) -> None:
    audit(
        db,
        actor,
        "override",
        "session",
        session.id,
        client_id=session.client_id,
        detail=f"rules set aside: {', '.join(rules)}; reason: {reason}",
    )


RULE_TITLES = {
    "consent": "Signed consent",
    "patch_test": "Patch test",
    "contraindication": "Health questions",
    "interval": "Time since the last session",
    "future": "Date",
}  # how the session-day page names each rule


def check_day(
    db: Session, actor: Actor, client_id: int, *, date: dt.date, pigment_lot_id: int | None = None,
    consent_id: int | None = None,
) -> list[Refusal]:
    """What would refuse starting a session of ``client_id`` on ``date`` now (the session-day page shows it
    before anything is written; the same rules as :func:`check_session`)."""
    from smpstudio.records.services import owned

    client = owned(db, actor, Client, client_id, "client")
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None
    if pigment_lot_id is not None:
        owned(db, actor, InventoryLot, pigment_lot_id, "lot")
    start = session_start(db, clinic, date, None, None)
    refusals, _consent = check_session(db, clinic, client, session_id=None, date=date, start=start,
                                       consent_id=consent_id, pigment_lot_id=pigment_lot_id)
    audit(db, actor, "check", "session", None, client_id=client.id,
          detail=f"{date}: " + (", ".join(r.rule for r in refusals) or "nothing refuses"))
    db.commit()
    return refusals
