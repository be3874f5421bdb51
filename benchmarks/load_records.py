"""Load benchmark of the records service: concurrent clients doing mixed reads and writes on loopback.

Starts a real server (``smp serve`` code path, one uvicorn process) on a fresh database, signs in
``--concurrency`` users and lets them run for ``--duration`` seconds: reads (client record, its
sessions, client list, reminders) and writes (session with zones, client update, new client), each
audited as in production. Prints throughput, p50/p99 latency of reads and writes and the error count,
for SQLite and (with ``--postgres-url`` or SMP_TEST_POSTGRES_URL) PostgreSQL, and the PostgreSQL /
SQLite throughput ratio. The load generator shares the machine's cores with the server.

Run: ``python -m benchmarks.load_records --duration 60`` (target on 2 cores: 0 errors, read p99 < 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smpstudio.records.db import make_engine, make_sessionmaker, upgrade
from smpstudio.records.schemas import Role, UserCreate
from smpstudio.records.services import Actor, create_clinic_with_owner, create_user

PASSWORD = "benchmark-password"


@dataclass
class Stats:
    read_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(url: str, users: int) -> list[str]:
    engine = make_engine(url, pool_size=1)
    upgrade(engine)
    emails = []
    with make_sessionmaker(engine)() as db:
        clinic, owner = create_clinic_with_owner(
            db, clinic_name="Load", owner_email="owner@load.test", owner_name="O", password=PASSWORD
        )
        actor = Actor(owner.id, clinic.id, Role.owner)
        emails.append(owner.email)
        for i in range(users - 1):
            u = create_user(
                db, actor, UserCreate(email=f"artist{i}@load.test", name="A", role=Role.artist, password=PASSWORD)
            )
            emails.append(u.email)
    engine.dispose()
    return emails


def _start(data_dir: Path, url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"SMP_DATA_DIR": str(data_dir), "DATABASE_URL": url, "SMP_ENV": "dev"}
    code = (
        "import logging; logging.disable(logging.WARNING);"
        "from smpstudio.commands.serve import serve;"
        f"serve(host='127.0.0.1', port={port}, demo=False, workers={workers})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("server did not start")


async def _drive(
    base: str, emails: list[str], concurrency: int, duration_s: float, think_s: float
) -> tuple[Stats, float]:
    stats, client_ids, start = Stats(), [], asyncio.Event()
    tasks = []
    holder = {"stop": float("inf"), "think_s": think_s}

    # sign everyone in first (argon2 is slow on purpose), then start the clock
    for i in range(concurrency):
        tasks.append(asyncio.create_task(_user(base, emails[i % len(emails)], i, holder, stats, client_ids, start)))
    while len(client_ids) < concurrency:
        await asyncio.sleep(0.05)
    t0 = time.monotonic()
    holder["stop"] = t0 + duration_s
    start.set()
    await asyncio.gather(*tasks)
    return stats, time.monotonic() - t0


async def _user(base, email, i, holder, stats, client_ids, start):  # type: ignore[no-untyped-def]
    """One simulated user: sign in, create a client of its own, then send requests until time is up."""
    rng = random.Random(i)
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        r = await c.post("/api/clients", json={"first_name": f"U{i}", "last_name": "Load"})
        client_ids.append(r.json()["id"])
        await start.wait()
        while time.monotonic() < holder["stop"]:
            await _one_request(c, rng, client_ids, stats)
            if holder["think_s"] > 0:  # a person reads the screen before the next click
                pause = rng.expovariate(1.0 / holder["think_s"])
                await asyncio.sleep(max(0.0, min(pause, holder["stop"] - time.monotonic())))


async def _one_request(c: httpx.AsyncClient, rng: random.Random, client_ids: list[int], stats: Stats) -> None:
    cid = rng.choice(client_ids)
    if rng.random() < 0.8:
        kind = "read"
        url = rng.choice(
            [f"/api/clients/{cid}", f"/api/clients/{cid}/sessions", "/api/clients?limit=50", "/api/reminders"]
        )
        req = c.get(url)
    else:
        kind = "write"
        q = rng.random()
        if q < 0.5:
            req = c.post(
                f"/api/clients/{cid}/sessions",
                json={
                    "date": "2026-06-01",
                    "status": rng.choice(["planned", "done"]),
                    "zones": [{"zone": z, "impressions": 1000} for z in ("hairline", "top", "crown")],
                    "pigment_brand": "Load",
                    "notes": "benchmark",
                },
            )
        elif q < 0.8:
            req = c.patch(f"/api/clients/{cid}", json={"phone": f"+1 555 {rng.randrange(10000):04d}"})
        else:
            req = c.post("/api/clients", json={"first_name": "New", "last_name": "Load"})
    t0 = time.perf_counter()
    try:
        resp = await req
        ok, code = resp.status_code < 400, str(resp.status_code)
    except httpx.HTTPError as exc:
        ok, code = False, type(exc).__name__
    ms = (time.perf_counter() - t0) * 1000
    if ok:
        (stats.read_ms if kind == "read" else stats.write_ms).append(ms)
    else:
        stats.error(f"{kind} {code}")


def run_backend(
    name: str, url: str, data_dir: Path, concurrency: int, duration_s: float, think_s: float, workers: int = 1
) -> dict[str, float]:
    emails = _seed(url, users=min(concurrency, 10))
    port = _free_port()
    proc = _start(data_dir, url, port, workers)
    try:
        stats, elapsed = asyncio.run(_drive(f"http://127.0.0.1:{port}", emails, concurrency, duration_s, think_s))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    n = len(stats.read_ms) + len(stats.write_ms)
    res = {
        "requests": n,
        "throughput_rps": n / elapsed,
        "read_p50_ms": float(np.percentile(stats.read_ms, 50)) if stats.read_ms else float("nan"),
        "read_p99_ms": float(np.percentile(stats.read_ms, 99)) if stats.read_ms else float("nan"),
        "write_p50_ms": float(np.percentile(stats.write_ms, 50)) if stats.write_ms else float("nan"),
        "write_p99_ms": float(np.percentile(stats.write_ms, 99)) if stats.write_ms else float("nan"),
        "errors": stats.errors,
    }
    print(
        f"{name:10s} {workers} worker(s), {concurrency} clients, think {think_s * 1000:.0f} ms, {elapsed:.0f} s: "
        f"{res['throughput_rps']:.0f} req/s "
        f"({n} ok); reads p50 {res['read_p50_ms']:.1f} ms p99 {res['read_p99_ms']:.1f} ms; "
        f"writes p50 {res['write_p50_ms']:.1f} ms p99 {res['write_p99_ms']:.1f} ms; errors {stats.errors}"
        + (f" {stats.error_kinds}" if stats.errors else "")
    )
    return res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load per run (default 60)")
    ap.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument(
        "--think-ms",
        type=float,
        action="append",
        help="mean think time between one user's requests (repeatable); default: 0 (saturation) and 500",
    )
    ap.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get("SMP_TEST_POSTGRES_URL"),
        help="admin URL of a PostgreSQL server; a scratch database is created and dropped",
    )
    args = ap.parse_args(argv)
    if args.duration <= 0 or args.concurrency < 1:
        raise SystemExit("--duration and --concurrency must be positive")
    thinks = args.think_ms if args.think_ms else [0.0, 500.0]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not args.postgres_url:
        print("PostgreSQL skipped: give --postgres-url or set SMP_TEST_POSTGRES_URL")
        backends.remove("postgresql")
    results: dict[tuple[str, float], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="smp-load-") as tmp:
        for think_ms in thinks:
            for backend in backends:
                root = Path(tmp) / f"{backend}-{think_ms:g}"
                if backend == "sqlite":
                    url = f"sqlite:///{root / 'records.sqlite3'}"
                    results[backend, think_ms] = run_backend(
                        "SQLite", url, root, args.concurrency, args.duration, think_ms / 1000, args.workers
                    )
                    continue
                admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
                name = f"smp_load_{uuid.uuid4().hex[:10]}"
                with admin.connect() as c:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
                try:
                    url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
                    results[backend, think_ms] = run_backend(
                        "PostgreSQL", url, root, args.concurrency, args.duration, think_ms / 1000, args.workers
                    )
                finally:
                    with admin.connect() as c:
                        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()
            if len(backends) == 2:
                ratio = (
                    results["postgresql", think_ms]["throughput_rps"] / results["sqlite", think_ms]["throughput_rps"]
                )
                print(f"PostgreSQL / SQLite throughput ratio at think {think_ms:g} ms: {ratio:.2f}")


if __name__ == "__main__":
    main()
