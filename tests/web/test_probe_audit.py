"""Issue 13 item 10: a failed cross-clinic look-up answers 404 as before but leaves an audit row for the
requesting clinic, the same as for an unused id, and at most MISS_AUDIT_MAX per user per window."""

from __future__ import annotations

from smpstudio.records.services import MISS_AUDIT_MAX


def _misses(owner) -> list[dict]:
    return [e for e in owner.get("/api/audit?limit=500").json() if e["action"] == "not_found"]


def test_a_cross_clinic_probe_is_audited_for_the_prober_s_clinic(login):
    a, b = login("a_owner"), login("b_owner")
    cid = a.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]
    before_a = a.get("/api/audit?limit=500").json()
    r = b.get(f"/api/clients/{cid}")
    assert r.status_code == 404 and r.json()["detail"] == f"client {cid} not found"
    r = b.get("/api/clients/999999")
    assert r.status_code == 404
    probe, unused = sorted(_misses(b), key=lambda e: e["id"])
    assert (probe["entity"], probe["entity_id"]) == ("client", cid)
    assert (unused["entity"], unused["entity_id"]) == ("client", 999999)
    # the prober's log cannot tell another clinic's id from an unused one
    strip = lambda e: {k: v for k, v in e.items() if k not in ("id", "at", "entity_id", "detail")}  # noqa: E731
    assert strip(probe) == strip(unused)
    assert probe["detail"] == f"client {cid}: no such record in this clinic"
    assert a.get("/api/audit?limit=500").json() == before_a  # nothing leaks into the target's log


def test_misses_of_writes_and_of_other_records_are_audited_and_nothing_else_is_committed(login):
    a, b = login("a_owner"), login("b_owner")
    cid = a.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]
    assert b.patch(f"/api/clients/{cid}", json={"notes": "x"}).status_code == 404
    assert b.get("/api/plans/123456").status_code == 404
    assert {(e["entity"], e["entity_id"]) for e in _misses(b)} == {("client", cid), ("plan", 123456)}
    assert a.get(f"/api/clients/{cid}").json()["notes"] is None


def test_probes_cannot_flood_the_log(login):
    b = login("b_owner")
    for i in range(MISS_AUDIT_MAX + 15):
        assert b.get(f"/api/clients/{500000 + i}").status_code == 404
    rows = sorted(_misses(b), key=lambda e: e["id"])
    assert len(rows) == MISS_AUDIT_MAX
    assert "further misses" in rows[-1]["detail"] and "further" not in rows[-2]["detail"]
    # another user of the clinic still has their own allowance
    assert login("b_artist").get("/api/clients/777777").status_code == 404
    assert len(_misses(b)) == MISS_AUDIT_MAX + 1


def test_every_route_s_cross_clinic_miss_is_audited(login, monkeypatch):
    """The tenant walk of test_tenant_isolation (clinic B asks for each of clinic A's ids on every route
    with an id) leaves one not_found row per request for clinic B, naming the id asked for."""
    import re

    from smpstudio.records import services
    from smpstudio.records.testing import make_records
    from tests.web.test_tenant_isolation import BODIES, _operations

    monkeypatch.setattr(services, "MISS_AUDIT_MAX", 10_000)  # the flood limit has its own test above
    a, b = login("a_owner"), login("b_owner")
    ids = make_records(a)
    walked: list[tuple[str, int]] = []
    for method, path in _operations(a.get("/openapi.json").json()):
        params = re.findall(r"{(\w+)}", path)
        if not params or path.startswith("/api/portal/"):
            continue
        r = b.request(method.upper(), path.format(**ids), **BODIES.get((method, path), {}))
        assert r.status_code == 404, (method, path, r.text)
        walked.append((f"{method.upper()} {path}", ids[params[0]]))
        seen = [e["entity_id"] for e in _misses(b)]
        assert seen.count(ids[params[0]]) == sum(i == ids[params[0]] for _w, i in walked), f"{walked[-1]}: not audited"
    assert len(walked) >= 20
    assert len(_misses(b)) == len(walked)
