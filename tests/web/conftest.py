"""Fixtures of the web tests: the app on a fresh database (SQLite and, with SMP_TEST_POSTGRES_URL,
PostgreSQL) and signed-in test clients of clinic A and clinic B."""

from __future__ import annotations

import warnings

import pytest

from smpstudio.records.testing import *  # noqa: F403
from smpstudio.records.testing import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from smpstudio.web.app import create_app


@pytest.fixture
def app(settings):
    application = create_app(settings, pool_size=5)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def login(app, accounts):
    """``login("a_owner")`` -> a TestClient signed in as that account, sending its CSRF token."""
    clients = []

    def _login(name: str) -> TestClient:
        client = TestClient(app)
        r = client.post("/api/auth/login", json={"email": accounts[name].email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        clients.append(client)
        return client

    yield _login
    for c in clients:
        c.close()
