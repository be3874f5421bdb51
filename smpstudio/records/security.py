"""Passwords (argon2id), sign-in tokens and the per-address sign-in throttle."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are the RFC 9106 "low memory" argon2id profile (t=3, m=64 MiB, p=4)
_HASHER = PasswordHasher()
# verified against when the e-mail is unknown, so a miss costs the same time as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string) of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; a missing hash still costs one verification."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class AddressThrottle:
    """At most ``max_attempts`` failed sign-ins per client address in a sliding ``window_s`` window."""

    def __init__(self, max_attempts: int = 20, window_s: float = 300.0) -> None:
        self.max_attempts = max_attempts
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        q = self._fails.setdefault(address, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def blocked(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address, time.monotonic())) >= self.max_attempts

    def failed(self, address: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(address, now).append(now)
            if len(self._fails) > 10_000:  # forget idle addresses, bounded memory
                for key in [k for k, q in self._fails.items() if not q]:
                    del self._fails[key]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._fails.pop(address, None)
