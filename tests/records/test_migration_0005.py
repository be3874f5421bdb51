"""Migration 0005 (``consults``: consultations in progress) up and down on a database with records in it:
down to 0004 drops the drafts and nothing else, up again gives an empty table the service writes to."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import inspect, text

from smpstudio.records.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    make_sessionmaker,
    upgrade,
)
from smpstudio.records.models_consult import ConsultDraft
from smpstudio.records.services import Actor
from smpstudio.records.services_drafts import get_draft, put_draft

NOW = dt.datetime(2026, 1, 1, 12)


def _records(conn, clinic_id: int, user_id: int) -> None:  # type: ignore[no-untyped-def]
    conn.execute(text("INSERT INTO clients (id, clinic_id, first_name, last_name, medical_intake, reminders_opt_out,"
                      " created_at, updated_at) VALUES (901, :c, 'Ann', 'Lee', '{}', false, :t, :t)"),
                 {"c": clinic_id, "t": NOW})
    conn.execute(text("INSERT INTO photos (id, clinic_id, client_id, view, phase, taken_at, storage_key, sha256,"
                      " width_px, height_px, size_bytes, created_by, created_at) VALUES (902, :c, 901, 'front',"
                      " 'before', :t, 'k902', :h, 640, 480, 1000, :u, :t)"),
                 {"c": clinic_id, "u": user_id, "t": NOW, "h": "0" * 64})


def _downgrade(engine, target: str) -> None:  # type: ignore[no-untyped-def]
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)


def test_0005_up_and_down_keeps_the_records(db_url, accounts):
    a = accounts["a_owner"]
    actor = Actor(a.user_id, a.clinic_id, a.role)
    engine = make_engine(db_url, pool_size=1)
    try:
        assert head_revision() >= "0005" and current_revision(engine) == head_revision()
        with engine.begin() as conn:
            _records(conn, a.clinic_id, a.user_id)
        with make_sessionmaker(engine)() as db:
            put_draft(db, actor, consult_id=903, client_id=901, photo_id=902, inputs={"seed": 7},
                      crop_px=[0, 0, 640, 480], revision=2, served={"before": "a" * 64})
        _downgrade(engine, "0004")
        assert current_revision(engine) == "0004"
        tables = inspect(engine).get_table_names()
        assert "consults" not in tables and "portal_links" in tables
        with engine.connect() as conn:  # the records themselves are untouched
            assert conn.execute(text("SELECT first_name FROM clients WHERE id = 901")).scalar() == "Ann"
            assert conn.execute(text("SELECT sha256 FROM photos WHERE id = 902")).scalar() == "0" * 64
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with make_sessionmaker(engine)() as db:
            assert db.query(ConsultDraft).count() == 0  # the drafts went with the table
            put_draft(db, actor, consult_id=903, client_id=901, photo_id=902, inputs={"seed": 8},
                      crop_px=[1, 2, 3, 4], revision=5, served={})
            row = get_draft(db, actor, 903)
            assert (row.inputs, row.crop_px, row.revision, row.served) == ({"seed": 8}, [1, 2, 3, 4], 5, {})
    finally:
        engine.dispose()
