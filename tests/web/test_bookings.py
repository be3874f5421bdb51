"""Bookings (issue 12 item 1) over the API, on SQLite and PostgreSQL: the front desk books a plan's
series at its intervals and hours, conflicts are checked on every date, reschedule/cancel carry a
reason, and the .ics files (client, artist feed) read back with times, time zone, place and artist."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import icalendar
import pytest

from smpstudio.records.testing import sample_plan_json

LONDON = ZoneInfo("Europe/London")
START = "2027-03-15T10:00"  # session 2 falls after the clocks change (2027-03-28): still 10:00 in London


@pytest.fixture
def clinic(login):
    owner, desk, artist = login("a_owner"), login("a_front_desk"), login("a_artist")
    r = owner.patch(
        "/api/clinic/settings",
        json={"timezone": "Europe/London", "address": "1 High Street, London", "date_order": "DMY"},
    )
    assert r.status_code == 200, r.text
    artist_id = artist.get("/api/auth/me").json()["id"]
    plan = sample_plan_json(3)

    def new_client(name):
        cid = desk.post("/api/clients", json={"first_name": name, "last_name": "Lee"}).json()["id"]
        pid = owner.post(f"/api/clients/{cid}/plans", json={"seed": 3, "plan": plan}).json()["id"]
        return cid, pid

    return {"owner": owner, "desk": desk, "artist": artist, "artist_id": artist_id, "plan": plan, "new": new_client}


def planned(plan):
    """(number, day, minutes) of the plan's sessions, as the plan document gives them."""
    return [
        (b["index"], b["day"], max(15, math.ceil(b["duration_h"] * 60 / 15) * 15))
        for b in plan["sessions"]
        if not b.get("suggested")
    ]


def local(iso):
    return dt.datetime.fromisoformat(iso).astimezone(LONDON)


def test_front_desk_books_the_plans_series_at_its_intervals_and_hours(clinic):
    desk = clinic["desk"]
    cid, pid = clinic["new"]("Ann")
    body = {"starts_at": START, "artist_id": clinic["artist_id"], "room": "Chair 1", "plan_id": pid, "series": True}
    r = desk.post(f"/api/clients/{cid}/appointments", json=body)
    assert r.status_code == 201, r.text
    got = r.json()
    want = planned(clinic["plan"])
    assert len(got) == len(want) >= 3 and len({a["series"] for a in got}) == 1
    first = dt.datetime(2027, 3, 15, 10, 0, tzinfo=LONDON)
    for appt, (number, day, minutes) in zip(got, want, strict=True):
        start, end = local(appt["starts_at"]), local(appt["ends_at"])
        assert appt["session_number"] == number
        assert start.date() == first.date() + dt.timedelta(days=day - want[0][1])
        assert (start.hour, start.minute) == (10, 0)  # same local time across the DST change
        assert end - start == dt.timedelta(minutes=minutes)
        assert appt["artist_id"] == clinic["artist_id"] and appt["room"] == "Chair 1"


@pytest.mark.parametrize("clash", ["artist", "room", "client"])
def test_a_clash_on_any_date_of_a_series_refuses_all_of_it(clinic, clash, login):
    desk = clinic["desk"]
    cid, pid = clinic["new"]("Ann")
    other, _ = clinic["new"]("Bob")
    owner_id = clinic["owner"].get("/api/auth/me").json()["id"]
    last_number, last_day, last_minutes = planned(clinic["plan"])[-1]
    # starts inside the series' last session (10:00 for its planned minutes)
    when = (dt.datetime(2027, 3, 15, 10, 0) + dt.timedelta(days=last_day, minutes=last_minutes // 2)).isoformat()
    # something already booked at the LAST date of the series only
    blocker = {
        "artist": {"client": other, "artist_id": clinic["artist_id"], "room": "Chair 9"},
        "room": {"client": other, "artist_id": owner_id, "room": "Chair 1"},
        "client": {"client": cid, "artist_id": owner_id, "room": "Chair 9"},
    }[clash]
    r = desk.post(
        f"/api/clients/{blocker.pop('client')}/appointments",
        json={"starts_at": when, "duration_min": 30, **blocker},
    )
    assert r.status_code == 201, r.text
    before = len(desk.get(f"/api/clients/{cid}/appointments").json())
    body = {"starts_at": START, "artist_id": clinic["artist_id"], "room": "Chair 1", "plan_id": pid, "series": True}
    r = desk.post(f"/api/clients/{cid}/appointments", json=body)
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert {"artist": "the artist", "room": "room 'Chair 1'", "client": "the client"}[clash] in detail
    assert (dt.date(2027, 3, 15) + dt.timedelta(days=last_day)).isoformat() in detail
    assert len(desk.get(f"/api/clients/{cid}/appointments").json()) == before  # nothing half-booked
    # without the last session the series fits
    body["series"] = False
    assert desk.post(f"/api/clients/{cid}/appointments", json=body).status_code == 201


def test_reschedule_and_cancel_need_a_reason_and_free_the_slot(clinic):
    desk, owner = clinic["desk"], clinic["owner"]
    cid, pid = clinic["new"]("Ann")
    other, other_plan = clinic["new"]("Bob")
    base = {"artist_id": clinic["artist_id"], "room": "Chair 1"}
    a = desk.post(f"/api/clients/{cid}/appointments", json={"starts_at": START, "plan_id": pid, **base}).json()[0]
    b = desk.post(
        f"/api/clients/{other}/appointments",
        json={"starts_at": "16/03/2027 10:00", "plan_id": other_plan, **base},  # the clinic's own date order
    ).json()[0]
    assert local(b["starts_at"]) == dt.datetime(2027, 3, 16, 10, 0, tzinfo=LONDON)
    assert desk.patch(f"/api/appointments/{a['id']}", json={"starts_at": "2027-03-16T10:00"}).status_code == 422
    r = desk.patch(f"/api/appointments/{a['id']}", json={"starts_at": "2027-03-16T10:00", "reason": "client ill"})
    assert r.status_code == 409 and "the artist" in r.json()["detail"]
    r = desk.patch(f"/api/appointments/{a['id']}", json={"starts_at": "2027-03-17T11:00", "reason": "client ill"})
    assert r.status_code == 200 and local(r.json()["starts_at"]).hour == 11 and r.json()["reason"] == "client ill"
    assert desk.post(f"/api/appointments/{b['id']}/cancel", json={}).status_code == 422
    r = desk.post(f"/api/appointments/{b['id']}/cancel", json={"reason": "moved abroad"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # the cancelled slot is free again
    r = desk.post(f"/api/clients/{cid}/appointments", json={"starts_at": "2027-03-16T10:00", "plan_id": pid, **base})
    assert r.status_code == 201, r.text
    events = owner.get("/api/audit", params={"client_id": other}).json()
    assert any(e["action"] == "cancel" and "moved abroad" in e["detail"] for e in events)
    events = owner.get("/api/audit", params={"client_id": cid}).json()
    assert any(e["action"] == "reschedule" and "client ill" in e["detail"] for e in events)
    r = desk.patch(f"/api/appointments/{a['id']}", json={"starts_at": "17/03/2027 25:00", "reason": "typo"})
    assert r.status_code == 422 and "not a time of day" in r.json()["detail"][0]["msg"]
    assert r.json()["detail"][0]["loc"] == ["body", "starts_at"]


def test_client_ics_and_artist_feed_read_back(clinic, app):
    from fastapi.testclient import TestClient

    desk, owner, artist = clinic["desk"], clinic["owner"], clinic["artist"]
    cid, pid = clinic["new"]("Ann")
    body = {"starts_at": START, "artist_id": clinic["artist_id"], "room": "Chair 1", "plan_id": pid, "series": True}
    booked = desk.post(f"/api/clients/{cid}/appointments", json=body).json()
    r = desk.get(f"/api/clients/{cid}/appointments.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert len(events) == len(booked)
    for ev, appt in zip(events, booked, strict=True):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert start.tzinfo is not None and ev["dtstart"].params["TZID"] == "Europe/London"
        assert start == local(appt["starts_at"]) and end == local(appt["ends_at"])
        assert "1 High Street, London" in str(ev["location"]) and "Chair 1" in str(ev["location"])
        assert ev["organizer"].params["CN"] == "artist" and "artist" in str(ev["description"])
    # the artist's subscribable feed: another artist's feed is the owner's to make
    me = clinic["artist_id"]
    assert (
        artist.post("/api/calendar-feeds", json={"artist_id": owner.get("/api/auth/me").json()["id"]}).status_code
        == 403
    )
    r = artist.post("/api/calendar-feeds", json={"artist_id": me})
    assert r.status_code == 201
    url = r.json()["url"]
    with TestClient(app) as anonymous:  # a calendar app: no cookie
        feed = anonymous.get(url)
        assert feed.status_code == 200
        fcal = icalendar.Calendar.from_ical(feed.content)
        assert len(fcal.walk("VEVENT")) == len(booked)
        assert all(str(e["summary"]).endswith("Ann L.") for e in fcal.walk("VEVENT"))
        # the feed carries what the client's file does: times in the clinic's zone, the place, the artist
        assert [str(tz["tzid"]) for tz in fcal.walk("VTIMEZONE")] == ["Europe/London"]
        feed_events = sorted(fcal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
        for ev, appt in zip(feed_events, booked, strict=True):
            assert ev["dtstart"].params["TZID"] == "Europe/London" and ev.decoded("dtstart") == local(appt["starts_at"])
            assert ev.decoded("dtend") == local(appt["ends_at"])
            assert "1 High Street, London" in str(ev["location"]) and "Chair 1" in str(ev["location"])
            assert ev["organizer"].params["CN"] == "artist"
        token = url.split("token=")[1]
        assert anonymous.get(url.replace(token, token[:-4] + "AAAA")).status_code == 404
        assert artist.post("/api/calendar-feeds/revoke", json={"token": token}).status_code == 204
        assert anonymous.get(url).status_code == 404


def test_only_artists_take_appointments(clinic):
    desk = clinic["desk"]
    cid, pid = clinic["new"]("Ann")
    desk_id = desk.get("/api/auth/me").json()["id"]
    r = desk.post(f"/api/clients/{cid}/appointments", json={"starts_at": START, "artist_id": desk_id, "room": "1"})
    assert r.status_code == 409 and "not an active artist" in r.text
    r = desk.post(
        f"/api/clients/{cid}/appointments", json={"starts_at": START, "artist_id": clinic["artist_id"], "room": "1"}
    )
    assert r.status_code == 422 and "duration_min" in r.text


def test_the_old_reminders_ics_is_the_timed_bookings_calendar(clinic):
    """/api/clients/{id}/reminders.ics made all-day events without time, place or artist; it is retired in
    favour of appointments.ics (308), so an old link gets timed events in the clinic's zone."""
    desk = clinic["desk"]
    cid, pid = clinic["new"]("Ann")
    body = {"starts_at": START, "artist_id": clinic["artist_id"], "room": "Chair 1", "plan_id": pid}
    booked = desk.post(f"/api/clients/{cid}/appointments", json=body).json()
    moved = desk.get(f"/api/clients/{cid}/reminders.ics", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"].endswith(f"/api/clients/{cid}/appointments.ics")
    r = desk.get(f"/api/clients/{cid}/reminders.ics")
    (ev,) = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    start = ev.decoded("dtstart")
    assert isinstance(start, dt.datetime) and ev["dtstart"].params["TZID"] == "Europe/London"
    assert start == local(booked[0]["starts_at"]) and start.hour == 10
    assert "Chair 1" in str(ev["location"]) and ev["organizer"].params["CN"] == "artist"
