"""Accounts: an owner deactivates or reactivates a user and ends their sessions; a user changes their
own password and ends their other sessions (issue 13 item 10). Every change is audited.

A session ends by deleting its row: :func:`smpstudio.records.services.session_actor` finds no user for
its cookie from the next request on. A deactivated user's sessions are deleted too, sign-in refuses
an inactive account with the wrong-password answer (:func:`smpstudio.records.services.sign_in_finish`),
and their calendar feeds are revoked (a feed URL is a key of its own: it would go on listing the
clinic's bookings with client names in a calendar app the user keeps).

The password's slow argon2 work is not done here: :func:`password_change_start` hands the web layer the
stored hash to verify and :func:`password_change_finish` stores the new hash only if the stored one is
still the one verified (compare and set), so two changes at once cannot both win. The change replaces
the asking session by a new one (new cookie and CSRF token) and ends all the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from smpstudio.records import schemas as s
from smpstudio.records.errors import Conflict, Forbidden, TooManyAttempts, WeakPassword
from smpstudio.records.models import LoginSession, User, utcnow
from smpstudio.records.models_clinic import Appointment, CalendarFeed
from smpstudio.records.security import new_token, password_problem, token_digest
from smpstudio.records.services import OWNER, Actor, audit, lock_clinic, owned
from smpstudio.records.services_bookings import BOOKED
from smpstudio.records.settings import Settings


def _end_sessions(db: Session, user_id: int, keep_token: str | None = None) -> int:
    stmt = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep_token is not None:
        stmt = stmt.where(LoginSession.token_sha256 != token_digest(keep_token))
    return int(db.execute(stmt.execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]


def _revoke_feeds(db: Session, user_id: int) -> int:
    stmt = (
        update(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    return int(db.execute(stmt).rowcount)  # type: ignore[attr-defined]


def bookings_ahead(db: Session, actor: Actor, user_id: int) -> int:
    """The live appointments of the clinic still to come with ``user_id`` as the artist: a deactivated
    artist keeps them until the front desk moves them, so the owner is told how many."""
    return int(db.scalar(
        select(func.count()).select_from(Appointment).where(
            Appointment.clinic_id == actor.clinic_id, Appointment.artist_id == user_id,
            Appointment.status == BOOKED, Appointment.ends_at > utcnow(),
        )
    ) or 0)


def set_user_active(db: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (``active=False``: their sessions end at once, their calendar feeds are revoked) or
    reactivate a user of the clinic (the revoked feeds stay revoked).

    Owner only. The clinic's last active owner cannot be deactivated (:class:`Conflict`).
    """
    actor.require(OWNER)
    lock_clinic(db, actor)  # ordered with every other change of the clinic's owners
    user = owned(db, actor, User, user_id, "user")
    if user.active == active:
        db.commit()
        return user
    ended = feeds = 0
    if not active:
        if user.role == s.Role.owner.value:
            others = db.scalar(
                select(func.count()).select_from(User).where(
                    User.clinic_id == actor.clinic_id, User.role == s.Role.owner.value,
                    User.active.is_(True), User.id != user.id,
                )
            )
            if not others:
                db.rollback()
                raise Conflict("the clinic's last active owner cannot be deactivated; make another user owner first")
        ended = _end_sessions(db, user.id)
        feeds = _revoke_feeds(db, user.id)
    user.active = active
    user.failed_logins = 0
    user.locked_until = None
    detail = None
    if not active:
        ahead = bookings_ahead(db, actor, user.id)
        detail = f"{ended} sessions ended" + (f"; {feeds} calendar feeds revoked" if feeds else "")
        detail += f"; {ahead} appointments ahead still booked with them" if ahead else ""
    audit(db, actor, "deactivate" if not active else "activate", "user", user.id, detail=detail)
    db.commit()
    return user


def end_user_sessions(db: Session, actor: Actor, user_id: int) -> int:
    """End every session of a user of the clinic (owner only); the number ended."""
    actor.require(OWNER)
    user = owned(db, actor, User, user_id, "user")
    ended = _end_sessions(db, user.id)
    audit(db, actor, "end_sessions", "user", user.id, detail=f"{ended} sessions ended")
    db.commit()
    return ended


def list_my_sessions(db: Session, actor: Actor, token: str) -> Sequence[tuple[LoginSession, bool]]:
    """The user's live sessions, newest first, each with whether it is the one asking."""
    now = utcnow()
    rows = db.scalars(
        select(LoginSession).where(LoginSession.user_id == actor.user_id, LoginSession.expires_at > now)
        .order_by(LoginSession.id.desc())
    ).all()
    mine = token_digest(token)
    return [(row, row.token_sha256 == mine) for row in rows]


def end_my_other_sessions(db: Session, actor: Actor, token: str) -> int:
    """End the user's sessions other than the one of ``token``; the number ended."""
    ended = _end_sessions(db, actor.user_id, keep_token=token)
    audit(db, actor, "end_sessions", "user", actor.user_id, detail=f"{ended} other sessions ended by the user")
    db.commit()
    return ended


@dataclass(frozen=True)
class PasswordChangeAttempt:
    """What :func:`password_change_start` found: the hash to verify the current password against."""

    user_id: int
    email: str
    password_hash: str


def _locked(user: User) -> bool:
    """The account-wide lock of :func:`smpstudio.records.services.sign_in` (never an owner's)."""
    return user.role != s.Role.owner.value and user.locked_until is not None and user.locked_until > utcnow()


def password_change_start(db: Session, settings: Settings, actor: Actor, new_password: str) -> PasswordChangeAttempt:
    """The user's stored hash, once the new password passes the policy (:class:`WeakPassword`) and the
    account is not locked by wrong passwords (:class:`TooManyAttempts`: the lock of sign-in holds here)."""
    user = db.get(User, actor.user_id)
    if user is None or not user.active:
        raise Forbidden("this account is not active")
    if _locked(user):
        db.rollback()
        raise TooManyAttempts("this account is locked after repeated wrong passwords; "
                              f"try again in {settings.lockout_minutes:g} minutes")
    problem = password_problem(new_password, [user.email, user.name])
    db.commit()
    if problem:
        raise WeakPassword(problem)
    return PasswordChangeAttempt(user.id, user.email, user.password_hash)


def password_change_refused(db: Session, settings: Settings, actor: Actor) -> None:
    """A wrong current password counts as a failed sign-in of the account (not for owners, as there):
    ``settings.login_max_failures`` of them from any addresses lock it for ``settings.lockout_minutes``.
    The per-address throttles are in memory, per worker; this count is in the database."""
    user = db.get(User, actor.user_id)
    if user is None or user.role == s.Role.owner.value:
        db.rollback()
        return
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = utcnow() + dt.timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
        audit(db, actor, "lockout", "user", user.id, detail="wrong current passwords in a password change")
    db.commit()


@dataclass(frozen=True)
class PasswordChanged:
    """The new session that replaces the one the change was made in, and how many others ended."""

    ended: int
    token: str
    csrf_token: str
    expires_at: dt.datetime


def password_change_finish(
    db: Session, settings: Settings, actor: Actor, attempt: PasswordChangeAttempt, new_hash: str
) -> PasswordChanged:
    """Store ``new_hash`` if the password was not changed meanwhile, end every session of the user and
    open a new one for the tablet that made the change (OWASP: renew the session after a password change;
    a copy of the old cookie, often why the password is changed, stops working too); audit."""
    changed = db.execute(
        update(User).where(User.id == attempt.user_id, User.password_hash == attempt.password_hash)
        .values(password_hash=new_hash, failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        db.rollback()
        raise Conflict("the password was changed meanwhile; sign in again")
    ended = max(0, _end_sessions(db, attempt.user_id) - 1)  # the asking one is replaced, not ended
    token, csrf = new_token(), new_token()
    expires = utcnow() + dt.timedelta(hours=settings.session_hours)
    db.add(LoginSession(user_id=attempt.user_id, token_sha256=token_digest(token), csrf_token=csrf, expires_at=expires))
    audit(db, actor, "password", "user", attempt.user_id, detail=f"password changed; {ended} other sessions ended")
    db.commit()
    return PasswordChanged(ended, token, csrf, expires)
