"""Photo upload: validated, EXIF/GPS stripped, encrypted at rest, thumbnails; bad files get 4xx."""

from __future__ import annotations

import io
import zlib

import numpy as np
from PIL import Image

from smpstudio.records.storage import TMP_PREFIX
from smpstudio.records.testing import jpeg_with_gps


def _client(c):
    return c.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]


def test_upload_strips_metadata_encrypts_and_makes_a_thumbnail(login, settings):
    c = login("a_artist")
    cid = _client(c)
    original = jpeg_with_gps(900, 600, seed=1)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    r = c.post(
        f"/api/clients/{cid}/photos",
        files={"file": ("x.jpg", original, "image/jpeg")},
        data={"view": "crown", "phase": "before", "taken_at": "2026-03-01T09:30:00+02:00"},
    )
    assert r.status_code == 201, r.text
    meta = r.json()
    assert (meta["width_px"], meta["height_px"], meta["view"]) == (900, 600, "crown")
    assert meta["taken_at"].startswith("2026-03-01T07:30:00")
    full = c.get(f"/api/photos/{meta['id']}/image")
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    img = Image.open(io.BytesIO(full.content))
    assert img.size == (900, 600) and len(img.getexif()) == 0 and b"Exif" not in full.content
    assert b"PhoneMaker" not in full.content
    # the pixels survive (JPEG re-encode at quality 92)
    src = np.asarray(Image.open(io.BytesIO(original)), dtype=np.float32)
    assert np.abs(np.asarray(img, dtype=np.float32) - src).mean() < 4.0
    thumb = Image.open(io.BytesIO(c.get(f"/api/photos/{meta['id']}/thumbnail").content))
    assert max(thumb.size) == 512 and abs(thumb.size[0] / thumb.size[1] - 1.5) < 0.01
    # on disk: two encrypted files, no plaintext, no temporary files
    files = sorted(p for p in settings.photo_dir.rglob("*") if p.is_file())
    assert len(files) == 2 and not any(p.name.startswith(TMP_PREFIX) for p in files)
    for p in files:
        blob = p.read_bytes()
        assert b"\xff\xd8\xff" not in blob[:64] and b"JFIF" not in blob
        assert len(zlib.compress(blob)) > 0.98 * len(blob)  # ciphertext does not compress
    assert full.content not in (files[0].read_bytes(), files[1].read_bytes())
    key = settings.key_dir / f"clinic-{c.get('/api/clinic').json()['id']}.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32


def test_bad_photos_are_refused_with_4xx_and_leave_nothing(login, settings):
    c = login("a_artist")
    cid = _client(c)
    bomb = io.BytesIO()
    Image.new("L", (12000, 6000)).save(bomb, "PNG")  # 72 MP of zeros: a few kB compressed
    cases = [
        (b"", 422),
        (b"not an image at all", 422),
        (jpeg_with_gps()[:500], 422),
        (bomb.getvalue(), 422),
    ]
    for data, code in cases:
        r = c.post(
            f"/api/clients/{cid}/photos",
            files={"file": ("x.jpg", data, "image/jpeg")},
            data={"view": "top", "phase": "after"},
        )
        assert r.status_code == code, r.text
        assert r.json()["detail"]
    r = c.post(
        f"/api/clients/{cid}/photos",
        files={"file": ("x.jpg", jpeg_with_gps(), "image/jpeg")},
        data={"view": "sideways", "phase": "after"},
    )
    assert r.status_code == 422
    assert c.get(f"/api/clients/{cid}/photos").json() == []
    assert not settings.photo_dir.exists() or not [p for p in settings.photo_dir.rglob("*") if p.is_file()]


def test_photo_files_are_bound_to_their_record(login, settings):
    """Swapping two encrypted files on disk is detected (AES-GCM with the record in the AAD)."""
    c = login("a_artist")
    cid = _client(c)
    ids = []
    for seed in (1, 2):
        r = c.post(
            f"/api/clients/{cid}/photos",
            files={"file": ("x.jpg", jpeg_with_gps(seed=seed), "image/jpeg")},
            data={"view": "top", "phase": "after"},
        )
        ids.append(r.json()["id"])
    fulls = sorted(settings.photo_dir.rglob("*.jpg.enc"))
    a, b = fulls[0].read_bytes(), fulls[1].read_bytes()
    fulls[0].write_bytes(b)
    fulls[1].write_bytes(a)
    for pid in ids:
        r = c.get(f"/api/photos/{pid}/image")
        assert r.status_code == 422 and "does not match its key" in r.json()["detail"]


def test_oversized_uploads_are_refused_before_parsing(settings, accounts):
    import warnings

    from smpstudio.records.testing import PASSWORD
    from smpstudio.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(settings.model_copy(update={"max_upload_mb": 0.05}), pool_size=2)
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"email": accounts["a_artist"].email, "password": PASSWORD})
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    cid = c.post("/api/clients", json={"first_name": "A", "last_name": "B"}).json()["id"]
    small = jpeg_with_gps(64, 48)
    big = jpeg_with_gps(1200, 900, seed=3)
    assert 50_000 < len(big) < 1_000_000 and len(small) < 50_000
    ok = c.post(
        f"/api/clients/{cid}/photos",
        files={"file": ("a.jpg", small, "image/jpeg")},
        data={"view": "top", "phase": "after"},
    )
    assert ok.status_code == 201
    r = c.post(
        f"/api/clients/{cid}/photos",
        files={"file": ("a.jpg", big, "image/jpeg")},
        data={"view": "top", "phase": "after"},
    )
    assert r.status_code == 413
    r = c.post(
        f"/api/clients/{cid}/photos",
        files={"file": ("a.jpg", big + big, "image/jpeg")},
        data={"view": "top", "phase": "after"},
    )
    assert r.status_code == 413
    assert len(c.get(f"/api/clients/{cid}/photos").json()) == 1
    app.state.engine.dispose()
