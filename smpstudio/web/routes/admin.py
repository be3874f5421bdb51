"""Clinic, users (owner only) and the audit trail (owner only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.web.deps import SignedIn

router = APIRouter(tags=["clinic"], responses={401: {}, 403: {}})

Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/clinic")
async def clinic(call: SignedIn) -> s.ClinicOut:
    return await call(lambda db, actor: s.ClinicOut.model_validate(services.get_clinic(db, actor)))


@router.get("/users")
async def list_users(call: SignedIn) -> list[s.UserOut]:
    return await call(lambda db, actor: [s.UserOut.model_validate(u) for u in services.list_users(db, actor)])


@router.post("/users", status_code=201, responses={409: {}})
async def create_user(body: s.UserCreate, call: SignedIn) -> s.UserOut:
    return await call(lambda db, actor: s.UserOut.model_validate(services.create_user(db, actor, body)))


@router.get("/audit", responses={404: {}})
async def audit_events(
    call: SignedIn,
    client_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[s.AuditOut]:
    page = s.Page(offset=offset, limit=limit)
    return await call(
        lambda db, actor: [s.AuditOut.model_validate(a) for a in services.list_audit(db, actor, client_id, page)]
    )
