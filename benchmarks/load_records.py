"""Load benchmark of the records service: concurrent clients doing mixed reads and writes on loopback.

Starts a real server (``smp serve`` code path, one uvicorn process) on a fresh database, signs in
``--concurrency`` users and lets them run for ``--duration`` seconds: reads (client record, its
sessions, client list, reminders) and writes (session with zones, client update, new client), each
audited as in production. Prints throughput, p50/p99 latency of reads and writes and the error count,
for SQLite and (with ``--postgres-url`` or SMP_TEST_POSTGRES_URL) PostgreSQL, and the PostgreSQL /
SQLite throughput ratio.

Mix: 80 % reads, 20 % each of: a client record, its sessions (with zones), the client list (50), the
clinic's reminders; 20 % writes: 50 % a new session with 3 zones, 30 % a client update, 20 % a new
client. Every read of a client record writes an audit row too, so reads are database writes as well.

The load generator shares the machine's cores with the server (and the database). It is a minimal
HTTP/1.1 keep-alive client on asyncio streams (with uvloop when installed): httpx costs ~10x more CPU
per request, which a real clinic's browsers would not take from the server machine. The output gives
the CPU the server process and the generator used, and the load average, with every figure.

Run: ``python -m benchmarks.load_records --duration 60`` (target on 2 cores: 0 errors, read p99 < 100 ms
at a realistic think time).

Measured 2026-11-27 (2 cores shared with other work, load average 2-5; 60 s after 5 s warm-up, 1 worker,
think 500 ms): SQLite 97 req/s, reads p50 6 ms / p99 33-43 ms; PostgreSQL 96-97 req/s, reads p50
9-11 ms / p99 42-63 ms; 0 errors. The code before (same generator): p99 237 ms (SQLite), 188 ms
(PostgreSQL). Saturation (think 0): SQLite 209 req/s, PostgreSQL 173 req/s (before: 126 and 130).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
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
MIX = (
    "mix: 80 % reads (client record, its sessions, client list of 50, reminders: 20 % each), "
    "20 % writes (new session with 3 zones 10 %, client update 6 %, new client 4 %); every read is audited"
)


@dataclass
class Stats:
    read_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client (one connection, one request at a time) for the load.

    Sends ``Content-Length`` bodies and reads ``Content-Length`` or chunked answers in full; reconnects
    after ``Connection: close`` or any error. Nothing else of HTTP is needed against our own server.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.headers: dict[str, str] = {}
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: object = None) -> tuple[int, dict[str, str], bytes]:
        if self._r is not None and self._r.at_eof():  # the server closed the idle connection (keep-alive timeout)
            self.close()
        reused = self._w is not None
        try:
            return await self._request(method, path, body)
        except asyncio.IncompleteReadError as exc:
            self.close()
            if reused and not exc.partial:  # closed by the server just as we reused it: send again, as browsers do
                return await self.request(method, path, body)
            raise
        except BaseException:
            self.close()
            raise

    async def _request(self, method: str, path: str, body: object) -> tuple[int, dict[str, str], bytes]:
        if self._w is None:
            self._r, self._w = await asyncio.open_connection(self.host, self.port)
        assert self._r is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        self._w.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status_line, *lines = (await self._r.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines:
            if line:
                k, v = line.split(":", 1)
                k = k.strip().lower()
                headers[k] = f"{headers[k]}, {v.strip()}" if k in headers else v.strip()
        if "content-length" in headers:
            payload = await self._r.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await self._r.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self._r.readexactly(size + 2))
            await self._r.readuntil(b"\r\n")
            payload = b"".join(p[:-2] for p in parts)
        else:
            payload = b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def close(self) -> None:
        if self._w is not None:
            self._w.close()
        self._r = self._w = None


def _cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid`` and its live descendants (the server's
    worker processes); Linux /proc, None elsewhere."""
    try:
        procs: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu s)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # ended meanwhile
                procs[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    except OSError:
        return None
    if pid not in procs:
        return None
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += procs[p][1]
        todo += [c for c, (parent, _) in procs.items() if parent == p]
    return total


def _run(coro):  # type: ignore[no-untyped-def]
    """``asyncio.run`` on uvloop when it is installed (a lighter load generator), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _loadavg() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


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
    host: str,
    port: int,
    emails: list[str],
    concurrency: int,
    duration_s: float,
    think_s: float,
    server_pid: int,
    warmup_s: float,
) -> tuple[Stats, float, dict[str, float | None]]:
    stats, start = Stats(), asyncio.Event()
    client_ids: list[int] = []
    tasks = []
    holder = {"stop": float("inf"), "think_s": think_s, "count_from": float("inf")}

    # sign everyone in first (argon2 is slow on purpose), then start the clock
    for i in range(concurrency):
        tasks.append(
            asyncio.create_task(_user(host, port, emails[i % len(emails)], i, holder, stats, client_ids, start))
        )
    while len(client_ids) < concurrency:
        await asyncio.sleep(0.05)
    # warm-up: the same load, not timed (first use of each route builds FastAPI's route state, compiles
    # SQLAlchemy statements and pydantic serializers: 40-150 ms once per route after a restart)
    holder["stop"] = time.monotonic() + warmup_s + duration_s
    start.set()
    await asyncio.sleep(warmup_s)
    t0, gen0, srv0 = time.monotonic(), time.process_time(), _cpu_s(server_pid)
    holder["count_from"] = t0
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - t0
    srv1 = _cpu_s(server_pid)
    cpu = {
        "generator_cpu": (time.process_time() - gen0) / elapsed,
        "server_cpu": None if srv0 is None or srv1 is None else (srv1 - srv0) / elapsed,
    }
    return stats, elapsed, cpu


async def _user(host, port, email, i, holder, stats, client_ids, start):  # type: ignore[no-untyped-def]
    """One simulated user: sign in, create a client of its own, then send requests until time is up."""
    rng = random.Random(i)
    c = RawHttp(host, port)
    try:
        status, headers, body = await c.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"sign-in failed: {status} {body[:200]!r}")
        cookie = headers["set-cookie"].split("smp_session=", 1)[1].split(";", 1)[0]
        c.headers = {"Cookie": f"smp_session={cookie}", "X-CSRF-Token": json.loads(body)["csrf_token"]}
        status, _, body = await c.request("POST", "/api/clients", {"first_name": f"U{i}", "last_name": "Load"})
        client_ids.append(json.loads(body)["id"])
        await start.wait()
        if holder["think_s"] > 0:  # users do not click in lock-step: each starts after its own first pause
            await asyncio.sleep(rng.expovariate(1.0 / holder["think_s"]))
        while time.monotonic() < holder["stop"]:
            await _one_request(c, rng, client_ids, stats, holder["count_from"])
            if holder["think_s"] > 0:  # a person reads the screen before the next click
                pause = rng.expovariate(1.0 / holder["think_s"])
                await asyncio.sleep(max(0.0, min(pause, holder["stop"] - time.monotonic())))
    finally:
        c.close()


async def _one_request(c: RawHttp, rng: random.Random, client_ids: list[int], stats: Stats, count_from: float) -> None:
    """One request; its latency counts if it started at ``count_from`` or later (errors always count)."""
    cid = rng.choice(client_ids)
    body: object = None
    if rng.random() < 0.8:
        kind, method = "read", "GET"
        url = rng.choice(
            [f"/api/clients/{cid}", f"/api/clients/{cid}/sessions", "/api/clients?limit=50", "/api/reminders"]
        )
    else:
        kind = "write"
        q = rng.random()
        if q < 0.5:
            method, url = "POST", f"/api/clients/{cid}/sessions"
            body = {
                "date": "2026-06-01",
                "status": rng.choice(["planned", "done"]),
                "zones": [{"zone": z, "impressions": 1000} for z in ("hairline", "top", "crown")],
                "pigment_brand": "Load",
                "notes": "benchmark",
            }
        elif q < 0.8:
            method, url = "PATCH", f"/api/clients/{cid}"
            body = {"phone": f"+1 555 {rng.randrange(10000):04d}"}
        else:
            method, url, body = "POST", "/api/clients", {"first_name": "New", "last_name": "Load"}
    started, t0 = time.monotonic(), time.perf_counter()
    try:
        status, _, payload = await asyncio.wait_for(c.request(method, url, body), timeout=30)
        ok, code = status < 400 and len(payload) > 0, str(status)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
        ok, code = False, type(exc).__name__
    ms = (time.perf_counter() - t0) * 1000
    if ok:
        if started >= count_from:
            (stats.read_ms if kind == "read" else stats.write_ms).append(ms)
    else:
        stats.error(f"{kind} {code}")


def run_backend(
    name: str,
    url: str,
    data_dir: Path,
    concurrency: int,
    duration_s: float,
    think_s: float,
    workers: int = 1,
    warmup_s: float = 5.0,
) -> dict[str, float]:
    emails = _seed(url, users=min(concurrency, 10))
    port = _free_port()
    proc = _start(data_dir, url, port, workers)
    gc.collect()
    gc.freeze()  # the generator's own full collections (~100k objects of imports) would stall its clock
    load_before = _loadavg()
    try:
        stats, elapsed, cpu = _run(
            _drive("127.0.0.1", port, emails, concurrency, duration_s, think_s, proc.pid, warmup_s)
        )
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
        f"{name:10s} {workers} worker(s), {concurrency} clients, think {think_s * 1000:.0f} ms, "
        f"{elapsed:.0f} s after {warmup_s:g} s warm-up: "
        f"{res['throughput_rps']:.0f} req/s "
        f"({n} ok); reads p50 {res['read_p50_ms']:.1f} ms p99 {res['read_p99_ms']:.1f} ms; "
        f"writes p50 {res['write_p50_ms']:.1f} ms p99 {res['write_p99_ms']:.1f} ms; errors {stats.errors}"
        + (f" {stats.error_kinds}" if stats.errors else "")
    )
    srv = "n/a" if cpu["server_cpu"] is None else f"{100 * cpu['server_cpu']:.0f} %"
    print(
        f"{'':10s} CPU (100 % = one core): server {srv}, load generator {100 * (cpu['generator_cpu'] or 0):.0f} %; "
        f"load average before {load_before}, after {_loadavg()}"
    )
    res |= {k: float("nan") if v is None else v for k, v in cpu.items()}
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
    ap.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of untimed load before the timed run (default 5)"
    )
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get("SMP_TEST_POSTGRES_URL"),
        help="admin URL of a PostgreSQL server; a scratch database is created and dropped",
    )
    args = ap.parse_args(argv)
    if args.duration <= 0 or args.concurrency < 1 or args.warmup < 0:
        raise SystemExit("--duration and --concurrency must be positive, --warmup not negative")
    thinks = args.think_ms if args.think_ms else [0.0, 500.0]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not args.postgres_url:
        print("PostgreSQL skipped: give --postgres-url or set SMP_TEST_POSTGRES_URL")
        backends.remove("postgresql")
    print(MIX)
    results: dict[tuple[str, float], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="smp-load-") as tmp:
        for think_ms in thinks:
            for backend in backends:
                root = Path(tmp) / f"{backend}-{think_ms:g}"
                if backend == "sqlite":
                    url = f"sqlite:///{root / 'records.sqlite3'}"
                    results[backend, think_ms] = run_backend(
                        "SQLite", url, root, args.concurrency, args.duration, think_ms / 1000, args.workers, args.warmup
                    )
                    continue
                admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
                name = f"smp_load_{uuid.uuid4().hex[:10]}"
                with admin.connect() as c:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
                try:
                    url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
                    results[backend, think_ms] = run_backend(
                        "PostgreSQL",
                        url,
                        root,
                        args.concurrency,
                        args.duration,
                        think_ms / 1000,
                        args.workers,
                        args.warmup,
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
