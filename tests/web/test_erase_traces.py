"""Issue 13 item 8: an erased client leaves no trace in the SQLite files, the database and backups are
private (0600), and restoring a backup made before the erase does not bring the client back."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from smpstudio.records.backup import backup, restore
from smpstudio.records.db import make_engine, make_sessionmaker
from smpstudio.records.models import Client, Photo
from smpstudio.records.testing import jpeg_with_gps

NOTE = "SECRET-NOTE-7f3a9"
EMAIL = "trace-me-5b21@example.com"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("SQLite files")


def test_erase_leaves_no_trace_and_restore_honours_it(sqlite_only, app, login, settings, tmp_path):
    c = login("a_owner")
    cid = c.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee", "email": EMAIL, "notes": NOTE}).json()[
        "id"
    ]
    r = c.post(
        f"/api/clients/{cid}/photos",
        files={"file": ("p.jpg", jpeg_with_gps(), "image/jpeg")},
        data={"view": "front", "phase": "before"},
    )
    photo_id = r.json()["id"]
    with app.state.smp.sessions() as db:
        wrapped = db.get(Client, cid).photo_key_wrapped  # the client's photo key, wrapped by the clinic key
    assert wrapped and len(wrapped) >= 32
    db_file = Path(make_url(settings.db_url).database)
    files = [db_file, db_file.with_name(db_file.name + "-wal"), db_file.with_name(db_file.name + "-shm")]
    for f in files:
        assert f.exists() and _mode(f) == 0o600, (f, oct(_mode(f)))
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)  # made BEFORE the erase, with the keys
    assert _mode(bk) == 0o700
    assert all(_mode(p) == 0o600 for p in bk.rglob("*") if p.is_file())

    assert c.post(f"/api/clients/{cid}/erase").status_code == 200
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert NOTE.encode() not in raw and EMAIL.encode() not in raw
    assert bytes(wrapped) not in raw  # nor the wrapped key: the photos cannot be unwrapped from old pages
    app.state.engine.dispose()

    manifest = restore(settings, bk, force=True)  # the server is stopped; the old backup comes back
    assert manifest["erasures_reapplied"] == 1
    engine = make_engine(settings.db_url, pool_size=1)
    with make_sessionmaker(engine)() as db:
        client = db.get(Client, cid)
        assert client.erased_at is not None and client.photo_key_wrapped is None
        assert client.email is None and client.notes is None
        assert db.scalar(select(Photo.shredded_at).where(Photo.id == photo_id)) is not None
    engine.dispose()
    assert [p for p in settings.photo_dir.rglob("*.enc") if f"/{cid}/" in str(p)] == []
