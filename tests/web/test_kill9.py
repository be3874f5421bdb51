"""kill -9 of a real server process in the middle of photo uploads and session saves leaves no orphan
file (after the restart's reconciliation), no photo row without its files and no half-written session."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
from sqlalchemy import func, select

from smpstudio.records.db import make_engine, make_sessionmaker
from smpstudio.records.models import Photo, SessionZone, TreatmentSession
from smpstudio.records.storage import TMP_PREFIX, PhotoStore
from smpstudio.records.testing import PASSWORD, jpeg_with_gps

ZONES = [{"zone": "hairline", "impressions": 10}, {"zone": "top", "impressions": 20}, {"zone": "crown"}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(settings, port):
    env = os.environ | {
        "SMP_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.db_url,
        "SMP_ENV": "dev",
    }
    code = f"from smpstudio.commands.serve import serve; serve(host='127.0.0.1', port={port}, demo=False)"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("server did not start")


def _login(base, email):
    c = httpx.Client(base_url=base, timeout=10)
    r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def _load(base, email, client_ids, stop, acked):
    """Upload photos and save sessions until the server dies; remember what it acknowledged."""
    photo = jpeg_with_gps(320, 240)

    def upload(c, cid):
        return c.post(f"/api/clients/{cid}/photos", files={"file": ("p.jpg", photo, "image/jpeg")},
                      data={"view": "front", "phase": "before"})

    def save(c, cid):
        return c.post(f"/api/clients/{cid}/sessions",
                      json={"date": "2026-05-01", "status": "planned", "zones": ZONES, "notes": "x" * 2000})

    def worker(k, send, kind):
        try:
            c = _login(base, email)
        except httpx.HTTPError:  # the server was killed before this thread signed in
            return
        i = 0
        while not stop.is_set():
            cid = client_ids[(i + k) % len(client_ids)]
            i += 1
            try:
                r = send(c, cid)
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                acked[kind].append(r.json()["id"])

    threads = [threading.Thread(target=worker, args=(k, send, kind))
               for k in range(2) for send, kind in ((upload, "photos"), (save, "sessions"))]
    for t in threads:
        t.start()
    return threads


def _check_store(settings, *, after_restart):
    engine = make_engine(settings.db_url, pool_size=1)
    try:
        with make_sessionmaker(engine)() as db:
            photos = db.execute(select(Photo.id, Photo.clinic_id, Photo.client_id, Photo.storage_key)).all()
            zone_counts = db.execute(
                select(TreatmentSession.id, func.count(SessionZone.id))
                .outerjoin(SessionZone, SessionZone.session_id == TreatmentSession.id)
                .group_by(TreatmentSession.id)
            ).all()
    finally:
        engine.dispose()
    store = PhotoStore(settings.photo_dir)
    wanted = {p for _id, c, k, key in photos for p in store.paths(c, k, key)}
    files = set(store.all_files())
    assert wanted <= files, f"photo rows without their file: {sorted(wanted - files)[:4]}"  # never
    if after_restart:
        assert files == wanted, f"orphan files after restart: {sorted(files - wanted)[:4]}"
        assert not [f for f in files if f.name.startswith(TMP_PREFIX)]
    assert all(n == len(ZONES) for _sid, n in zone_counts), "a session without all its zones"
    return {i for i, *_ in photos}, {sid for sid, _n in zone_counts}, files - wanted


def test_kill_9_during_uploads_and_session_saves(settings, accounts):
    port = _free_port()
    email = accounts["a_artist"].email
    proc, base = _start(settings, port)
    c = _login(base, email)
    client_ids = [c.post("/api/clients", json={"first_name": f"K{i}", "last_name": "L"}).json()["id"] for i in range(3)]
    acked = {"photos": [], "sessions": []}
    orphans_seen = 0
    for cycle in range(3):
        if cycle:
            proc, base = _start(settings, port)
        stop = threading.Event()
        threads = _load(base, email, client_ids, stop, acked)
        deadline = time.monotonic() + 90  # generous for a busy CI machine; normally ~1 s
        target = 4 * (cycle + 1)
        while (len(acked["photos"]) < target or len(acked["sessions"]) < target) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05 * cycle)  # vary where the kill lands
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=20)
        _ids, _sids, orphans = _check_store(settings, after_restart=False)
        orphans_seen += len(orphans)
    # restart: start-up reconciliation removes files of uploads that never committed
    proc, base = _start(settings, port)
    try:
        photo_ids, session_ids, _ = _check_store(settings, after_restart=True)
        assert set(acked["photos"]) <= photo_ids and set(acked["sessions"]) <= session_ids  # acknowledged = durable
        assert len(acked["photos"]) >= 12 and len(acked["sessions"]) >= 12
        c = _login(base, email)
        for pid in sorted(photo_ids):  # every stored photo still decrypts
            r = c.get(f"/api/photos/{pid}/thumbnail")
            assert r.status_code == 200 and r.content[:3] == b"\xff\xd8\xff"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    print(f"orphan files found after kills (removed at restart): {orphans_seen}")
