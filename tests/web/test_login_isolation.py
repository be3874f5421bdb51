"""Issue 13 item 5: a sign-in's password hash does not hold a database worker thread. With ONE database
thread and a sign-in stuck in its hash, another user's request is still answered (before the fix it
waited for the hash; this test asserts the order of events, not times)."""

from __future__ import annotations

import threading
import warnings

from smpstudio.records import services
from smpstudio.records.security import AddressThrottle
from smpstudio.records.security import verify_password as real_verify
from smpstudio.records.testing import PASSWORD
from smpstudio.web import hashing
from smpstudio.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_another_user_is_served_while_a_sign_in_hashes(settings, accounts, monkeypatch):
    app = create_app(settings.model_copy(update={"db_threads": 1}), pool_size=3)
    state = app.state.smp
    with state.sessions() as db:
        token = services.sign_in(db, state.settings, AddressThrottle(), "t", accounts["a_owner"].email, PASSWORD).token
    entered, release = threading.Event(), threading.Event()
    watchdog = threading.Timer(30, release.set)  # only so that the old code ends; nothing asserts times

    def stuck_verify(password_hash, password):
        entered.set()
        release.wait()
        return real_verify(password_hash, password)

    monkeypatch.setattr(services, "verify_password", stuck_verify)
    monkeypatch.setattr(hashing, "verify_password", stuck_verify)
    answers = {}
    with TestClient(app) as c:
        login = threading.Thread(
            target=lambda: answers.setdefault(
                "login",
                c.post("/api/auth/login", json={"email": accounts["a_artist"].email, "password": PASSWORD}),
            )
        )
        watchdog.start()
        login.start()
        assert entered.wait(30)
        r = c.get("/api/clients", headers={"Cookie": f"smp_session={token}"})
        served_during_hash = not release.is_set()
        release.set()
        login.join()
        watchdog.cancel()
    app.state.engine.dispose()
    assert r.status_code == 200
    assert served_during_hash, "the other user's request waited for the sign-in's hash"
    assert answers["login"].status_code == 200


def test_a_sign_in_storm_beyond_the_queue_is_told_to_retry(settings, accounts):
    import anyio

    pool = hashing.PasswordPool(workers=1, max_waiting=2, processes=False)
    gate = threading.Event()
    results: list[str] = []

    async def storm():
        async def one():
            try:
                await pool.verify(None, "x")
                results.append("verified")
            except Exception as exc:  # Busy
                results.append(type(exc).__name__)

        monkey = hashing.verify_password
        hashing.verify_password = lambda h, p: gate.wait(30) and False
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(one)
                await anyio.sleep(0.2)
                gate.set()
        finally:
            hashing.verify_password = monkey

    anyio.run(storm)
    assert sorted(results) == ["Busy", "Busy", "Busy", "verified", "verified"]
