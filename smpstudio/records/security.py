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


MIN_PASSWORD_LENGTH = 12
ZXCVBN_MAX_CHARS = 72  # zxcvbn 4.5's max_length
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale; 3 = "safely unguessable: moderate protection from offline attack"


def password_problem(password: str, user_inputs: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is refused, in one line, or None.

    At least 12 characters, and not guessable by zxcvbn (PyPI ``zxcvbn``, pinned; offline: its
    dictionaries of common and breached passwords, names and words ship in the wheel) with the user's
    own e-mail, its parts and name as extra dictionary words: ``aaaaaaaaaaaa``, ``password1234``,
    ``123456789012`` and the user's e-mail are refused.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    from zxcvbn import zxcvbn

    words: list[str] = []
    for item in user_inputs:
        if item:
            words += [item, *[w for w in item.replace("@", " ").replace(".", " ").split() if len(w) > 2]]
    if any(password.strip().lower() == w.lower() for w in words):
        return "the password must not be your e-mail or name"
    # zxcvbn scores at most its first 72 characters (it raises ValueError beyond: a 500 for a 73-200 character
    # password, found by schemathesis); a long passphrase is as strong as its first 72 characters at least
    result = zxcvbn(password[:ZXCVBN_MAX_CHARS], user_inputs=words)
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = result["feedback"].get("warning") or "it is too easy to guess"
        return f"the password is too weak ({warning.rstrip('.')}); use a longer phrase of unrelated words"
    return None


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
        self._pairs: dict[str, deque[float]] = {}  # (address, e-mail) keys: the per-pair lockout
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float, table: dict[str, deque[float]] | None = None,
                window_s: float | None = None) -> deque[float]:
        table = self._fails if table is None else table
        window = self.window_s if window_s is None else window_s
        q = table.setdefault(address, deque())
        while q and now - q[0] > window:
            q.popleft()
        return q

    def pair_blocked(self, key: str, max_failures: int, window_s: float) -> bool:
        """True when ``key`` (an address and an e-mail) has ``max_failures`` failures in ``window_s``."""
        with self._lock:
            return len(self._recent(key, time.monotonic(), self._pairs, window_s)) >= max_failures

    def pair_failed(self, key: str) -> None:
        with self._lock:
            self._pairs.setdefault(key, deque(maxlen=1000)).append(time.monotonic())
            if len(self._pairs) > 50_000:  # bounded memory: forget the oldest keys
                for old in list(self._pairs)[: len(self._pairs) // 2]:
                    del self._pairs[old]

    def pair_succeeded(self, key: str) -> None:
        with self._lock:
            self._pairs.pop(key, None)

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
