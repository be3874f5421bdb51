"""Settings of the records service, read from the environment or a ``.env`` file.

``DATABASE_URL`` selects the database (default: a SQLite file in the data folder) and ``SMP_DATA_DIR``
the data folder (default: the platform's per-user data folder, e.g. ``~/.local/share/smpstudio``),
which holds the encrypted photos and the clinics' key files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user data folder of SMP Studio on this platform."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "smpstudio"


class Settings(BaseSettings):
    """Configuration of the records service and its commands."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=default_data_dir, validation_alias=AliasChoices("SMP_DATA_DIR", "data_dir"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    env: Literal["dev", "production"] = Field(default="production", validation_alias=AliasChoices("SMP_ENV", "env"))
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL", validation_alias=AliasChoices("SMP_SQLITE_SYNCHRONOUS", "sqlite_synchronous")
    )
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    lockout_minutes: float = Field(default=15.0, ge=0, le=24 * 60)
    max_upload_mb: float = Field(default=40.0, gt=0, le=500)
    # decode budget of every full-size photo decode (uploads, consult starts and restores, portal pictures):
    # pixels checked from the header before decoding, and at most decode_slots decoding at once per process
    # (benchmarks/bench_upload_memory.py, 2026-12-04: one 25 MP decode peaks ~0.65 GB over the base; 4
    # uploads at once through 2 slots 1.37 GB over the base, peak 1,782 MB; 8 consult starts at once
    # 0.87-1.02 GB over the base, peak 1,458-1,611 MB, 4 refused with 503; all 8 started with a queue of 8:
    # 1.34-1.39 GB over, peak 1,929-1,975 MB with the face model loaded; so a worker stays below base +
    # ~1.4 GB: ~1.8 GB without the face model, ~2.0 GB with it, with the default 2 slots, however many photos)
    max_upload_megapixels: float = Field(
        default=25.0, gt=0, le=60, validation_alias=AliasChoices("SMP_MAX_UPLOAD_MEGAPIXELS", "max_upload_megapixels")
    )
    decode_slots: int = Field(default=2, ge=1, le=32, validation_alias=AliasChoices("SMP_DECODE_SLOTS", "decode_slots"))
    # at most decode_queue requests wait for a slot (cut to leave one of db_threads free), each at most
    # decode_wait_s; the others get 503 with Retry-After at once, so waiting decodes never take every
    # request thread from the other users
    decode_queue: int = Field(default=2, ge=0, le=64, validation_alias=AliasChoices("SMP_DECODE_QUEUE", "decode_queue"))
    decode_wait_s: float = Field(
        default=10.0, gt=0, le=120, validation_alias=AliasChoices("SMP_DECODE_WAIT_S", "decode_wait_s")
    )
    # requests doing database work at once per process (worker threads); more only add GIL contention
    db_threads: int = Field(default=8, ge=1, le=200, validation_alias=AliasChoices("SMP_DB_THREADS", "db_threads"))
    # password hashing (argon2id, 64 MiB each) in its own niced worker processes (or threads), never the
    # database threads; sign-ins beyond hash_queue waiting get 503 (smpstudio.web.hashing,
    # benchmarks/bench_login_storm.py)
    hash_workers: int = Field(default=1, ge=1, le=32, validation_alias=AliasChoices("SMP_HASH_WORKERS", "hash_workers"))
    hash_processes: bool = Field(default=True, validation_alias=AliasChoices("SMP_HASH_PROCESSES", "hash_processes"))
    hash_queue: int = Field(default=16, ge=1, le=10_000, validation_alias=AliasChoices("SMP_HASH_QUEUE", "hash_queue"))
    # reminders by e-mail (smpstudio.records.channels): the clinic's SMTP server
    smtp_host: str = Field(default="localhost", validation_alias=AliasChoices("SMP_SMTP_HOST", "smtp_host"))
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias=AliasChoices("SMP_SMTP_PORT", "smtp_port"))
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", validation_alias=AliasChoices("SMP_SMTP_TLS", "smtp_tls")
    )
    smtp_sender: str = Field(
        default="reminders@localhost", validation_alias=AliasChoices("SMP_SMTP_SENDER", "smtp_sender")
    )
    smtp_user: str | None = Field(default=None, validation_alias=AliasChoices("SMP_SMTP_USER", "smtp_user"))
    smtp_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SMP_SMTP_PASSWORD", "smtp_password")
    )
    smtp_ca_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("SMP_SMTP_CA_FILE", "smtp_ca_file")
    )  # a private CA's certificate; default: the system's trusted CAs
    smtp_timeout_s: float = Field(default=20.0, gt=0, le=300)
    reminder_hours_before: float = Field(default=24.0, ge=1, le=24 * 14)
    reminder_max_attempts: int = Field(default=5, ge=1, le=50)
    reminder_retry_minutes: float = Field(default=5.0, ge=0, le=24 * 60)  # doubled after each failure

    # comma-separated addresses of reverse proxies whose X-Forwarded-For is believed; none by default
    trusted_proxies: str | None = Field(
        default=None, validation_alias=AliasChoices("SMP_TRUSTED_PROXIES", "trusted_proxies")
    )

    @property
    def db_url(self) -> str:
        """The database URL: ``DATABASE_URL`` or ``sqlite:///<data_dir>/records.sqlite3``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'records.sqlite3').resolve()}"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def key_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def secure_cookies(self) -> bool:
        return self.env != "dev"
