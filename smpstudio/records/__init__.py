"""Clinic records: clients, consents, immutable plan versions, sessions, encrypted photos, inventory lots,
reminders, GDPR export/erase, audit trail, backups.

Layout: :mod:`.settings` (environment), :mod:`.models` + :mod:`.migrations` (schema, Alembic),
:mod:`.db` (engines: SQLite in WAL mode with foreign keys, or PostgreSQL), :mod:`.schemas` (pydantic,
every input bounded), :mod:`.services` / :mod:`.services_photos` / :mod:`.services_workflows` (all
queries scoped to the caller's clinic, every read/write of a client record audited),
:mod:`.storage` (per-clinic key files, AES-GCM photo files written atomically), :mod:`.backup`.
The web layer is :mod:`smpstudio.web`.

Quick start::

    smp serve --demo                      # seeded demo clinic under <data dir>/demo, http://127.0.0.1:8000/docs
    smp db upgrade                        # create / migrate DATABASE_URL (default: SQLite in the data dir)
    smp create-clinic --name "My clinic" --owner-email me@example.com
    smp serve [--host H] [--port P] [--workers N]
    smp backup OUT [--with-keys]  /  smp restore IN [--force]

Environment: ``DATABASE_URL`` (e.g. ``postgresql+psycopg://user@host/db``), ``SMP_DATA_DIR`` (photos and
key files; default ``~/.local/share/smpstudio`` or the platform's equivalent), ``SMP_ENV=dev`` (cookies
without ``Secure`` for plain-http development), ``SMP_SQLITE_SYNCHRONOUS=FULL`` (fsync every commit).
"""
