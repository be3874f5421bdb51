"""Clients and their consents, plans and sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.web.deps import SignedIn

router = APIRouter(responses={401: {}, 403: {}, 404: {}})

ClientId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


# ---- clients ---------------------------------------------------------------------------------------
@router.get("/clients", tags=["clients"])
async def list_clients(
    call: SignedIn,
    q: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[s.ClientSummary]:
    page = s.Page(offset=offset, limit=limit)
    return await call(
        lambda db, actor: [s.ClientSummary.model_validate(c) for c in services.list_clients(db, actor, page, q)]
    )


@router.post("/clients", status_code=201, tags=["clients"])
async def create_client(body: s.ClientCreate, call: SignedIn) -> s.ClientOut:
    return await call(lambda db, actor: s.ClientOut.model_validate(services.create_client(db, actor, body)))


@router.get("/clients/{client_id}", tags=["clients"])
async def get_client(client_id: ClientId, call: SignedIn) -> s.ClientOut:
    return await call(lambda db, actor: s.ClientOut.model_validate(services.get_client(db, actor, client_id)))


@router.patch("/clients/{client_id}", tags=["clients"], responses={409: {}})
async def update_client(client_id: ClientId, body: s.ClientUpdate, call: SignedIn) -> s.ClientOut:
    return await call(lambda db, actor: s.ClientOut.model_validate(services.update_client(db, actor, client_id, body)))


# ---- consents --------------------------------------------------------------------------------------
@router.get("/clients/{client_id}/consents", tags=["consents"])
async def list_consents(client_id: ClientId, call: SignedIn) -> list[s.ConsentOut]:
    return await call(
        lambda db, actor: [s.ConsentOut.model_validate(c) for c in services.list_consents(db, actor, client_id)]
    )


@router.post("/clients/{client_id}/consents", status_code=201, tags=["consents"], responses={409: {}})
async def create_consent(client_id: ClientId, body: s.ConsentCreate, call: SignedIn) -> s.ConsentOut:
    return await call(
        lambda db, actor: s.ConsentOut.model_validate(services.create_consent(db, actor, client_id, body))
    )


@router.get("/consents/{consent_id}", tags=["consents"])
async def get_consent(consent_id: ObjId, call: SignedIn) -> s.ConsentOut:
    return await call(lambda db, actor: s.ConsentOut.model_validate(services.get_consent(db, actor, consent_id)))


# ---- plans -----------------------------------------------------------------------------------------
@router.get("/clients/{client_id}/plans", tags=["plans"])
async def list_plans(client_id: ClientId, call: SignedIn) -> list[s.PlanSummary]:
    return await call(
        lambda db, actor: [s.PlanSummary.model_validate(p) for p in services.list_plans(db, actor, client_id)]
    )


@router.post("/clients/{client_id}/plans", status_code=201, tags=["plans"], responses={409: {}})
async def create_plan(client_id: ClientId, body: s.PlanCreate, call: SignedIn) -> s.PlanOut:
    """Store a plan.json as the client's next immutable version (plans are never edited in place)."""
    return await call(lambda db, actor: s.PlanOut.model_validate(services.create_plan(db, actor, client_id, body)))


@router.get("/plans/{plan_id}", tags=["plans"])
async def get_plan(plan_id: ObjId, call: SignedIn) -> s.PlanOut:
    return await call(lambda db, actor: s.PlanOut.model_validate(services.get_plan(db, actor, plan_id)))


# ---- sessions --------------------------------------------------------------------------------------
@router.get("/clients/{client_id}/sessions", tags=["sessions"])
async def list_sessions(client_id: ClientId, call: SignedIn) -> list[s.SessionOut]:
    return await call(
        lambda db, actor: [s.SessionOut.model_validate(t) for t in services.list_sessions(db, actor, client_id)]
    )


@router.post("/clients/{client_id}/sessions", status_code=201, tags=["sessions"], responses={409: {}})
async def create_session(client_id: ClientId, body: s.SessionCreate, call: SignedIn) -> s.SessionOut:
    return await call(
        lambda db, actor: s.SessionOut.model_validate(services.create_session(db, actor, client_id, body))
    )


@router.get("/sessions/{session_id}", tags=["sessions"])
async def get_session(session_id: ObjId, call: SignedIn) -> s.SessionOut:
    return await call(lambda db, actor: s.SessionOut.model_validate(services.get_session(db, actor, session_id)))


@router.patch("/sessions/{session_id}", tags=["sessions"], responses={409: {}})
async def update_session(session_id: ObjId, body: s.SessionUpdate, call: SignedIn) -> s.SessionOut:
    return await call(
        lambda db, actor: s.SessionOut.model_validate(services.update_session(db, actor, session_id, body))
    )
