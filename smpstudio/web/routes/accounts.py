"""Accounts (issue 13 item 10): a user's own password and sessions; an owner's deactivation of a user
and ending of a user's sessions. Validation here, the work in smpstudio.records.services_accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.orm import Session

from smpstudio.records import schemas as s
from smpstudio.records import schemas_accounts as sa
from smpstudio.records import services, services_accounts
from smpstudio.records.errors import Forbidden
from smpstudio.records.services import Actor
from smpstudio.web.deps import SignedIn, set_session_cookies

router = APIRouter(tags=["accounts"], responses={401: {}, 403: {}})

UserId = Annotated[int, Path(ge=1, le=2_147_483_647)]
WRONG_CURRENT = "the current password is wrong"


@router.get("/auth/sessions")
async def my_sessions(call: SignedIn) -> list[sa.SessionOut]:
    token = call.token or ""

    def work(db: Session, actor: Actor) -> list[sa.SessionOut]:
        rows = services_accounts.list_my_sessions(db, actor, token)
        return [sa.SessionOut.model_validate(row).model_copy(update={"current": cur}) for row, cur in rows]

    return await call(work)


@router.post("/auth/sessions/end-others")
async def end_my_other_sessions(call: SignedIn) -> sa.SessionsEnded:
    token = call.token or ""
    ended = await call(lambda db, actor: services_accounts.end_my_other_sessions(db, actor, token))
    return sa.SessionsEnded(ended=ended)


@router.post("/auth/password", responses={409: {}, 422: {}, 429: {}, 503: {}})
async def change_password(
    body: sa.PasswordChange, request: Request, response: Response, call: SignedIn
) -> sa.PasswordChangedOut:
    """The signed-in user's new password: the current one is verified (with the sign-in's lockout per
    address and e-mail), the policy applies, every session of the user ends and this tablet gets a new
    one (new cookie and CSRF token in the answer)."""
    state = call.state
    address = request.client.host if request.client else "unknown"
    attempt = await call(
        lambda db, actor: services_accounts.password_change_start(db, state.settings, actor, body.new_password)
    )
    pair = services.check_sign_in_throttles(state.settings, state.throttle, address, attempt.email)
    if not await state.hasher.verify(attempt.password_hash, body.current_password):
        state.throttle.failed(address)
        state.throttle.pair_failed(pair)
        await call(lambda db, actor: services_accounts.password_change_refused(db, state.settings, actor))
        raise Forbidden(WRONG_CURRENT)  # a 403, not a 401: the session itself is fine
    new_hash = await state.hasher.hash(body.new_password)
    done = await call(
        lambda db, actor: services_accounts.password_change_finish(db, state.settings, actor, attempt, new_hash)
    )
    set_session_cookies(response, state.settings, done.token, done.csrf_token)
    return sa.PasswordChangedOut(ended=done.ended, csrf_token=done.csrf_token)


@router.post("/users/{user_id}/deactivate", responses={404: {}, 409: {}})
async def deactivate_user(user_id: UserId, call: SignedIn) -> sa.DeactivatedOut:
    """Their sessions end at once and their calendar feeds are revoked; ``appointments_ahead`` counts the
    bookings still to come with them (the front desk moves them)."""

    def work(db: Session, actor: Actor) -> sa.DeactivatedOut:
        user = s.UserOut.model_validate(services_accounts.set_user_active(db, actor, user_id, False))
        ahead = services_accounts.bookings_ahead(db, actor, user_id)
        db.commit()
        return sa.DeactivatedOut(**user.model_dump(), appointments_ahead=ahead)

    return await call(work)


@router.post("/users/{user_id}/activate", responses={404: {}})
async def activate_user(user_id: UserId, call: SignedIn) -> s.UserOut:
    return await call(
        lambda db, actor: s.UserOut.model_validate(services_accounts.set_user_active(db, actor, user_id, True))
    )


@router.post("/users/{user_id}/sessions/end", responses={404: {}})
async def end_user_sessions(user_id: UserId, call: SignedIn) -> sa.SessionsEnded:
    return await call(lambda db, actor: sa.SessionsEnded(ended=services_accounts.end_user_sessions(db, actor, user_id)))
