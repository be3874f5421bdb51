"""Races on PostgreSQL (issue 13): two requests at once, each in its own thread on its own connection.

Every test holds both threads inside the window the guard protects (between the check and the commit)
with a barrier: without the guard both are inside together and the check passes twice; with it the
second thread waits at the lock, the first gives up waiting at the barrier after ``WINDOW_S``, commits,
and only then does the second run its check. Each test was run with its guard removed and failed
(see the report of issue 13). PostgreSQL only (``SMP_TEST_POSTGRES_URL``; CI sets it): on SQLite the
in-process write gate serialises writers anyway.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text

from smpstudio.records import schemas as s
from smpstudio.records import schemas_clinic as sc
from smpstudio.records import (
    services,
    services_accounts,
    services_bookings,
    services_consult,
    services_drafts,
    services_photos,
    services_portal,
    services_sessions,
)
from smpstudio.records import services_workflows as wf
from smpstudio.records.db import make_engine, make_sessionmaker
from smpstudio.records.errors import BookingConflict, Conflict, DuplicateSession, NotFound
from smpstudio.records.models import Client, Consent, LoginSession, Photo, Plan, TreatmentSession, User
from smpstudio.records.models_clinic import Appointment, PortalLink
from smpstudio.records.models_consult import ConsultDraft
from smpstudio.records.security import hash_password, token_digest, verify_password
from smpstudio.records.services_photos import Vault
from smpstudio.records.settings import Settings
from smpstudio.records.storage import KeyStore, PhotoStore
from smpstudio.records.testing import PASSWORD, jpeg_with_gps, postgres_url, sample_plan

WINDOW_S = 2.0  # how long the first thread waits in the window for the second (a bound, never asserted)
TODAY = dt.date(2026, 6, 1)

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="SMP_TEST_POSTGRES_URL is not set")


class Window:
    """A barrier inside the guarded window: each thread waits there for the other, at most ``WINDOW_S``.

    ``met`` tells whether both threads were inside the window at the same time (the guard let them in)."""

    def __init__(self, parties: int = 2) -> None:
        self.barrier = threading.Barrier(parties, timeout=WINDOW_S)
        self.met = False

    def __call__(self) -> None:
        try:
            self.barrier.wait()
            self.met = True
        except threading.BrokenBarrierError:  # the other one is held at the lock (or already done)
            pass


def hold_in_window(monkeypatch, module: Any, name: str, window: Window, *, after: bool = False) -> None:
    """Wrap ``module.name`` so that each call waits in ``window`` before (or ``after``) it runs."""
    real = getattr(module, name)

    def wrapped(*args: Any, **kw: Any) -> Any:
        if not after:
            window()
        out = real(*args, **kw)
        if after:
            window()
        return out

    monkeypatch.setattr(module, name, wrapped)


def at_once(*jobs: Callable[[Any], Any], sessions) -> list[Any]:
    """Run each ``job(db)`` in its own thread with its own session (its own pooled connection), started
    together; the result or the exception of each, in order."""
    start = threading.Barrier(len(jobs), timeout=30)
    out: list[Any] = [None] * len(jobs)
    pids: list[int] = [0] * len(jobs)

    def run(i: int, job: Callable[[Any], Any]) -> None:
        with sessions() as db:
            # the connection is held from here (READ COMMITTED: the job's statements see every commit)
            pids[i] = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
            start.wait()
            try:
                out[i] = job(db)
            except Exception as exc:  # noqa: BLE001 - handed back to the test
                db.rollback()
                out[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a racing request hung (a deadlock?)"
    assert len(set(pids)) == len(jobs), "the threads shared a connection"
    return out


@pytest.fixture
def pg(postgres_templates):
    url = postgres_templates.fresh()
    engine = make_engine(url, pool_size=4)
    yield make_sessionmaker(engine)
    engine.dispose()
    postgres_templates.drop(url)


@pytest.fixture
def accounts(postgres_templates):
    return postgres_templates.accounts


def actor(accounts, name: str) -> services.Actor:
    a = accounts[name]
    return services.Actor(a.user_id, a.clinic_id, a.role)


def new_client(pg, who: services.Actor, first: str = "Ann") -> int:
    with pg() as db:
        return services.create_client(db, who, s.ClientCreate(first_name=first, last_name="Lee")).id


# ---- two owners deactivating each other -------------------------------------------------------------
def test_two_owners_deactivating_each_other_leave_one_owner(pg, accounts, monkeypatch):
    """Guard: ``services.lock_clinic`` in ``set_user_active``. Without it each owner counts the other as
    the remaining active owner and both are deactivated: the clinic has no owner left."""
    first = actor(accounts, "a_owner")
    with pg() as db:
        second_user = services.create_user(
            db, first, s.UserCreate(email="owner2@a.test", name="Owner Two", role=s.Role.owner, password=PASSWORD)
        )
    second = services.Actor(second_user.id, first.clinic_id, s.Role.owner)
    window = Window()
    hold_in_window(monkeypatch, services_accounts, "_end_sessions", window)  # after the count of owners

    out = at_once(
        lambda db: services_accounts.set_user_active(db, first, second.user_id, False),
        lambda db: services_accounts.set_user_active(db, second, first.user_id, False),
        sessions=pg,
    )
    refused = [o for o in out if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), out
    assert "last active owner" in str(refused[0])
    with pg() as db:
        owners = db.scalars(
            select(User.id).where(User.clinic_id == first.clinic_id, User.role == "owner", User.active.is_(True))
        ).all()
    assert len(owners) == 1
    winner = [first, second][[isinstance(o, Exception) for o in out].index(False)]
    assert owners == [winner.user_id]  # the one who deactivated the other is the owner left


# ---- two saves of session 1 at once ------------------------------------------------------------------
def test_two_session_saves_at_once_get_one_number_each(pg, accounts, monkeypatch):
    """Guard: the client's lock (``services.changeable_client``) in ``create_session``. Without it both
    read "no session yet", both take number 1 and the second save fails on the unique index."""
    artist = actor(accounts, "a_artist")
    client_id = new_client(pg, artist)
    with pg() as db:
        plan_id = services.create_plan(db, artist, client_id, s.PlanCreate(seed=1, plan=sample_plan(1))).id
    window = Window()
    hold_in_window(monkeypatch, services_sessions, "check_number", window)  # after reading the highest number

    def save(db):
        body = s.SessionCreate(date="2026-05-01", status="planned", plan_id=plan_id, zones=[{"zone": "top"}])
        return services_sessions.create_session(db, artist, client_id, body).number

    out = at_once(save, save, sessions=pg)
    assert sorted(out) == [1, 2], out  # one number each: no duplicate, no gap, nobody refused
    with pg() as db:
        rows = db.execute(
            select(TreatmentSession.number, func.count()).where(TreatmentSession.client_id == client_id)
            .group_by(TreatmentSession.number).order_by(TreatmentSession.number)
        ).all()
        zones = db.scalar(select(func.count()).select_from(TreatmentSession).where(
            TreatmentSession.client_id == client_id, TreatmentSession.plan_id == plan_id))
    assert [tuple(r) for r in rows] == [(1, 1), (2, 1)]
    assert zones == 2


def test_two_saves_of_the_same_given_number_store_one(pg, accounts, monkeypatch):
    """Both say ``number: 1``: one is stored, the other is refused as a duplicate session (409), never a
    second session 1 nor an unhandled IntegrityError (guarded by the lock and by the unique index)."""
    artist = actor(accounts, "a_artist")
    client_id = new_client(pg, artist)
    window = Window()
    hold_in_window(monkeypatch, services_sessions, "check_number", window)

    def save(db):
        body = s.SessionCreate(date="2026-05-01", status="planned", number=1)
        return services_sessions.create_session(db, artist, client_id, body).number

    out = at_once(save, save, sessions=pg)
    assert 1 in out and sum(isinstance(o, DuplicateSession) for o in out) == 1, out
    with pg() as db:
        numbers = db.scalars(select(TreatmentSession.number).where(TreatmentSession.client_id == client_id)).all()
    assert numbers == [1]


# ---- two bookings of one artist at one time ----------------------------------------------------------
def test_two_bookings_of_one_artist_at_one_time_one_is_a_conflict(pg, accounts, monkeypatch):
    """Guard: ``services.lock_clinic`` in ``services_bookings.book``. Without it both clash checks find
    the artist free and the artist is booked twice at 10:00."""
    desk, artist = actor(accounts, "a_front_desk"), accounts["a_artist"]
    clients = [new_client(pg, desk, "Ann"), new_client(pg, desk, "Bea")]
    window = Window()
    hold_in_window(monkeypatch, services_bookings, "conflicts", window, after=True)  # after the clash check

    def book(client_id: int, room: str):
        body = sc.BookingCreate(starts_at="2026-07-01T10:00", artist_id=artist.user_id, room=room, duration_min=60)
        return lambda db: [a.id for a in services_bookings.book(db, desk, client_id, body)]

    out = at_once(book(clients[0], "Chair 1"), book(clients[1], "Chair 2"), sessions=pg)
    refused = [o for o in out if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], BookingConflict), out
    assert "the artist already booked" in str(refused[0])
    with pg() as db:
        live = db.scalars(
            select(Appointment).where(Appointment.artist_id == artist.user_id, Appointment.status == "booked")
        ).all()
    assert len(live) == 1


def test_a_reschedule_racing_a_booking_into_the_same_slot_one_is_a_conflict(pg, accounts, monkeypatch):
    """Guard: ``services.lock_clinic`` in ``services_bookings.reschedule`` too. Without it a booking and a
    move of another appointment into the same hour of the same artist both pass their clash checks."""
    desk, artist = actor(accounts, "a_front_desk"), accounts["a_artist"]
    clients = [new_client(pg, desk, "Ann"), new_client(pg, desk, "Bea")]
    with pg() as db:
        early = sc.BookingCreate(
            starts_at="2026-07-01T08:00", artist_id=artist.user_id, room="Chair 1", duration_min=60
        )
        moved_id = services_bookings.book(db, desk, clients[0], early)[0].id
    window = Window()
    hold_in_window(monkeypatch, services_bookings, "conflicts", window, after=True)
    at_ten = sc.BookingCreate(starts_at="2026-07-01T10:00", artist_id=artist.user_id, room="Chair 2", duration_min=60)
    move = sc.Reschedule(starts_at="2026-07-01T10:00", reason="the client asked for a later hour")

    out = at_once(
        lambda db: services_bookings.book(db, desk, clients[1], at_ten)[0].id,
        lambda db: services_bookings.reschedule(db, desk, moved_id, move).id,
        sessions=pg,
    )
    refused = [o for o in out if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], BookingConflict), out
    with pg() as db:
        live = db.execute(
            select(Appointment.id, Appointment.starts_at)
            .where(Appointment.artist_id == artist.user_id, Appointment.status == "booked")
            .order_by(Appointment.starts_at)
        ).all()
    hours = [at.hour for _id, at in live]
    if isinstance(out[0], Exception):  # the move came first: the appointment moved, the booking refused
        assert [(i, at.hour) for i, at in live] == [(moved_id, 10)], live
    else:  # the booking came first: the move refused, the appointment still at 08:00
        assert hours == [8, 10] and live[0][0] == moved_id, live


# ---- an erase racing a photo upload ------------------------------------------------------------------
class WindowedStore(PhotoStore):
    """The photo store, waiting in the window before writing the upload's files (after the upload's
    erased_at check under the erase lock)."""

    window: Window | None = None

    def write(self, *args: Any, **kw: Any):
        if self.window is not None:
            self.window()
        return super().write(*args, **kw)


@pytest.mark.parametrize("had_photo", [False, True])
def test_an_erase_racing_an_upload_leaves_no_readable_photo(pg, accounts, monkeypatch, tmp_path, had_photo):
    """Guard: ``services.lock_client`` (the erase lock) in ``erase_client`` and in the upload's final
    transaction. Without it the erase lists the client's photos before the upload's row is committed and
    the new photo stays readable (or, with an earlier photo, is stored under the shredded key)."""
    owner, artist = actor(accounts, "a_owner"), actor(accounts, "a_artist")
    store = WindowedStore(tmp_path / "photos")
    vault = Vault(store, KeyStore(tmp_path / "keys"))
    client_id = new_client(pg, artist)

    def upload(db):
        return services_photos.upload_photo(
            db, artist, vault, client_id, jpeg_with_gps(64, 48),
            view=s.PhotoView.front, phase=s.PhotoPhase.before, taken_at=None, session_id=None,
        ).id

    if had_photo:
        with pg() as db:
            upload(db)
    window = Window()
    store.window = window
    hold_in_window(monkeypatch, wf, "_clear_client", window)  # after the erase listed the photos to shred

    out = at_once(upload, lambda db: wf.erase_client(db, owner, vault, client_id, today=TODAY), sessions=pg)
    erased = out[1]
    assert isinstance(erased, s.EraseOut), out
    with pg() as db:
        photo_ids = db.scalars(select(Photo.id).where(Photo.client_id == client_id)).all()
        live = db.scalars(select(Photo.id).where(Photo.client_id == client_id, Photo.shredded_at.is_(None))).all()
        key = db.scalar(select(Client.photo_key_wrapped).where(Client.id == client_id))
        readable = []
        for photo_id in photo_ids:
            try:
                services_photos.photo_bytes(db, owner, vault, photo_id, thumbnail=False)
                readable.append(photo_id)
            except (NotFound, Conflict):
                db.rollback()
    assert readable == [] and live == [], out
    assert key is None  # no key left (nor a fresh one) for the erased client
    assert [p for p in store.all_files() if f"/{client_id}/" in str(p)] == []
    if isinstance(out[0], Exception):  # the erase came first: the upload stored nothing
        assert isinstance(out[0], Conflict) and "erased" in str(out[0])
        assert erased.photos_shredded == int(had_photo)
    else:  # the upload came first: the erase shredded its photo too
        assert erased.photos_shredded == 1 + int(had_photo)


# ---- two password changes at once --------------------------------------------------------------------
def test_two_password_changes_at_once_one_wins(pg, accounts, tmp_path):
    """Guard: the compare-and-set of ``password_change_finish`` (the UPDATE stores the new hash only where
    the hash is still the one verified; PostgreSQL re-checks that condition after waiting for the other
    UPDATE's row lock). Without it both changes "succeed": the first tablet's new password no longer
    works and its new session was ended by the second."""
    artist = actor(accounts, "a_artist")
    settings = Settings(data_dir=tmp_path, env="dev")
    window = Window()
    new = ["first new pass-phrase 9371", "second new pass-phrase 4826"]

    def change(i: int):
        def run(db):
            attempt = services_accounts.password_change_start(db, settings, artist, new[i])
            assert verify_password(attempt.password_hash, PASSWORD)
            new_hash = hash_password(new[i])
            window()  # both verified the current password: now both store
            return services_accounts.password_change_finish(db, settings, artist, attempt, new_hash)

        return run

    out = at_once(change(0), change(1), sessions=pg)
    won = [i for i, o in enumerate(out) if not isinstance(o, Exception)]
    assert len(won) == 1, out
    lost = 1 - won[0]
    assert isinstance(out[lost], Conflict) and "changed meanwhile" in str(out[lost])
    with pg() as db:
        stored = db.scalar(select(User.password_hash).where(User.id == artist.user_id))
        tokens = db.scalars(select(LoginSession.token_sha256).where(LoginSession.user_id == artist.user_id)).all()
    assert verify_password(stored, new[won[0]])
    assert not verify_password(stored, new[lost]) and not verify_password(stored, PASSWORD)
    assert tokens == [token_digest(out[won[0]].token)]  # the winner's new session is the user's only one


# ---- two plan versions at once (the tablet's "Sign and save" twice) ---------------------------------
def test_two_plan_saves_at_once_get_versions_1_and_2(pg, accounts, monkeypatch):
    """Guard: the client's lock (``services.changeable_client``) in ``create_plan``. Without it both read
    "no version yet" and the second save is refused by the unique (client, version) index."""
    artist = actor(accounts, "a_artist")
    client_id = new_client(pg, artist)
    window = Window()
    hold_in_window(monkeypatch, services, "plan_digest", window)  # after reading the highest version
    plan = sample_plan(1)

    def save(db):
        return services.create_plan(db, artist, client_id, s.PlanCreate(seed=1, plan=plan)).version

    out = at_once(save, save, sessions=pg)
    assert sorted(out) == [1, 2], out
    with pg() as db:
        versions = db.scalars(select(Plan.version).where(Plan.client_id == client_id)).all()
    assert sorted(versions) == [1, 2]


# ---- an erase racing any other write of the client's record --------------------------------------------
def _ahead_wednesday_10() -> str:
    """A Wednesday at 10:00 some weeks from now (the erase cancels only bookings still ahead)."""
    day = dt.date.today() + dt.timedelta(days=30)
    day += dt.timedelta(days=(2 - day.weekday()) % 7)
    return f"{day.isoformat()}T10:00"


def _a_photo(pg, artist: services.Actor, vault: Vault, client_id: int) -> int:
    with pg() as db:
        return services_photos.upload_photo(
            db, artist, vault, client_id, jpeg_with_gps(64, 48),
            view=s.PhotoView.front, phase=s.PhotoPhase.before, taken_at=None, session_id=None,
        ).id


def _left_after_erase(db, client_id: int) -> dict[str, Any]:
    """What an erase (of a client with no done session: identity anonymised) must leave empty."""
    count = lambda model, *where: db.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return {
        "email": db.scalar(select(Client.email).where(Client.id == client_id)),
        "consents": count(Consent, Consent.client_id == client_id),
        "plans": count(Plan, Plan.client_id == client_id),
        "live links": count(PortalLink, PortalLink.client_id == client_id, PortalLink.revoked_at.is_(None)),
        "booked": count(Appointment, Appointment.client_id == client_id, Appointment.status == "booked"),
        "drafts": count(ConsultDraft, ConsultDraft.client_id == client_id),
    }


ERASED = {"email": None, "consents": 0, "plans": 0, "live links": 0, "booked": 0, "drafts": 0}

# each writer: (module whose ``changeable_client`` it calls, the write as job(db, who, client_id, photo_id))
WRITERS_OF_A_CLIENT: dict[str, tuple[Any, Callable[..., Any]]] = {
    "update_client": (services, lambda db, who, cid, _p: services.update_client(
        db, who, cid, s.ClientUpdate(email="late@example.test"))),
    "create_consent": (services, lambda db, who, cid, _p: services.create_consent(
        db, who, cid, s.ConsentCreate(version="v1", text="I agree", signed_at="2026-05-01T10:00", signature="Ann"))),
    "create_plan": (services, lambda db, who, cid, _p: services.create_plan(
        db, who, cid, s.PlanCreate(seed=1, plan=sample_plan(1)))),
    "save_consultation": (services_consult, lambda db, who, cid, photo: services_consult.save_consultation(
        db, who, cid, photo, s.PlanCreate(seed=1, plan=sample_plan(1)),
        services_consult.SignedConsent(version="v1", text="I agree", signer="Ann",
                                       signed_at=dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC),
                                       signature_png=b"\x89PNG", preview_sha256=()))),
    "create_link": (services_portal, lambda db, who, cid, _p: services_portal.create_link(db, who, cid)),
    "book": (services_bookings, lambda db, who, cid, _p: services_bookings.book(
        db, who, cid, sc.BookingCreate(starts_at=_ahead_wednesday_10(), artist_id=who.user_id, room="Chair 1",
                                       duration_min=60))),
    "put_draft": (services_drafts, lambda db, who, cid, photo: services_drafts.put_draft(
        db, who, consult_id=7_000 + cid, client_id=cid, photo_id=photo, inputs={"seed": 1}, crop_px=[0, 0, 64, 48],
        revision=1, served={})),
}


@pytest.mark.parametrize("writer", sorted(WRITERS_OF_A_CLIENT))
def test_an_erase_racing_a_write_leaves_nothing_written(pg, accounts, monkeypatch, tmp_path, writer):
    """Guard: the erase lock in ``services.changeable_client``, taken by every write of a client's record.
    Without it (an unlocked check of ``erased_at``) the write checks before the erase commits and lands
    after it: the erased client has an e-mail again, a consent, a plan, a live portal link, a booking
    ahead or a draft. With it either the write comes first and the erase clears it, or the erase comes
    first and the write is refused (409)."""
    owner = actor(accounts, "a_owner")
    module, write = WRITERS_OF_A_CLIENT[writer]
    vault = Vault(PhotoStore(tmp_path / "photos"), KeyStore(tmp_path / "keys"))
    client_id = new_client(pg, owner)
    photo_id = _a_photo(pg, owner, vault, client_id)
    window = Window()
    hold_in_window(monkeypatch, module, "changeable_client", window, after=True)  # after the write's check
    hold_in_window(monkeypatch, wf, "_clear_client", window, after=True)  # after the erase cleared the record

    out = at_once(lambda db: write(db, owner, client_id, photo_id),
                  lambda db: wf.erase_client(db, owner, vault, client_id, today=TODAY), sessions=pg)
    assert isinstance(out[1], s.EraseOut), out
    if isinstance(out[0], Exception):  # the erase came first
        assert isinstance(out[0], Conflict) and "erased" in str(out[0]), out
    with pg() as db:
        assert _left_after_erase(db, client_id) == ERASED, out
