"""Migration 0006 up and down: the clinic's opening hours (``clinics.opens_hour``, ``closes_hour``) arrive with
09-18 on a clinic that existed before, and leave again on the way down, its other settings untouched."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from smpstudio.records.db import alembic_config, current_revision, head_revision, make_engine
from smpstudio.records.db import upgrade as upgrade_to


def _downgrade(engine, target: str) -> None:  # type: ignore[no-untyped-def]
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)


def _columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns("clinics")}


def test_0006_up_and_down(db_url, accounts):
    clinic_id = accounts["a_owner"].clinic_id
    engine = make_engine(db_url, pool_size=1)
    try:
        assert current_revision(engine) == head_revision()
        _downgrade(engine, "0005")
        assert not {"opens_hour", "closes_hour"} & _columns(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE clinics SET timezone = 'Asia/Kolkata' WHERE id = :c"), {"c": clinic_id})
        upgrade_to(engine)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT opens_hour, closes_hour, timezone FROM clinics WHERE id = :c"),
                               {"c": clinic_id}).one()
        assert tuple(row) == (9, 18, "Asia/Kolkata")
    finally:
        upgrade_to(engine)
        engine.dispose()
