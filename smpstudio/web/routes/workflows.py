"""Inventory lots and recall, reminders (the old .ics redirects to the bookings calendar), GDPR export and erase."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from smpstudio.records import schemas as s
from smpstudio.records import services, services_workflows
from smpstudio.web.deps import SignedIn

router = APIRouter(responses={401: {}, 403: {}, 404: {}})

ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get("/lots", tags=["lots"])
async def list_lots(
    call: SignedIn,
    kind: s.LotKind | None = None,
    lot_number: Annotated[
        str | None, Query(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$", description="exact lot number")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[s.LotOut]:
    page = s.Page(offset=offset, limit=limit)
    return await call(
        lambda db, actor: [s.LotOut.model_validate(x) for x in services.list_lots(db, actor, kind, page, lot_number)]
    )


@router.post("/lots", status_code=201, tags=["lots"], responses={409: {}})
async def create_lot(body: s.LotCreate, call: SignedIn) -> s.LotOut:
    return await call(lambda db, actor: s.LotOut.model_validate(services.create_lot(db, actor, body)))


@router.get("/lots/{lot_id}", tags=["lots"])
async def get_lot(lot_id: ObjId, call: SignedIn) -> s.LotOut:
    return await call(lambda db, actor: s.LotOut.model_validate(services.get_lot(db, actor, lot_id)))


@router.get("/lots/{lot_id}/recall", tags=["lots"])
async def recall(lot_id: ObjId, call: SignedIn) -> s.RecallOut:
    """Every client and session that used this pigment or needle lot."""
    return await call(lambda db, actor: services_workflows.recall(db, actor, lot_id))


@router.get("/reminders", tags=["reminders"])
async def reminders(
    call: SignedIn,
    days: Annotated[int, Query(ge=0, le=3660, description="look this many days ahead")] = 30,
    overdue_days: Annotated[int, Query(ge=0, le=3660, description="and this many days back")] = 14,
) -> list[s.ReminderOut]:
    today = _today()
    return await call(
        lambda db, actor: services_workflows.clinic_reminders(
            db, actor, today=today, days=days, overdue_days=overdue_days
        )
    )


@router.get(
    "/clients/{client_id}/reminders.ics",
    tags=["reminders"],
    deprecated=True,
    status_code=308,
    response_class=RedirectResponse,
    responses={308: {"description": "moved to /api/clients/{client_id}/appointments.ics"}},
)
async def client_calendar(client_id: ObjId, request: Request) -> RedirectResponse:
    """Retired: the client's calendar is ``/api/clients/{client_id}/appointments.ics`` (timed events in the
    clinic's time zone with place and artist); this old address of all-day events redirects there."""
    return RedirectResponse(str(request.url_for("client_ics", client_id=client_id)), status_code=308)


@router.get(
    "/clients/{client_id}/export",
    tags=["gdpr"],
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "record.json and photos"}},
)
async def export_client(client_id: ObjId, call: SignedIn) -> Response:
    """GDPR export of the client's complete record (owner only)."""
    vault = call.state.vault
    data = await call(lambda db, actor: services_workflows.export_client(db, actor, vault, client_id))
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="client-{client_id}.zip"', "Cache-Control": "no-store"},
    )


@router.post("/clients/{client_id}/erase", tags=["gdpr"])
async def erase_client(client_id: ObjId, call: SignedIn) -> s.EraseOut:
    """GDPR erase (owner only): crypto-shred photos, clear what the retention rule does not require."""
    vault, today = call.state.vault, _today()
    return await call(lambda db, actor: services_workflows.erase_client(db, actor, vault, client_id, today=today))
