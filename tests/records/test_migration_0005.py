"""Migration 0005 up and down on a database with records in it: the ``consults`` table (consultations in
progress) and a consent's signer and drawn signature moved out of the JSON in ``consents.signature`` into
their own columns; down to 0004 packs them back as they were and drops the drafts, nothing else."""

from __future__ import annotations

import base64
import datetime as dt
import json

from alembic import command
from sqlalchemy import inspect, text

from smpstudio.records.db import alembic_config, current_revision, head_revision, make_engine, make_sessionmaker
from smpstudio.records.db import upgrade as upgrade_to
from smpstudio.records.models_consult import ConsultDraft
from smpstudio.records.services import Actor
from smpstudio.records.services_consult import signature_of
from smpstudio.records.services_drafts import get_draft, put_draft

NOW = dt.datetime(2026, 1, 1, 12)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # the bytes travel as they are (no decoding on the way)
DRAWN = json.dumps({"signer": "Ann Lee", "image": "data:image/png;base64," + base64.b64encode(PNG).decode()})


def _records(conn, clinic_id: int, user_id: int) -> None:  # type: ignore[no-untyped-def]
    conn.execute(text("INSERT INTO clients (id, clinic_id, first_name, last_name, medical_intake, reminders_opt_out,"
                      " created_at, updated_at) VALUES (901, :c, 'Ann', 'Lee', '{}', false, :t, :t)"),
                 {"c": clinic_id, "t": NOW})
    conn.execute(text("INSERT INTO photos (id, clinic_id, client_id, view, phase, taken_at, storage_key, sha256,"
                      " width_px, height_px, size_bytes, created_by, created_at) VALUES (902, :c, 901, 'front',"
                      " 'before', :t, 'k902', :h, 640, 480, 1000, :u, :t)"),
                 {"c": clinic_id, "u": user_id, "t": NOW, "h": "0" * 64})
    for cid, signature in ((904, DRAWN), (905, "Ann Lee (typed)"), (906, '{"signer": "no image"}')):
        conn.execute(text("INSERT INTO consents (id, clinic_id, client_id, version, text, text_sha256, signed_at,"
                          " signature, preview_sha256, created_at) VALUES (:i, :c, 901, 'v1', 'I agree.', :h, :t,"
                          " :s, '[]', :t)"), {"i": cid, "c": clinic_id, "t": NOW, "h": "1" * 64, "s": signature})


def _downgrade(engine, target: str) -> None:  # type: ignore[no-untyped-def]
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)


def _signatures(engine) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, signature FROM consents ORDER BY id")).all())  # type: ignore[arg-type]


def test_0005_up_and_down_keeps_the_records(db_url, accounts):
    a = accounts["a_owner"]
    actor = Actor(a.user_id, a.clinic_id, a.role)
    engine = make_engine(db_url, pool_size=1)
    try:
        assert head_revision() >= "0005" and current_revision(engine) == head_revision()
        _downgrade(engine, "0004")
        with engine.begin() as conn:  # records as 0004 kept them: the drawn signature as JSON
            _records(conn, a.clinic_id, a.user_id)
        upgrade_to(engine)
        assert current_revision(engine) == head_revision()
        from smpstudio.records.models import Consent

        with make_sessionmaker(engine)() as db:
            drawn, typed, odd = (db.get(Consent, i) for i in (904, 905, 906))
            assert (drawn.signature, drawn.signer, drawn.signature_png) == ("Ann Lee", "Ann Lee", PNG)
            assert signature_of(drawn) == ("Ann Lee", PNG)
            assert (typed.signature, typed.signer, typed.signature_png) == ("Ann Lee (typed)", None, None)
            assert (odd.signature, odd.signature_png) == ('{"signer": "no image"}', None)  # not the app's: as is
            put_draft(db, actor, consult_id=903, client_id=901, photo_id=902, inputs={"seed": 7},
                      crop_px=[0, 0, 640, 480], revision=2, served={"before": "a" * 64})
        _downgrade(engine, "0004")
        assert current_revision(engine) == "0004"
        tables = inspect(engine).get_table_names()
        assert "consults" not in tables and "portal_links" in tables
        assert {c["name"] for c in inspect(engine).get_columns("consents")}.isdisjoint({"signer", "signature_png"})
        back = _signatures(engine)
        assert json.loads(back[904]) == json.loads(DRAWN) and back[905] == "Ann Lee (typed)"
        assert back[906] == '{"signer": "no image"}'
        with engine.connect() as conn:  # the records themselves are untouched
            assert conn.execute(text("SELECT first_name FROM clients WHERE id = 901")).scalar() == "Ann"
            assert conn.execute(text("SELECT sha256 FROM photos WHERE id = 902")).scalar() == "0" * 64
        upgrade_to(engine)
        assert current_revision(engine) == head_revision()
        with make_sessionmaker(engine)() as db:
            assert db.query(ConsultDraft).count() == 0  # the drafts went with the table
            assert signature_of(db.get(Consent, 904)) == ("Ann Lee", PNG)  # and up again
            put_draft(db, actor, consult_id=903, client_id=901, photo_id=902, inputs={"seed": 8},
                      crop_px=[1, 2, 3, 4], revision=5, served={})
            row = get_draft(db, actor, 903)
            assert (row.inputs, row.crop_px, row.revision, row.served) == ({"seed": 8}, [1, 2, 3, 4], 5, {})
    finally:
        engine.dispose()
