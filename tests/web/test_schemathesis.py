"""Property-based API test: schemathesis generates valid and invalid requests for every operation of
/openapi.json; no answer may be a 5xx or violate the schema (status code, content type, body).

The hypothesis-driven tests here are derandomized (the same cases every run, so ``make test`` is
reproducible) unless ``SMP_FUZZ_SEED`` is set: then they draw new cases from that seed. ``.ci/run`` sets
it to the commit's hash (printed), so every commit fuzzes new cases and a failure reruns exactly with
``SMP_FUZZ_SEED=<printed seed>``.
"""

from __future__ import annotations

import os
from collections import Counter
from urllib.parse import quote

import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smpstudio.records import services
from smpstudio.records.security import AddressThrottle
from smpstudio.records.testing import PASSWORD, make_records

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 25
FUZZ_SEED = int(os.environ["SMP_FUZZ_SEED"]) if os.environ.get("SMP_FUZZ_SEED") else None


def _seeded(test):
    """``test`` (a hypothesis test) drawing from ``SMP_FUZZ_SEED`` when set; derandomized otherwise."""
    return test if FUZZ_SEED is None else seed(FUZZ_SEED)(test)


def _seed_note() -> str:
    return "derandomized" if FUZZ_SEED is None else f"SMP_FUZZ_SEED={FUZZ_SEED}"


def _fresh_login(app, email):
    """A new session (bypassing HTTP, so the generated login attempts' throttling does not matter)."""
    state = app.state.smp
    with state.sessions() as db:
        result = services.sign_in(db, state.settings, AddressThrottle(), "test", email, PASSWORD)
    return {"X-CSRF-Token": result.csrf_token}, {"smp_session": result.token}


def _fuzz(operation, headers, cookies, ids, ok_answers, name, requests):
    @_seeded
    @given(case=operation.as_strategy(), real_ids=st.booleans())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=FUZZ_SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, real_ids):
        if real_ids and case.path_parameters:  # half the cases address existing records of the clinic
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        response = case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
        requests[response.status_code] += 1
        if response.status_code < 300:
            ok_answers[name] += 1

    run()


def test_schemathesis_finds_no_server_error_or_schema_violation(app, login, accounts):
    ids = make_records(login("a_owner"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 25
    ok_answers: Counter[str] = Counter()
    requests: Counter[int] = Counter()
    for operation in operations:
        name = f"{operation.method.upper()} {operation.path}"
        # a new session per operation: the logout operation ends its own session only
        headers, cookies = _fresh_login(app, accounts["a_owner"].email)

        try:
            _fuzz(operation, headers, cookies, ids, ok_answers, name, requests)
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{name}: {str(exc)[:1500]}")
    print(f"\nschemathesis: {sum(requests.values())} requests over {len(operations)} operations: "
          f"{dict(sorted(requests.items()))} ({_seed_note()})")
    assert not failures, "\n\n".join(failures)
    assert not any(code >= 500 for code in requests)
    # the generated requests did get through authentication and validation to the services; random
    # credentials, random bytes as photos and random referenced ids never succeed; 25 draws may also miss
    # a valid body for an operation or two
    never_ok = {
        "POST /api/auth/login",
        "POST /api/clients/{client_id}/photos",
        "POST /api/clients/{client_id}/sessions",
        # a booking needs a real artist's id in its body and a feed a real token; a move of the one
        # booked appointment a typed time that parses and a reason (random text rarely both)
        "POST /api/clients/{client_id}/appointments",
        "PATCH /api/appointments/{appointment_id}",
        "POST /api/calendar-feeds",
        "POST /api/calendar-feeds/revoke",
        "GET /api/calendar-feeds/feed.ics",
        # a new portal link needs a changeable client: once the walk's erase operation erased the clinic's
        # client, it answers 409 (as a new consent does)
        "POST /api/clients/{client_id}/portal-links",
        # the session-day check's optional lot and consent ids are random (never the clinic's: 404)
        "GET /api/clients/{client_id}/session-check",
        # retired: answers 308 to appointments.ics
        "GET /api/clients/{client_id}/reminders.ics",
        # a portal link's pages need the link's token (a random 256-bit string, stored only hashed)
        "GET /api/portal",
        "GET /api/portal/pictures/{which}.jpg",
        "GET /api/portal/pack/{name}",
        # a plan is a whole validated PlanDocument (dozens of nested required fields, schema version,
        # software, photo, analysis, ...): random draws never build one
        "POST /api/clients/{client_id}/plans",
        # a consultation starts from a real photo (random bytes never decode); saving one needs the drawn
        # signature and the sha256 of the previews that consultation showed
        "POST /api/clients/{client_id}/consults",
        "POST /api/consults/{consult_id}/save",
        # a password change needs the user's current password (random text never is)
        "POST /api/auth/password",
    }
    accounts = {"GET /api/auth/sessions", "POST /api/auth/sessions/end-others", "POST /api/users/{user_id}/deactivate",
                "POST /api/users/{user_id}/activate", "POST /api/users/{user_id}/sessions/end"}
    assert accounts <= set(ok_answers), sorted(accounts - set(ok_answers))  # each reached its service
    missing = {f"{o.method.upper()} {o.path}" for o in operations} - set(ok_answers)
    assert len(missing - never_ok) <= 2, sorted(missing - never_ok)  # a few may draw no valid request


# ---- NaN, Infinity, huge numbers and lone surrogates in generated bodies (issue 13 items 1, 2) ----------
POISON = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999", b"9" * 40, b'"\\ud800"', b'"x\\udfff"']
POISON_EXAMPLES = 12


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    yield path


def _poisoned(body, path, marker):
    """``body`` as JSON text with the value at ``path`` replaced by the raw token ``marker``."""
    import json

    if not path:
        return marker
    target = body
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = "__POISON__"
    return json.dumps(body).encode().replace(b'"__POISON__"', marker)


def test_poisoned_json_bodies_get_4xx_on_every_operation(app, login, accounts):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    ids = make_records(login("a_owner"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers, cookies = _fresh_login(app, accounts["a_owner"].email)
    client = TestClient(app, cookies=cookies)
    operations = [r.ok() for r in schema.get_all_operations()]
    counts: Counter[int] = Counter()
    failures: list[str] = []
    with_body = 0
    for operation in operations:
        if operation.body is None or not any("json" in b.media_type for b in operation.body):
            continue
        with_body += 1
        _poison_one(operation, client, headers, ids, counts, failures)
    client.close()
    assert with_body >= 8
    print(f"\npoisoned bodies: {sum(counts.values())} requests over {with_body} operations: {dict(counts)} "
          f"({_seed_note()})")
    assert not failures, "\n\n".join(failures)


def _poison_one(operation, client, headers, ids, counts, failures):
    @_seeded
    @given(case=operation.as_strategy(), marker=st.sampled_from(POISON), pick=st.integers(0, 10_000))
    @settings(
        max_examples=POISON_EXAMPLES,
        deadline=None,
        derandomize=FUZZ_SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, marker, pick):
        body = case.body if isinstance(case.body, dict | list) else {}
        paths = list(_leaves(body))
        raw = _poisoned(body, paths[pick % len(paths)], marker)
        params = {k: ids.get(k, v) for k, v in (case.path_parameters or {}).items()}
        url = operation.path.format(**params)
        r = client.request(
            operation.method.upper(),
            url,
            content=raw,
            headers={**headers, "content-type": "application/json"},
            params=case.query,
        )
        counts[r.status_code] += 1
        assert 400 <= r.status_code < 500, (operation.path, raw[:200], r.status_code, r.text[:300])
        assert r.json()["detail"], r.text

    try:
        run()
    except Exception as exc:
        failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")


# ---- the same in query strings and path parameters (issue 13): every parameter of every operation -------
# (value, already percent-encoded): NaN/Infinity and out-of-range numbers as the parsers see them, the
# 64-bit edges just outside, a lone surrogate as UTF-8 would spell it (ED B3 BF, invalid UTF-8), a NUL
# (PostgreSQL refuses it in text), an invalid UTF-8 byte, and long strings
PARAM_POISON: list[tuple[str, bool]] = [
    ("NaN", False),
    ("Infinity", False),
    ("-Infinity", False),
    ("1e999", False),
    ("-1e999", False),
    (str(2**63), False),
    (str(-(2**63) - 1), False),
    ("9" * 400, False),
    ("%ED%B3%BF", True),
    ("x%ED%A0%80y", True),
    ("%00", True),
    ("%FF", True),
    ("x" * 10_000, False),
    ("\u00e9\U0001f600" * 2_000, False),
]


def _plain_value(schema: dict) -> str:
    """A valid-looking value of a parameter's schema (for the parameters not being poisoned)."""
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _plain_value(option)
    if "enum" in schema:
        return str(schema["enum"][0])
    if "default" in schema and schema["default"] is not None:
        return str(schema["default"]).lower() if isinstance(schema["default"], bool) else str(schema["default"])
    kind, fmt = schema.get("type"), schema.get("format")
    if kind in ("integer", "number"):
        return str(max(1, schema.get("minimum", 1)))
    if kind == "boolean":
        return "true"
    if fmt == "date":
        return "2026-01-10"
    if fmt == "date-time":
        return "2026-01-10T10:00:00Z"
    return "x" * max(1, schema.get("minLength", 1))


def _parameters(spec: dict, path: str, method: str) -> list[dict]:
    params = {(p["in"], p["name"]): p for p in spec["paths"][path].get("parameters", [])}
    params |= {(p["in"], p["name"]): p for p in spec["paths"][path][method].get("parameters", [])}
    return [p for p in params.values() if p["in"] in ("path", "query")]


def _readable_4xx(r) -> str | None:
    """None if ``r`` is a 4xx with a JSON body whose ``detail`` is a readable message, else the problem."""
    if not r.headers.get("content-type", "").startswith("application/json"):
        return f"not JSON: {r.headers.get('content-type')!r}"
    try:
        detail = r.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return "no detail"
    if isinstance(detail, str):
        return None if detail.strip() else "empty detail"
    if isinstance(detail, list) and detail and all(isinstance(d, dict) and str(d.get("msg", "")).strip()
                                                   for d in detail):
        return None
    return f"unreadable detail {str(detail)[:200]}"


def _body_example(operation) -> object | None:
    """One valid JSON body of ``operation`` (schemathesis' positive data), so the poisoned parameter
    is the only thing wrong with the request; None for operations without a JSON body."""
    if operation.body is None or not any("json" in b.media_type for b in operation.body):
        return None
    from schemathesis.generation import GenerationMode

    found: list[object] = []

    @_seeded
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=1, deadline=None, derandomize=FUZZ_SEED is None, database=None,
              suppress_health_check=list(HealthCheck))
    def draw(case):
        found.append(case.body)

    draw()
    return found[0] if found and isinstance(found[0], dict | list) else {}


def test_poisoned_query_and_path_parameters_get_4xx_on_every_operation(app, login, accounts):
    """Every query and path parameter of every operation, each poison value, signed in as the owner:
    no 5xx, and every 4xx a JSON body with a readable ``detail``."""
    import json
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    ids = make_records(login("a_owner"))
    spec = app.openapi()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = {(o.method.lower(), o.path): o for o in (r.ok() for r in schema.get_all_operations())}
    counts: Counter[int] = Counter()
    failures: list[str] = []
    n_params = 0
    for (method, path), operation in operations.items():
        params = _parameters(spec, path, method)
        if not params:
            continue
        body = _body_example(operation)
        headers, cookies = _fresh_login(app, accounts["a_owner"].email)  # a logout ends only this one
        client = TestClient(app, cookies=cookies)
        plain = {
            p["name"]: str(ids[p["name"]]) if p["name"] in ids else _plain_value(p.get("schema", {}))
            for p in params
        }
        for param in params:
            n_params += 1
            for value, encoded in PARAM_POISON:
                raw = value if encoded else quote(value, safe="")
                values = {k: quote(v, safe="") for k, v in plain.items()} | {param["name"]: raw}
                url = path.format(**{p["name"]: values[p["name"]] for p in params if p["in"] == "path"})
                query = "&".join(f"{p['name']}={values[p['name']]}" for p in params if p["in"] == "query"
                                 and (p.get("required") or p is param))
                kwargs: dict = {"headers": headers}
                if body is not None:
                    kwargs = {"headers": {**headers, "content-type": "application/json"},
                              "content": json.dumps(body).encode()}
                r = client.request(method.upper(), f"{url}?{query}" if query else url, **kwargs)
                counts[r.status_code] += 1
                where = f"{method.upper()} {path} {param['in']} {param['name']}={raw[:40]!r}"
                if r.status_code >= 500:
                    failures.append(f"{where}: {r.status_code} {r.text[:300]}")
                elif r.status_code >= 400 and (problem := _readable_4xx(r)):
                    failures.append(f"{where}: {r.status_code} {problem}: {r.text[:200]}")
        client.close()
    n_ops = len({(m, p) for m, p in operations if _parameters(spec, p, m)})
    print(f"\npoisoned parameters: {sum(counts.values())} requests over {n_params} query/path parameters of "
          f"{n_ops} operations ({len(operations)} in all): {dict(sorted(counts.items()))}")
    assert n_ops >= 40
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])
