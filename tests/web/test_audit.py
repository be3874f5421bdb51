"""Every read and every write of a client's record leaves an audit event naming the user and client."""

from __future__ import annotations

import re

from smpstudio.records.testing import make_records

CLIENT_RECORD_IDS = ("client_id", "consent_id", "plan_id", "session_id", "photo_id")


def _audit_count(owner, client_id):
    return len(owner.get("/api/audit", params={"client_id": client_id, "limit": 500}).json())


def test_every_client_record_route_is_audited(login, accounts):
    owner, artist = login("a_owner"), login("a_artist")
    ids = make_records(artist)  # writes by the artist
    events = owner.get("/api/audit", params={"client_id": ids["client_id"], "limit": 500}).json()
    assert {(e["action"], e["entity"]) for e in events} >= {
        ("create", "client"),
        ("create", "consent"),
        ("create", "plan"),
        ("create", "session"),
        ("create", "photo"),
    }
    assert {e["user_id"] for e in events} == {accounts["a_artist"].user_id}
    schema = owner.get("/openapi.json").json()
    checked = 0
    for path, item in schema["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if "get" not in item or not params or params[0] not in CLIENT_RECORD_IDS:
            continue
        before = _audit_count(owner, ids["client_id"])
        query = {"day": "2026-02-01"} if path.endswith("/session-check") else None
        r = artist.get(path.format(**ids), params=query) if "export" not in path else owner.get(path.format(**ids))
        assert r.status_code == 200, path
        after = owner.get("/api/audit", params={"client_id": ids["client_id"], "limit": 500}).json()
        assert len(after) > before, f"GET {path} left no audit event"
        checked += 1
    assert checked >= 11
