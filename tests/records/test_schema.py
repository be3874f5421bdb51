"""Migrations, settings and database connection behaviour."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from smpstudio.errors import SMPError
from smpstudio.records.db import check_migrated, current_revision, head_revision, make_engine, upgrade
from smpstudio.records.models import Base
from smpstudio.records.settings import Settings, default_data_dir


def test_migrations_match_the_models(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_unmigrated_database_is_refused_with_the_fixing_command(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with pytest.raises(SMPError, match=r"smp db upgrade"):
        check_migrated(engine)
    upgrade(engine)
    check_migrated(engine)
    engine.dispose()


def test_app_refuses_to_start_on_an_unmigrated_database(tmp_path):
    from smpstudio.web.app import create_app

    with pytest.raises(SMPError, match=r"empty \(no schema\).*smp db upgrade"):
        create_app(Settings(data_dir=tmp_path, database_url=None))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        conn.execute(text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))"))
        with pytest.raises(Exception, match="FOREIGN KEY"):
            conn.execute(text("INSERT INTO c VALUES (1, 42)"))
    engine.dispose()


def test_settings_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SMP_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = Settings(_env_file=None)
    assert s.data_dir == tmp_path / "d"
    assert s.db_url == f"sqlite:///{(tmp_path / 'd' / 'records.sqlite3').resolve()}"
    assert s.secure_cookies  # production unless SMP_ENV=dev
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SMP_ENV", "dev")
    s = Settings(_env_file=None)
    assert s.db_url == "postgresql+psycopg://u@h/db" and not s.secure_cookies


def test_default_data_dir_is_the_platform_user_folder(monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    d = default_data_dir()
    assert d.name == "smpstudio"
    if sys.platform.startswith("linux"):
        assert d == Path.home() / ".local" / "share" / "smpstudio"


def test_migrations_upgrade_step_by_step_and_downgrade(tmp_path):
    """A database at the first revision is brought forward by `upgrade` (what `smp db upgrade` does)."""
    from alembic import command

    from smpstudio.records.db import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with pytest.raises(SMPError, match="at revision 0001.*smp db upgrade"):
        check_migrated(engine)
    upgrade(engine)
    check_migrated(engine)
    with engine.connect() as conn:
        names = {r[1] for r in conn.execute(text("PRAGMA index_list(sessions)"))}
    assert "ix_sessions_clinic_date" in names
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert current_revision(engine) is None
    engine.dispose()
