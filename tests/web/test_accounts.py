"""Issue 13 item 10: deactivating a user, changing one's password, ending sessions (audited)."""

from __future__ import annotations

import warnings

from smpstudio.records.testing import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NEW_PASSWORD = "violet harbour lantern quietly 42"


def _sign_in(app, email: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app)
    r = client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def _audit(owner: TestClient, action: str) -> list[dict]:
    return [e for e in owner.get("/api/audit?limit=500").json() if e["action"] == action]


def test_a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(app, login, accounts):
    owner = login("a_owner")
    artist = login("a_artist")
    tablet2 = _sign_in(app, accounts["a_artist"].email)
    assert artist.get("/api/clients").status_code == 200
    uid = accounts["a_artist"].user_id
    r = owner.post(f"/api/users/{uid}/deactivate")
    assert r.status_code == 200 and r.json()["active"] is False
    assert artist.get("/api/clients").status_code == 401  # the very next request, both tablets
    assert tablet2.get("/api/auth/me").status_code == 401
    r = TestClient(app).post("/api/auth/login", json={"email": accounts["a_artist"].email, "password": PASSWORD})
    assert r.status_code == 401 and r.json()["detail"] == "wrong e-mail or password"  # reveals nothing
    [event] = _audit(owner, "deactivate")
    assert event["entity_id"] == uid and event["detail"] == "2 sessions ended"
    # reactivated: signs in again (audited)
    assert owner.post(f"/api/users/{uid}/activate").json()["active"] is True
    _sign_in(app, accounts["a_artist"].email)
    assert len(_audit(owner, "activate")) == 1


def test_only_an_owner_deactivates_and_only_in_their_clinic(login, accounts):
    artist = login("a_artist")
    assert artist.post(f"/api/users/{accounts['a_front_desk'].user_id}/deactivate").status_code == 403
    owner_b = login("b_owner")
    assert owner_b.post(f"/api/users/{accounts['a_artist'].user_id}/deactivate").status_code == 404
    assert login("a_owner").get("/api/users").json()[1]["active"] is True


def test_the_last_owner_cannot_be_deactivated(app, login, accounts):
    owner = login("a_owner")
    uid = accounts["a_owner"].user_id
    r = owner.post(f"/api/users/{uid}/deactivate")
    assert r.status_code == 409 and "last active owner" in r.json()["detail"]
    assert owner.get("/api/auth/me").json()["active"] is True  # nothing changed, still signed in
    # with a second owner, the first can go; then the second is the last one
    r = owner.post("/api/users", json={"email": "second@a.test", "name": "Second", "role": "owner",
                                       "password": PASSWORD})
    second_id = r.json()["id"]
    second = _sign_in(app, "second@a.test")
    assert second.post(f"/api/users/{uid}/deactivate").status_code == 200
    assert owner.get("/api/auth/me").status_code == 401
    assert second.post(f"/api/users/{second_id}/deactivate").status_code == 409


def test_changing_one_s_password_needs_the_current_one_and_ends_the_other_sessions(app, login, accounts):
    email = accounts["a_artist"].email
    here = login("a_artist")
    other = _sign_in(app, email)
    r = here.post("/api/auth/password", json={"current_password": "not my password", "new_password": NEW_PASSWORD})
    assert r.status_code == 403 and r.json()["detail"] == "the current password is wrong"
    assert other.get("/api/auth/me").status_code == 200  # a refused change ends nothing
    old_cookie = here.cookies.get("smp_session")
    r = here.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 200 and r.json()["ended"] == 1
    assert here.get("/api/auth/me").status_code == 200  # this tablet goes on, with a new session
    assert other.get("/api/auth/me").status_code == 401
    # the session was renewed: a copy of the old cookie (often why a password is changed) is dead
    assert here.cookies.get("smp_session") not in (None, old_cookie)
    assert TestClient(app, cookies={"smp_session": old_cookie}).get("/api/auth/me").status_code == 401
    assert here.post("/api/auth/sessions/end-others").status_code == 403  # the old CSRF token went with it
    here.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert here.post("/api/auth/sessions/end-others").json() == {"ended": 0}
    anon = TestClient(app)
    assert anon.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401
    assert anon.post("/api/auth/login", json={"email": email, "password": NEW_PASSWORD}).status_code == 200
    [event] = _audit(login("a_owner"), "password")
    assert event["user_id"] == accounts["a_artist"].user_id and "1 other sessions ended" in event["detail"]


def test_the_password_policy_applies_to_a_change(login, accounts):
    c = login("a_artist")
    for weak in ("aaaaaaaaaaaa", "password1234", "123456789012", accounts["a_artist"].email):
        r = c.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": weak})
        assert r.status_code == 422, (weak, r.text)
    r = c.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert r.status_code == 422
    assert c.post("/api/auth/logout").status_code == 204  # the old password still signs in: nothing changed


def test_wrong_current_passwords_are_locked_out_like_sign_ins(login, accounts, settings):
    c = login("a_artist")
    for _ in range(settings.login_max_failures):
        r = c.post("/api/auth/password", json={"current_password": "guess guess guess", "new_password": NEW_PASSWORD})
        assert r.status_code == 403
    r = c.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 429  # a stolen session cannot brute-force the password


def test_a_user_ends_their_other_sessions_and_an_owner_ends_a_user_s(app, login, accounts):
    email = accounts["a_front_desk"].email
    here = login("a_front_desk")
    others = [_sign_in(app, email) for _ in range(2)]
    sessions = here.get("/api/auth/sessions").json()
    assert len(sessions) == 3 and [s["current"] for s in sessions].count(True) == 1
    assert here.post("/api/auth/sessions/end-others").json() == {"ended": 2}
    assert all(o.get("/api/auth/me").status_code == 401 for o in others)
    assert here.get("/api/auth/me").status_code == 200
    assert len(here.get("/api/auth/sessions").json()) == 1
    owner = login("a_owner")
    assert login("b_owner").post(f"/api/users/{accounts['a_front_desk'].user_id}/sessions/end").status_code == 404
    assert here.post(f"/api/users/{accounts['a_front_desk'].user_id}/sessions/end").status_code == 403
    r = owner.post(f"/api/users/{accounts['a_front_desk'].user_id}/sessions/end")
    assert r.json() == {"ended": 1}
    assert here.get("/api/auth/me").status_code == 401
    assert [e["detail"] for e in _audit(owner, "end_sessions")] == [
        "1 sessions ended", "2 other sessions ended by the user"]


def test_a_deactivated_artist_s_calendar_feed_stops_at_once_and_stays_revoked(app, login, accounts):
    owner, artist = login("a_owner"), login("a_artist")
    uid = accounts["a_artist"].user_id
    url = artist.post("/api/calendar-feeds", json={"artist_id": uid}).json()["url"]
    anonymous = TestClient(app)  # the artist's phone calendar: no cookie, the URL is the key
    assert anonymous.get(url).status_code == 200
    assert owner.post(f"/api/users/{uid}/deactivate").status_code == 200
    r = anonymous.get(url)
    assert r.status_code == 404 and "BEGIN:VCALENDAR" not in r.text
    [event] = _audit(owner, "deactivate")
    assert event["detail"] == "1 sessions ended; 1 calendar feeds revoked"
    assert owner.post(f"/api/users/{uid}/activate").status_code == 200
    assert anonymous.get(url).status_code == 404  # reactivated, the old URL does not come back


def test_the_current_password_again_is_not_a_change(app, login, accounts):
    """After a leak the user changes the password; typing the same one again must not look like a change
    (it would end the other sessions while whoever knows the password signs in again)."""
    here = login("a_artist")
    other = _sign_in(app, accounts["a_artist"].email)
    r = here.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": PASSWORD})
    assert r.status_code == 422 and "the new password is the current one" in r.text
    assert other.get("/api/auth/me").status_code == 200  # nothing ended
    assert _audit(login("a_owner"), "password") == []


def test_deactivating_an_artist_tells_how_many_bookings_ahead_are_theirs(login, accounts):
    import datetime as dt

    owner = login("a_owner")
    uid = accounts["a_artist"].user_id
    cid = owner.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]
    ahead = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    for hour, room in (("10:00", "Chair 1"), ("14:00", "Chair 2")):
        r = owner.post(f"/api/clients/{cid}/appointments",
                       json={"starts_at": f"{ahead}T{hour}", "artist_id": uid, "room": room, "duration_min": 60})
        assert r.status_code == 201, r.text
    cancelled = r.json()[0]["id"]
    assert owner.post(f"/api/appointments/{cancelled}/cancel", json={"reason": "the client asked"}).status_code == 200
    r = owner.post(f"/api/users/{uid}/deactivate")
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["appointments_ahead"] == 1
    [event] = _audit(owner, "deactivate")
    # the cancelled booking is not counted
    assert event["detail"] == "0 sessions ended; 1 appointments ahead still booked with them"


def test_wrong_current_passwords_from_many_addresses_lock_the_account_as_sign_ins_do(app, login, accounts, settings):
    """The per-address throttles are in memory (per worker, per address); a stolen session tried from
    many addresses must still meet the account-wide lock that sign-in has (not for owners)."""
    from smpstudio.records.security import AddressThrottle

    c = login("a_artist")
    for _ in range(settings.login_max_failures):
        app.state.smp.throttle = AddressThrottle()  # another address, or another worker process
        r = c.post("/api/auth/password", json={"current_password": "guess guess guess", "new_password": NEW_PASSWORD})
        assert r.status_code == 403
    app.state.smp.throttle = AddressThrottle()
    r = c.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 429 and "locked" in r.json()["detail"]
    r = TestClient(app).post("/api/auth/login", json={"email": accounts["a_artist"].email, "password": PASSWORD})
    assert r.status_code == 401  # the same lock as sign-in's, which answers as a wrong password
    # an owner is never locked out this way (anyone with a copy of a session could otherwise lock them)
    o = login("a_owner")
    for _ in range(settings.login_max_failures):
        app.state.smp.throttle = AddressThrottle()
        assert o.post("/api/auth/password", json={"current_password": "guess guess guess",
                                                   "new_password": NEW_PASSWORD}).status_code == 403
    app.state.smp.throttle = AddressThrottle()
    r = o.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
