"""Services: tenancy, immutability, audit, atomic sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from smpstudio.pipeline.document import document_json
from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records.errors import Conflict, Forbidden, NotFound
from smpstudio.records.models import AuditEvent, ImmutableRecordError, Plan, SessionZone, TreatmentSession
from smpstudio.records.testing import ready_for_session, sample_plan


def actor(accounts, name):
    a = accounts[name]
    return services.Actor(a.user_id, a.clinic_id, a.role)


def new_client(db, who, **kw):
    return services.create_client(db, who, s.ClientCreate(first_name="Ann", last_name="Lee", **kw))


def test_plan_versions_are_immutable_and_numbered(db, accounts):
    owner = actor(accounts, "a_owner")
    c = new_client(db, owner)
    p1 = services.create_plan(db, owner, c.id, s.PlanCreate(seed=7, plan=sample_plan(7)))
    p2 = services.create_plan(db, owner, c.id, s.PlanCreate(seed=8, plan=sample_plan(8)))
    assert (p1.version, p2.version) == (1, 2)
    assert p1.plan_sha256 != p2.plan_sha256 and p1.seed == 7
    p1.plan_json = {"a": 3}
    with pytest.raises(ImmutableRecordError):
        db.commit()
    db.rollback()
    assert db.get(Plan, p1.id).plan_json == document_json(sample_plan(7))


def test_a_plan_must_be_a_valid_plan_document_with_its_own_seed():
    import pydantic

    with pytest.raises(pydantic.ValidationError, match="analysis"):
        s.PlanCreate.model_validate({"seed": 1, "plan": {"hello": "world"}})
    with pytest.raises(pydantic.ValidationError, match="seed 2 is not the plan's seed 1"):
        s.PlanCreate.model_validate({"seed": 2, "plan": sample_plan(1).model_dump(mode="json")})


def test_other_clinics_records_are_not_found(db, accounts):
    a, b = actor(accounts, "a_owner"), actor(accounts, "b_owner")
    c = new_client(db, a)
    with pytest.raises(NotFound):
        services.get_client(db, b, c.id)
    with pytest.raises(NotFound):
        services.create_session(db, b, c.id, s.SessionCreate(date=dt.date(2026, 1, 1)))
    lot_b = services.create_lot(db, b, s.LotCreate(kind="pigment", manufacturer="M", product="P", lot_number="L1"))
    with pytest.raises(NotFound, match="lot"):
        services.create_session(db, a, c.id, s.SessionCreate(date=dt.date(2026, 1, 1), pigment_lot_id=lot_b.id))
    assert db.scalar(select(func.count()).select_from(TreatmentSession)) == 0


def test_session_and_its_zones_are_written_together(db, accounts):
    artist = actor(accounts, "a_artist")
    c = new_client(db, artist)
    needle = services.create_lot(
        db, artist, s.LotCreate(kind="needle", manufacturer="N", product="3RL", lot_number="N1")
    )
    zones = [s.ZoneIn(zone=z, impressions=100 * i) for i, z in enumerate(["hairline", "top", "crown"])]
    with pytest.raises(Conflict, match="not a pigment lot"):  # refused before anything is written
        services.create_session(
            db, artist, c.id, s.SessionCreate(date=dt.date(2026, 2, 1), pigment_lot_id=needle.id, zones=zones)
        )
    assert db.scalar(select(func.count()).select_from(SessionZone)) == 0
    ready_for_session(db, artist, c.id, dt.date(2026, 2, 1))
    t = services.create_session(
        db, artist, c.id, s.SessionCreate(date=dt.date(2026, 2, 1), status="done", needle_lot_id=needle.id, zones=zones)
    )
    assert [z.zone for z in t.zones] == ["hairline", "top", "crown"]
    assert t.number == 1 and t.operator_id == artist.user_id
    db.expunge_all()
    assert [z.impressions for z in services.get_session(db, artist, t.id).zones] == [0, 100, 200]


def test_roles_are_enforced(db, accounts):
    desk = actor(accounts, "a_front_desk")
    c = new_client(db, desk)  # front desk registers clients
    with pytest.raises(Forbidden):
        services.create_session(db, desk, c.id, s.SessionCreate(date=dt.date(2026, 1, 1)))
    with pytest.raises(Forbidden):
        services.create_plan(db, desk, c.id, s.PlanCreate(seed=1, plan=sample_plan(1)))
    with pytest.raises(Forbidden):
        services.list_users(db, actor(accounts, "a_artist"))


def test_every_client_read_and_write_is_audited(db, accounts):
    owner = actor(accounts, "a_owner")
    c = new_client(db, owner)
    services.get_client(db, owner, c.id)
    services.update_client(db, owner, c.id, s.ClientUpdate(phone="+1 555 0100"))
    services.list_sessions(db, owner, c.id)
    events = db.scalars(select(AuditEvent).where(AuditEvent.client_id == c.id).order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity) for e in events] == [
        ("create", "client"),
        ("read", "client"),
        ("update", "client"),
        ("list", "session"),
    ]
    assert all(e.user_id == owner.user_id and e.clinic_id == owner.clinic_id for e in events)
    assert "phone" in events[2].detail


def test_contraindications_come_from_the_intake(db, accounts):
    owner = actor(accounts, "a_owner")
    c = new_client(db, owner, medical_intake={"pregnancy": False, "epilepsy": True, "keloid_tendency": True})
    assert c.contraindications == ["epilepsy"]  # keloid tendency is a warning, not a stop
    assert c.medical_intake == {"pregnancy": False, "epilepsy": True, "keloid_tendency": True}


def test_sessions_refuse_expired_lots_and_non_operators(db, accounts):
    artist, desk = actor(accounts, "a_artist"), accounts["a_front_desk"]
    c = new_client(db, artist)
    old = services.create_lot(
        db,
        artist,
        s.LotCreate(kind="pigment", manufacturer="M", product="P", lot_number="OLD", expires_on=dt.date(2026, 3, 1)),
    )
    with pytest.raises(Conflict, match="expired on 2026-03-01"):
        services.create_session(db, artist, c.id, s.SessionCreate(date=dt.date(2026, 3, 2), pigment_lot_id=old.id))
    t = services.create_session(db, artist, c.id, s.SessionCreate(date=dt.date(2026, 3, 1), pigment_lot_id=old.id))
    with pytest.raises(Conflict, match="expired"):  # moving the session past the lot's expiry
        services.update_session(db, artist, t.id, s.SessionUpdate(date=dt.date(2026, 4, 1)))
    with pytest.raises(Conflict, match="not an operator"):
        services.update_session(db, artist, t.id, s.SessionUpdate(operator_id=desk.user_id))
    db.expunge_all()
    assert services.get_session(db, artist, t.id).date == dt.date(2026, 3, 1)
