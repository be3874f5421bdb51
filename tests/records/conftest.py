"""Fixtures: a fresh migrated database per test on SQLite and (with SMP_TEST_POSTGRES_URL) PostgreSQL."""

from smpstudio.records.testing import *  # noqa: F403
