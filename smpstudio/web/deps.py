"""Typed dependencies of the web layer: the database session and the signed-in user."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader
from sqlalchemy.orm import Session, sessionmaker

from smpstudio.records.errors import Forbidden, Unauthorized
from smpstudio.records.schemas import Role
from smpstudio.records.security import AddressThrottle
from smpstudio.records.services import Actor, session_user
from smpstudio.records.services_photos import Vault
from smpstudio.records.settings import Settings

SESSION_COOKIE = "smp_session"
CSRF_COOKIE = "smp_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AppState:
    """What every request needs, built once by :func:`smpstudio.web.app.create_app`."""

    settings: Settings
    sessions: sessionmaker[Session]
    vault: Vault
    throttle: AddressThrottle


async def get_state(request: Request) -> AppState:  # async: no thread-pool hop for a dict look-up
    return request.app.state.smp  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]


def get_db(state: StateDep) -> Iterator[Session]:
    with state.sessions() as db:
        yield db


SessionDep = Annotated[Session, Depends(get_db)]

_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="set by POST /api/auth/login")
_csrf = APIKeyHeader(
    name=CSRF_HEADER, auto_error=False, description="the csrf_token of the login answer; needed on writes"
)


def current_actor(
    request: Request,
    db: SessionDep,
    token: Annotated[str | None, Depends(_cookie)],
    csrf: Annotated[str | None, Depends(_csrf)],
) -> Actor:
    """The signed-in user; state-changing requests must also carry the session's CSRF token."""
    if not token or len(token) > 200:
        raise Unauthorized("sign in first (POST /api/auth/login)")
    found = session_user(db, token)
    if found is None:
        raise Unauthorized("the session has expired or is invalid; sign in again")
    user, login = found
    if request.method not in SAFE_METHODS:
        if not csrf or not hmac.compare_digest(csrf.encode(), login.csrf_token.encode()):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header (CSRF protection)")
    return Actor(user_id=user.id, clinic_id=user.clinic_id, role=Role(user.role))


CurrentUser = Annotated[Actor, Depends(current_actor)]
