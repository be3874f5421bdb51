"""Services of the clinic records: every query is scoped to the caller's clinic, every read or write
of a client's record writes an :class:`AuditEvent` in the same transaction.

The web layer validates input with :mod:`smpstudio.records.schemas`, calls one function here and
returns its result; nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smpstudio.pipeline.document import document_json
from smpstudio.records import schemas as s
from smpstudio.records.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    WeakPassword,
)
from smpstudio.records.models import (
    AuditEvent,
    Client,
    Clinic,
    Consent,
    InventoryLot,
    LoginSession,
    Plan,
    User,
    utcnow,
)
from smpstudio.records.security import (
    AddressThrottle,
    hash_password,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from smpstudio.records.settings import Settings

T = TypeVar("T")

WRITERS = (s.Role.owner, s.Role.artist)
EVERYONE = (s.Role.owner, s.Role.artist, s.Role.front_desk)
OWNER = (s.Role.owner,)


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a service runs."""

    user_id: int
    clinic_id: int
    role: s.Role

    def require(self, roles: Sequence[s.Role]) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this needs the role {allowed}; you are {self.role.value}")


def audit(
    db: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    client_id: int | None = None,
    clinic_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Insert an audit event in the current transaction (committed, or rolled back, with the change or
    read it records).

    A plain INSERT, not an ORM object: every request writes one, and the unit of work's flush cost
    more than the query itself.
    """
    db.execute(
        _AUDIT_INSERT,
        {
            "clinic_id": actor.clinic_id if actor else clinic_id,
            "user_id": actor.user_id if actor else None,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "client_id": client_id,
            "at": utcnow(),
            "detail": None if detail is None else detail[:500],
        },
    )


_AUDIT_INSERT = insert(AuditEvent.__table__)  # type: ignore[arg-type]


def owned(db: Session, actor: Actor, model: type[T], obj_id: int, what: str | None = None) -> T:
    """The row ``obj_id`` of ``model`` if it belongs to the actor's clinic, else :class:`NotFound`."""
    row = db.scalar(
        select(model).where(model.id == obj_id, model.clinic_id == actor.clinic_id)  # type: ignore[attr-defined]
    )
    if row is None:
        name = what or model.__name__.lower()
        raise NotFound(f"{name} {obj_id} not found", lookup=(name, obj_id))
    return row


MISS_AUDIT_WINDOW_MIN = 10.0
MISS_AUDIT_MAX = 20  # audit rows of failed look-ups per user and window: a probe cannot flood the log


def audit_miss(db: Session, actor: Actor, entity: str, entity_id: int) -> bool:
    """Audit a failed look-up by id (``action="not_found"``) for the caller's clinic; True if written.

    Called after the request's own transaction was rolled back, in a transaction of its own. Every miss
    is recorded the same way, whether the id is unused or belongs to another clinic, so the log tells
    the clinic's owner nothing about other clinics; probing another clinic's ids shows up as a run of
    these rows. At most :data:`MISS_AUDIT_MAX` rows per user in :data:`MISS_AUDIT_WINDOW_MIN` minutes
    (counted in the database, so it holds across worker processes); the last one says that further
    misses go unrecorded for the rest of the window.
    """
    since = utcnow() - dt.timedelta(minutes=MISS_AUDIT_WINDOW_MIN)
    recent = db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.clinic_id == actor.clinic_id,
            AuditEvent.at > since,
            AuditEvent.user_id == actor.user_id,
            AuditEvent.action == "not_found",
        )
    ) or 0
    if recent >= MISS_AUDIT_MAX:
        db.rollback()
        return False
    detail = f"{entity} {entity_id}: no such record in this clinic"
    if recent + 1 == MISS_AUDIT_MAX:
        detail += f"; further misses by this user in the next {MISS_AUDIT_WINDOW_MIN:g} minutes are not recorded"
    audit(db, actor, "not_found", entity[:40], entity_id if abs(entity_id) < 2**31 else None, detail=detail)
    db.commit()
    return True


def precheck_changeable_client(db: Session, actor: Actor, client_id: int) -> Client:
    """The actor's clinic's client ``client_id`` if its record may still change, without locking it:
    :class:`NotFound` for another clinic's id, :class:`Conflict` once the client was erased.

    Only for refusing early, before slow work (decoding a photo, analysing it); the write that follows
    takes :func:`changeable_client`, which checks again under the erase lock.
    """
    client = owned(db, actor, Client, client_id, "client")
    if client.erased_at is not None:
        raise Conflict(f"client {client_id} was erased; the record can no longer be changed")
    return client


def lock_client(db: Session, actor: Actor, client_id: int) -> Client:
    """The client's row, locked for the rest of the transaction: THE erase lock.

    The first statement is a no-op UPDATE of the row, which holds the row lock on PostgreSQL and
    SQLite's write lock until commit or rollback. :func:`~smpstudio.records.services_workflows.erase_client`
    and the photo upload's final transaction both start with it, so an erase and an upload are ordered:
    the erase sees (and shreds) every photo committed before it, and an upload that comes after it finds
    ``erased_at`` set and stores nothing.
    """
    locked = db.execute(
        update(Client)
        .where(Client.id == client_id, Client.clinic_id == actor.clinic_id)
        .values(erased_at=Client.erased_at)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        raise NotFound(f"client {client_id} not found", lookup=("client", client_id))
    client = db.scalar(
        select(Client).where(Client.id == client_id).execution_options(populate_existing=True)
    )
    assert client is not None
    return client


def changeable_client(db: Session, actor: Actor, client_id: int) -> Client:
    """The client's row under the erase lock (:func:`lock_client`), or :class:`Conflict` if it was erased.

    Every write to a client's record takes it before its checks: a write and an erase are ordered, so
    the erase clears (or shreds) everything committed before it, and a write that comes after it finds
    ``erased_at`` set and changes nothing. Writes numbered per client (treatment sessions, plan versions)
    are ordered by it too: the second reads the first's number and takes the next one. Lock order: the
    clinic's row (:func:`lock_clinic`) before the client's, never the other way round.
    """
    client = lock_client(db, actor, client_id)
    if client.erased_at is not None:
        db.rollback()
        raise Conflict(f"client {client_id} was erased; the record can no longer be changed")
    return client


def lock_clinic(db: Session, actor: Actor) -> None:
    """Hold the clinic's row until commit or rollback (a no-op UPDATE: PostgreSQL's row lock, SQLite's
    write lock): checks that span many rows of the clinic are ordered with the writes they guard.

    Taken first by changes of the clinic's owners (two owners deactivating each other cannot leave none)
    and by bookings (two bookings of one artist, room or client at once cannot both pass the clash
    check). A plain UPDATE of non-key columns: inserts referencing the clinic (their foreign key's
    KEY SHARE lock) are not blocked by it.
    """
    db.execute(
        update(Clinic)
        .where(Clinic.id == actor.clinic_id)
        .values(name=Clinic.name)
        .execution_options(synchronize_session=False)
    )


# ---- sign-in ---------------------------------------------------------------------------------------
@dataclass
class SignIn:
    user: User
    token: str
    csrf_token: str
    expires_at: dt.datetime


WRONG_CREDENTIALS = "wrong e-mail or password"


@dataclass(frozen=True)
class SignInAttempt:
    """What :func:`sign_in_start` found; the password is verified outside the database's threads."""

    address: str
    email: str
    pair: str
    user_id: int | None
    password_hash: str | None


def sign_in(
    db: Session, settings: Settings, throttle: AddressThrottle, address: str, email: str, password: str
) -> SignIn:
    """Check the password (argon2id) with lockouts that reveal no account and spare the owner.

    * per address: ``throttle.max_attempts`` failures in its window, whatever the e-mails (429);
    * per (address, e-mail): ``settings.login_max_failures`` failures lock that e-mail from that address
      for ``settings.lockout_minutes`` (429). Counted the same for unknown e-mails, so the answer says
      nothing about whether an account exists; and it locks only the attacker's address, so nobody can
      lock the owner out from elsewhere;
    * per account (not for owners): as many failures from any addresses lock the account; a locked
      account answers exactly as a wrong password does (401, same text, same argon2 cost).

    The three steps (:func:`sign_in_start`, :func:`verify_password`, :func:`sign_in_finish`) are also
    called one by one, so that the web layer runs the slow hash in its own bounded pool.
    """
    attempt = sign_in_start(db, settings, throttle, address, email)
    return sign_in_finish(db, settings, throttle, attempt, verify_password(attempt.password_hash, password))


def check_sign_in_throttles(settings: Settings, throttle: AddressThrottle, address: str, email: str) -> str:
    """The in-memory throttles (no database): :class:`TooManyAttempts`, or the (address, e-mail) key.
    Cheap, so the web layer calls it before any thread hop: a storm's refused attempts cost little."""
    if throttle.blocked(address):
        raise TooManyAttempts("too many failed sign-ins from this address; wait a few minutes")
    pair = f"{address}\x00{email}"
    if throttle.pair_blocked(pair, settings.login_max_failures, settings.lockout_minutes * 60):
        throttle.failed(address)
        raise TooManyAttempts(
            "sign-in with this e-mail is locked from this address after repeated failures; "
            f"try again in {settings.lockout_minutes:g} minutes"
        )
    return pair


def sign_in_start(
    db: Session, settings: Settings, throttle: AddressThrottle, address: str, email: str
) -> SignInAttempt:
    """The throttles' checks and the account's hash (None for an unknown e-mail); ends its transaction."""
    pair = check_sign_in_throttles(settings, throttle, address, email)
    row = db.execute(select(User.id, User.password_hash).where(User.email == email)).first()
    db.commit()
    return SignInAttempt(address, email, pair, row[0] if row else None, row[1] if row else None)


def sign_in_finish(
    db: Session, settings: Settings, throttle: AddressThrottle, attempt: SignInAttempt, ok: bool
) -> SignIn:
    """The outcome of a verified (``ok``) or failed attempt: a new session, or the counters and 401."""
    user = db.get(User, attempt.user_id) if attempt.user_id is not None else None
    now = utcnow()
    ok = ok and user is not None and user.password_hash == attempt.password_hash  # not changed meanwhile
    owner = user is not None and user.role == s.Role.owner.value
    locked = user is not None and not owner and user.locked_until is not None and user.locked_until > now
    if not ok or user is None or not user.active or locked:
        throttle.failed(attempt.address)
        throttle.pair_failed(attempt.pair)
        if user is not None and not ok and not owner:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
                user.failed_logins = 0
                audit(db, None, "lockout", "user", user.id, clinic_id=user.clinic_id)
            db.commit()
        raise Unauthorized(WRONG_CREDENTIALS)
    throttle.succeeded(attempt.address)
    throttle.pair_succeeded(attempt.pair)
    user.failed_logins = 0
    user.locked_until = None
    token, csrf = new_token(), new_token()
    expires = now + dt.timedelta(hours=settings.session_hours)
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now))
    db.add(LoginSession(user_id=user.id, token_sha256=token_digest(token), csrf_token=csrf, expires_at=expires))
    audit(db, Actor(user.id, user.clinic_id, s.Role(user.role)), "login", "user", user.id)
    db.commit()
    return SignIn(user, token, csrf, expires)


def session_actor(db: Session, token: str) -> tuple[Actor, str] | None:
    """The signed-in user of a cookie token and the session's CSRF token, if the token is valid, not
    expired and its user active. (Columns, not ORM objects: this runs on every request.)"""
    row = db.execute(
        select(User.id, User.clinic_id, User.role, User.active, LoginSession.csrf_token, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_sha256 == token_digest(token))
    ).first()
    if row is None:
        return None
    user_id, clinic_id, role, active, csrf_token, expires_at = row
    if expires_at <= utcnow() or not active:
        return None
    return Actor(user_id, clinic_id, s.Role(role)), csrf_token


def sign_out(db: Session, token: str) -> None:
    login = db.scalar(select(LoginSession).where(LoginSession.token_sha256 == token_digest(token)))
    if login is not None:
        db.delete(login)
        db.commit()


# ---- clinic and users ------------------------------------------------------------------------------
def get_clinic(db: Session, actor: Actor) -> Clinic:
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None
    return clinic


def list_users(db: Session, actor: Actor) -> Sequence[User]:
    actor.require(OWNER)
    return db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.id)).all()


def create_user(db: Session, actor: Actor, data: s.UserCreate) -> User:
    actor.require(OWNER)
    if db.scalar(select(User.id).where(User.email == data.email)) is not None:
        raise Conflict("a user with this e-mail already exists")
    user = User(
        clinic_id=actor.clinic_id,
        email=data.email,
        name=data.name,
        role=data.role.value,
        password_hash=hash_password(data.password),
    )
    db.add(user)
    _commit(db, "a user with this e-mail already exists")
    audit(db, actor, "create", "user", user.id)
    db.commit()
    return user


def _commit(db: Session, conflict_message: str) -> None:
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(conflict_message) from None


# ---- clients ---------------------------------------------------------------------------------------
def list_clients(db: Session, actor: Actor, page: s.Page, query: str | None = None) -> Sequence[Client]:
    stmt = select(Client).where(Client.clinic_id == actor.clinic_id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(or_(func.lower(Client.first_name).like(like), func.lower(Client.last_name).like(like)))
    rows = db.scalars(stmt.order_by(Client.last_name, Client.id).offset(page.offset).limit(page.limit)).all()
    audit(db, actor, "list", "client", None, detail=f"{len(rows)} clients" + (f", query {query!r}" if query else ""))
    db.commit()
    return rows


def get_client(db: Session, actor: Actor, client_id: int, *, audit_read: bool = True) -> Client:
    client = owned(db, actor, Client, client_id, "client")
    if audit_read:
        audit(db, actor, "read", "client", client.id, client_id=client.id)
        db.commit()
    return client


def create_client(db: Session, actor: Actor, data: s.ClientCreate) -> Client:
    values = _plain(data.model_dump())
    _resolve_dates(db, actor, values)
    check_patch_test(values.get("patch_test_result"), values.get("patch_test_at"))
    client = Client(clinic_id=actor.clinic_id, **values)
    db.add(client)
    db.flush()
    audit(db, actor, "create", "client", client.id, client_id=client.id)
    db.commit()
    return client


def update_client(db: Session, actor: Actor, client_id: int, data: s.ClientUpdate) -> Client:
    client = changeable_client(db, actor, client_id)
    changes = _plain(data.model_dump(exclude_unset=True))
    _resolve_dates(db, actor, changes)
    for key in ("first_name", "last_name", "medical_intake", "reminders_opt_out"):
        if key in changes and changes[key] is None:
            del changes[key]
    check_patch_test(changes.get("patch_test_result", client.patch_test_result),  # the record as it would be
                     changes.get("patch_test_at", client.patch_test_at))
    for key, value in changes.items():
        setattr(client, key, value)
    audit(db, actor, "update", "client", client.id, client_id=client.id, detail="fields: " + ", ".join(changes))
    db.commit()
    return client


# a tablet's clock a little ahead of the server's does not make a test read just now "in the future"
PATCH_TEST_CLOCK_SKEW = dt.timedelta(minutes=5)


def check_patch_test(result: str | None, at: dt.datetime | None, now: dt.datetime | None = None) -> None:
    """A patch test's result can only be read once the test is done (domain.md §7: read 24-72 h after it is
    applied): a result dated ahead of now is refused (:class:`InvalidInput`); a planned test without a
    result may lie ahead (the reminders plan around it)."""
    if result is None or at is None:
        return
    at_utc = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    if at_utc > (now or utcnow()) + PATCH_TEST_CLOCK_SKEW:
        raise InvalidInput(
            f"patch_test_result: the patch test of {at_utc:%Y-%m-%d %H:%M} UTC lies ahead, so it cannot have a "
            f"result ({result}) yet; record a planned test without a result and add the result once it is read"
        )


def _resolve_dates(db: Session, actor: Actor, values: dict[str, Any]) -> None:
    """Dates typed in the clinic's format, read with its date order (smpstudio.records.services_clinic)."""
    from smpstudio.records.services_clinic import resolve_dates

    resolve_dates(db, actor, values, ("date", "date_of_birth"))


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: (v.value if isinstance(v, s.StrEnum) else v) for k, v in values.items()}
    intake = out.get("medical_intake")
    if isinstance(intake, dict):  # the questions answered (null: not asked)
        out["medical_intake"] = {k: v for k, v in intake.items() if v is not None}
    return out


# ---- consents --------------------------------------------------------------------------------------
def list_consents(db: Session, actor: Actor, client_id: int) -> Sequence[Consent]:
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(
        select(Consent).where(Consent.client_id == client.id, Consent.clinic_id == actor.clinic_id).order_by(Consent.id)
    ).all()
    audit(db, actor, "list", "consent", None, client_id=client.id)
    db.commit()
    return rows


def create_consent(db: Session, actor: Actor, client_id: int, data: s.ConsentCreate) -> Consent:
    client = changeable_client(db, actor, client_id)
    consent = Consent(
        clinic_id=actor.clinic_id,
        client_id=client.id,
        version=data.version,
        text=data.text,
        text_sha256=hashlib.sha256(data.text.encode()).hexdigest(),
        signed_at=data.signed_at,
        signature=data.signature,
        preview_sha256=list(data.preview_sha256),
        created_by=actor.user_id,
    )
    db.add(consent)
    db.flush()
    audit(db, actor, "create", "consent", consent.id, client_id=client.id)
    db.commit()
    return consent


def get_consent(db: Session, actor: Actor, consent_id: int) -> Consent:
    consent = owned(db, actor, Consent, consent_id, "consent")
    audit(db, actor, "read", "consent", consent.id, client_id=consent.client_id)
    db.commit()
    return consent


# ---- plans -----------------------------------------------------------------------------------------
def plan_digest(plan: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def list_plans(db: Session, actor: Actor, client_id: int) -> Sequence[Plan]:
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(
        select(Plan).where(Plan.client_id == client.id, Plan.clinic_id == actor.clinic_id).order_by(Plan.version)
    ).all()
    audit(db, actor, "list", "plan", None, client_id=client.id)
    db.commit()
    return rows


def create_plan(db: Session, actor: Actor, client_id: int, data: s.PlanCreate) -> Plan:
    """Store ``plan.json`` as the client's next immutable plan version."""
    actor.require(WRITERS)
    client = changeable_client(db, actor, client_id)
    stored = document_json(data.plan)  # the versioned schema, as plan.json files hold it
    plan = next_plan(db, actor, client, data.seed, stored)
    db.flush()
    audit(db, actor, "create", "plan", plan.id, client_id=client.id, detail=f"version {plan.version}")
    db.commit()
    return plan


def next_plan(db: Session, actor: Actor, client: Client, seed: int, stored: dict[str, Any]) -> Plan:
    """The client's next plan version holding ``stored`` (plan.json's document), added to the session.

    Only under the client's lock (:func:`changeable_client`): two saves at once are ordered, and the second
    reads the first's version and takes the next one.
    """
    version = (db.scalar(select(func.max(Plan.version)).where(Plan.client_id == client.id)) or 0) + 1
    plan = Plan(clinic_id=actor.clinic_id, client_id=client.id, version=version, seed=seed, plan_json=stored,
                plan_sha256=plan_digest(stored), created_by=actor.user_id)
    db.add(plan)
    return plan


def get_plan(db: Session, actor: Actor, plan_id: int) -> Plan:
    plan = owned(db, actor, Plan, plan_id, "plan")
    audit(db, actor, "read", "plan", plan.id, client_id=plan.client_id)
    db.commit()
    return plan


# ---- inventory lots --------------------------------------------------------------------------------
def list_lots(
    db: Session, actor: Actor, kind: s.LotKind | None, page: s.Page, lot_number: str | None = None
) -> Sequence[InventoryLot]:
    """The clinic's lots, optionally of one kind or with one lot number (as printed on a recall notice)."""
    stmt = select(InventoryLot).where(InventoryLot.clinic_id == actor.clinic_id)
    if kind is not None:
        stmt = stmt.where(InventoryLot.kind == kind.value)
    if lot_number:
        stmt = stmt.where(InventoryLot.lot_number == lot_number.strip())
    return db.scalars(stmt.order_by(InventoryLot.id).offset(page.offset).limit(page.limit)).all()


def create_lot(db: Session, actor: Actor, data: s.LotCreate) -> InventoryLot:
    actor.require(WRITERS)
    lot = InventoryLot(clinic_id=actor.clinic_id, **_plain(data.model_dump()))
    db.add(lot)
    _commit(db, f"a {data.kind.value} lot numbered {data.lot_number!r} already exists")
    audit(db, actor, "create", "lot", lot.id)
    db.commit()
    return lot


def get_lot(db: Session, actor: Actor, lot_id: int) -> InventoryLot:
    return owned(db, actor, InventoryLot, lot_id, "lot")


# ---- audit -----------------------------------------------------------------------------------------
def list_audit(db: Session, actor: Actor, client_id: int | None, page: s.Page) -> Sequence[AuditEvent]:
    actor.require(OWNER)
    stmt = select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id)
    if client_id is not None:
        owned(db, actor, Client, client_id, "client")
        stmt = stmt.where(AuditEvent.client_id == client_id)
    return db.scalars(stmt.order_by(AuditEvent.id.desc()).offset(page.offset).limit(page.limit)).all()


# ---- set-up ----------------------------------------------------------------------------------------
def create_clinic_with_owner(
    db: Session, *, clinic_name: str, owner_email: str, owner_name: str, password: str, **clinic_fields: Any
) -> tuple[Clinic, User]:
    """A new clinic (tenant) with its first owner account (its password meets the policy)."""
    problem = password_problem(password, [owner_email, owner_name])
    if problem:
        raise WeakPassword(problem)
    clinic = Clinic(name=clinic_name, **clinic_fields)
    db.add(clinic)
    db.flush()
    owner = User(
        clinic_id=clinic.id,
        email=owner_email.lower(),
        name=owner_name,
        role=s.Role.owner.value,
        password_hash=hash_password(password),
    )
    db.add(owner)
    _commit(db, f"a user {owner_email!r} already exists")
    audit(db, None, "create", "clinic", clinic.id, clinic_id=clinic.id)
    db.commit()
    return clinic, owner


# sessions live in their own module (with the safety rules); re-exported here for the shells
from smpstudio.records.services_sessions import (  # noqa: E402
    create_session,
    get_session,
    list_sessions,
    update_session,
)

__all__ = ["create_session", "get_session", "list_sessions", "update_session"]
