"""Issue 13 item 3: an erase that lands while an upload is being decoded. The upload re-checks the client
under the erase lock after decoding: it stores nothing (409), the erase shreds every photo committed
before it, and an erased client never gets a fresh photo key."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from smpstudio.records import services_photos, services_workflows
from smpstudio.records.models import Client, Photo
from smpstudio.records.schemas import Role
from smpstudio.records.services import Actor
from smpstudio.records.testing import jpeg_with_gps


def _upload(c, client_id):
    return c.post(
        f"/api/clients/{client_id}/photos",
        files={"file": ("p.jpg", jpeg_with_gps(64, 48), "image/jpeg")},
        data={"view": "front", "phase": "before"},
    )


@pytest.mark.parametrize("had_photo", [False, True])
def test_erase_during_the_decode_leaves_no_readable_photo(app, login, accounts, monkeypatch, had_photo):
    owner, artist = login("a_owner"), login("a_artist")
    client_id = owner.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]
    if had_photo:
        assert _upload(artist, client_id).status_code == 201
    state = app.state.smp
    a = accounts["a_owner"]
    erased = {}
    real_load = services_photos.load_photo

    def load_then_erase(data, **kw):  # the owner erases the client while the artist's photo decodes
        photo = real_load(data, **kw)
        with state.sessions() as db:
            erased["out"] = services_workflows.erase_client(
                db, Actor(a.user_id, a.clinic_id, Role.owner), state.vault, client_id, today=dt.date(2026, 6, 1)
            )
        return photo

    monkeypatch.setattr(services_photos, "load_photo", load_then_erase)
    r = _upload(artist, client_id)
    assert r.status_code == 409, r.text
    assert "erased" in r.json()["detail"]
    assert erased["out"].photos_shredded == (1 if had_photo else 0)
    with state.sessions() as db:
        assert db.get(Client, client_id).photo_key_wrapped is None  # no fresh key for an erased client
        live = db.scalars(select(Photo).where(Photo.client_id == client_id, Photo.shredded_at.is_(None))).all()
        assert live == []
    assert [p for p in state.vault.photos.all_files() if f"/{client_id}/" in str(p)] == []
    monkeypatch.setattr(services_photos, "load_photo", real_load)
    r = _upload(artist, client_id)  # and after the erase, too
    assert r.status_code == 409, r.text
    with state.sessions() as db:
        assert db.get(Client, client_id).photo_key_wrapped is None
