"""Password hashing off the request threads: sign-ins cannot starve other requests.

argon2id (64 MiB, 3 passes, 4 lanes) costs ~0.1-0.3 s of CPU per sign-in. Run in the database thread
pool (as before), 30 concurrent sign-ins took all 8 worker threads and another user's request waited
seconds behind them (issue 13 item 5). Here a sign-in does its database work in the ordinary pool (two
short calls) and its hash in :class:`PasswordPool`: ``workers`` processes of their own, started with the
lowest CPU priority (``nice 19``) so that the kernel serves the requests first, and a bounded number of
sign-ins waiting for them (the rest are told to retry, 503); the storm's memory is bounded too
(workers x 64 MiB). ``benchmarks/bench_login_storm.py`` measures another user's p99 during a storm.
With ``processes=False`` (tests) the hash runs in a bounded thread pool instead.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from smpstudio.records.errors import Busy
from smpstudio.records.security import hash_password, verify_password


def _lower_priority() -> None:
    try:
        os.nice(19)
    except OSError:  # not permitted here: the hash still runs outside the request threads
        pass


def _verify(password_hash: str | None, password: str) -> bool:
    return verify_password(password_hash, password)


def _hash(password: str) -> str:
    return hash_password(password)


class PasswordPool:
    """At most ``workers`` password verifications at once, at most ``max_waiting`` queued."""

    def __init__(self, workers: int = 1, max_waiting: int = 16, *, processes: bool = True) -> None:
        self.workers = workers
        self.max_waiting = max_waiting
        self.processes = processes
        self.waiting = 0
        self._executor: Executor | None = None

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.processes:
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
                )
            else:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="smp-hash")
        return self._executor

    async def verify(self, password_hash: str | None, password: str) -> bool:
        fn = _verify if self.processes else verify_password  # a thread pool calls the module's name
        result: bool = await self._run(fn, password_hash, password)
        return result

    async def hash(self, password: str) -> str:
        """The argon2id hash of a new password, in the same bounded pool as the verifications."""
        result: str = await self._run(_hash if self.processes else hash_password, password)
        return result

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self.waiting >= self.max_waiting:
            raise Busy("too many sign-ins at once; retry in a few seconds")
        self.waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool(), fn, *args)
        finally:
            self.waiting -= 1

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
