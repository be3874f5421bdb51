"""Backups taken while writers are busy restore to a sound database holding every committed row."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from smpstudio.errors import SMPError
from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records.backup import backup, restore
from smpstudio.records.db import check_migrated, make_engine, make_sessionmaker
from smpstudio.records.models import Client, Photo, SessionZone, TreatmentSession
from smpstudio.records.services_photos import Vault, client_key, upload_photo
from smpstudio.records.settings import Settings
from smpstudio.records.storage import KeyStore, PhotoStore
from smpstudio.records.testing import jpeg_with_gps


def test_backup_under_write_load_restores_every_committed_row(settings, engine, accounts, templates, tmp_path):
    a = accounts["a_artist"]
    actor = services.Actor(a.user_id, a.clinic_id, a.role)
    factory = make_sessionmaker(engine)
    vault = Vault(PhotoStore(settings.photo_dir), KeyStore(settings.key_dir))
    with factory() as db:
        first = services.create_client(db, actor, s.ClientCreate(first_name="P", last_name="Q"))
        upload_photo(
            db,
            actor,
            vault,
            first.id,
            jpeg_with_gps(200, 150),
            view=s.PhotoView.top,
            phase=s.PhotoPhase.before,
            taken_at=None,
            session_id=None,
        )
    committed: list[tuple[float, int]] = []  # (time the commit returned, client id)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer():
        with factory() as db:
            while not stop.is_set():
                try:
                    c = services.create_client(db, actor, s.ClientCreate(first_name="W", last_name="R"))
                    services.create_session(
                        db,
                        actor,
                        c.id,
                        s.SessionCreate(date=dt.date(2026, 1, 1), zones=[s.ZoneIn(zone="top"), s.ZoneIn(zone="crown")]),
                    )
                    committed.append((time.monotonic(), c.id))
                except OperationalError as exc:  # pragma: no cover - would fail the test below
                    errors.append(exc)
                    db.rollback()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    while len(committed) < 30:
        time.sleep(0.005)
    started = time.monotonic()
    manifest = backup(settings, tmp_path / "bk", with_keys=True)
    ended = time.monotonic()
    while len(committed) < len([c for c in committed if c[0] <= ended]) + 10:
        time.sleep(0.005)  # keep writing after the backup too
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert manifest["photo_files"] == 2 and manifest["keys_included"]
    if manifest["backend"] == "sqlite":
        assert manifest["integrity_check"] == "ok"

    target = Settings(data_dir=tmp_path / "restored", database_url=templates.empty(tmp_path / "restored-db"), env="dev")
    restore(target, tmp_path / "bk")
    r_engine = make_engine(target.db_url, pool_size=1)
    try:
        check_migrated(r_engine)
        if r_engine.dialect.name == "sqlite":
            path = r_engine.url.database
            assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with make_sessionmaker(r_engine)() as db:
            ids = set(db.scalars(select(Client.id)))
            before = {cid for t, cid in committed if t <= started}
            assert before <= ids  # every row committed before the backup began is in it
            assert ids <= {first.id} | {cid for _t, cid in committed} | set(
                db.scalars(select(Client.id).where(Client.clinic_id != a.clinic_id))
            )
            # and no half-written session: every restored session has both zones, and every client
            # committed (with its session) before the backup began has its session
            zones = dict(
                db.execute(
                    select(TreatmentSession.client_id, func.count(SessionZone.id))
                    .outerjoin(SessionZone, SessionZone.session_id == TreatmentSession.id)
                    .group_by(TreatmentSession.client_id)
                ).all()
            )
            assert set(zones.values()) == {2}
            assert all(zones.get(cid) == 2 for cid in before)
            # the restored photo decrypts with the restored key file
            photo = db.scalar(select(Photo))
            client = db.get(Client, photo.client_id)
            r_vault = Vault(PhotoStore(target.photo_dir), KeyStore(target.key_dir))
            data = r_vault.photos.read(
                photo.clinic_id,
                photo.client_id,
                photo.storage_key,
                client_key(db, r_vault, client, create=False),
                "jpg",
            )
            assert data[:3] == b"\xff\xd8\xff"
    finally:
        r_engine.dispose()
    print(f"backup of {len(before)}+ rows under load took {ended - started:.3f} s")


def test_restore_refuses_a_non_empty_database_and_backup_a_used_folder(settings, tmp_path):
    backup(settings, tmp_path / "bk")
    with pytest.raises(SMPError, match="not empty"):
        restore(settings, tmp_path / "bk")
    with pytest.raises(SMPError, match="not empty"):
        backup(settings, tmp_path / "bk")
    with pytest.raises(SMPError, match="not a backup folder"):
        restore(settings, tmp_path)
