"""The SQLite write gate: one writer at a time, released on commit, rollback and failed statements."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from smpstudio.records.db import make_engine


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}", pool_size=8)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER UNIQUE, v INTEGER)"))
    yield engine
    engine.dispose()


def test_concurrent_writers_all_commit_without_busy_errors(sqlite_engine):
    gate = sqlite_engine.smp_write_gate
    errors: list[BaseException] = []
    overlap = []
    inside = threading.Semaphore(1)

    def writer(k):
        try:
            for i in range(100):
                with sqlite_engine.begin() as c:
                    c.execute(text("SELECT count(*) FROM t")).scalar()
                    c.execute(text("INSERT INTO t (k, v) VALUES (:k, :v)"), {"k": k * 1000 + i, "v": i})
                    if not inside.acquire(blocking=False):  # another transaction is writing right now
                        overlap.append(k)
                    else:
                        c.execute(text("UPDATE t SET v = v + 1 WHERE k = :k"), {"k": k * 1000 + i})
                        inside.release()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and not overlap
    with sqlite_engine.connect() as c:
        assert c.execute(text("SELECT count(*), sum(v) FROM t")).one() == (800, 8 * sum(range(1, 101)))
    assert not gate.lock.locked() and gate.holder is None


def test_gate_is_released_after_failures_and_rollbacks(sqlite_engine):
    gate = sqlite_engine.smp_write_gate
    with sqlite_engine.begin() as c:
        c.execute(text("SELECT count(*) FROM t"))
        assert not gate.lock.locked()  # reads do not take the write slot
        c.execute(text("INSERT INTO t (k, v) VALUES (1, 1)"))
        assert gate.lock.locked() and gate.holder == id(c.connection.dbapi_connection)
    assert not gate.lock.locked()
    with pytest.raises(IntegrityError), sqlite_engine.begin() as c:
        c.execute(text("INSERT INTO t (k, v) VALUES (1, 2)"))
    assert not gate.lock.locked()
    with sqlite_engine.connect() as c:  # a write left uncommitted: the pool's reset rolls it back
        c.execute(text("INSERT INTO t (k, v) VALUES (2, 2)"))
    assert not gate.lock.locked()
    with sqlite_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar() == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(db_url):
    """No ping per checkout: only a connection idle longer than ``ping_idle_s`` is pinged, and a dead
    one is replaced instead of failing the request."""
    engine = make_engine(db_url, pool_size=1, ping_idle_s=0.05)
    admin = make_engine(db_url, pool_size=1)
    try:
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as c:  # in steady use: same connection, not pinged
            assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        with admin.begin() as a:
            assert a.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        time.sleep(0.2)  # idle longer than ping_idle_s: pinged on checkout, found dead, replaced
        with engine.connect() as c:
            assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
        admin.dispose()
