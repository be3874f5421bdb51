"""`smp serve --demo`: a seeded clinic that a newcomer can sign in to and browse."""

from __future__ import annotations

import warnings

from smpstudio.commands.serve import prepare_demo
from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD
from smpstudio.records.settings import Settings
from smpstudio.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_demo_clinic_is_browsable(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = prepare_demo(Settings(data_dir=tmp_path, _env_file=None))
    assert settings.data_dir == tmp_path / "demo" and not settings.secure_cookies
    assert prepare_demo(Settings(data_dir=tmp_path, _env_file=None)).db_url == settings.db_url  # idempotent
    app = create_app(settings)
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"email": DEMO_OWNER, "password": DEMO_PASSWORD})
    assert r.status_code == 200
    clients = c.get("/api/clients").json()
    assert [x["last_name"] for x in clients] == ["Carter", "Haddad", "Nguyen"]
    kinds = {x["kind"] for x in c.get("/api/reminders", params={"days": 400}).json()}
    assert {"next_session", "touch_up", "patch_test"} <= kinds
    lot = c.get("/api/lots", params={"kind": "pigment"}).json()[0]
    assert c.get(f"/api/lots/{lot['id']}/recall").json()["clients"] == 3
    assert c.get("/docs").status_code == 200
    # the demo clinic charges what the plan prices (one figure in the CLI's plan and the clinic's records)
    from smpstudio.plan.cost import load_prices

    clinic, prices = c.get("/api/clinic").json(), load_prices()
    assert (clinic["session_price_cents"], clinic["touch_up_price_cents"]) == \
           (round(prices.smp_session * 100), round(prices.smp_touch_up * 100))
    app.state.engine.dispose()
