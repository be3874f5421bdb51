"""Sign in / out: a session cookie (HttpOnly, SameSite=Lax, Secure outside dev) plus a CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.security import APIKeyCookie

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.web.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentUser, SessionDep, StateDep

router = APIRouter(prefix="/auth", tags=["auth"])
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)


@router.post("/login", responses={401: {}, 429: {}})
def login(body: s.LoginIn, request: Request, response: Response, db: SessionDep, state: StateDep) -> s.LoginOut:
    address = request.client.host if request.client else "unknown"
    result = services.sign_in(db, state.settings, state.throttle, address, body.email, body.password)
    max_age = int(state.settings.session_hours * 3600)
    secure = state.settings.secure_cookies
    response.set_cookie(
        SESSION_COOKIE, result.token, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, result.csrf_token, max_age=max_age, httponly=False, samesite="strict", secure=secure, path="/"
    )
    return s.LoginOut(user=s.UserOut.model_validate(result.user), csrf_token=result.csrf_token)


@router.post("/logout", status_code=204, responses={401: {}, 403: {}})
def logout(request: Request, db: SessionDep, actor: CurrentUser) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.sign_out(db, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", responses={401: {}})
def me(db: SessionDep, actor: CurrentUser) -> s.UserOut:
    from smpstudio.records.models import User

    user = db.get(User, actor.user_id)
    return s.UserOut.model_validate(user)
