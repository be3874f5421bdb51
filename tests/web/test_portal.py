"""The client portal link (issue 12 item 5) over HTTP on SQLite and PostgreSQL: made and revoked by the
owner or the front desk (audited), stored as a sha256 only; what it opens without an account (plan,
bookings, aftercare, pictures and pack of the saved plan, read back); expired, revoked, tampered links and
another clinic's links give nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from smpstudio.imaging.samples import sample_photo
from smpstudio.records.models import AuditEvent
from smpstudio.records.models_clinic import PortalLink
from smpstudio.records.testing import sample_plan_json
from tests.web.test_consult_api import signature_b64

START = "2027-03-15T10:00"


def token_of(url):
    return url.split("/portal#", 1)[1]


def portal(phone, token, path=""):
    """What a phone gets for the link's token (sent in the header, never in the URL)."""
    return phone.get(f"/api/portal{path}", headers={"X-Portal-Token": token})


@pytest.fixture
def anonymous(app):
    with TestClient(app) as c:  # a phone: no cookie, no CSRF token
        yield c


@pytest.fixture
def db_url_engine(app):
    return app.state.engine


@pytest.fixture
def clinic(login):
    owner, desk, artist = login("a_owner"), login("a_front_desk"), login("a_artist")
    owner.patch("/api/clinic/settings", json={"timezone": "Europe/London", "address": "1 High Street, London"})
    return {"owner": owner, "desk": desk, "artist": artist, "artist_id": artist.get("/api/auth/me").json()["id"]}


def booked_client(clinic, name="Ann"):
    desk, owner = clinic["desk"], clinic["owner"]
    cid = desk.post("/api/clients", json={"first_name": name, "last_name": "Lee"}).json()["id"]
    plan = sample_plan_json(3, start=dt.date(2027, 3, 15))
    pid = owner.post(f"/api/clients/{cid}/plans", json={"seed": 3, "plan": plan}).json()["id"]
    body = {"starts_at": START, "artist_id": clinic["artist_id"], "room": "Chair 1", "plan_id": pid, "series": True}
    appts = desk.post(f"/api/clients/{cid}/appointments", json=body).json()
    return cid, plan, appts


def test_front_desk_makes_a_link_the_client_opens_without_an_account(clinic, anonymous, db_url_engine):
    desk, artist = clinic["desk"], clinic["artist"]
    cid, plan, appts = booked_client(clinic)
    assert artist.post(f"/api/clients/{cid}/portal-links", json={}).status_code == 403  # owner / front desk only
    r = desk.post(f"/api/clients/{cid}/portal-links", json={"days": 14})
    assert r.status_code == 201, r.text
    made = r.json()
    token = token_of(made["url"])
    assert dt.datetime.fromisoformat(made["expires_at"]) - dt.datetime.fromisoformat(made["created_at"]) == \
        dt.timedelta(days=14)
    # at rest: the token's sha256 only
    with db_url_engine.connect() as conn:
        stored = conn.execute(select(PortalLink.token_sha256)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    page = portal(anonymous, token)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "private, no-store" and page.headers["referrer-policy"] == "no-referrer"
    got = page.json()
    assert got["first_name"] == "Ann" and got["clinic_address"] == "1 High Street, London"
    planned = [s for s in plan["sessions"] if not s.get("suggested")]
    assert [s["number"] for s in got["plan"]["sessions"]][: len(planned)] == [s["index"] for s in planned]
    first = got["plan"]["sessions"][0]
    assert first["booked"].startswith("Monday 15 March 2027, 10:00-")  # the booking, beside the plan's day
    assert first["dates"] == ["2027-03-15"] and first["hours"] == round(plan["sessions"][0]["duration_h"], 1)
    prices = plan["cost"]["prices"]
    n = len([s for s in plan["sessions"] if "pigment" in s])
    assert got["plan"]["total"] == pytest.approx(prices["smp_consultation"] + n * prices["smp_session"])
    assert got["plan"]["price_text"].endswith(plan["cost"]["currency"])
    # bookings in the clinic's time zone, in words, with the artist
    assert len(got["appointments"]) == len(appts)
    assert got["appointments"][0]["when"] == "Monday 15 March 2027, 10:00-" + \
        dt.datetime.fromisoformat(appts[0]["ends_at"]).astimezone(dt.timezone(dt.timedelta(0))).strftime("%H:%M")
    assert got["appointments"][0]["artist"] == "artist" and got["appointments"][0]["room"] == "Chair 1"
    rules = {a["rule"] for a in got["aftercare"]}
    assert any("sun" in r.lower() for r in rules) and any("swim" in r.lower() for r in rules)  # domain.md §7
    # the client's data never includes the clinic's other clients or the intake
    assert "medical_intake" not in page.text and "contraindications" not in page.text
    # audited: made and opened
    events = {(e.action, e.entity) for e in db_url_engine_events(db_url_engine, cid)}
    assert ("create", "portal_link") in events and ("read", "portal") in events


def db_url_engine_events(engine, cid):
    with engine.connect() as conn:
        return conn.execute(select(AuditEvent).where(AuditEvent.client_id == cid)).all()


def test_expired_revoked_and_tampered_links_give_nothing(clinic, anonymous, db_url_engine):
    desk, owner = clinic["desk"], clinic["owner"]
    cid, _plan, _appts = booked_client(clinic)
    made = desk.post(f"/api/clients/{cid}/portal-links", json={"days": 1}).json()
    token = token_of(made["url"])
    assert portal(anonymous, token).status_code == 200
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "x" * 43):
        r = portal(anonymous, bad)
        assert r.status_code == 404 and "not valid" in r.json()["detail"] and "Ann" not in r.text
    with db_url_engine.begin() as conn:  # a day later
        conn.execute(PortalLink.__table__.update().values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    r = portal(anonymous, token)
    assert r.status_code == 404 and "expired" in r.json()["detail"] and "Ann" not in r.text
    assert portal(anonymous, token, "/pack/quote.pdf").status_code == 404
    # revoked (the owner); a second link stays open until it is revoked too
    second = token_of(owner.post(f"/api/clients/{cid}/portal-links", json={}).json()["url"])
    assert portal(anonymous, second).status_code == 200
    links = desk.get(f"/api/clients/{cid}/portal-links").json()
    assert len(links) == 2 and "url" not in links[0]
    r = desk.post(f"/api/portal-links/{links[0]['id']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = portal(anonymous, second)
    assert r.status_code == 404 and "withdrawn" in r.json()["detail"] and "Ann" not in r.text
    events = [e.action for e in db_url_engine_events(db_url_engine, cid) if e.entity == "portal_link"]
    assert events.count("create") == 2 and events.count("revoke") == 1


def test_another_clinics_links_give_nothing(clinic, anonymous, login):
    desk = clinic["desk"]
    cid, _plan, _appts = booked_client(clinic)
    other = login("b_owner")
    assert other.post(f"/api/clients/{cid}/portal-links", json={}).status_code == 404
    made = desk.post(f"/api/clients/{cid}/portal-links", json={}).json()
    assert other.get(f"/api/clients/{cid}/portal-links").status_code == 404
    assert other.post(f"/api/portal-links/{made['id']}/revoke").status_code == 404
    theirs = other.post("/api/clients", json={"first_name": "Bob", "last_name": "Other"}).json()["id"]
    token_b = token_of(other.post(f"/api/clients/{theirs}/portal-links", json={}).json()["url"])
    got = portal(anonymous, token_b).json()  # clinic B's link opens B's client only
    assert got["first_name"] == "Bob" and got["appointments"] == [] and got["plan"] is None
    assert portal(anonymous, token_of(made["url"])).json()["first_name"] == "Ann"
    bad = desk.post(f"/api/clients/{cid}/portal-links", json={"days": 0})
    assert bad.status_code == 422


def _pixels(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def test_pictures_and_pack_of_the_saved_consultation(login, anonymous):
    """The portal draws the saved plan again from the stored photo: the same sessions as saved (else it
    refuses), the before picture is the consultation's own before (same pixels), the after differs where
    the dots are; the pack's PDFs read back with the client's name and the plan's dates."""
    from pypdf import PdfReader

    c = login("a_owner")
    client = c.post("/api/clients", json={"first_name": "Dee", "last_name": "Drag"}).json()["id"]
    r = c.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", sample_photo().to_jpeg_bytes(),
                                                                  "image/jpeg")})
    body = r.json()
    cid = body["id"]
    shown = {s: c.get(f"/api/consults/{cid}/preview", params={"stage": s}) for s in ("before", "session-3-healed")}
    saved = c.post(f"/api/consults/{cid}/save", json={
        "signer": "Dee Drag", "consent_version": "smp-consent-2026-12", "revision": body["revision"],
        "signature_png_base64": signature_b64(), "preview_sha256": [v.headers["X-Preview-Sha256"]
                                                                    for v in shown.values()]})
    assert saved.status_code == 201, saved.text
    token = token_of(c.post(f"/api/clients/{client}/portal-links", json={}).json()["url"])
    before = portal(anonymous, token, "/pictures/before.jpg")
    after = portal(anonymous, token, "/pictures/after.jpg")
    assert before.status_code == after.status_code == 200, after.text
    assert before.headers["content-type"] == "image/jpeg"
    b, a, shown_b = _pixels(before.content), _pixels(after.content), _pixels(shown["before"].content)
    assert b.shape == shown_b.shape and np.abs(b - shown_b).mean() < 2.0  # the consultation's view of the photo
    shown_a = _pixels(shown["session-3-healed"].content)
    changed = np.abs(a - b).max(axis=2) > 12
    assert changed.sum() > 200  # dots drawn
    # what the client was shown when signing (the stored photo is the upload re-encoded: not bit-identical),
    # far closer to it than the before picture is
    assert np.abs(a - shown_a).mean() < 1.5 < np.abs(b - shown_a).mean()
    plan = c.get(f"/api/plans/{saved.json()['plan_id']}").json()["plan_json"]
    first_date = plan["sessions"][0]["date"]
    for name, words in (("consultation.pdf", "Dee Drag"), ("quote.pdf", "Total"), ("aftercare.pdf", "Aftercare")):
        r = portal(anonymous, token, f"/pack/{name}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
        assert words in text and first_date in text
    assert portal(anonymous, token, "/pack/record.json").status_code == 422


def test_session_check_names_each_rule_in_words(login):
    """The session-day page's check: the same rules as recording the session, each with its name and in
    words, and whether the signed-in user may override them (an owner, none of them hard)."""
    artist, owner, desk = login("a_artist"), login("a_owner"), login("a_front_desk")
    cid = owner.post("/api/clients", json={"first_name": "Cy", "last_name": "Check",
                                           "medical_intake": {"haemophilia": True}}).json()["id"]
    day = "2026-03-10"
    got = artist.get(f"/api/clients/{cid}/session-check", params={"day": day}).json()
    by_rule = {r["rule"]: r for r in got["refusals"]}
    assert not got["ok"] and set(by_rule) == {"consent", "patch_test", "contraindication"}
    assert by_rule["patch_test"]["title"] == "Patch test" and "first session" in by_rule["patch_test"]["message"]
    assert by_rule["contraindication"]["title"] == "Health questions"
    assert "haemophilia" in by_rule["contraindication"]["message"].lower()
    assert by_rule["consent"]["overridable"] is False and got["can_override"] is False  # consent is hard
    owner.post(f"/api/clients/{cid}/consents", json={"version": "v1", "text": "I agree.", "signature": "Cy",
                                                     "signed_at": "2026-03-01T10:00:00Z"})
    assert owner.get(f"/api/clients/{cid}/session-check", params={"day": day}).json()["can_override"] is True
    assert artist.get(f"/api/clients/{cid}/session-check", params={"day": day}).json()["can_override"] is False
    assert desk.get(f"/api/clients/{cid}/session-check", params={"day": "2026-02-30"}).status_code == 422
    assert login("b_owner").get(f"/api/clients/{cid}/session-check", params={"day": day}).status_code == 404
    # the front desk books: it sees who takes appointments (names, no e-mails)
    names = desk.get("/api/artists").json()
    assert {a["role"] for a in names} <= {"owner", "artist"} and names and "email" not in names[0]
    assert desk.get("/api/users").status_code == 403


def test_the_token_never_travels_in_a_url(clinic, anonymous):
    """The link's token is the URL's # part (a browser never sends it); the page sends it in a header, so
    it is in no access log or referrer. Without the header, or with the token in the old place, nothing."""
    cid, _plan, _appts = booked_client(clinic)
    token = token_of(clinic["desk"].post(f"/api/clients/{cid}/portal-links", json={}).json()["url"])
    assert anonymous.get("/api/portal").status_code == 422
    assert anonymous.get(f"/api/portal/{token}").status_code == 404
    assert portal(anonymous, token).status_code == 200
    page = anonymous.get("/portal")
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    js = anonymous.get("/app/portal.js").text
    assert "X-Portal-Token" in js and "/api/portal/${" not in js
