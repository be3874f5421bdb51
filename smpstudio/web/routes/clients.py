"""Clients and their consents, plans and sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.web.deps import CurrentUser, SessionDep

router = APIRouter(responses={401: {}, 403: {}, 404: {}})

ClientId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


# ---- clients ---------------------------------------------------------------------------------------
@router.get("/clients", tags=["clients"])
def list_clients(
    db: SessionDep,
    actor: CurrentUser,
    q: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[s.ClientSummary]:
    rows = services.list_clients(db, actor, s.Page(offset=offset, limit=limit), q)
    return [s.ClientSummary.model_validate(c) for c in rows]


@router.post("/clients", status_code=201, tags=["clients"])
def create_client(body: s.ClientCreate, db: SessionDep, actor: CurrentUser) -> s.ClientOut:
    return s.ClientOut.model_validate(services.create_client(db, actor, body))


@router.get("/clients/{client_id}", tags=["clients"])
def get_client(client_id: ClientId, db: SessionDep, actor: CurrentUser) -> s.ClientOut:
    return s.ClientOut.model_validate(services.get_client(db, actor, client_id))


@router.patch("/clients/{client_id}", tags=["clients"], responses={409: {}})
def update_client(client_id: ClientId, body: s.ClientUpdate, db: SessionDep, actor: CurrentUser) -> s.ClientOut:
    return s.ClientOut.model_validate(services.update_client(db, actor, client_id, body))


# ---- consents --------------------------------------------------------------------------------------
@router.get("/clients/{client_id}/consents", tags=["consents"])
def list_consents(client_id: ClientId, db: SessionDep, actor: CurrentUser) -> list[s.ConsentOut]:
    return [s.ConsentOut.model_validate(c) for c in services.list_consents(db, actor, client_id)]


@router.post("/clients/{client_id}/consents", status_code=201, tags=["consents"], responses={409: {}})
def create_consent(client_id: ClientId, body: s.ConsentCreate, db: SessionDep, actor: CurrentUser) -> s.ConsentOut:
    return s.ConsentOut.model_validate(services.create_consent(db, actor, client_id, body))


@router.get("/consents/{consent_id}", tags=["consents"])
def get_consent(consent_id: ObjId, db: SessionDep, actor: CurrentUser) -> s.ConsentOut:
    return s.ConsentOut.model_validate(services.get_consent(db, actor, consent_id))


# ---- plans -----------------------------------------------------------------------------------------
@router.get("/clients/{client_id}/plans", tags=["plans"])
def list_plans(client_id: ClientId, db: SessionDep, actor: CurrentUser) -> list[s.PlanSummary]:
    return [s.PlanSummary.model_validate(p) for p in services.list_plans(db, actor, client_id)]


@router.post("/clients/{client_id}/plans", status_code=201, tags=["plans"], responses={409: {}})
def create_plan(client_id: ClientId, body: s.PlanCreate, db: SessionDep, actor: CurrentUser) -> s.PlanOut:
    """Store a plan.json as the client's next immutable version (plans are never edited in place)."""
    return s.PlanOut.model_validate(services.create_plan(db, actor, client_id, body))


@router.get("/plans/{plan_id}", tags=["plans"])
def get_plan(plan_id: ObjId, db: SessionDep, actor: CurrentUser) -> s.PlanOut:
    return s.PlanOut.model_validate(services.get_plan(db, actor, plan_id))


# ---- sessions --------------------------------------------------------------------------------------
@router.get("/clients/{client_id}/sessions", tags=["sessions"])
def list_sessions(client_id: ClientId, db: SessionDep, actor: CurrentUser) -> list[s.SessionOut]:
    return [s.SessionOut.model_validate(t) for t in services.list_sessions(db, actor, client_id)]


@router.post("/clients/{client_id}/sessions", status_code=201, tags=["sessions"], responses={409: {}})
def create_session(client_id: ClientId, body: s.SessionCreate, db: SessionDep, actor: CurrentUser) -> s.SessionOut:
    return s.SessionOut.model_validate(services.create_session(db, actor, client_id, body))


@router.get("/sessions/{session_id}", tags=["sessions"])
def get_session(session_id: ObjId, db: SessionDep, actor: CurrentUser) -> s.SessionOut:
    return s.SessionOut.model_validate(services.get_session(db, actor, session_id))


@router.patch("/sessions/{session_id}", tags=["sessions"], responses={409: {}})
def update_session(session_id: ObjId, body: s.SessionUpdate, db: SessionDep, actor: CurrentUser) -> s.SessionOut:
    return s.SessionOut.model_validate(services.update_session(db, actor, session_id, body))
