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
from smpstudio.records.errors import Busy
from smpstudio.records.services_photos import DecodeBudget
from smpstudio.records.testing import jpeg_with_gps
from tests.web.conftest import TestClient


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
    budget = DecodeBudget(slots=2, wait_s=30, queue=6)  # all six wait their turn
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
        threading.Thread(target=lambda: results.append(services_photos.prepare_upload(budget, data)))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert busy["max"] <= 2


def test_waiters_are_bounded_by_the_queue_the_others_are_refused_at_once():
    """One slot taken, one request waiting for it (the queue): the next is refused at once (Busy, with the
    Retry-After the web layer sends as a 503), not parked on a request thread."""
    budget = DecodeBudget(slots=1, queue=1, wait_s=30)
    assert budget.acquire()  # the slot
    waiting, got = threading.Event(), []
    real_acquire = budget.semaphore.acquire

    def watched(blocking=True, timeout=None):
        if blocking:
            waiting.set()
        return real_acquire(blocking, timeout)

    object.__setattr__(budget, "semaphore", type("S", (), {"acquire": staticmethod(watched),
                                                         "release": budget.semaphore.release})())
    waiter = threading.Thread(target=lambda: got.append(budget.acquire()))
    waiter.start()
    assert waiting.wait(10)
    try:
        with services_photos.decode_slot(budget):
            raise AssertionError("a third decode got a slot")
    except Busy as exc:
        assert exc.retry_after_s >= 1
    budget.release()  # the waiter takes it
    waiter.join(10)
    assert got == [True]
    budget.release()


# ---- every full-size decode of the web service is behind the budget (issue 13, "one decode budget") -------
PATCHED = ("smpstudio.records.services_photos", "smpstudio.web.consult_service", "smpstudio.web.consult_persist",
           "smpstudio.web.portal_render")


class Decodes:
    """``load_photo`` patched in every web-service module that decodes a photo: counts the decodes running at
    once (``max``). Once ``arm`` is called, the ``hold``-th decode sets ``held`` and waits for ``release``
    (the test starts that request alone, so that decode is its)."""

    def __init__(self, monkeypatch, hold: int = 1) -> None:
        import importlib

        self.now = self.max = self.calls = 0
        self.armed = False
        self.lock = threading.Lock()
        self.held, self.release = threading.Event(), threading.Event()
        real = intake.load_photo

        def load(data, **kw):
            with self.lock:
                self.now += 1
                self.max = max(self.max, self.now)
                self.calls += self.armed
                block = self.armed and self.calls == hold
            try:
                if block:
                    self.held.set()
                    assert self.release.wait(60)
                return real(data, **kw)
            finally:
                with self.lock:
                    self.now -= 1

        for name in PATCHED:
            monkeypatch.setattr(importlib.import_module(name), "load_photo", load, raising=False)

    def arm(self) -> None:
        with self.lock:
            self.armed, self.calls, self.max = True, 0, self.now


def _one_slot(app, wait_s=0.2):
    """The app's budget with one slot and a short wait (a probe is refused at once while it is taken)."""
    import dataclasses

    state = app.state.smp
    state.vault = dataclasses.replace(state.vault, budget=DecodeBudget(slots=1, wait_s=wait_s))


def _face():
    from smpstudio.imaging.samples import sample_photo

    return sample_photo().to_jpeg_bytes()


def _upload(c, client_id, data=None):
    return c.post(f"/api/clients/{client_id}/photos", files={"file": ("p.jpg", data or jpeg_with_gps(64, 48),
                                                                       "image/jpeg")},
                  data={"view": "front", "phase": "before"})


def _while_held(decodes, holder, probe):
    """Run ``holder()`` in a thread; once its decode is held, ``probe()``; then release. Both answers."""
    out = {}
    t = threading.Thread(target=lambda: out.update(held=holder()))
    t.start()
    assert decodes.held.wait(120), "the holder never decoded"
    try:
        out["probe"] = probe()
    finally:
        decodes.release.set()
        t.join(120)
    return out["held"], out["probe"]


def _refused_by_the_slot(decodes, probe):
    assert decodes.max <= 1, f"{decodes.max} full-size decodes at once with one slot"
    assert probe.status_code == 503, probe.text
    assert int(probe.headers["Retry-After"]) >= 1


def test_a_consult_start_decodes_only_inside_a_slot(app, login, monkeypatch):
    """The consult start's decodes (the upload, then its stored form it works from) are all in its slot; an
    upload arriving meanwhile is refused with 503 + Retry-After (one slot, short wait)."""
    _one_slot(app)
    owner, artist = login("a_owner"), login("a_artist")
    client = owner.post("/api/clients", json={"first_name": "Sam", "last_name": "Slot"}).json()["id"]
    face = _face()
    decodes = Decodes(monkeypatch, hold=2)  # the 2nd: the stored JPEG the consult works from (was outside)
    decodes.arm()
    started, probe = _while_held(
        decodes, lambda: owner.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", face, "image/jpeg")}),
        lambda: _upload(artist, client))
    assert started.status_code == 201, started.text
    _refused_by_the_slot(decodes, probe)
    assert decodes.calls == 2  # the upload once, its stored form once: upload_photo does not decode it again
    assert [p["id"] for p in owner.get(f"/api/clients/{client}/photos").json()] == [started.json()["photo_id"]]


def test_a_consult_restore_decodes_inside_a_slot(app, login, monkeypatch):
    from smpstudio.web.consult_state import ConsultStore

    owner, artist = login("a_owner"), login("a_artist")
    client = owner.post("/api/clients", json={"first_name": "Rae", "last_name": "Slot"}).json()["id"]
    started = owner.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", _face(), "image/jpeg")})
    assert started.status_code == 201, started.text
    app.state.consults = ConsultStore()  # a restart: the consult is rebuilt from the stored photo
    _one_slot(app)
    decodes = Decodes(monkeypatch)
    decodes.arm()
    cid = started.json()["id"]
    restored, probe = _while_held(decodes, lambda: owner.get(f"/api/consults/{cid}"), lambda: _upload(artist, client))
    assert restored.status_code == 200, restored.text
    assert restored.json() == started.json()
    _refused_by_the_slot(decodes, probe)


def test_a_portal_render_decodes_inside_a_slot(app, login, monkeypatch):
    from tests.web.test_consult_api import signature_b64

    owner, artist = login("a_owner"), login("a_artist")
    client = owner.post("/api/clients", json={"first_name": "Pat", "last_name": "Slot"}).json()["id"]
    body = owner.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", _face(), "image/jpeg")}).json()
    shown = owner.get(f"/api/consults/{body['id']}/preview", params={"stage": "before"})
    saved = owner.post(f"/api/consults/{body['id']}/save", json={
        "signer": "Pat Slot", "consent_version": owner.get("/api/consent-text").json()["version"],
        "revision": body["revision"], "signature_png_base64": signature_b64(),
        "preview_sha256": [shown.headers["X-Preview-Sha256"]]})
    assert saved.status_code == 201, saved.text
    token = owner.post(f"/api/clients/{client}/portal-links", json={}).json()["url"].split("/portal#", 1)[1]
    _one_slot(app)
    decodes = Decodes(monkeypatch)
    decodes.arm()
    with TestClient(app) as phone:
        pictured, probe = _while_held(
            decodes, lambda: phone.get("/api/portal/pictures/before.jpg", headers={"X-Portal-Token": token}),
            lambda: _upload(artist, client))
    assert pictured.status_code == 200, pictured.text
    _refused_by_the_slot(decodes, probe)


class Watched:
    """The budget's semaphore, counting the waits begun on it (a blocking acquire)."""

    def __init__(self, budget) -> None:
        self.sem, self.waits = budget.semaphore, 0
        object.__setattr__(budget, "semaphore", self)

    def acquire(self, blocking=True, timeout=None):
        if blocking:
            self.waits += 1
        return self.sem.acquire(blocking, timeout)

    def release(self):
        self.sem.release()

    @staticmethod
    def until(condition, within_s=30.0):
        end = time.monotonic() + within_s
        while not condition():
            if time.monotonic() > end:
                return False
            time.sleep(0.01)
        return True


def test_other_users_are_answered_while_every_slot_is_busy(settings, accounts, monkeypatch):
    """Three request threads, one slot: one upload decoding, one waiting for the slot; a third upload is
    refused at once (503 + Retry-After: the waiters are bounded) and another user's GET is answered before
    the slot is released (waiting uploads used to take every request thread, up to 60 s each)."""
    from smpstudio.records.testing import PASSWORD
    from smpstudio.web.app import create_app

    app = create_app(settings.model_copy(update={"db_threads": 3, "decode_slots": 1}), pool_size=5)
    try:
        with TestClient(app) as tc:  # one event loop whose thread pool has db_threads threads (the lifespan)
            def signed_in(name):
                r = tc.post("/api/auth/login", json={"email": accounts[name].email, "password": PASSWORD})
                assert r.status_code == 200, r.text
                headers = {"Cookie": f"smp_session={r.cookies['smp_session']}",
                           "X-CSRF-Token": r.json()["csrf_token"]}
                tc.cookies.clear()
                return headers

            owner, desk = signed_in("a_owner"), signed_in("a_front_desk")
            client = tc.post("/api/clients", json={"first_name": "Tia", "last_name": "Busy"}, headers=owner).json()
            decodes = Decodes(monkeypatch)
            decodes.arm()
            answers, done = {}, {k: threading.Event() for k in ("a", "b", "c", "get")}

            def run(key, fn):
                def go():
                    answers[key] = fn()
                    done[key].set()
                t = threading.Thread(target=go)
                t.start()
                return t

            def upload():
                return tc.post(f"/api/clients/{client['id']}/photos", headers=owner,
                               files={"file": ("p.jpg", jpeg_with_gps(64, 48), "image/jpeg")},
                               data={"view": "front", "phase": "before"})

            watched = Watched(app.state.smp.vault.budget)
            threads = [run("a", upload)]
            assert decodes.held.wait(60)
            began = watched.waits
            threads.append(run("b", upload))
            assert watched.until(lambda: watched.waits > began)  # b waits for the slot
            threads.append(run("c", upload))
            assert watched.until(lambda: watched.waits > began + 1 or done["c"].is_set())  # c waits, or is refused
            threads.append(run("get", lambda: tc.get(f"/api/clients/{client['id']}", headers=desk)))
            try:
                answered = done["get"].wait(10)
                refused = done["c"].wait(10)
            finally:
                decodes.release.set()
                for t in threads:
                    t.join(60)
            assert answered, "another user's GET waited for the decode slot"
            assert answers["get"].status_code == 200 and answers["get"].json()["first_name"] == "Tia"
            assert refused
            statuses = sorted(answers[k].status_code for k in "abc")
            assert statuses == [201, 201, 503], statuses
            assert answers["c"].status_code == 503 and int(answers["c"].headers["Retry-After"]) >= 1
            assert decodes.max <= 1
    finally:
        app.state.engine.dispose()
