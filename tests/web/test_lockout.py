"""Issue 13 item 6: lockouts reveal no account, and nobody can lock the owner out."""

from __future__ import annotations

import warnings

import pytest

from smpstudio.records import services
from smpstudio.records.errors import TooManyAttempts, Unauthorized
from smpstudio.records.testing import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _attempt(state, address, email, password):
    with state.sessions() as db:
        try:
            services.sign_in(db, state.settings, state.throttle, address, email, password)
        except (Unauthorized, TooManyAttempts) as exc:
            return type(exc).__name__, str(exc)
    return "ok", ""


def test_known_and_unknown_emails_get_the_same_answers_over_http(app, accounts):
    c = TestClient(app)
    answers = {}
    for email in (accounts["a_artist"].email, "nobody@a.test"):
        seq = []
        for password in ["wrong"] * 5 + [PASSWORD]:
            r = c.post("/api/auth/login", json={"email": email, "password": password})
            seq.append((r.status_code, r.json()["detail"]))
        answers[email] = seq
    known, unknown = answers.values()
    assert known == unknown, answers
    assert known[-1][0] == 429


def test_a_locked_account_answers_as_a_wrong_password_does(app, accounts):
    state = app.state.smp
    artist = accounts["a_artist"].email
    for i in range(5):  # an attacker spread over five addresses locks the artist's account
        assert _attempt(state, f"10.0.0.{i}", artist, "wrong")[0] == "Unauthorized"
    locked = _attempt(state, "192.168.1.9", artist, PASSWORD)
    unknown = _attempt(state, "192.168.1.9", "nobody@a.test", PASSWORD)
    assert locked == unknown == ("Unauthorized", services.WRONG_CREDENTIALS)


@pytest.mark.parametrize("attempts", [5, 30])
def test_nobody_can_lock_the_owner_out(app, accounts, attempts):
    state = app.state.smp
    owner = accounts["a_owner"].email
    for i in range(attempts):  # from many addresses, and many times from one
        _attempt(state, f"10.0.{i % 3}.1", owner, "wrong")
    assert _attempt(state, "192.168.1.5", owner, PASSWORD) == ("ok", "")
    if attempts >= 15:  # an attacker's address with 5+ failures on this e-mail is the one refused
        assert _attempt(state, "10.0.0.1", owner, PASSWORD)[0] == "TooManyAttempts"
