"""Reminders over the API and the ``smp reminders`` worker, against a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import warnings

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from smpstudio.records.testing import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


def _book_soon(c, accounts):
    cid = c.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}).json()[
        "id"
    ]
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).replace(microsecond=0)
    r = c.post(
        f"/api/clients/{cid}/appointments",
        json={"starts_at": soon.isoformat(), "artist_id": accounts["a_owner"].user_id, "room": "1", "duration_min": 30},
    )
    assert r.status_code == 201, r.text
    return cid


def test_templates_are_the_clinic_s_to_edit(login):
    owner, artist = login("a_owner"), login("a_artist")
    got = owner.get("/api/reminder-templates").json()
    assert {(t["kind"], t["channel"]) for t in got} == {
        (k, ch) for k in ("appointment", "aftercare", "touch_up") for ch in ("email", "sms")
    }
    body = {"kind": "touch_up", "subject": "Touch-up, $first_name", "body": "See you, $first_name. $clinic"}
    assert artist.put("/api/reminder-templates", json=body).status_code == 403
    r = owner.put("/api/reminder-templates", json=body | {"body": "Hi $firstname"})
    assert r.status_code == 422 and "unknown placeholder $firstname" in r.json()["detail"][0]["msg"]
    r = owner.put("/api/reminder-templates", json=body)
    assert r.status_code == 200
    assert next(t for t in r.json() if (t["kind"], t["channel"]) == ("touch_up", "email"))["subject"] == body["subject"]


def test_run_now_sends_through_the_configured_smtp_server(settings, accounts, smtp):
    from smpstudio.web.app import create_app

    app = create_app(
        settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_tls": "none"}),
        pool_size=2,
    )
    try:
        with TestClient(app) as c:
            r = c.post("/api/auth/login", json={"email": accounts["a_owner"].email, "password": PASSWORD})
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            _book_soon(c, accounts)
            r = c.post("/api/reminders/run")
            assert r.status_code == 200 and r.json()["sent"] == 1, r.text
            assert smtp.messages[0]["To"] == "ann@example.com"
            queue = c.get("/api/reminders/queue").json()
            assert [(q["status"], [t["ok"] for t in q["tries"]]) for q in queue] == [("sent", [True])]
    finally:
        app.state.engine.dispose()


def test_the_smp_reminders_worker(login, accounts, settings, smtp, monkeypatch):
    from smpstudio.cli import _register, app

    _book_soon(login("a_owner"), accounts)
    for key, value in {
        "DATABASE_URL": settings.db_url,
        "SMP_DATA_DIR": str(settings.data_dir),
        "SMP_SMTP_HOST": "127.0.0.1",
        "SMP_SMTP_PORT": str(smtp.port),
        "SMP_SMTP_TLS": "none",
        "SMP_SMTP_SENDER": "desk@clinic.test",
    }.items():
        monkeypatch.setenv(key, value)
    _register()
    result = CliRunner().invoke(app, ["reminders", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 queued, 1 sent" in result.output
    assert smtp.messages[0]["From"] == "desk@clinic.test"
