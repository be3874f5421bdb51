"""Clinic, users (owner only) and the audit trail (owner only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.web.deps import CurrentUser, SessionDep

router = APIRouter(tags=["clinic"], responses={401: {}, 403: {}})

Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/clinic")
def clinic(db: SessionDep, actor: CurrentUser) -> s.ClinicOut:
    return s.ClinicOut.model_validate(services.get_clinic(db, actor))


@router.get("/users")
def list_users(db: SessionDep, actor: CurrentUser) -> list[s.UserOut]:
    return [s.UserOut.model_validate(u) for u in services.list_users(db, actor)]


@router.post("/users", status_code=201, responses={409: {}})
def create_user(body: s.UserCreate, db: SessionDep, actor: CurrentUser) -> s.UserOut:
    return s.UserOut.model_validate(services.create_user(db, actor, body))


@router.get("/audit", responses={404: {}})
def audit_events(
    db: SessionDep,
    actor: CurrentUser,
    client_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[s.AuditOut]:
    page = s.Page(offset=offset, limit=limit)
    return [s.AuditOut.model_validate(a) for a in services.list_audit(db, actor, client_id, page)]
