"""`smp serve --workers 2`: the parent checks the schema and reconciles the photo store once, then the
workers serve the same database and data folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from smpstudio.records.testing import PASSWORD, jpeg_with_gps


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_workers_serve_the_same_records(settings, accounts, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    orphan = settings.photo_dir / "1" / "1" / "feedface.jpg.enc"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a crash")
    env = os.environ | {"SMP_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.db_url, "SMP_ENV": "dev"}
    code = f"from smpstudio.commands.serve import serve; serve(host='127.0.0.1', port={port}, workers=2)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(400):
            try:
                if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        assert not orphan.exists()  # reconciled by the parent before the workers started
        ids = set()
        for _ in range(6):  # new connections: the kernel spreads them over both workers
            with httpx.Client(base_url=base, timeout=20) as c:
                r = c.post("/api/auth/login", json={"email": accounts["a_artist"].email, "password": PASSWORD})
                assert r.status_code == 200
                c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
                cid = c.post("/api/clients", json={"first_name": "W", "last_name": "X"}).json()["id"]
                r = c.post(
                    f"/api/clients/{cid}/photos",
                    files={"file": ("p.jpg", jpeg_with_gps(64, 48), "image/jpeg")},
                    data={"view": "top", "phase": "after"},
                )
                assert r.status_code == 201, r.text
                ids.add(cid)
        with httpx.Client(base_url=base, timeout=20) as c:
            r = c.post("/api/auth/login", json={"email": accounts["a_artist"].email, "password": PASSWORD})
            listed = {x["id"] for x in c.get("/api/clients").json()}
        assert ids <= listed and len(ids) == 6
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
