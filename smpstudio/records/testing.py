"""Helpers for the records tests: fresh migrated databases on SQLite and PostgreSQL.

A migrated *template* database (with two clinics and their users already in it, since argon2 hashing
is deliberately slow) is built once per test process; each test then gets its own copy: a copied file
for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL (``SMP_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smpstudio.records.db import make_engine, make_sessionmaker, upgrade
from smpstudio.records.schemas import Role, UserCreate
from smpstudio.records.services import Actor, create_clinic_with_owner, create_user
from smpstudio.records.settings import Settings
from smpstudio.schema import PlanDocument

PASSWORD = "correct horse battery staple"
POSTGRES_ENV = "SMP_TEST_POSTGRES_URL"


@dataclass(frozen=True)
class Account:
    email: str
    role: Role
    clinic_id: int
    user_id: int


ACCOUNTS: dict[str, Account] = {}


def _seed(url: str) -> dict[str, Account]:
    engine = make_engine(url, pool_size=1)
    try:
        upgrade(engine)
        accounts: dict[str, Account] = {}
        with make_sessionmaker(engine)() as db:
            for tag in ("a", "b"):
                clinic, owner = create_clinic_with_owner(
                    db,
                    clinic_name=f"Clinic {tag.upper()}",
                    owner_email=f"owner@{tag}.test",
                    owner_name="Owner",
                    password=PASSWORD,
                    retention_years=5,
                )
                accounts[f"{tag}_owner"] = Account(owner.email, Role.owner, clinic.id, owner.id)
                actor = Actor(owner.id, clinic.id, Role.owner)
                for role in (Role.artist, Role.front_desk):
                    u = create_user(
                        db,
                        actor,
                        UserCreate(email=f"{role.value}@{tag}.test", name=role.value, role=role, password=PASSWORD),
                    )
                    accounts[f"{tag}_{role.value}"] = Account(u.email, role, clinic.id, u.id)
        return accounts
    finally:
        engine.dispose()


class SqliteTemplates:
    def __init__(self, root: Path) -> None:
        self.template = root / "template.sqlite3"
        self.accounts = _seed(f"sqlite:///{self.template}")
        eng = create_engine(f"sqlite:///{self.template}")
        with eng.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()

    def fresh(self, directory: Path) -> str:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / "records.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def empty(self, directory: Path) -> str:
        directory.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{directory / 'empty.sqlite3'}"

    def close(self) -> None:
        pass


class PostgresTemplates:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.template = f"smp_tpl_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.template}"'))
        self.accounts = _seed(self.url(self.template))
        self.created: list[str] = [self.template]

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def fresh(self, _directory: Path | None = None) -> str:
        name = f"smp_t_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return self.url(name)

    def empty(self, _directory: Path | None = None) -> str:
        """A new database with no schema at all."""
        name = f"smp_e_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            with self.admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


# ---- builders of test data --------------------------------------------------------------------------
CONSENT = {"version": "v1", "text": "I agree.", "signed_at": "2026-01-05T10:00:00Z", "signature": "Ann Lee"}


def jpeg_with_gps(width: int = 640, height: int = 480, seed: int = 0) -> bytes:
    """A photo-like JPEG carrying EXIF with a camera make and GPS coordinates."""
    rng = np.random.default_rng(seed)
    base = np.linspace(40, 200, width, dtype=np.float32)[None, :, None] * np.ones((height, 1, 3), np.float32)
    arr = np.clip(base + rng.normal(0, 12, (height, width, 3)), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 30.0, 12.0), "W", (0.0, 7.0, 40.0)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", exif=exif, quality=90)
    return buf.getvalue()


@functools.lru_cache(maxsize=8)
def _sample_plan_text(seed: int, start: dt.date | None) -> str:
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.pipeline import Inputs, Pipeline, PlanInputs, consultation_document
    from smpstudio.pipeline.renders import default_closeup_center_mm

    step = Pipeline().plan(sample_photo(), Inputs(seed=seed, plan=PlanInputs(start=start)))
    doc = consultation_document(step, closeup_center_mm=default_closeup_center_mm(step), closeup_px_per_mm=24.0)
    return doc.model_dump_json()


def sample_plan(seed: int = 1, start: dt.date | None = None) -> PlanDocument:
    """A real ``plan.json`` document (the pipeline on the embedded sample), cached per (seed, start)."""
    return PlanDocument.model_validate_json(_sample_plan_text(seed, start))


def sample_plan_json(seed: int = 1, start: dt.date | None = None) -> dict[str, Any]:
    """:func:`sample_plan` as the JSON an API client posts."""
    return json.loads(_sample_plan_text(seed, start))  # type: ignore[no-any-return]


def ready_for_session(db, actor, client_id: int, day: dt.date) -> None:
    """What the safety rules need before a session on ``day`` is marked done: a consent of the clinic's
    version signed a week before and a negative patch test read 48 h before noon of ``day`` (UTC)."""
    from smpstudio.records import schemas as s
    from smpstudio.records import services

    noon = dt.datetime.combine(day, dt.time(12), dt.UTC)
    version = services.get_clinic(db, actor).consent_version
    signed = [c for c in services.list_consents(db, actor, client_id) if c.version == version and c.signed_at <= noon]
    if not signed:
        services.create_consent(
            db,
            actor,
            client_id,
            s.ConsentCreate(
                version=version, text="I agree.", signature="Ann Lee", signed_at=noon - dt.timedelta(days=7)
            ),
        )
    services.update_client(
        db, actor, client_id, s.ClientUpdate(patch_test_result="negative", patch_test_at=noon - dt.timedelta(hours=48))
    )


def make_records(c) -> dict[str, int]:
    """Create one of every record through the API with a signed-in owner/artist client ``c``."""
    ids: dict[str, int] = {}
    r = c.post(
        "/api/clients",
        json={
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@example.com",
            # read 48 h before the done session below (noon of its date): the safety rules allow it
            "patch_test_result": "negative",
            "patch_test_at": "2026-01-08T12:00:00Z",
        },
    )
    assert r.status_code == 201, r.text
    ids["client_id"] = r.json()["id"]
    r = c.post(f"/api/clients/{ids['client_id']}/consents", json=CONSENT)
    assert r.status_code == 201, r.text
    ids["consent_id"] = r.json()["id"]
    r = c.post(f"/api/clients/{ids['client_id']}/plans", json={"seed": 3, "plan": sample_plan_json(3)})
    assert r.status_code == 201, r.text
    ids["plan_id"] = r.json()["id"]
    r = c.post("/api/lots", json={"kind": "pigment", "manufacturer": "M", "product": "Ash", "lot_number": "X1"})
    assert r.status_code == 201, r.text
    ids["lot_id"] = r.json()["id"]
    r = c.post(
        f"/api/clients/{ids['client_id']}/sessions",
        json={"date": "2026-01-10", "status": "done", "pigment_lot_id": ids["lot_id"], "zones": [{"zone": "top"}]},
    )
    assert r.status_code == 201, r.text
    ids["session_id"] = r.json()["id"]
    r = c.post(
        f"/api/clients/{ids['client_id']}/photos",
        files={"file": ("p.jpg", jpeg_with_gps(), "image/jpeg")},
        data={"view": "front", "phase": "before", "session_id": str(ids["session_id"])},
    )
    assert r.status_code == 201, r.text
    ids["photo_id"] = r.json()["id"]
    me = c.get("/api/auth/me").json()["id"]
    r = c.post(
        f"/api/clients/{ids['client_id']}/appointments",
        json={"starts_at": "2026-02-01T10:00", "artist_id": me, "room": "Chair 1", "plan_id": ids["plan_id"]},
    )
    assert r.status_code == 201, r.text
    ids["appointment_id"] = r.json()[0]["id"]
    # a consultation in progress (the tablet app's), on a second client so the first one's counts stay
    r = c.post("/api/clients", json={"first_name": "Cy", "last_name": "Consult"})
    assert r.status_code == 201, r.text
    from smpstudio.imaging.samples import sample_photo

    face = sample_photo().to_jpeg_bytes()
    r = c.post(f"/api/clients/{r.json()['id']}/consults", files={"file": ("face.jpg", face, "image/jpeg")})
    assert r.status_code == 201, r.text
    ids["consult_id"] = r.json()["id"]
    if c.get("/api/auth/me").json()["role"] in ("owner", "front_desk"):  # who makes portal links
        r = c.post(f"/api/clients/{ids['client_id']}/portal-links", json={"days": 30})
        assert r.status_code == 201, r.text
        ids["link_id"] = r.json()["id"]
    return ids


# ---- pytest fixtures (imported by tests/records/conftest.py and tests/web/conftest.py) ----------------
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_templates():
    url = postgres_url()
    if url is None:
        yield None
        return
    tpl = PostgresTemplates(url)
    yield tpl
    tpl.close()


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "postgresql" and postgres_url() is None:
        pytest.skip("SMP_TEST_POSTGRES_URL is not set")
    return request.param


@pytest.fixture
def templates(backend, request):
    name = "sqlite_templates" if backend == "sqlite" else "postgres_templates"
    return request.getfixturevalue(name)


@pytest.fixture
def db_url(backend, templates, tmp_path):
    url = templates.fresh(tmp_path / "db")
    yield url
    if backend == "postgresql":
        templates.drop(url)


@pytest.fixture
def accounts(templates):
    return templates.accounts


@pytest.fixture
def settings(db_url, tmp_path):
    # hashing in threads: a process pool per test app would cost a spawn each (production: processes)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, env="dev", hash_processes=False)


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url, pool_size=5)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine):
    with make_sessionmaker(engine)() as session:
        yield session
