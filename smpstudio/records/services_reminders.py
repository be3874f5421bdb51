"""Reminders that are sent: queued in the database, sent by a worker through a channel, with retries and
a record of every attempt.

:func:`queue_due` (idempotent: one row per event, by ``key``) queues, for every clinic,

- a reminder before each booked appointment (``reminder_hours_before``, default 24 h);
- aftercare on the days domain.md §7 gives, after each session done;
- the touch-up when the fading model says it is due (the plan's ``touch_up.due_date``, or
  ``due_years`` after the last session done: smpstudio.optics.fading through plan.json).

:func:`send_due` sends what is due through the client's channel (e-mail, else SMS), in the clinic's
template (editable, :func:`set_template`); a failure is recorded and retried after
``reminder_retry_minutes``, doubled each time, up to ``reminder_max_attempts``. Clients who opted out
get nothing (queued rows are skipped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smpstudio.records.channels import Channel, ChannelError, Message
from smpstudio.records.errors import InvalidInput
from smpstudio.records.models import Client, Clinic, Plan, TreatmentSession, User, utcnow
from smpstudio.records.models_clinic import Appointment, Reminder, ReminderAttempt, ReminderTemplate
from smpstudio.records.services import OWNER, Actor, audit
from smpstudio.records.services_clinic import clinic_tz
from smpstudio.records.settings import Settings

KINDS = ("appointment", "aftercare", "touch_up")
CHANNELS = ("email", "sms")
SEND_AT = dt.time(9, 0)  # aftercare and touch-up messages go out at 09:00 clinic time
STALE_DAYS = 2  # an event more than this far past is not queued any more (no late aftercare)

# domain.md §7 aftercare: day after the session -> what the client may do again from then on
AFTERCARE_DAYS: dict[int, str] = {
    1: "Aftercare: keep the scalp dry for 5 days (§7: no wetting 3-5 days), no heavy sweating or gym for "
    "10 days, clippers not a razor for 10 days, no swimming, sauna or steam for 28 days, no direct sun "
    "for 30 days, and SPF 30+ on the scalp for life.",
    5: "From today you may wet and gently wash your scalp again (§7: no wetting 3-5 days). Still no gym, "
    "razor, swimming, sauna or sun.",
    10: "From today exercise and sweating are fine, and you may shave with a razor again (§7: 5-10 days). "
    "Still no swimming, sauna or direct sun.",
    28: "From today swimming, sauna and steam are fine again (§7: ~28 days). Keep the sun off a few more days.",
    30: "From today the sun is fine, with SPF 30+ on the scalp, for life (§7: no sun 4-30 days; SPF 30+).",
}

PLACEHOLDERS = ("first_name", "last_name", "clinic", "when", "place", "artist", "advice", "session_number")
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "appointment": (
        "Your SMP session at $clinic on $when",
        "Dear $first_name,\n\nthis is a reminder of your SMP session $session_number on $when with $artist "
        "at $place.\n\nPlease come with a clean, dry scalp. To change the time, call or reply to this message."
        "\n\n$clinic",
    ),
    "aftercare": ("Aftercare: $when", "Dear $first_name,\n\n$advice\n\n$clinic"),
    "touch_up": (
        "Time for your SMP touch-up",
        "Dear $first_name,\n\nyour scalp micropigmentation has faded as expected over the years; a touch-up "
        "is due about $when. Reply or call $clinic to book it.\n\n$clinic",
    ),
}


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # attempts that failed (retried later or given up)
    given_up: int = 0
    skipped: int = 0


# ---- templates -------------------------------------------------------------------------------------
def check_template(subject: str, body: str) -> None:
    """Placeholders must be known ones ($first_name, ...); :class:`InvalidInput` in words."""
    for part, text in (("subject", subject), ("body", body)):
        tpl = Template(text)
        if not tpl.is_valid():
            raise InvalidInput(f"the {part} has a '$' that is not a placeholder; write $$ for a dollar sign")
        unknown = sorted(set(tpl.get_identifiers()) - set(PLACEHOLDERS))
        if unknown:
            raise InvalidInput(
                f"the {part} uses unknown placeholder ${unknown[0]}; known: " + ", ".join(f"${p}" for p in PLACEHOLDERS)
            )


def template(db: Session, clinic_id: int, kind: str, channel: str) -> tuple[str, str]:
    row = db.scalar(
        select(ReminderTemplate).where(
            ReminderTemplate.clinic_id == clinic_id, ReminderTemplate.kind == kind, ReminderTemplate.channel == channel
        )
    )
    return (row.subject, row.body) if row is not None else DEFAULT_TEMPLATES[kind]


def set_template(db: Session, actor: Actor, kind: str, channel: str, subject: str, body: str) -> None:
    actor.require(OWNER)
    check_template(subject, body)
    row = db.scalar(
        select(ReminderTemplate).where(
            ReminderTemplate.clinic_id == actor.clinic_id,
            ReminderTemplate.kind == kind,
            ReminderTemplate.channel == channel,
        )
    )
    if row is None:
        db.add(ReminderTemplate(clinic_id=actor.clinic_id, kind=kind, channel=channel, subject=subject, body=body))
    else:
        row.subject, row.body, row.updated_at = subject, body, utcnow()
    audit(db, actor, "update", "reminder_template", None, detail=f"{kind}/{channel}")
    db.commit()


# ---- queuing ---------------------------------------------------------------------------------------
def _channel_of(client: Client) -> str | None:
    return "email" if client.email else "sms" if client.phone else None


def _at(day: dt.date, clinic: Clinic) -> dt.datetime:
    return dt.datetime.combine(day, SEND_AT, clinic_tz(clinic)).astimezone(dt.UTC)


def _touch_up_due(plan_json: dict, last_done: dt.date | None) -> dt.date | None:
    block = plan_json.get("touch_up") or {}
    if block.get("due_date"):
        return dt.date.fromisoformat(str(block["due_date"])[:10])
    if block.get("due_years") is not None and last_done is not None:
        return last_done + dt.timedelta(days=round(float(block["due_years"]) * 365.25))
    return None


def queue_due(db: Session, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Queue every reminder that follows from the records (all clinics); the number newly queued."""
    now = now or utcnow()
    stale = now - dt.timedelta(days=STALE_DAYS)
    wanted: list[Reminder] = []
    clinics = {c.id: c for c in db.scalars(select(Clinic))}

    def want(clinic: Clinic, client: Client, kind: str, key: str, due: dt.datetime, detail: str, **ids: int) -> None:
        channel = _channel_of(client)
        if channel is None or client.reminders_opt_out or client.erased_at is not None or due < stale:
            return
        wanted.append(
            Reminder(
                clinic_id=clinic.id, client_id=client.id, kind=kind, channel=channel, key=key, due_at=due,
                next_attempt_at=due, detail=detail[:500], status="queued", attempts=0, **ids,
            )
        )  # fmt: skip

    before = dt.timedelta(hours=settings.reminder_hours_before)
    for appt, client in db.execute(
        select(Appointment, Client)
        .join(Client, Client.id == Appointment.client_id)
        .where(Appointment.status == "booked", Appointment.starts_at > now)
    ):
        due = max(appt.starts_at - before, min(now, appt.starts_at))
        key = f"appointment-{appt.id}-{appt.starts_at:%Y%m%dT%H%M}"
        want(clinics[appt.clinic_id], client, "appointment", key, due, "", appointment_id=appt.id)
    recent = (now - dt.timedelta(days=max(AFTERCARE_DAYS) + STALE_DAYS)).date()
    for t, client in db.execute(
        select(TreatmentSession, Client)
        .join(Client, Client.id == TreatmentSession.client_id)
        .where(TreatmentSession.status == "done", TreatmentSession.date >= recent)
    ):
        clinic = clinics[t.clinic_id]
        for day in AFTERCARE_DAYS:
            due = _at(t.date + dt.timedelta(days=day), clinic)
            want(clinic, client, "aftercare", f"aftercare-{t.id}-{day}", due, f"day {day}", session_id=t.id)
    latest = select(Plan.client_id, func.max(Plan.version).label("v")).group_by(Plan.client_id).subquery()
    last_done = dict(
        db.execute(
            select(TreatmentSession.client_id, func.max(TreatmentSession.date))
            .where(TreatmentSession.status == "done")
            .group_by(TreatmentSession.client_id)
        ).all()
    )
    for plan, client in db.execute(
        select(Plan, Client)
        .join(latest, (latest.c.client_id == Plan.client_id) & (latest.c.v == Plan.version))
        .join(Client, Client.id == Plan.client_id)
    ):
        due_day = _touch_up_due(plan.plan_json or {}, last_done.get(client.id))
        if due_day is not None:
            clinic = clinics[plan.clinic_id]
            want(clinic, client, "touch_up", f"touch_up-{plan.id}", _at(due_day, clinic), "", plan_id=plan.id)
    keys = [w.key for w in wanted]
    existing: set[tuple[int, str]] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing |= {
            (c, k) for c, k in db.execute(select(Reminder.clinic_id, Reminder.key).where(Reminder.key.in_(chunk)))
        }
    added = 0
    for row in wanted:
        if (row.clinic_id, row.key) in existing:
            continue
        db.add(row)
        try:
            db.flush()
        except IntegrityError:  # another worker queued it meanwhile
            db.rollback()
            continue
        added += 1
        db.commit()
    return added


# ---- sending ---------------------------------------------------------------------------------------
def _render(db: Session, r: Reminder, clinic: Clinic, client: Client) -> tuple[str, str] | None:
    """Subject and body of ``r``, or None when what it reminds of is gone (cancelled, moved, undone)."""
    tz = clinic_tz(clinic)
    values = {p: "" for p in PLACEHOLDERS} | {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "clinic": clinic.name,
        "place": ", ".join(p for p in (clinic.name, clinic.address) if p),
    }
    if r.kind == "appointment":
        appt = db.get(Appointment, r.appointment_id)
        if appt is None or appt.status != "booked" or not r.key.endswith(f"{appt.starts_at:%Y%m%dT%H%M}"):
            return None
        artist = db.get(User, appt.artist_id)
        values |= {
            "when": f"{appt.starts_at.astimezone(tz):%A %d %B %Y at %H:%M} ({tz})",
            "artist": artist.name if artist else "",
            "place": f"{values['place']}, room {appt.room}",
            "session_number": str(appt.session_number or ""),
        }
    elif r.kind == "aftercare":
        t = db.get(TreatmentSession, r.session_id)
        if t is None or t.status != "done":
            return None
        day = int(r.key.rsplit("-", 1)[1])
        values |= {"when": f"day {day} after session {t.number}", "advice": AFTERCARE_DAYS[day],
                   "session_number": str(t.number)}  # fmt: skip
    else:
        values |= {"when": f"{r.due_at.astimezone(tz):%B %Y}"}
    subject, body = template(db, clinic.id, r.kind, r.channel)
    # one line: a line break in a name or template must not reach the mail's headers
    return " ".join(Template(subject).safe_substitute(values).split())[:200], Template(body).safe_substitute(values)


def send_due(
    db: Session, settings: Settings, channels: Mapping[str, Channel], *, now: dt.datetime | None = None
) -> SendReport:
    """Send every queued reminder that is due; one attempt each, recorded."""
    now = now or utcnow()
    report = SendReport()
    due = db.scalars(
        select(Reminder)
        .where(Reminder.status == "queued", Reminder.due_at <= now, Reminder.next_attempt_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
    ).all()
    for r in due:
        client, clinic = db.get(Client, r.client_id), db.get(Clinic, r.clinic_id)
        assert client is not None and clinic is not None
        rendered = None if client.reminders_opt_out or client.erased_at else _render(db, r, clinic, client)
        if rendered is None:
            r.status = "skipped"
            report.skipped += 1
            db.commit()
            continue
        subject, body = rendered
        channel = channels.get(r.channel)
        to = channel.address(client) if channel is not None else None
        error = None
        try:
            if channel is None:
                raise ChannelError(f"no {r.channel} channel is configured")
            if not to:
                raise ChannelError(f"the client has no {r.channel} address")
            channel.send(Message(to, subject, body))
        except ChannelError as exc:
            error = str(exc)
        r.attempts += 1
        db.add(
            ReminderAttempt(reminder_id=r.id, at=now, ok=error is None, error=error, to=to or "", subject=subject[:200])
        )
        if error is None:
            r.status, r.sent_at = "sent", now
            report.sent += 1
        else:
            report.failed += 1
            if r.attempts >= settings.reminder_max_attempts:
                r.status = "failed"
                report.given_up += 1
            else:
                wait = settings.reminder_retry_minutes * 2 ** (r.attempts - 1)
                r.next_attempt_at = now + dt.timedelta(minutes=wait)
        db.commit()
    return report


def list_queue(
    db: Session, actor: Actor, status: str | None, limit: int = 200
) -> list[tuple[Reminder, list[ReminderAttempt]]]:
    actor.require(OWNER)
    stmt = select(Reminder).where(Reminder.clinic_id == actor.clinic_id)
    if status:
        stmt = stmt.where(Reminder.status == status)
    rows = db.scalars(stmt.order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(limit)).all()
    attempts: dict[int, list[ReminderAttempt]] = {r.id: [] for r in rows}
    if rows:
        for a in db.scalars(
            select(ReminderAttempt).where(ReminderAttempt.reminder_id.in_(attempts)).order_by(ReminderAttempt.id)
        ):
            attempts[a.reminder_id].append(a)
    return [(r, attempts[r.id]) for r in rows]
