"""The per-request path of the service: the signed-in user is checked on every request (expiry,
deactivation), and the worker threads for database work are capped as configured."""

from __future__ import annotations

import datetime as dt
import warnings

import anyio
from sqlalchemy import update

from smpstudio.records.models import LoginSession, User
from smpstudio.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_an_expired_session_or_a_deactivated_user_is_refused(app, login, accounts):
    sessions, artist = app.state.smp.sessions, accounts["a_artist"].user_id
    c = login("a_artist")
    assert c.get("/api/clients").status_code == 200
    with sessions() as db:
        db.execute(update(User).where(User.id == artist).values(active=False))
        db.commit()
    r = c.get("/api/clients")
    assert r.status_code == 401 and "sign in again" in r.json()["detail"]
    with sessions() as db:
        db.execute(update(User).where(User.id == artist).values(active=True))
        db.commit()
    assert c.get("/api/clients").status_code == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with sessions() as db:
        db.execute(update(LoginSession).where(LoginSession.user_id == artist).values(expires_at=past))
        db.commit()
    assert c.get("/api/clients").status_code == 401
    assert c.get("/api/clients/1").status_code == 401


def test_database_threads_are_capped_as_configured(settings):
    app = create_app(settings.model_copy(update={"db_threads": 3}), pool_size=3)
    try:
        with TestClient(app) as c:  # runs the lifespan
            tokens = c.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
            assert tokens == 3
            assert c.get("/healthz").status_code == 200
    finally:
        app.state.engine.dispose()
