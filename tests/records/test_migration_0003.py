"""Migration 0003 on a database with records at 0002: the data survive, the new columns get their
defaults, and a database with duplicate live session numbers is refused in words (not half-migrated)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text

from smpstudio.records.db import alembic_config, current_revision, head_revision, make_engine, upgrade


def _at_0002_with(url, numbers):
    engine = make_engine(url, pool_size=1)
    upgrade(engine, "0002")
    now = dt.datetime(2026, 1, 1, 12)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO clinics (id, name, currency, session_price_cents, touch_up_price_cents, retention_years,"
                " created_at) VALUES (1, 'Old', 'USD', 0, 0, 10, :t)"
            ),
            {"t": now},
        )
        c.execute(
            text(
                "INSERT INTO clients (id, clinic_id, first_name, last_name, medical_intake, created_at, updated_at)"
                " VALUES (1, 1, 'Ann', 'Lee', '{}', :t, :t)"
            ),
            {"t": now},
        )
        for i, n in enumerate(numbers, 1):
            c.execute(
                text(
                    "INSERT INTO sessions (id, clinic_id, client_id, number, status, date, aftercare_given, created_at,"
                    " updated_at) VALUES (:i, 1, 1, :n, 'done', :d, false, :t, :t)"
                ),
                {"i": i, "n": n, "d": dt.date(2026, 1, i), "t": now},
            )
    return engine


def test_upgrade_keeps_the_records_and_sets_defaults(empty_url):
    engine = _at_0002_with(empty_url, [1, 2])
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision()  # 0003 and the migrations after it
        with engine.connect() as c:
            assert c.execute(text("SELECT date_order, timezone, consent_version FROM clinics")).one() == (
                "DMY",
                "UTC",
                "v1",
            )
            assert c.execute(text("SELECT reminders_opt_out FROM clients")).scalar() in (False, 0)
            assert c.execute(text("SELECT count(*) FROM sessions")).scalar() == 2
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:  # and back down
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")  # through every later migration's downgrade too
        assert current_revision(engine) == "0002"
    finally:
        engine.dispose()


def test_duplicate_session_numbers_stop_the_upgrade_in_words(empty_url):
    engine = _at_0002_with(empty_url, [1, 1])
    try:
        with pytest.raises(RuntimeError, match="client 1 session 1"):
            upgrade(engine)
        assert current_revision(engine) == "0002"
    finally:
        engine.dispose()


@pytest.fixture
def empty_url(backend, templates, tmp_path):
    url = templates.empty(tmp_path / "db")
    yield url
    if backend == "postgresql":
        templates.drop(url)
