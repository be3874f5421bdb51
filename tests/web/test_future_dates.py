"""Issue 13 item 10: a date of birth in 2100 and a consent signed in 2099 are refused in every form the
API reads them (ISO, the clinic's typed order, a date-time, a Unix time), on create and on update, and
nothing is stored. (The CLI reads neither: its only dates are a plan's ``--start`` and a quote's
``--issued``, which lie in the future by design; the intake questionnaire has no dates.)"""

from __future__ import annotations

import pytest

DOBS = {
    "DMY": ["2100-01-01", "2100/01/01", "01/01/2100", "1.1.2100", "31/12/2099"],
    "MDY": ["2100-01-01", "01/01/2100", "12/31/2099", "12-31-2099"],
    "YMD": ["2100-01-01", "2100/01/01", "2099.12.31"],
}
SIGNED = ["2099-01-05T10:00:00Z", "2099-01-05T10:00:00", "2099-01-05T10:00:00+14:00", "2099-01-05", 4070908800]


@pytest.mark.parametrize("order", sorted(DOBS))
def test_a_date_of_birth_in_2100_is_refused_in_the_clinic_s_every_format(login, order):
    c = login("a_owner")
    assert c.patch("/api/clinic/settings", json={"date_order": order}).status_code == 200
    cid = c.post("/api/clients", json={"first_name": "A", "last_name": "B", "date_of_birth": "1980-01-02"}).json()["id"]
    before = c.get("/api/clients").json()
    for dob in DOBS[order]:
        r = c.post("/api/clients", json={"first_name": "A", "last_name": "B", "date_of_birth": dob})
        assert r.status_code == 422 and "must not lie in the future" in r.json()["detail"][0]["msg"], (dob, r.text)
        r = c.patch(f"/api/clients/{cid}", json={"date_of_birth": dob})
        assert r.status_code == 422 and "must not lie in the future" in r.json()["detail"][0]["msg"], (dob, r.text)
    assert c.get("/api/clients").json() == before
    assert c.get(f"/api/clients/{cid}").json()["date_of_birth"] == "1980-01-02"


def test_a_date_time_is_not_read_as_a_date_of_birth(login):
    """Not a future-date case (a past date-time is refused the same way): a date-time is never cut to its
    day, so ``2100-01-01T00:00:00`` cannot slip past the check as some other date."""
    c = login("a_owner")
    for typed in ("2100-01-01T00:00:00", "1980-01-02T00:00:00"):
        r = c.post("/api/clients", json={"first_name": "A", "last_name": "B", "date_of_birth": typed})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "date_of_birth"], r.text
    assert c.get("/api/clients").json() == []


@pytest.mark.parametrize("signed_at", SIGNED, ids=str)
def test_a_consent_signed_in_2099_is_refused_and_not_stored(login, signed_at):
    c = login("a_owner")
    cid = c.post("/api/clients", json={"first_name": "A", "last_name": "B"}).json()["id"]
    body = {"version": "v1", "text": "I agree.", "signed_at": signed_at, "signature": "Ann Lee"}
    r = c.post(f"/api/clients/{cid}/consents", json=body)
    assert r.status_code == 422 and "must not lie in the future" in r.json()["detail"][0]["msg"], r.text
    assert c.get(f"/api/clients/{cid}/consents").json() == []
    body["signed_at"] = "2020-01-05T10:00:00Z"
    assert c.post(f"/api/clients/{cid}/consents", json=body).status_code == 201


def test_a_patch_test_result_cannot_be_read_before_the_test(login):
    """A patch test dated ahead of now may be planned (no result), but a result (negative, positive or
    inconclusive) for it is refused, on create and on update, with the stored test as the other half of the
    pair; nothing is stored. Two days ahead in every form (UTC, an offset), and 10 minutes ahead (past the
    5-minute clock skew allowed); a test read an hour ago is accepted."""
    import datetime as dt

    c = login("a_owner")
    now = dt.datetime.now(dt.UTC)
    ahead = [(now + dt.timedelta(days=2)).isoformat(), (now + dt.timedelta(minutes=10)).isoformat(),
             (now + dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=-10))).isoformat()]
    before = c.get("/api/clients").json()
    for at in ahead:
        for result in ("negative", "positive", "inconclusive"):
            r = c.post("/api/clients", json={"first_name": "P", "last_name": "T", "patch_test_result": result,
                                             "patch_test_at": at})
            assert r.status_code == 422 and "lies ahead, so it cannot have a result" in r.text, (at, result, r.text)
    assert c.get("/api/clients").json() == before
    planned = c.post("/api/clients", json={"first_name": "P", "last_name": "T", "patch_test_at": ahead[0]})
    assert planned.status_code == 201, planned.text  # planned, no result: allowed
    cid = planned.json()["id"]
    r = c.patch(f"/api/clients/{cid}", json={"patch_test_result": "negative"})  # the stored test still lies ahead
    assert r.status_code == 422 and "lies ahead" in r.json()["detail"][0]["msg"], r.text
    assert c.get(f"/api/clients/{cid}").json()["patch_test_result"] is None
    read = (now - dt.timedelta(hours=1)).isoformat()
    r = c.patch(f"/api/clients/{cid}", json={"patch_test_result": "negative", "patch_test_at": read})
    assert r.status_code == 200 and r.json()["patch_test_result"] == "negative", r.text
    r = c.patch(f"/api/clients/{cid}", json={"patch_test_at": ahead[0]})  # moving a read test into the future
    assert r.status_code == 422, r.text
    assert c.get(f"/api/clients/{cid}").json()["patch_test_result"] == "negative"
