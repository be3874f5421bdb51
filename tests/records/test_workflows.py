"""Recall, reminders (+ .ics read back), GDPR export/erase, photo store reconciliation."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records import services_workflows as wf
from smpstudio.records.errors import NotFound
from smpstudio.records.models import AuditEvent, Client, Consent, Photo, TreatmentSession
from smpstudio.records.services_photos import Vault, client_key, reconcile, upload_photo
from smpstudio.records.storage import KeyStore, PhotoStore
from smpstudio.records.testing import ready_for_session, sample_plan

TODAY = dt.date(2026, 6, 1)


def actor(accounts, name):
    a = accounts[name]
    return services.Actor(a.user_id, a.clinic_id, a.role)


@pytest.fixture
def vault(settings):
    return Vault(PhotoStore(settings.photo_dir), KeyStore(settings.key_dir))


def png(seed: int) -> bytes:
    arr = np.random.default_rng(seed).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def lot(db, who, kind, number):
    return services.create_lot(db, who, s.LotCreate(kind=kind, manufacturer="M", product="P", lot_number=number))


def session(db, who, client_id, day, status="done", **kw):
    if status == "done":  # these tests are about what follows a session: meet the safety rules first
        ready_for_session(db, who, client_id, day)
    return services.create_session(db, who, client_id, s.SessionCreate(date=day, status=status, **kw))


def client(db, who, first="Ann", **kw):
    return services.create_client(db, who, s.ClientCreate(first_name=first, last_name="Lee", **kw))


def test_recall_finds_every_client_and_session_of_a_lot(db, accounts):
    a, b = actor(accounts, "a_artist"), actor(accounts, "b_owner")
    bad, good, needle = lot(db, a, "pigment", "BAD-1"), lot(db, a, "pigment", "OK-2"), lot(db, a, "needle", "N-9")
    c1, c2, c3 = client(db, a, "One"), client(db, a, "Two"), client(db, a, "Three")
    s1 = session(db, a, c1.id, TODAY, pigment_lot_id=bad.id, needle_lot_id=needle.id)
    s2 = session(db, a, c2.id, TODAY, pigment_lot_id=good.id, needle_lot_id=needle.id)
    s3 = session(db, a, c1.id, TODAY + dt.timedelta(days=10), status="planned", pigment_lot_id=bad.id)
    session(db, a, c3.id, TODAY, pigment_lot_id=good.id)
    out = wf.recall(db, a, bad.id)
    assert out.clients == 1 and [h.session_id for h in out.sessions] == [s1.id, s3.id]
    out = wf.recall(db, a, needle.id)
    assert out.clients == 2 and {h.session_id for h in out.sessions} == {s1.id, s2.id}
    assert {h.client_name for h in out.sessions} == {"One Lee", "Two Lee"}
    # clinic B has a lot with the same number: its recall sees none of clinic A's sessions
    b_bad = lot(db, b, "pigment", "BAD-1")
    assert wf.recall(db, b, b_bad.id).sessions == []
    with pytest.raises(NotFound):
        wf.recall(db, b, bad.id)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "recall")).all()
    assert {e.client_id for e in events} == {c1.id, c2.id}


def due_on(plan, due: dt.date):
    """The plan with its touch-up due on ``due`` (what the reminders read)."""
    return plan.model_copy(update={"touch_up": plan.touch_up.model_copy(update={"due_date": due})})


def test_reminders_of_each_kind_and_their_ics(db, accounts):
    a = actor(accounts, "a_owner")
    c = client(
        db, a, patch_test_result="negative", patch_test_at=dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    )  # long before: not valid for June
    session(db, a, c.id, TODAY - dt.timedelta(days=2))  # done -> aftercare check in 5 days
    planned = session(db, a, c.id, TODAY + dt.timedelta(days=20), status="planned")
    services.create_plan(db, a, c.id, s.PlanCreate(seed=1, plan=due_on(sample_plan(1), dt.date(2027, 1, 15))))
    services.create_plan(db, a, c.id, s.PlanCreate(seed=2, plan=due_on(sample_plan(2), dt.date(2026, 12, 1))))
    newbie = client(db, a, "New")  # no done session: needs a patch test before the first
    first = session(db, a, newbie.id, TODAY + dt.timedelta(days=6), status="planned")
    ok = client(
        db,
        a,
        "Ok",
        patch_test_result="negative",
        patch_test_at=dt.datetime.combine(TODAY + dt.timedelta(days=6), dt.time(9), dt.UTC),
    )
    session(db, a, ok.id, TODAY + dt.timedelta(days=8), status="planned")  # patch test 48 h before: fine
    got = wf.reminders(db, a, start=TODAY, end=TODAY + dt.timedelta(days=365))
    table = {(r.kind.value, r.client_id, r.due_on) for r in got}
    assert table == {
        ("aftercare_check", c.id, TODAY + dt.timedelta(days=3)),
        ("next_session", c.id, planned.date),
        ("touch_up", c.id, dt.date(2026, 12, 1)),  # from the newest plan version only
        ("next_session", newbie.id, first.date),
        ("patch_test", newbie.id, first.date - dt.timedelta(days=3)),
        ("next_session", ok.id, TODAY + dt.timedelta(days=8)),
    }


def test_export_then_erase_round_trip(db, accounts, vault, settings):
    a = actor(accounts, "a_owner")
    c = client(
        db,
        a,
        email="ann@example.com",
        phone="+44 1",
        address="1 Road",
        date_of_birth=dt.date(1980, 1, 2),
        medical_intake={"epilepsy": True},
        notes="likes tea",
    )
    pig = lot(db, a, "pigment", "L-1")
    services.create_consent(
        db,
        a,
        c.id,
        s.ConsentCreate(
            version="v1", text="I agree", signature="Ann", signed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        ),
    )
    services.create_plan(db, a, c.id, s.PlanCreate(seed=5, plan=sample_plan(5)))
    t = session(
        db,
        a,
        c.id,
        TODAY - dt.timedelta(days=30),
        pigment_lot_id=pig.id,
        notes="went well",
        override_reason="epilepsy controlled for 10 years; neurologist's letter on file",
        zones=[s.ZoneIn(zone="top", impressions=100)],
    )
    photos = [
        upload_photo(
            db,
            a,
            vault,
            c.id,
            png(i),
            view=s.PhotoView.front,
            phase=s.PhotoPhase.before,
            taken_at=None,
            session_id=t.id,
        )
        for i in range(2)
    ]
    zf = zipfile.ZipFile(io.BytesIO(wf.export_client(db, a, vault, c.id)))
    record = json.loads(zf.read("record.json"))
    assert record["client"]["email"] == "ann@example.com" and record["client"]["contraindications"] == ["epilepsy"]
    assert [p["seed"] for p in record["plans"]] == [5] and record["sessions"][0]["zones"][0]["impressions"] == 100
    assert record["lots"][0]["lot_number"] == "L-1" and len(record["consents"]) == 1
    for p in record["photos"]:
        img = np.asarray(Image.open(io.BytesIO(zf.read(p["file"]))))
        assert img.shape == (120, 160, 3)
    assert len(record["photos"]) == 2 and "photo_key_wrapped" not in record["client"]

    files_before = [p for p in settings.photo_dir.rglob("*") if p.is_file()]
    assert len(files_before) == 4
    out = wf.erase_client(db, a, vault, c.id, today=TODAY)
    assert out.photos_shredded == 2 and out.retention_until == TODAY.replace(year=TODAY.year + 5) - dt.timedelta(30)
    assert not [p for p in settings.photo_dir.rglob("*") if p.is_file()]
    db.expunge_all()
    erased = db.get(Client, c.id)
    assert erased.photo_key_wrapped is None and erased.erased_at is not None
    assert (erased.email, erased.phone, erased.notes, erased.medical_intake) == (None, None, None, {})
    # what local codes require inside the retention period stays (domain.md §7)
    assert (erased.first_name, erased.date_of_birth, erased.address) == ("Ann", dt.date(1980, 1, 2), "1 Road")
    kept = db.scalar(select(TreatmentSession).where(TreatmentSession.client_id == c.id))
    assert kept.pigment_lot_id == pig.id and kept.notes is None
    assert db.scalar(select(Consent).where(Consent.client_id == c.id)).signature == "Ann"
    assert all(p.shredded_at is not None for p in db.scalars(select(Photo).where(Photo.client_id == c.id)))
    # a copy of a photo file (e.g. in an old file backup) cannot be decrypted any more: the key is gone
    with pytest.raises(NotFound):
        client_key(db, vault, erased, create=False)
    assert all(p.storage_key not in str(f) for p in photos for f in settings.photo_dir.rglob("*"))
    record = json.loads(zipfile.ZipFile(io.BytesIO(wf.export_client(db, a, vault, c.id))).read("record.json"))
    assert record["photos"] == [] and record["client"]["email"] is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "erase", AuditEvent.client_id == c.id))


def test_erase_after_retention_anonymises_everything(db, accounts, vault):
    a = actor(accounts, "a_owner")  # clinic retention: 5 years
    c = client(db, a, address="1 Road", date_of_birth=dt.date(1970, 1, 1))
    services.create_consent(
        db,
        a,
        c.id,
        s.ConsentCreate(version="v1", text="t", signature="Ann", signed_at=dt.datetime(2015, 1, 1, tzinfo=dt.UTC)),
    )
    session(db, a, c.id, dt.date(2015, 1, 10))
    out = wf.erase_client(db, a, vault, c.id, today=TODAY)
    assert out.retained == [] and out.retention_until is None
    db.expunge_all()
    erased = db.get(Client, c.id)
    assert erased.first_name == "erased" and erased.date_of_birth is None and erased.address is None
    assert db.scalar(select(TreatmentSession).where(TreatmentSession.client_id == c.id)) is None
    assert db.scalar(select(Consent).where(Consent.client_id == c.id)) is None


def test_reconcile_removes_orphans_and_temp_files(db, accounts, vault):
    a = actor(accounts, "a_artist")
    c = client(db, a)
    p = upload_photo(
        db, a, vault, c.id, png(1), view=s.PhotoView.top, phase=s.PhotoPhase.after, taken_at=None, session_id=None
    )
    folder = vault.photos.folder(p.clinic_id, c.id)
    (folder / "deadbeef.jpg.enc").write_bytes(b"x")  # as left by a crash between rename and commit
    (folder / ".tmp-abc").write_bytes(b"y")  # as left by a crash before the rename
    report = reconcile(db, vault.photos)
    assert report.orphan_files_removed == [f"{p.clinic_id}/{c.id}/deadbeef.jpg.enc"]
    assert report.temp_files_removed == [f"{p.clinic_id}/{c.id}/.tmp-abc"]
    assert report.rows_missing_files == []
    assert sorted(f.name for f in folder.iterdir()) == sorted(
        x.name for x in vault.photos.paths(p.clinic_id, c.id, p.storage_key)
    )
    vault.photos.paths(p.clinic_id, c.id, p.storage_key)[1].unlink()
    assert reconcile(db, vault.photos).rows_missing_files == [p.id]


def test_touch_up_reminder_from_a_real_engine_plan(db, accounts):
    """The pipeline's own plan.json (``touch_up.due_date``) drives the touch-up reminder."""
    plan = sample_plan(11, start=dt.date(2026, 1, 5))
    due = plan.touch_up.due_date
    a = actor(accounts, "a_owner")
    c = client(db, a)
    stored = services.create_plan(db, a, c.id, s.PlanCreate(seed=11, plan=plan))
    got = wf.reminders(db, a, start=dt.date(2026, 1, 1), end=dt.date(2040, 1, 1))
    assert [(r.kind.value, r.due_on, r.plan_id) for r in got] == [("touch_up", due, stored.id)]
    assert due > dt.date(2026, 2, 1)


def test_lots_are_found_by_the_number_on_a_recall_notice(db, accounts):
    a, b = actor(accounts, "a_artist"), actor(accounts, "b_owner")
    mine = lot(db, a, "pigment", "DA-2026-041")
    lot(db, a, "needle", "DA-2026-041")  # same number, other kind
    lot(db, b, "pigment", "DA-2026-041")  # same number, other clinic
    found = services.list_lots(db, a, s.LotKind.pigment, s.Page(), " DA-2026-041 ")
    assert [x.id for x in found] == [mine.id]
    assert len(services.list_lots(db, a, None, s.Page(), "DA-2026-041")) == 2
    assert services.list_lots(db, a, None, s.Page(), "DA-2026-04") == []
