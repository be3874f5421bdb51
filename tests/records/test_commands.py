"""The records commands: db upgrade, create-clinic, demo-seed, backup/restore, and serve's refusal."""

from __future__ import annotations

import os
import subprocess
import sys

import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from smpstudio.commands import records_admin
from smpstudio.records.db import head_revision, make_engine, make_sessionmaker
from smpstudio.records.demo import DEMO_OWNER
from smpstudio.records.models import Client, Plan, TreatmentSession, User


def _app():
    app = typer.Typer()
    records_admin.register(app)
    return app


def test_serve_refuses_an_unmigrated_database_in_one_line(tmp_path):
    env = os.environ | {"SMP_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "smpstudio.cli", "serve", "--port", "8"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `smp db upgrade` first" in lines[0] and "Traceback" not in proc.stderr


def test_upgrade_seed_backup_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("SMP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    app = _app()
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0 and f"empty -> {head_revision()}" in r.output
    r = runner.invoke(
        app,
        ["create-clinic", "--name", "Northside SMP", "--owner-email", "Boss@North.test"],
        input="a-long-password\na-long-password\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["demo-seed"])
    assert r.exit_code == 0 and "demo clinic created" in r.output
    assert "already there" in runner.invoke(app, ["demo-seed"]).output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'records.sqlite3'}")
    with make_sessionmaker(engine)() as db:
        assert db.scalar(select(User.id).where(User.email == "boss@north.test"))
        demo_clinic = db.scalar(select(User.clinic_id).where(User.email == DEMO_OWNER))
        assert db.scalar(select(func.count()).select_from(Client).where(Client.clinic_id == demo_clinic)) == 3
        assert db.scalar(select(func.count()).select_from(Plan)) == 3
        assert db.scalar(select(func.count()).select_from(TreatmentSession)) == 9
    engine.dispose()
    assert runner.invoke(app, ["backup", str(tmp_path / "bk")]).exit_code == 0
    monkeypatch.setenv("SMP_DATA_DIR", str(tmp_path / "restored"))
    r = runner.invoke(app, ["restore", str(tmp_path / "bk")])
    assert r.exit_code == 0, r.output
    engine = make_engine(f"sqlite:///{tmp_path / 'restored' / 'records.sqlite3'}")
    with make_sessionmaker(engine)() as db:
        assert db.scalar(select(func.count()).select_from(TreatmentSession)) == 9
    engine.dispose()
