"""Tenant isolation: a user of clinic B gets 404 for every id of clinic A, on every route of the schema."""

from __future__ import annotations

import re

from smpstudio.records.testing import CONSENT, jpeg_with_gps, make_records, sample_plan_json

# a valid request body for every operation that takes one, so that only the foreign id can make it fail
BODIES = {
    ("patch", "/api/clients/{client_id}"): {"json": {"phone": "+1 555 0100"}},
    ("post", "/api/clients/{client_id}/consents"): {"json": CONSENT},
    ("post", "/api/clients/{client_id}/plans"): {"json": {"seed": 1, "plan": sample_plan_json(1)}},
    ("post", "/api/clients/{client_id}/sessions"): {"json": {"date": "2026-02-01"}},
    ("patch", "/api/sessions/{session_id}"): {"json": {"notes": "changed"}},
    ("post", "/api/clients/{client_id}/photos"): {
        "files": {"file": ("p.jpg", jpeg_with_gps(64, 48), "image/jpeg")},
        "data": {"view": "top", "phase": "after"},
    },
    ("post", "/api/clients/{client_id}/erase"): {},
    ("post", "/api/clients/{client_id}/appointments"): {
        "json": {"starts_at": "2026-03-01T10:00", "artist_id": 1, "room": "1", "duration_min": 30}
    },
    ("patch", "/api/appointments/{appointment_id}"): {"json": {"reason": "the client asked"}},
    ("post", "/api/appointments/{appointment_id}/cancel"): {"json": {"reason": "the client asked"}},
    ("post", "/api/clients/{client_id}/consults"): {"files": {"file": ("p.jpg", jpeg_with_gps(64, 48), "image/jpeg")}},
    ("patch", "/api/consults/{consult_id}"): {"json": {"style": "broken"}},
    ("post", "/api/clients/{client_id}/portal-links"): {"json": {"days": 30}},
    ("get", "/api/clients/{client_id}/session-check"): {"params": {"day": "2026-02-01"}},
    ("post", "/api/portal-links/{link_id}/revoke"): {},
    ("post", "/api/consults/{consult_id}/save"): {"json": {
        "signer": "Ann Lee", "consent_version": "smp-consent-2026-12", "signature_png_base64": "A" * 120,
        "preview_sha256": ["0" * 64], "revision": 0}},
}


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("get", "post", "patch", "put", "delete"):
                yield method, path


def test_every_route_with_an_id_answers_404_for_another_clinics_ids(login):
    a, b = login("a_owner"), login("b_owner")
    ids = make_records(a)
    schema = a.get("/openapi.json").json()
    walked = []
    for method, path in _operations(schema):
        params = re.findall(r"{(\w+)}", path)
        if not params or path.startswith("/api/portal/"):  # a portal link's token is its own key (test_portal.py)
            continue
        assert all(p in ids for p in params), f"no id of clinic A for {path}: extend make_records"
        url = path.format(**ids)
        kwargs = BODIES.get((method, path), {})
        if method != "get":
            assert (method, path) in BODIES, f"add a valid body for {method.upper()} {path}"
        r = b.request(method.upper(), url, **kwargs)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert str(ids[params[0]]) in r.json()["detail"] or "not found" in r.json()["detail"]
        walked.append((method, path))
        if method == "get":  # and the same request succeeds for clinic A: the ids are real
            assert a.get(url, **kwargs).status_code == 200, url
    assert len(walked) >= 17
    # nothing of clinic A changed or was erased by clinic B's attempts
    client = a.get(f"/api/clients/{ids['client_id']}").json()
    assert client["erased_at"] is None and client["phone"] is None
    assert len(a.get(f"/api/clients/{ids['client_id']}/sessions").json()) == 1
    assert len(a.get(f"/api/clients/{ids['client_id']}/photos").json()) == 1


def test_ids_in_bodies_and_lists_are_scoped_to_the_clinic(login):
    a, b = login("a_owner"), login("b_owner")
    ids = make_records(a)
    b_client = b.post("/api/clients", json={"first_name": "Bo", "last_name": "B"}).json()["id"]
    for ref in ("plan_id", "consent_id", "pigment_lot_id", "operator_id"):
        value = ids["lot_id"] if ref == "pigment_lot_id" else ids.get(ref, a.get("/api/auth/me").json()["id"])
        r = b.post(f"/api/clients/{b_client}/sessions", json={"date": "2026-02-01", ref: value})
        assert r.status_code == 404, (ref, r.text)
    r = b.post(
        f"/api/clients/{b_client}/photos",
        files={"file": ("p.jpg", jpeg_with_gps(64, 48), "image/jpeg")},
        data={"view": "top", "phase": "after", "session_id": str(ids["session_id"])},
    )
    assert r.status_code == 404
    assert [c["id"] for c in b.get("/api/clients").json()] == [b_client]
    assert b.get("/api/lots").json() == []
    assert b.get("/api/reminders", params={"days": 3000, "overdue_days": 3000}).json() == []
    assert all(e["client_id"] in (None, b_client) for e in b.get("/api/audit").json())
    assert {u["clinic_id"] for u in b.get("/api/users").json()} == {b.get("/api/clinic").json()["id"]}
    assert b.get("/api/audit", params={"client_id": ids["client_id"]}).status_code == 404
