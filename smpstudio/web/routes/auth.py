"""Sign in / out: a session cookie (HttpOnly, SameSite=Lax, Secure outside dev) plus a CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records.models import User
from smpstudio.records.services import Actor
from smpstudio.web.deps import CSRF_COOKIE, SESSION_COOKIE, Anonymous, SignedIn, set_session_cookies

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", responses={401: {}, 429: {}, 503: {}})
async def login(body: s.LoginIn, request: Request, response: Response, call: Anonymous) -> s.LoginOut:
    address = request.client.host if request.client else "unknown"
    state = call.state

    # the database work in two short calls of the ordinary pool, the argon2 hash in its own bounded pool
    # (smpstudio.web.hashing): a storm of sign-ins cannot take the threads other requests need
    services.check_sign_in_throttles(state.settings, state.throttle, address, body.email)  # no thread hop
    attempt = await call.anonymous(
        lambda db: services.sign_in_start(db, state.settings, state.throttle, address, body.email)
    )
    ok = await state.hasher.verify(attempt.password_hash, body.password)

    def finish(db: Session) -> tuple[services.SignIn, s.UserOut]:
        result = services.sign_in_finish(db, state.settings, state.throttle, attempt, ok)
        return result, s.UserOut.model_validate(result.user)

    result, user = await call.anonymous(finish)
    set_session_cookies(response, state.settings, result.token, result.csrf_token)
    return s.LoginOut(user=user, csrf_token=result.csrf_token)


@router.post("/logout", status_code=204, responses={401: {}, 403: {}})
async def logout(call: SignedIn) -> Response:
    token = call.token or ""  # call() refuses a request without a token before work runs

    def work(db: Session, _actor: Actor) -> None:
        services.sign_out(db, token)

    await call(work)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", responses={401: {}})
async def me(call: SignedIn) -> s.UserOut:
    return await call(lambda db, actor: s.UserOut.model_validate(db.get(User, actor.user_id)))
