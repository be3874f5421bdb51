"""Reminders that are sent: the clinic's templates, the queue with every attempt, and a run now
(the ``smp reminders`` worker does the same on a timer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from smpstudio.records import schemas_clinic as sc
from smpstudio.records import services_reminders as rem
from smpstudio.records.channels import EmailChannel
from smpstudio.web.deps import SignedIn

router = APIRouter(tags=["reminders"], responses={401: {}, 403: {}})


def _templates(db, clinic_id):
    return [
        sc.TemplateOut(kind=k, channel=ch, subject=t[0], body=t[1], placeholders=list(rem.PLACEHOLDERS))
        for k in rem.KINDS
        for ch in rem.CHANNELS
        for t in [rem.template(db, clinic_id, k, ch)]
    ]


@router.get("/reminder-templates")
async def list_templates(call: SignedIn) -> list[sc.TemplateOut]:
    """The clinic's wording of each message (the defaults until it edits them)."""
    return await call(lambda db, actor: _templates(db, actor.clinic_id))


@router.put("/reminder-templates", responses={422: {}})
async def set_template(body: sc.TemplateIn, call: SignedIn) -> list[sc.TemplateOut]:
    """Edit one message (owner only); placeholders: $first_name, $when, $place, $artist, ..."""

    def work(db, actor):
        rem.set_template(db, actor, body.kind, body.channel, body.subject, body.body)
        return _templates(db, actor.clinic_id)

    return await call(work)


@router.get("/reminders/queue")
async def queue(
    call: SignedIn,
    status: Annotated[str | None, Query(pattern="^(queued|sent|failed|skipped)$")] = None,
) -> list[sc.ReminderQueued]:
    """Queued and sent messages with each attempt (owner only)."""

    def work(db, actor):
        return [
            sc.ReminderQueued(
                id=r.id, client_id=r.client_id, kind=r.kind, channel=r.channel, detail=r.detail, due_at=r.due_at,
                status=r.status, attempts=r.attempts, next_attempt_at=r.next_attempt_at, sent_at=r.sent_at,
                tries=[sc.AttemptOut.model_validate(a) for a in tries],
            )
            for r, tries in rem.list_queue(db, actor, status)
        ]  # fmt: skip

    return await call(work)


@router.post("/reminders/run")
async def run(call: SignedIn) -> sc.RunOut:
    """Queue what is due and send it now through the configured SMTP server (owner only)."""
    settings = call.state.settings

    def work(db, actor):
        from smpstudio.records.services import OWNER

        actor.require(OWNER)
        queued = rem.queue_due(db, settings)
        report = rem.send_due(db, settings, {"email": EmailChannel.from_settings(settings)})
        return sc.RunOut(queued=queued, **vars(report))

    return await call(work)
