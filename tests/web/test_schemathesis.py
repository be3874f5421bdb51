"""Property-based API test: schemathesis generates valid and invalid requests for every operation of
/openapi.json; no answer may be a 5xx or violate the schema (status code, content type, body)."""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
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


def _fresh_login(app, email):
    """A new session (bypassing HTTP, so the generated login attempts' throttling does not matter)."""
    state = app.state.smp
    with state.sessions() as db:
        result = services.sign_in(db, state.settings, AddressThrottle(), "test", email, PASSWORD)
    return {"X-CSRF-Token": result.csrf_token}, {"smp_session": result.token}


def _fuzz(operation, headers, cookies, ids, ok_answers, name):
    @given(case=operation.as_strategy(), real_ids=st.booleans())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, real_ids):
        if real_ids and case.path_parameters:  # half the cases address existing records of the clinic
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        response = case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
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
    for operation in operations:
        name = f"{operation.method.upper()} {operation.path}"
        # a new session per operation: the logout operation ends its own session only
        headers, cookies = _fresh_login(app, accounts["a_owner"].email)

        try:
            _fuzz(operation, headers, cookies, ids, ok_answers, name)
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{name}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
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
    }
    missing = {f"{o.method.upper()} {o.path}" for o in operations} - set(ok_answers)
    assert len(missing - never_ok) <= 2, sorted(missing - never_ok)  # a few may draw no valid request
