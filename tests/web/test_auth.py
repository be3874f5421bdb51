"""Sign-in, cookies, CSRF, lockout, throttling and roles over HTTP."""

from __future__ import annotations

import warnings

from smpstudio.records.testing import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_login_sets_hardened_cookies_and_needs_csrf_for_writes(app, accounts):
    c = TestClient(app)
    assert c.get("/api/clients").status_code == 401
    r = c.post("/api/auth/login", json={"email": accounts["a_owner"].email, "password": PASSWORD})
    assert r.status_code == 200
    cookies = r.headers.get_list("set-cookie")
    session = next(h for h in cookies if h.startswith("smp_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" not in session  # dev settings
    csrf = r.json()["csrf_token"]
    assert c.get("/api/clients").status_code == 200
    body = {"first_name": "A", "last_name": "B"}
    assert c.post("/api/clients", json=body).status_code == 403
    assert c.post("/api/clients", json=body, headers={"X-CSRF-Token": "x" + csrf}).status_code == 403
    assert c.post("/api/clients", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert c.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    old = TestClient(app, cookies={"smp_session": session.split(";")[0].split("=", 1)[1]})
    assert old.get("/api/clients").status_code == 401


def test_cookies_are_secure_outside_dev(settings, accounts):
    from smpstudio.web.app import create_app

    app = create_app(settings.model_copy(update={"env": "production"}), pool_size=2)
    r = TestClient(app).post("/api/auth/login", json={"email": accounts["a_owner"].email, "password": PASSWORD})
    assert r.status_code == 200
    assert all("Secure" in h for h in r.headers.get_list("set-cookie"))
    app.state.engine.dispose()


def test_account_locks_after_repeated_failures(app, accounts):
    c = TestClient(app)
    email = accounts["a_artist"].email
    codes = [c.post("/api/auth/login", json={"email": email, "password": "wrong"}).status_code for _ in range(5)]
    assert codes == [401] * 5
    r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and "locked" in r.json()["detail"]
    # another account from the same address still works (lockout is per account)
    assert c.post("/api/auth/login", json={"email": accounts["a_owner"].email, "password": PASSWORD}).status_code == 200


def test_an_address_is_throttled_across_accounts(app):
    c = TestClient(app)
    codes = [
        c.post("/api/auth/login", json={"email": f"nobody{i}@x.test", "password": "p"}).status_code for i in range(21)
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_roles(login):
    owner, artist, desk = login("a_owner"), login("a_artist"), login("a_front_desk")
    cid = desk.post("/api/clients", json={"first_name": "A", "last_name": "B"}).json()["id"]
    assert desk.post(f"/api/clients/{cid}/sessions", json={"date": "2026-03-01"}).status_code == 403
    assert artist.post(f"/api/clients/{cid}/sessions", json={"date": "2026-03-01"}).status_code == 201
    assert artist.get(f"/api/clients/{cid}/export").status_code == 403
    assert artist.post(f"/api/clients/{cid}/erase").status_code == 403
    assert artist.get("/api/users").status_code == 403 and artist.get("/api/audit").status_code == 403
    assert owner.get("/api/users").status_code == 200
    new_user = {"email": "new@a.test", "name": "N", "role": "artist", "password": "ink lot ledger 73 crown"}
    r = owner.post("/api/users", json=new_user)
    assert r.status_code == 201
    r = owner.post("/api/users", json=new_user)
    assert r.status_code == 409


def test_bad_input_gets_4xx_with_a_message(login):
    c = login("a_owner")
    for body in (
        {"first_name": "A" * 101, "last_name": "B"},
        {"first_name": "A\x00", "last_name": "B"},
        {"first_name": "A", "last_name": "B", "patch_test_result": "maybe"},
        {"first_name": "A", "last_name": "B", "date_of_birth": "0001-01-01"},
        {"first_name": "A", "last_name": "B", "unknown": 1},
        {"last_name": "B"},
    ):
        r = c.post("/api/clients", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"]
    assert c.get("/api/clients/99999999999").status_code == 422
    assert c.get("/api/clients/2147483647").status_code == 404
