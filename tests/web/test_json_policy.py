"""One JSON and text policy for the whole API (issue 13, items 1 and 2): NaN, Infinity, 1e999, huge
integers, lone surrogates and invalid UTF-8 in any JSON body get a 4xx with a message on EVERY operation,
routers added later included, and nothing is committed."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from smpstudio.records.testing import make_records, sample_plan_json

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BAD_BODIES = {
    "nan": b'{"email":"a@b.c","password":NaN,"first_name":"A","x":NaN}',
    "infinity": b'{"seed":Infinity,"first_name":"A"}',
    "minus-infinity": b'{"density_per_cm2":-Infinity}',
    "1e999": b'{"seed":1e999,"first_name":"A"}',
    "huge-int": b'{"seed":' + b"9" * 30 + b"}",
    "lone-surrogate": b'{"first_name":"\\ud800","last_name":"B"}',
    "surrogate-key": b'{"\\udcff":1}',
    "invalid-utf8": b'{"first_name":"\xff\xfe","last_name":"B"}',
    "deep": b"[" * 5000 + b"]" * 5000,
}


def _message(r) -> str:
    """The one-line message of a policy 422 (FastAPI's validation-error shape: detail[0].msg)."""
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail[0]["type"] == "json_policy", detail
    msg = detail[0]["msg"]
    assert isinstance(msg, str) and msg and "\n" not in msg
    return msg


def _operations(app):
    for path, item in app.openapi()["paths"].items():
        for method in item:
            if method in ("get", "post", "patch", "put", "delete"):
                yield method.upper(), path


def _url(path, ids):
    return re.sub(r"{(\w+)}", lambda m: str(ids.get(m.group(1), 1)), path)


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_every_operation_refuses_the_body_with_a_4xx_and_a_message(app, login, kind):
    owner = login("a_owner")
    ids = make_records(owner)
    n_clients = len(owner.get("/api/clients").json())
    n_plans = len(owner.get(f"/api/clients/{ids['client_id']}/plans").json())
    anonymous = TestClient(app)
    walked = 0
    for method, path in _operations(app):
        for client in (owner, anonymous):
            r = client.request(
                method, _url(path, ids), content=BAD_BODIES[kind], headers={"content-type": "application/json"}
            )
            assert r.status_code == 422, (kind, method, path, r.status_code, r.text)
            assert _message(r), (method, path, r.text)
            walked += 1
    assert walked >= 2 * 25
    # nothing was created by any of them
    assert len(owner.get("/api/clients").json()) == n_clients
    assert len(owner.get(f"/api/clients/{ids['client_id']}/plans").json()) == n_plans


class Body(BaseModel):
    value: float
    text: str


def test_a_router_added_later_inherits_the_policy(app, login):
    later = APIRouter(prefix="/api/later")

    @later.post("/echo")
    async def echo(body: Body) -> Body:
        return body

    app.include_router(later)  # as the web app's /api/consult router is, after create_app
    c = login("a_owner")
    assert c.post("/api/later/echo", json={"value": 1.5, "text": "ok"}).status_code == 200
    for raw in (b'{"value":NaN,"text":"a"}', b'{"value":1e999,"text":"a"}', b'{"value":1,"text":"\\udcff"}'):
        r = c.post("/api/later/echo", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422 and _message(r), r.text


def test_nan_password_before_sign_in_is_a_422_not_a_500(app):
    c = TestClient(app)
    for raw in (b'{"email":"a@b.c","password":NaN}', b'{"email":"a@b.c","password":1e999}'):
        r = c.post("/api/auth/login", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text
        assert "finite" in _message(r)


def test_a_lone_surrogate_in_a_valid_plan_commits_nothing(login):
    c = login("a_owner")
    client_id = c.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]
    plan = sample_plan_json(1)
    good = json.dumps({"seed": 1, "plan": plan}).encode()
    # the same valid document with a lone surrogate in one of its string fields
    assert isinstance(plan["scalp_reason"], str)
    plan["scalp_reason"] += " \udcff"
    bad = json.dumps({"seed": 1, "plan": plan}).encode()  # json.dumps escapes it as \udcff
    assert b"\\udcff" in bad
    r = c.post(f"/api/clients/{client_id}/plans", content=bad, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "surrogate" in _message(r)
    assert c.get(f"/api/clients/{client_id}/plans").json() == []
    assert c.get(f"/api/clients/{client_id}/export").status_code == 200
    r = c.post(f"/api/clients/{client_id}/plans", content=good, headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]
    assert r.json()["version"] == 1
    assert c.get(f"/api/plans/{plan_id}").status_code == 200


def test_a_lone_surrogate_in_a_client_field_is_a_422(login):
    c = login("a_owner")
    for field in ("first_name", "notes", "address"):
        body = {"first_name": "A", "last_name": "B", field: "x\ud800"}
        r = c.post("/api/clients", content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 422, (field, r.text)
    assert c.get("/api/clients").json() == []


def test_valid_json_still_passes_and_answers_never_hold_nan(login):
    c = login("a_owner")
    r = c.post("/api/clients", json={"first_name": "Zoë 🎨", "last_name": "Ünal"})
    assert r.status_code == 201 and r.json()["first_name"] == "Zoë 🎨"
    r = c.get(f"/api/clients/{r.json()['id']}", params={"x": "nan"})
    assert r.status_code == 200
    assert "NaN" not in r.text and "Infinity" not in r.text


def test_dates_in_the_future_are_refused_where_they_cannot_be(login):
    """Issue 13 item 10: a date of birth in 2100 and a consent signed in 2099."""
    c = login("a_owner")
    r = c.post("/api/clients", json={"first_name": "A", "last_name": "B", "date_of_birth": "2100-01-01"})
    assert r.status_code == 422 and "future" in r.text
    cid = c.post("/api/clients", json={"first_name": "A", "last_name": "B", "date_of_birth": "1980-01-01"}).json()["id"]
    consent = {"version": "v1", "text": "I agree.", "signed_at": "2099-01-05T10:00:00Z", "signature": "Ann Lee"}
    r = c.post(f"/api/clients/{cid}/consents", json=consent)
    assert r.status_code == 422 and "future" in r.text
    assert c.get(f"/api/clients/{cid}/consents").json() == []
