"""A consultation in progress is kept in the database (migration 0005, ``consults``): a server that lost it
from memory (restarted, or dropped the oldest) rebuilds it from the stored photo with the same design, options,
plan and previews; nobody else can read, change or overwrite it, and an unknown id loses nothing.

A restart is what the server's memory loses: the app's consultation store is replaced by an empty one (the
browser test ``test_app_restart_browser.py`` starts a new server process).
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from smpstudio.imaging.samples import sample_photo
from smpstudio.records import services_drafts
from smpstudio.records.errors import NotFound
from smpstudio.records.models_consult import ConsultDraft
from smpstudio.records.services import Actor
from smpstudio.web.consult_state import ConsultStore
from tests.web.conftest import TestClient
from tests.web.test_consult_api import signature_b64


def _restart(app) -> None:  # type: ignore[no-untyped-def]
    app.state.consults = ConsultStore()


@pytest.fixture
def changed(login):
    """A consultation of clinic A's owner with a moved hairline and changed options, two previews shown."""
    c = login("a_owner")
    client = c.post("/api/clients", json={"first_name": "Kept", "last_name": "Draft"}).json()["id"]
    r = c.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", sample_photo().to_jpeg_bytes(),
                                                                   "image/jpeg")})
    assert r.status_code == 201, r.text
    body = r.json()
    i, mm = 1, body["overlay"]["px_per_mm"]
    x, y = body["control_points"][i]
    r = c.patch(f"/api/consults/{body['id']}", json={"move": {"index": i, "x": x, "y": y + 6 * mm}})
    assert r.status_code == 200, r.text
    r = c.patch(f"/api/consults/{body['id']}", json={"style": "defined", "sessions": 4, "interval_days": 21,
                                                      "stage": "norwood-5"})
    assert r.status_code == 200, r.text
    shown = {s: c.get(f"/api/consults/{body['id']}/preview", params={"stage": s})
             for s in ("before", "session-4-healed")}
    assert all(p.status_code == 200 for p in shown.values())
    return c, client, r.json(), shown


def test_a_forgotten_consult_is_rebuilt_with_its_design_options_plan_and_previews(app, changed):
    c, _client, before, shown = changed
    assert (before["style"], before["sessions"], before["interval_days"], before["hair_stage"]) == (
        "defined", 4, 21, "norwood-5")
    whole = c.get(f"/api/consults/{before['id']}/whole-head").json()["block"]
    _restart(app)
    r = c.get(f"/api/consults/{before['id']}")
    assert r.status_code == 200, r.text
    after = r.json()
    assert after == before  # hairline, control points, options, overlay, plan (dates, hours, prices), revision
    for stage, old in shown.items():  # the same pixels: the sha256 a consent binds
        new = c.get(f"/api/consults/{before['id']}/preview", params={"stage": stage})
        assert hashlib.sha256(new.content).hexdigest() == hashlib.sha256(old.content).hexdigest()
        assert new.headers["X-Preview-Sha256"] == old.headers["X-Preview-Sha256"]
    # the previews shown before the restart can be signed after it
    _restart(app)
    r = c.post(f"/api/consults/{before['id']}/save", json={
        "signer": "Kept Draft", "consent_version": c.get("/api/consent-text").json()["version"],
        "signature_png_base64": signature_b64(), "revision": before["revision"],
        "preview_sha256": [p.headers["X-Preview-Sha256"] for p in shown.values()]})
    assert r.status_code == 201, r.text
    plan = c.get(f"/api/plans/{r.json()['plan_id']}").json()["plan_json"]
    # the saved plan's whole head (planned again after the restart) is the one the page showed before it
    assert {**plan["whole_head"], "diagrams": []} == {**whole, "diagrams": []}
    assert plan["whole_head"]["stage"] == before["hair_stage"] and plan["whole_head"]["impressions"] > 0
    assert plan["consultation"]["revision"] == before["revision"]


def test_a_settled_change_is_kept_a_drag_step_is_not(app, changed):
    c, _client, before, _shown = changed
    i, mm = 2, before["overlay"]["px_per_mm"]
    x, y = before["control_points"][i]
    step = c.patch(f"/api/consults/{before['id']}", json={"move": {"index": i, "x": x, "y": y + 4 * mm}, "draft": True})
    assert step.status_code == 200 and step.json()["draft"]
    _restart(app)
    after = c.get(f"/api/consults/{before['id']}").json()
    assert after["control_points"] == before["control_points"] and after["revision"] == before["revision"]
    done = c.patch(f"/api/consults/{before['id']}", json={"move": {"index": i, "x": x, "y": y + 4 * mm}})
    assert done.status_code == 200 and not done.json()["draft"]
    _restart(app)
    again = c.get(f"/api/consults/{before['id']}").json()
    assert again["control_points"] == done.json()["control_points"] != before["control_points"]
    assert again["revision"] == done.json()["revision"]


@pytest.mark.parametrize("who", ["b_owner", "a_artist"])
def test_another_users_draft_is_not_found_and_loses_nothing(app, changed, login, db, who):
    c, _client, before, shown = changed
    _restart(app)
    other, cid = login(who), before["id"]
    assert other.get(f"/api/consults/{cid}").status_code == 404
    assert other.patch(f"/api/consults/{cid}", json={"sessions": 1}).status_code == 404
    assert other.get(f"/api/consults/{cid}/preview", params={"stage": "before"}).status_code == 404
    assert other.get(f"/api/consults/{cid}/dots").status_code == 404
    r = other.post(f"/api/consults/{cid}/save", json={
        "signer": "Intruder", "consent_version": "v1", "signature_png_base64": signature_b64(), "revision": 0,
        "preview_sha256": [p.headers["X-Preview-Sha256"] for p in shown.values()]})
    assert r.status_code == 404 and r.json()["detail"]
    row = db.get(ConsultDraft, cid)
    assert row is not None and row.inputs["pattern"]["n_sessions"] == 4 and row.revision == before["revision"]
    assert c.get(f"/api/consults/{cid}").json() == before  # the owner's consultation as it was


def test_an_unknown_id_is_not_found_and_writes_nothing(app, changed, db):
    c, _client, _before, _shown = changed
    count = db.scalar(select(func.count()).select_from(ConsultDraft))
    for r in (c.get("/api/consults/12345"), c.patch("/api/consults/12345", json={"sessions": 2}),
              c.get("/api/consults/12345/preview")):
        assert r.status_code == 404 and "not found" in r.json()["detail"]
    assert c.get("/api/consults/0").status_code == 422
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ConsultDraft)) == count


def test_a_new_consult_never_takes_a_stored_drafts_id(app, changed, monkeypatch):
    c, client, before, _shown = changed
    ids = iter([before["id"] - 1, 77])  # randbelow(n) + 1: first the stored draft's id (not held in memory now)
    monkeypatch.setattr("smpstudio.web.consult_state.secrets.randbelow", lambda _n: next(ids))
    _restart(app)
    r = c.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", sample_photo().to_jpeg_bytes(),
                                                                   "image/jpeg")})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == 78 != before["id"]
    assert c.get(f"/api/consults/{before['id']}").json()["sessions"] == 4  # the old one is intact


def test_an_erased_client_takes_their_drafts_along(app, changed, db):
    c, client, before, _shown = changed
    r = c.post(f"/api/clients/{client}/erase")
    assert r.status_code in (200, 204), r.text
    db.expire_all()
    assert db.get(ConsultDraft, before["id"]) is None
    _restart(app)
    assert c.get(f"/api/consults/{before['id']}").status_code == 404


def test_only_the_newest_drafts_of_a_user_are_kept(changed, db, accounts, monkeypatch):
    _c, client, before, _shown = changed
    monkeypatch.setattr(services_drafts, "MAX_DRAFTS_PER_USER", 3)
    a = accounts["a_owner"]
    actor = Actor(a.user_id, a.clinic_id, a.role)
    row = db.get(ConsultDraft, before["id"])
    for cid in (10, 11, 12):  # three newer drafts of the same user: the oldest (the fixture's) goes
        services_drafts.put_draft(db, actor, consult_id=cid, client_id=client, photo_id=row.photo_id,
                                  inputs=row.inputs, crop_px=row.crop_px, revision=0, served={})
    kept = db.scalars(select(ConsultDraft.id).where(ConsultDraft.user_id == a.user_id)).all()
    assert sorted(kept) == [10, 11, 12]
    b = accounts["b_owner"]  # another clinic cannot overwrite one of them
    with pytest.raises(NotFound):
        services_drafts.put_draft(db, Actor(b.user_id, b.clinic_id, b.role), consult_id=11, client_id=client,
                                  photo_id=row.photo_id, inputs={}, crop_px=[0, 0, 1, 1], revision=9, served={})
    db.rollback()
    assert db.get(ConsultDraft, 11).revision == 0


@pytest.mark.parametrize("damage", [{"inputs": {"seed": "not a number"}}, {"crop_px": [0, 0, 99_999, 10]},
                                    {"crop_px": "0,0,1,1"}])
def test_a_draft_that_cannot_be_rebuilt_is_refused_in_words_and_kept(app, changed, db, damage):
    c, _client, before, _shown = changed
    row = db.get(ConsultDraft, before["id"])
    for k, v in damage.items():
        setattr(row, k, v)
    db.commit()
    _restart(app)
    r = c.get(f"/api/consults/{before['id']}")
    assert r.status_code == 409 and "cannot be rebuilt" in r.json()["detail"] and "start it again" in r.json()["detail"]
    db.expire_all()
    row = db.get(ConsultDraft, before["id"])
    assert all(getattr(row, k) == v for k, v in damage.items())  # kept as it was, nothing half-written


def test_two_workers_see_each_others_changes(app, changed, settings, accounts):
    """``smp serve --workers 2``: each worker has its own memory; the stored draft's revision is the truth."""
    from smpstudio.records.testing import PASSWORD
    from smpstudio.web.app import create_app

    c, _client, before, _shown = changed  # held in the memory of worker 1
    other = create_app(settings, pool_size=2)
    try:
        with TestClient(other) as w2:
            r = w2.post("/api/auth/login", json={"email": accounts["a_owner"].email, "password": PASSWORD})
            w2.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            assert w2.get(f"/api/consults/{before['id']}").json() == before  # worker 2 rebuilds it
            r = w2.patch(f"/api/consults/{before['id']}", json={"sessions": 2})
            assert r.status_code == 200 and r.json()["revision"] == before["revision"] + 1
            now = c.get(f"/api/consults/{before['id']}").json()  # worker 1 holds revision before: it rebuilds
            assert (now["sessions"], now["revision"], now["plan"]) == (2, r.json()["revision"], r.json()["plan"])
            # an erase through worker 2: worker 1's copy in memory is gone too
            assert w2.post(f"/api/clients/{before['client_id']}/erase").status_code == 200
            assert c.get(f"/api/consults/{before['id']}").status_code == 404
            assert before["id"] not in app.state.consults._items
    finally:
        other.state.engine.dispose()
