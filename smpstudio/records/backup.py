"""Consistent backups of a running service, and restore.

A backup is a folder::

    OUT/manifest.json      what was copied, the schema revision, the integrity check result
    OUT/db.sqlite3         SQLite: a copy made with SQLite's online backup API (one read snapshot)
    OUT/db.pgdump          PostgreSQL: ``pg_dump --format=custom`` (one snapshot)
    OUT/photos/...         the encrypted photo files of the photo rows in that snapshot
    OUT/keys/...           the clinic key files, only with ``with_keys`` (keep them apart otherwise)

Photo files are immutable once written, so copying the files named by the snapshot's rows after the
database copy gives a consistent set.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from smpstudio.errors import SMPError
from smpstudio.outputs import staged_output
from smpstudio.records.db import head_revision, is_sqlite, make_engine, private_sqlite_file
from smpstudio.records.models import Photo
from smpstudio.records.settings import Settings
from smpstudio.records.storage import PhotoStore

SQLITE_NAME = "db.sqlite3"
ERASED_LEDGER = "erased.jsonl"  # as services_workflows.ERASED_LEDGER
PG_NAME = "db.pgdump"


def _sqlite_path(url: str) -> Path:
    db = make_url(url).database
    if not db or db == ":memory:":
        raise SMPError("an in-memory SQLite database cannot be backed up or restored")
    return Path(db)


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql://...`` for pg_dump / pg_restore."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(cmd: list[str]) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SMPError(f"{cmd[0]} is not installed (it comes with the PostgreSQL client package)") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise SMPError(f"{cmd[0]} failed: {last}")


def sqlite_copy(src: Path, dst: Path) -> str:
    """Copy a live SQLite database with the online backup API in one step (a single consistent
    snapshot, even while other connections write); returns ``PRAGMA integrity_check`` of the copy."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)  # pages=-1: everything in one step, under one read transaction
        target.execute("PRAGMA journal_mode=DELETE")
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    return str(result)


def _photo_keys_in(url: str) -> list[tuple[int, int, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                (int(a), int(b), str(c))
                for a, b, c in conn.execute(
                    select(Photo.clinic_id, Photo.client_id, Photo.storage_key).where(Photo.shredded_at.is_(None))
                )
            ]
    finally:
        engine.dispose()


def backup(settings: Settings, out: Path, *, with_keys: bool = False) -> dict[str, Any]:
    """Write a consistent backup of the database and photos of ``settings`` to the folder ``out``."""
    url = settings.db_url
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SMPError(f"{out} exists and is not empty; choose a new folder for the backup")
    manifest: dict[str, Any] = {"format": "smpstudio-backup/1", "schema_revision": head_revision()}
    with staged_output(out) as stage:
        if is_sqlite(url):
            src = _sqlite_path(url)
            if not src.exists():
                raise SMPError(f"there is no database at {src}")
            check = sqlite_copy(src, stage / SQLITE_NAME)
            if check != "ok":
                raise SMPError(f"the copy fails SQLite's integrity check: {check}")
            manifest |= {"backend": "sqlite", "database": SQLITE_NAME, "integrity_check": check}
            keys = _photo_keys_in(f"sqlite:///{stage / SQLITE_NAME}")
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(stage / PG_NAME), libpq_url(url)])
            manifest |= {"backend": "postgresql", "database": PG_NAME}
            keys = _photo_keys_in(url)
        store, copied, missing = PhotoStore(settings.photo_dir), 0, 0
        for clinic_id, client_id, key in keys:
            for path in store.paths(clinic_id, client_id, key):
                if path.exists():
                    target = stage / "photos" / path.relative_to(store.photo_dir)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
                    copied += 1
                else:  # erased after the snapshot: its key is gone anyway
                    missing += 1
        manifest |= {"photo_files": copied, "photo_files_missing": missing, "keys_included": with_keys}
        if with_keys and settings.key_dir.exists():
            shutil.copytree(settings.key_dir, stage / "keys")
        ledger = settings.data_dir / ERASED_LEDGER
        if ledger.exists():
            shutil.copy2(ledger, stage / ERASED_LEDGER)
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2))
        _private(stage)
    _private(out)
    return manifest


def _private(folder: Path) -> None:
    """Folders 0700 and files 0600: a backup holds the clinic's records (and maybe its keys)."""
    os.chmod(folder, 0o700)
    for p in folder.rglob("*"):
        os.chmod(p, 0o700 if p.is_dir() else 0o600)


def _has_tables(url: str) -> bool:
    engine = make_engine(url, pool_size=1)
    try:
        from sqlalchemy import inspect

        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore(settings: Settings, src: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a backup folder into the database and data folder of ``settings`` (server stopped)."""
    src = Path(src)
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError):
        raise SMPError(f"{src} is not a backup folder (no readable manifest.json)") from None
    url = settings.db_url
    if _has_tables(url) and not force:
        raise SMPError("the target database is not empty; pass --force to replace it")
    if manifest.get("backend") == "sqlite":
        if not is_sqlite(url):
            raise SMPError("this is a SQLite backup; restore it into a SQLite DATABASE_URL")
        target = _sqlite_path(url)
        private_sqlite_file(target)
        source = sqlite3.connect(f"file:{src / SQLITE_NAME}?mode=ro", uri=True)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=WAL")
            check = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
            source.close()
        if check != "ok":
            raise SMPError(f"the restored database fails the integrity check: {check}")
    elif manifest.get("backend") == "postgresql":
        if is_sqlite(url):
            raise SMPError("this is a PostgreSQL backup; restore it into a PostgreSQL DATABASE_URL")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", libpq_url(url), str(src / PG_NAME)])
    else:
        raise SMPError(f"{src}/manifest.json names an unknown backend {manifest.get('backend')!r}")
    if (src / "photos").is_dir():
        shutil.copytree(src / "photos", settings.photo_dir, dirs_exist_ok=True)
    if (src / "keys").is_dir():
        settings.key_dir.mkdir(parents=True, exist_ok=True)
        for key in (src / "keys").iterdir():
            dest_key = settings.key_dir / key.name
            if dest_key.exists() and dest_key.read_bytes() != key.read_bytes():
                raise SMPError(f"{dest_key} exists with a different key; move it away first")
            shutil.copy2(key, dest_key)
    manifest["erasures_reapplied"] = _reapply_erasures(settings, src)
    return manifest


def _reapply_erasures(settings: Settings, src: Path) -> int:
    """Erase again every client erased after the backup was made (the live data folder's ledger) or
    before it (the backup's own copy): a restore never brings an erased client back."""
    from smpstudio.records.db import make_sessionmaker
    from smpstudio.records.services_photos import Vault
    from smpstudio.records.services_workflows import reapply_erasures
    from smpstudio.records.storage import ErasureLedger, KeyStore

    live = settings.data_dir / ERASED_LEDGER
    entries = ErasureLedger(src / ERASED_LEDGER).entries() + ErasureLedger(live).entries()
    if not entries:
        return 0
    if (src / ERASED_LEDGER).exists():  # keep the union as the live ledger
        known = {(e["clinic_id"], e["client_id"]) for e in ErasureLedger(live).entries()}
        for e in ErasureLedger(src / ERASED_LEDGER).entries():
            if (e["clinic_id"], e["client_id"]) not in known:
                ErasureLedger(live).append(int(e["clinic_id"]), int(e["client_id"]), str(e["at"]),  # type: ignore[call-overload]
                                           bool(e.get("anonymised")))
    engine = make_engine(settings.db_url, pool_size=1)
    try:
        with make_sessionmaker(engine)() as db:
            vault = Vault(PhotoStore(settings.photo_dir), KeyStore(settings.key_dir))
            return reapply_erasures(db, vault, entries)
    finally:
        engine.dispose()
