"""The real test photos: installed from the pinned archive, checked by sha256, refused when altered."""

from __future__ import annotations

import shutil

import pytest

from smpstudio.imaging import real_photos
from smpstudio.imaging.real_photos import PHOTOS, PhotoMissingError, photo_path


def test_every_photo_is_installed_and_decodes(real_photo):
    assert real_photo.width > 500 and real_photo.height > 500
    assert real_photo.rgb.dtype.name == "float32"


def test_altered_or_missing_photo_is_refused(tmp_path, monkeypatch):
    for name in PHOTOS:
        shutil.copy(photo_path(name), tmp_path / name)
    monkeypatch.setenv("SMP_PHOTO_DIR", str(tmp_path))
    assert photo_path("biden.jpg") == tmp_path / "biden.jpg"
    data = bytearray((tmp_path / "biden.jpg").read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / "biden.jpg").write_bytes(bytes(data))
    with pytest.raises(PhotoMissingError, match="sha256"):
        photo_path("biden.jpg")
    (tmp_path / "obama.jpg").unlink()
    with pytest.raises(PhotoMissingError, match="not found"):
        photo_path("obama.jpg")
    with pytest.raises(PhotoMissingError, match="unknown"):
        photo_path("nobody.jpg")
    assert real_photos.DEMO_PHOTO in PHOTOS
