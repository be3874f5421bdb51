"""Each outcome README's *What a restore brings back* promises after a GDPR erase, checked by reading
back the restored database, photo files, key files and erasure ledger (never restore()'s return value).

(The outcome "erased after the backup, restored with the keys on the same data folder" is
tests/web/test_erase_traces.py's.)
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smpstudio.errors import SMPError
from smpstudio.records import services
from smpstudio.records.backup import backup, restore
from smpstudio.records.db import make_engine, make_sessionmaker
from smpstudio.records.models import Client, Consent, Photo, Plan, TreatmentSession
from smpstudio.records.services_photos import Vault, client_key
from smpstudio.records.services_workflows import erase_client
from smpstudio.records.settings import Settings
from smpstudio.records.storage import KeyStore, PhotoStore
from smpstudio.records.testing import CONSENT, jpeg_with_gps

EMAIL, NOTE, ADDRESS = "restore-me@example.com", "NOTE-restore-31c", "1 High Street, Leeds"


def _client(c, *, done_session: bool) -> dict[str, int]:
    """A client with contact, notes, a consent, a session (done within the retention period: the erase
    keeps the procedure record; planned: the erase anonymises) and one photo."""
    r = c.post("/api/clients", json={
        "first_name": "Rita", "last_name": "Stone", "date_of_birth": "1980-03-04", "email": EMAIL,
        "notes": NOTE, "address": ADDRESS, "patch_test_result": "negative", "patch_test_at": "2026-01-08T12:00:00Z",
    })
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert c.post(f"/api/clients/{cid}/consents", json=CONSENT).status_code == 201
    lot = c.post("/api/lots", json={"kind": "pigment", "manufacturer": "M", "product": "Ash",
                                    "lot_number": f"L-{cid}"})
    assert lot.status_code == 201, lot.text
    r = c.post(f"/api/clients/{cid}/sessions", json={
        "date": "2026-01-10", "status": "done" if done_session else "planned", "pigment_lot_id": lot.json()["id"],
        "zones": [{"zone": "top"}],
    })
    assert r.status_code == 201, r.text
    r = c.post(f"/api/clients/{cid}/photos", files={"file": ("p.jpg", jpeg_with_gps(), "image/jpeg")},
               data={"view": "front", "phase": "before"})
    assert r.status_code == 201, r.text
    return {"client_id": cid, "lot_id": lot.json()["id"], "photo_id": r.json()["id"]}


def _read(settings: Settings, cid: int) -> dict:
    """The client as the restored database and data folder hold it."""
    engine = make_engine(settings.db_url, pool_size=1)
    try:
        with make_sessionmaker(engine)() as db:
            client = db.get(Client, cid)
            assert client is not None
            count = lambda model: db.scalar(select(func.count()).select_from(model).where(model.client_id == cid))  # noqa: E731
            sessions = db.scalars(select(TreatmentSession).where(TreatmentSession.client_id == cid)).all()
            photo = None
            if client.photo_key_wrapped is not None:
                vault = Vault(PhotoStore(settings.photo_dir), KeyStore(settings.key_dir))
                row = db.scalar(select(Photo).where(Photo.client_id == cid, Photo.shredded_at.is_(None)))
                photo = vault.photos.read(row.clinic_id, cid, row.storage_key,
                                          client_key(db, vault, client, create=False), "jpg")
            return {
                "erased": client.erased_at is not None,
                "name": (client.first_name, client.last_name),
                "dob": client.date_of_birth,
                "address": client.address,
                "email": client.email,
                "notes": client.notes,
                "intake": client.medical_intake,
                "wrapped_key": client.photo_key_wrapped is not None,
                "unshredded_photos": db.scalar(select(func.count()).select_from(Photo).where(
                    Photo.client_id == cid, Photo.shredded_at.is_(None))),
                "consents": count(Consent),
                "plans": count(Plan),
                "sessions": [(t.date, t.status, t.operator_id) for t in sessions],
                "lots": [(t.pigment_lot_id, t.needle_lot_id) for t in sessions],
                "photo": photo,
                "files": _photo_files(settings, cid),
            }
    finally:
        engine.dispose()


def _photo_files(settings: Settings, cid: int) -> list[Path]:
    return sorted(p for p in settings.photo_dir.rglob("*.enc") if p.parent.name == str(cid))


def _ledger(settings: Settings) -> set[tuple[int, int, bool]]:
    path = settings.data_dir / "erased.jsonl"
    if not path.exists():
        return set()
    return {(e["clinic_id"], e["client_id"], e["anonymised"]) for e in map(json.loads, path.read_text().splitlines())}


def _new_folder(templates, tmp_path: Path, name: str) -> Settings:
    """A new machine: an empty database and a data folder without keys or ledger."""
    return Settings(data_dir=tmp_path / name, database_url=templates.empty(tmp_path / f"{name}-db"), env="dev",
                    hash_processes=False)


def _erase(c, cid: int) -> dict:
    r = c.post(f"/api/clients/{cid}/erase")
    assert r.status_code == 200, r.text
    return r.json()


def _assert_erased(got: dict, *, anonymised: bool) -> None:
    assert got["erased"] and not got["wrapped_key"] and got["photo"] is None
    assert got["email"] is None and got["notes"] is None and got["intake"] == {}
    assert got["unshredded_photos"] == 0 and got["files"] == []
    if anonymised:
        assert got["name"][0] == "erased" and got["dob"] is None and got["address"] is None
        assert got["consents"] == got["plans"] == 0 and got["sessions"] == []


def test_client_erased_before_the_backup_never_comes_back(app, login, settings, templates, tmp_path):
    ids = _client(login("a_owner"), done_session=False)
    cid = ids["client_id"]
    _erase(login("a_owner"), cid)
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)
    # the backup holds none of the client's photo files (and, read back below, no wrapped key)
    assert not [p for p in bk.rglob("*.enc") if p.parent.name == str(cid)]
    new = _new_folder(templates, tmp_path, "new")  # even on a new machine, with the clinic keys
    restore(new, bk)
    _assert_erased(_read(new, cid), anonymised=True)
    assert any(new.key_dir.iterdir())  # the clinic keys came back, the client's photo key did not


def test_erased_after_the_backup_without_keys_same_folder_never_back(app, login, settings, tmp_path):
    c = login("a_owner")
    cid = _client(c, done_session=False)["client_id"]
    bk = tmp_path / "bk"
    backup(settings, bk)  # no --with-keys: the key files stay in the data folder
    assert not (bk / "keys").exists()
    assert len([p for p in (bk / "photos").rglob("*.enc") if p.parent.name == str(cid)]) == 2
    _erase(c, cid)
    app.state.engine.dispose()
    restore(settings, bk, force=True)
    _assert_erased(_read(settings, cid), anonymised=True)


def test_erased_after_the_backup_new_folder_with_the_ledger_copied_never_back(app, login, settings, templates,
                                                                              tmp_path):
    c = login("a_owner")
    cid = _client(c, done_session=False)["client_id"]
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)
    _erase(c, cid)
    new = _new_folder(templates, tmp_path, "new")
    new.data_dir.mkdir(parents=True)
    shutil.copy2(settings.data_dir / "erased.jsonl", new.data_dir / "erased.jsonl")  # kept with the keys
    restore(new, bk)
    _assert_erased(_read(new, cid), anonymised=True)
    # the restored keys are the clinic's own
    keys = sorted(p.name for p in new.key_dir.iterdir())
    assert keys and all((new.key_dir / k).read_bytes() == (settings.key_dir / k).read_bytes() for k in keys)


def test_erased_after_the_backup_on_a_new_folder_without_the_ledger_is_back_until_erased_again(
        app, login, settings, templates, tmp_path, accounts):
    c = login("a_owner")
    cid = _client(c, done_session=False)["client_id"]
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)
    _erase(c, cid)
    new = _new_folder(templates, tmp_path, "lost-machine")  # the old erased.jsonl is lost with the machine
    restore(new, bk)
    got = _read(new, cid)
    assert not got["erased"] and got["email"] == EMAIL and got["notes"] == NOTE
    assert got["photo"][:3] == b"\xff\xd8\xff" and len(got["files"]) == 2  # the photo decrypts again
    # ... until erased again, on the restored service
    owner = accounts["a_owner"]
    engine = make_engine(new.db_url, pool_size=1)
    try:
        with make_sessionmaker(engine)() as db:
            vault = Vault(PhotoStore(new.photo_dir), KeyStore(new.key_dir))
            erase_client(db, services.Actor(owner.user_id, owner.clinic_id, owner.role), vault, cid,
                         today=dt.date.today())
    finally:
        engine.dispose()
    _assert_erased(_read(new, cid), anonymised=True)
    assert (owner.clinic_id, cid, True) in _ledger(new)


def test_anonymised_identity_is_anonymised_again_on_restore(app, login, settings, tmp_path):
    c = login("a_owner")
    cid = _client(c, done_session=False)["client_id"]  # nothing done: the erase anonymises
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)
    before = _read(settings, cid)
    assert before["name"] == ("Rita", "Stone") and before["consents"] == 1 and len(before["sessions"]) == 1
    assert "first_name" in _erase(c, cid)["fields_cleared"]
    app.state.engine.dispose()
    restore(settings, bk, force=True)
    got = _read(settings, cid)
    _assert_erased(got, anonymised=True)
    assert got["name"] == ("erased", f"client {cid}")


def test_retained_procedure_record_is_restored_as_it_was_at_the_erase(app, login, settings, accounts, tmp_path):
    c = login("a_owner")
    ids = _client(c, done_session=True)  # done 2026-01-10, retention 5 years: the procedure record stays
    cid = ids["client_id"]
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)
    erased = _erase(c, cid)
    assert erased["retained"] and erased["retention_until"]
    at_erase = _read(settings, cid)
    app.state.engine.dispose()
    restore(settings, bk, force=True)
    got = _read(settings, cid)
    _assert_erased(got, anonymised=False)
    assert got["name"] == ("Rita", "Stone") and got["dob"] == dt.date(1980, 3, 4) and got["address"] == ADDRESS
    assert got["consents"] == 1 and got["sessions"] == [(dt.date(2026, 1, 10), "done", accounts["a_owner"].user_id)]
    assert got["lots"] == [(ids["lot_id"], None)]
    for key in ("name", "dob", "address", "consents", "plans", "sessions", "lots", "email", "notes", "intake"):
        assert got[key] == at_erase[key], key


def test_a_later_anonymising_erase_is_reapplied_on_restore(app, login, settings, accounts, tmp_path):
    """Erased within the retention period (record kept), a backup, then erased again once the period is
    over (identity anonymised): restoring that backup must not bring the name and the sessions back."""
    c = login("a_owner")
    cid = _client(c, done_session=True)["client_id"]
    _erase(c, cid)  # retained
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)
    owner = accounts["a_owner"]
    state = app.state.smp
    with state.sessions() as db:  # years later: the retention period is over
        out = erase_client(db, services.Actor(owner.user_id, owner.clinic_id, owner.role), state.vault, cid,
                           today=dt.date(2040, 1, 1))
    assert "first_name" in out.fields_cleared
    assert _ledger(settings) == {(owner.clinic_id, cid, False), (owner.clinic_id, cid, True)}
    app.state.engine.dispose()
    restore(settings, bk, force=True)
    got = _read(settings, cid)
    _assert_erased(got, anonymised=True)


def test_ledger_of_the_backup_and_of_the_data_folder_are_kept_together(app, login, settings, templates, tmp_path,
                                                                       accounts):
    """Restoring on a new folder whose ledger has other erases keeps the union as its ledger, so a later
    restore of an even older backup there still erases both clients."""
    c = login("a_owner")
    first = _client(c, done_session=False)["client_id"]
    second = _client(c, done_session=False)["client_id"]
    old = tmp_path / "old"
    backup(settings, old, with_keys=True)  # both clients whole
    _erase(c, first)
    bk = tmp_path / "bk"
    backup(settings, bk, with_keys=True)  # its ledger: the first erase
    _erase(c, second)
    new = _new_folder(templates, tmp_path, "new")
    new.data_dir.mkdir(parents=True)
    (new.data_dir / "erased.jsonl").write_text(
        [line for line in (settings.data_dir / "erased.jsonl").read_text().splitlines(keepends=True)
         if f'"client_id": {second},' in line][0])  # only the second erase, as a copied ledger would be
    restore(new, bk)
    clinic = accounts["a_owner"].clinic_id
    assert _ledger(new) == {(clinic, first, True), (clinic, second, True)}
    _assert_erased(_read(new, first), anonymised=True)
    _assert_erased(_read(new, second), anonymised=True)
    restore(new, old, force=True)  # the older backup, both clients whole in it
    _assert_erased(_read(new, first), anonymised=True)
    _assert_erased(_read(new, second), anonymised=True)


def test_keys_come_back_only_from_a_backup_that_has_them(app, login, settings, templates, tmp_path):
    c = login("a_owner")
    cid = _client(c, done_session=False)["client_id"]
    without, with_keys = tmp_path / "bk", tmp_path / "bk-keys"
    backup(settings, without)
    backup(settings, with_keys, with_keys=True)
    new = _new_folder(templates, tmp_path, "new")
    restore(new, without)
    assert not new.key_dir.exists() or list(new.key_dir.iterdir()) == []
    assert len(_photo_files(new, cid)) == 2  # the encrypted files are back, unreadable without the key
    with pytest.raises(SMPError):
        _read(new, cid)
    restore(new, with_keys, force=True)
    assert _read(new, cid)["photo"][:3] == b"\xff\xd8\xff"
    # a restore never overwrites a different key file
    key = next(new.key_dir.iterdir())
    key.write_bytes(b"\x00" * 32)
    with pytest.raises(SMPError, match="different key"):
        restore(new, with_keys, force=True)
    assert key.read_bytes() == b"\x00" * 32


def test_pg_dump_backup_made_after_the_erase_carries_only_live_rows(backend, app, login, settings, tmp_path):
    """PostgreSQL keeps old row versions in its table files until (auto)vacuum, but ``pg_dump`` copies
    live rows only: a backup made after the erase holds none of the erased values."""
    if backend != "postgresql" or shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL's pg_dump backups (pg_restore on PATH)")
    import subprocess

    c = login("a_owner")
    cid = _client(c, done_session=False)["client_id"]
    before = tmp_path / "before"
    backup(settings, before)
    _erase(c, cid)
    after = tmp_path / "after"
    backup(settings, after)

    def dump_text(folder: Path) -> str:
        return subprocess.run(["pg_restore", "--data-only", "--file", "-", str(folder / "db.pgdump")],
                              capture_output=True, text=True, check=True).stdout

    assert EMAIL in dump_text(before) and NOTE in dump_text(before)  # the check can see them
    text = dump_text(after)
    assert EMAIL not in text and NOTE not in text and ADDRESS not in text and "Rita" not in text
