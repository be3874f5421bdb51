"""The clinic's opening hours (the calendar grid's rows): set by the owner, whole hours in the clinic's zone,
closing after opening whether both change or only one does (422 in words), nothing stored on a refusal."""

from __future__ import annotations


def test_opening_hours_set_and_checked(login):
    owner = login("a_owner")
    assert (owner.get("/api/clinic").json()["opens_hour"], owner.get("/api/clinic").json()["closes_hour"]) == (9, 18)
    r = owner.patch("/api/clinic/settings", json={"opens_hour": 8, "closes_hour": 20})
    assert r.status_code == 200 and (r.json()["opens_hour"], r.json()["closes_hour"]) == (8, 20), r.text
    r = owner.patch("/api/clinic/settings", json={"opens_hour": 12, "closes_hour": 12})
    assert r.status_code == 422 and "cannot close at 12:00 when it opens at 12:00" in r.text, r.text
    r = owner.patch("/api/clinic/settings", json={"opens_hour": 21})  # against the stored closing hour, 20
    assert r.status_code == 422 and "cannot close at 20:00 when it opens at 21:00" in r.text, r.text
    for bad in ({"opens_hour": -1}, {"closes_hour": 25}, {"opens_hour": 7.5}):
        assert owner.patch("/api/clinic/settings", json=bad).status_code == 422, bad
    got = owner.get("/api/clinic").json()
    assert (got["opens_hour"], got["closes_hour"]) == (8, 20)  # the refusals changed nothing
    assert login("a_artist").patch("/api/clinic/settings", json={"opens_hour": 7}).status_code == 403
