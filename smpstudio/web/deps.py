"""Typed dependencies of the web layer: one worker-thread hop per request.

Routes are ``async`` and hand their whole database work to :class:`Call`: the session is opened, the
signed-in user looked up (cookie token, and the CSRF token on writes), the service run and its result
turned into a response schema in ONE call of the thread pool. FastAPI would otherwise run every sync
dependency, the sync endpoint and its response validation in separate thread-pool hops (5 per request),
each a cross-thread wake-up that contends for the GIL; on the 2-core machine the hops cost more CPU
than the queries themselves (benchmarks/load_records.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import APIKeyCookie, APIKeyHeader
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from smpstudio.records.db import DatabaseBusy
from smpstudio.records.errors import (
    BookingConflict,
    Busy,
    Conflict,
    DuplicateSession,
    Forbidden,
    InvalidInput,
    NotFound,
    SafetyRefused,
    TooManyAttempts,
    Unauthorized,
    WeakPassword,
)
from smpstudio.records.security import AddressThrottle
from smpstudio.records.services import Actor, audit_miss, session_actor
from smpstudio.records.services_photos import Vault
from smpstudio.records.settings import Settings
from smpstudio.web.hashing import PasswordPool

SESSION_COOKIE = "smp_session"
CSRF_COOKIE = "smp_csrf"


def set_session_cookies(response: Response, settings: Settings, token: str, csrf_token: str) -> None:
    """The session cookie (HttpOnly, SameSite=Lax) and the CSRF cookie (readable by the page, Strict), both
    Secure outside dev; set at sign-in and when a password change replaces the session."""
    max_age = int(settings.session_hours * 3600)
    secure = settings.secure_cookies
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/")
    response.set_cookie(
        CSRF_COOKIE, csrf_token, max_age=max_age, httponly=False, samesite="strict", secure=secure, path="/"
    )
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

T = TypeVar("T")

# HTTP statuses of the domain errors (decided here, in the web layer; the errors carry none). Any other
# SMPError is a 422 (smpstudio.web.app).
STATUS_OF: dict[type[Exception], int] = {
    NotFound: 404,  # also for records of another clinic: never revealed
    Forbidden: 403,
    Unauthorized: 401,
    TooManyAttempts: 429,
    Conflict: 409,
    Busy: 503,
    DatabaseBusy: 503,
    WeakPassword: 422,
    SafetyRefused: 409,  # the record's state forbids it (consent, patch test, ...): fix, then retry
    BookingConflict: 409,
    DuplicateSession: 409,
    InvalidInput: 422,
}
_MAPPED = tuple(STATUS_OF)


class PayloadTooLarge(HTTPException):
    """413: an upload over the settings' size limit (raised by the routes that read uploads)."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


def status_of(exc: Exception, default: int = 422) -> int:
    """The HTTP status of a domain error: its nearest class in :data:`STATUS_OF`."""
    return next((STATUS_OF[c] for c in type(exc).__mro__ if c in STATUS_OF), default)


def retry_headers(exc: Exception) -> dict[str, str] | None:
    """The Retry-After header of a 503: when the service had no capacity (:class:`Busy`: its own delay;
    no database write slot: 1 s)."""
    if isinstance(exc, Busy):
        return {"Retry-After": str(max(1, int(exc.retry_after_s)))}
    if isinstance(exc, DatabaseBusy):
        return {"Retry-After": "1"}
    return None


def http_error(exc: Exception) -> HTTPException:
    status = status_of(exc)
    if isinstance(exc, InvalidInput):  # shaped like FastAPI's own 422 answers (one schema in the OpenAPI)
        return HTTPException(status, [{"loc": list(exc.loc), "msg": str(exc), "type": "value_error"}])
    return HTTPException(status, str(exc), headers=retry_headers(exc))


@dataclass
class AppState:
    """What every request needs, built once by :func:`smpstudio.web.app.create_app`."""

    settings: Settings
    sessions: sessionmaker[Session]
    vault: Vault
    throttle: AddressThrottle
    hasher: PasswordPool


async def get_state(request: Request) -> AppState:  # async: no thread-pool hop for a dict look-up
    return request.app.state.smp  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]

_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="set by POST /api/auth/login")
_csrf = APIKeyHeader(
    name=CSRF_HEADER, auto_error=False, description="the csrf_token of the login answer; needed on writes"
)


def authenticate(db: Session, token: str, csrf: str | None, method: str) -> Actor:
    """The signed-in user of ``token``; state-changing requests must also carry the session's CSRF token."""
    found = session_actor(db, token)
    if found is None:
        raise Unauthorized("the session has expired or is invalid; sign in again")
    actor, csrf_token = found
    if method not in SAFE_METHODS:
        if not csrf or not hmac.compare_digest(csrf.encode(), csrf_token.encode()):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header (CSRF protection)")
    return actor


def _audit_miss(db: Session, actor: Actor, lookup: tuple[str, int]) -> None:
    """The miss's audit row in a transaction of its own; a failure to write it never hides the 404."""
    try:
        db.rollback()
        audit_miss(db, actor, *lookup)
    except (SQLAlchemyError, DatabaseBusy):
        db.rollback()


@dataclass
class Call:
    """Runs a request's database work in one worker thread (see the module docstring)."""

    state: AppState
    token: str | None
    csrf: str | None
    method: str

    async def __call__(self, work: Callable[[Session, Actor], T]) -> T:
        """``work(db, actor)`` for the signed-in user, in one worker thread with its own session."""
        if not self.token or len(self.token) > 200:
            raise Unauthorized("sign in first (POST /api/auth/login)")
        token = self.token

        def run() -> T:
            with self.state.sessions() as db:
                actor = authenticate(db, token, self.csrf, self.method)
                try:
                    return work(db, actor)
                except NotFound as exc:
                    if exc.lookup is not None:  # a look-up by id missed: audited for the caller's clinic
                        _audit_miss(db, actor, exc.lookup)
                    raise

        try:
            return await anyio.to_thread.run_sync(run)
        except _MAPPED as exc:
            raise http_error(exc) from None

    async def anonymous(self, work: Callable[[Session], T]) -> T:
        """``work(db)`` without a signed-in user (sign-in itself), in one worker thread."""

        def run() -> T:
            with self.state.sessions() as db:
                return work(db)

        try:
            return await anyio.to_thread.run_sync(run)
        except _MAPPED as exc:
            raise http_error(exc) from None


async def get_call(
    request: Request,
    state: StateDep,
    token: Annotated[str | None, Depends(_cookie)],
    csrf: Annotated[str | None, Depends(_csrf)],
) -> Call:
    return Call(state, token, csrf, request.method)


async def get_anonymous_call(request: Request, state: StateDep) -> Call:
    return Call(state, None, None, request.method)


SignedIn = Annotated[Call, Depends(get_call)]
"""The request's database work on behalf of the signed-in user: ``await call(lambda db, actor: ...)``."""
Anonymous = Annotated[Call, Depends(get_anonymous_call)]
"""The request's database work without a user (sign-in): ``await call.anonymous(lambda db: ...)``."""
