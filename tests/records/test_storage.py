"""Key files and encrypted photo files."""

from __future__ import annotations

import os
import threading

import pytest

from smpstudio.errors import SMPError
from smpstudio.records.storage import TMP_PREFIX, KeyStore, PhotoStore, new_client_key, write_atomic


def test_concurrent_first_use_creates_one_clinic_key(tmp_path):
    stores = [KeyStore(tmp_path / "keys") for _ in range(8)]
    keys: list[bytes] = []
    barrier = threading.Barrier(8)

    def take(store):
        barrier.wait()
        keys.append(store.clinic_key(3))

    threads = [threading.Thread(target=take, args=(st,)) for st in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["clinic-3.key"]
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700


def test_wrapped_client_key_needs_the_clinic_key_file(tmp_path):
    ks = KeyStore(tmp_path / "keys")
    client_key = new_client_key()
    wrapped = ks.wrap(1, 7, client_key)
    assert client_key not in wrapped
    assert ks.unwrap(1, 7, wrapped) == client_key
    with pytest.raises(SMPError, match="does not match"):
        ks.unwrap(1, 8, wrapped)  # bound to its clinic and client
    # a database dump alone (wrapped keys, no key file) does not open the photos
    with pytest.raises(SMPError, match="key file .* is missing"):
        KeyStore(tmp_path / "elsewhere").unwrap(1, 7, wrapped)


def test_photo_round_trip_and_atomic_write_failure_leaves_nothing(tmp_path, monkeypatch):
    store = PhotoStore(tmp_path / "photos")
    key = new_client_key()
    store.write(1, 2, "abc", key, b"full-jpeg", b"thumb-jpeg")
    assert store.read(1, 2, "abc", key, "jpg") == b"full-jpeg"
    assert store.read(1, 2, "abc", key, "thumb") == b"thumb-jpeg"
    with pytest.raises(SMPError, match="does not match"):
        store.read(1, 2, "abc", new_client_key(), "jpg")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.write(1, 2, "def", key, b"x", b"y")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "photos", "z", b"z")
    names = sorted(p.name for p in store.all_files())
    assert names == ["abc.jpg.enc", "abc.thumb.enc"] and not any(n.startswith(TMP_PREFIX) for n in names)
