"""Issue 13 item 4: the decode budget of photo uploads. A 175 kB all-zero 7745x7745 PNG (60 MP, under the
old 60 MP limit) is refused from its header, before any decoding; at most ``decode_slots`` uploads
decode at once."""

from __future__ import annotations

import io
import threading
import time

from PIL import Image

from smpstudio.imaging import intake
from smpstudio.records import services_photos
from smpstudio.records.services_photos import DecodeBudget
from smpstudio.records.testing import jpeg_with_gps


def _png(w, h):
    buf = io.BytesIO()
    Image.new("L", (w, h)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_a_60_mp_png_is_refused_from_its_header_without_decoding(login, monkeypatch):
    c = login("a_artist")
    client_id = c.post("/api/clients", json={"first_name": "Ann", "last_name": "Lee"}).json()["id"]
    bomb = _png(7745, 7745)
    assert len(bomb) < 400_000
    decoded = []
    real = intake._decode
    monkeypatch.setattr(intake, "_decode", lambda *a: decoded.append(1) or real(*a))
    r = c.post(
        f"/api/clients/{client_id}/photos",
        files={"file": ("bomb.png", bomb, "image/png")},
        data={"view": "front", "phase": "before"},
    )
    assert r.status_code == 422, r.text
    assert "25 MP limit" in r.json()["detail"]
    assert decoded == []
    assert c.get(f"/api/clients/{client_id}/photos").json() == []


def test_concurrent_decodes_are_bounded_by_the_slots(monkeypatch):
    budget = DecodeBudget(slots=2, wait_s=30)
    busy = {"now": 0, "max": 0}
    lock = threading.Lock()
    real = services_photos.load_photo

    def slow_load(data, **kw):
        with lock:
            busy["now"] += 1
            busy["max"] = max(busy["max"], busy["now"])
        time.sleep(0.1)  # hold the slot long enough for the others to queue (the test asserts no time)
        with lock:
            busy["now"] -= 1
        return real(data, **kw)

    monkeypatch.setattr(services_photos, "load_photo", slow_load)
    data = jpeg_with_gps(64, 48)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(services_photos._decode_within_budget(budget, data)))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert busy["max"] <= 2
