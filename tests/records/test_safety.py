"""Safety rules that hold (issue 12 item 2): each rule refuses a started/done session on its own, on
SQLite and PostgreSQL; an owner overrides only with a written, audited reason; nothing is half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records.errors import DuplicateSession, SafetyRefused
from smpstudio.records.models import AuditEvent, TreatmentSession
from smpstudio.records.services_clinic import update_clinic

DAY = dt.date(2026, 3, 10)  # in the past: the future rule stays out of the way
NOON = dt.datetime.combine(DAY, dt.time(12), dt.UTC)


def actor(accounts, name):
    a = accounts[name]
    return services.Actor(a.user_id, a.clinic_id, a.role)


def ready_client(
    db, who, *, patch=("negative", NOON - dt.timedelta(hours=48)), consent=("v1", NOON - dt.timedelta(days=3)), **intake
):
    result, read_at = patch if patch else (None, None)
    c = services.create_client(
        db,
        who,
        s.ClientCreate(
            first_name="Ann", last_name="Lee", patch_test_result=result, patch_test_at=read_at, medical_intake=intake
        ),
    )
    if consent:
        version, signed = consent
        services.create_consent(
            db, who, c.id, s.ConsentCreate(version=version, text="I agree.", signature="Ann", signed_at=signed)
        )
    return c


def done(db, who, client_id, day=DAY, **kw):
    return services.create_session(db, who, client_id, s.SessionCreate(date=day, status="done", **kw))


def n_sessions(db):
    return db.scalar(select(func.count()).select_from(TreatmentSession))


def refused(db, who, client_id, rule, day=DAY, **kw):
    before = n_sessions(db)
    with pytest.raises(SafetyRefused) as err:
        done(db, who, client_id, day, **kw)
    assert rule in err.value.rules, err.value
    db.rollback()
    assert n_sessions(db) == before  # no half-written session
    return str(err.value)


def test_a_ready_client_may_be_treated(db, accounts):
    a = actor(accounts, "a_artist")
    t = done(db, a, ready_client(db, a).id)
    assert t.status == "done" and t.consent_id is not None and t.started_at == NOON


def test_consent_of_the_current_version_signed_before(db, accounts):
    a, owner = actor(accounts, "a_artist"), actor(accounts, "a_owner")
    msg = refused(db, a, ready_client(db, a, consent=None).id, "consent")
    assert "no consent of the current version 'v1'" in msg
    refused(db, a, ready_client(db, a, consent=("v1", NOON + dt.timedelta(hours=1))).id, "consent")  # signed after
    update_clinic(db, owner, s.ClinicUpdate(consent_version="v2"))  # a new text: old signatures no longer count
    msg = refused(db, a, ready_client(db, a).id, "consent")
    assert "'v2'" in msg and "v1 signed" in msg
    # not overridable, even by an owner with a reason
    c = ready_client(db, owner)
    refused(db, owner, c.id, "consent", override_reason="the client signed on paper, scan to follow")


@pytest.mark.parametrize(
    ("result", "hours", "words"),
    [
        ("positive", 48, "was positive"),
        ("inconclusive", 48, "was inconclusive"),
        ("negative", 10, "read 10 h before"),  # too soon to read
        ("negative", 80, "read 80 h before"),  # too old
        ("negative", -2, "after the session began"),
    ],
)
def test_patch_test_read_24_to_72_hours_before_and_negative(db, accounts, result, hours, words):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a, patch=(result, NOON - dt.timedelta(hours=hours)))
    assert words in refused(db, a, c.id, "patch_test")


def test_patch_test_window_edges_are_allowed(db, accounts):
    a = actor(accounts, "a_artist")
    for hours in (24, 72):
        c = ready_client(db, a, patch=("negative", NOON - dt.timedelta(hours=hours)))
        assert done(db, a, c.id).status == "done"
    refused(db, a, ready_client(db, a, patch=None).id, "patch_test")


# every stop-level question, written out (not taken from the code): domain.md §7's list, then issue 12's
@pytest.mark.parametrize("question", [
    "pregnancy", "haemophilia", "uncontrolled_diabetes", "epilepsy", "active_scalp_skin_disease",
    "isotretinoin_6_months", "chemotherapy",  # domain.md §7
    "blood_thinners", "pigment_allergy", "active_scalp_condition",  # issue 12: anticoagulants, pigment allergy, scalp
])
def test_stop_level_contraindications_refuse(db, accounts, question):
    a = actor(accounts, "a_artist")
    msg = refused(db, a, ready_client(db, a, **{question: True}).id, "contraindication")
    assert "stop-level contraindication" in msg


def test_warning_level_answers_do_not_refuse(db, accounts):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a, keloid_tendency=True, anaesthetic_allergy=True, haemophilia=False)
    assert done(db, a, c.id).status == "done"


def test_not_before_the_minimum_interval_after_the_previous_session(db, accounts):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a)
    done(db, a, c.id)
    later = DAY + dt.timedelta(days=6)
    services.update_client(
        db,
        a,
        c.id,
        s.ClientUpdate(patch_test_at=dt.datetime.combine(later, dt.time(12), dt.UTC) - dt.timedelta(hours=30)),
    )
    assert "only 6 days after session 1" in refused(db, a, c.id, "interval", later)
    ok = DAY + dt.timedelta(days=7)  # domain.md §1: 7-30 days apart
    services.update_client(
        db, a, c.id, s.ClientUpdate(patch_test_at=dt.datetime.combine(ok, dt.time(12), dt.UTC) - dt.timedelta(hours=30))
    )
    assert done(db, a, c.id, ok).number == 2


def test_not_dated_in_the_future_not_even_by_an_owner(db, accounts):
    owner = actor(accounts, "a_owner")
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    c = ready_client(
        db,
        owner,
        # read an hour ago (a result cannot lie ahead): 37-61 h before the session's noon, inside 24-72 h
        patch=("negative", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)),
        consent=("v1", dt.datetime.now(dt.UTC) - dt.timedelta(days=1)),
    )
    msg = refused(db, owner, c.id, "future", tomorrow, override_reason="the client asked to record it in advance")
    assert "after today" in msg and "cannot be overridden" in msg
    planned = services.create_session(db, owner, c.id, s.SessionCreate(date=tomorrow))  # booking ahead is fine
    with pytest.raises(SafetyRefused):
        services.update_session(db, owner, planned.id, s.SessionUpdate(status="done"))


def at_seven_today(db, who, monkeypatch):
    """The safety rules' clock set to 07:00 UTC today and a client ready for a session then (patch test read
    30 h before, consent signed 1 h before): ``(today, 07:00, client)``."""
    import smpstudio.records.services_safety as safety

    today = dt.datetime.now(dt.UTC).date()
    morning = dt.datetime.combine(today, dt.time(7), dt.UTC)
    monkeypatch.setattr(safety, "utcnow", lambda: morning)
    c = ready_client(db, who, patch=("negative", morning - dt.timedelta(hours=30)),
                     consent=("v1", morning - dt.timedelta(hours=1)))
    return today, morning, c


def test_todays_session_recorded_in_the_morning_is_not_in_the_future(db, accounts, monkeypatch):
    """A session dated today without a start time began no later than now: at 07:00 it is not refused as
    starting "after now" (its start was taken as noon, so every morning's session was refused)."""
    a = actor(accounts, "a_artist")
    today, morning, c = at_seven_today(db, a, monkeypatch)
    t = done(db, a, c.id, today)
    assert t.status == "done" and t.started_at.replace(tzinfo=dt.UTC) == morning


def test_todays_session_starting_later_than_now_is_refused(db, accounts, monkeypatch):
    """Dated today but started after now (more than the 5-minute clock skew): work not yet done, refused
    even for an owner with a reason; started now it is recorded."""
    owner = actor(accounts, "a_owner")
    today, morning, c = at_seven_today(db, owner, monkeypatch)
    for later in (dt.timedelta(hours=3), dt.timedelta(minutes=6)):
        msg = refused(db, owner, c.id, "future", today, started_at=morning + later,
                      override_reason="the client asked to record it in advance")
        assert "after now" in msg and "cannot be overridden" in msg
    t = done(db, owner, c.id, today, started_at=morning + dt.timedelta(minutes=4))  # within the clock skew
    assert t.status == "done"


def test_no_duplicate_session_numbers_and_no_gaps(db, accounts):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a)
    first = done(db, a, c.id)
    with pytest.raises(DuplicateSession):
        services.create_session(db, a, c.id, s.SessionCreate(date=DAY, number=1))
    db.rollback()
    nxt = services.create_session(db, a, c.id, s.SessionCreate(date=DAY + dt.timedelta(days=14)))
    assert (first.number, nxt.number) == (1, 2)
    services.update_session(db, a, nxt.id, s.SessionUpdate(status="cancelled"))
    again = services.create_session(db, a, c.id, s.SessionCreate(date=DAY + dt.timedelta(days=15)))
    assert again.number == 2  # a cancelled number may be used again; never jumps ahead
    with pytest.raises(DuplicateSession):  # and the cancelled one cannot come back beside it
        services.update_session(db, a, nxt.id, s.SessionUpdate(status="planned"))


def test_starting_a_booked_session_is_checked_too(db, accounts):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a, haemophilia=True)
    planned = services.create_session(db, a, c.id, s.SessionCreate(date=DAY))
    with pytest.raises(SafetyRefused) as err:
        services.update_session(db, a, planned.id, s.SessionUpdate(status="started"))
    assert err.value.rules == ["contraindication"]
    db.rollback()
    assert db.get(TreatmentSession, planned.id).status == "planned"


def test_owner_override_needs_a_written_reason_and_is_audited(db, accounts):
    artist, owner = actor(accounts, "a_artist"), actor(accounts, "a_owner")
    c = ready_client(db, owner, haemophilia=True, patch=("negative", NOON - dt.timedelta(hours=100)))
    reason = "haematologist cleared treatment in writing (letter of 2026-03-01)"
    assert "only an owner may override" in refused(db, artist, c.id, "contraindication", override_reason=reason)
    assert "override_reason" in refused(db, owner, c.id, "contraindication", override_reason="ok")
    t = done(db, owner, c.id, override_reason=reason)
    assert t.override_reason == reason
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "override", AuditEvent.entity_id == t.id))
    assert event.user_id == owner.user_id and event.client_id == c.id
    assert "patch_test" in event.detail and "contraindication" in event.detail and reason in event.detail
    # a session that needed no override keeps none (a reason given for nothing is not stored)
    ok = ready_client(db, owner)
    assert done(db, owner, ok.id, override_reason=reason).override_reason is None


def _pigment(db, who, product, lot_number, manufacturer="Pigmentco"):
    return services.create_lot(
        db, who, s.LotCreate(kind="pigment", manufacturer=manufacturer, product=product, lot_number=lot_number)
    ).id


def test_patch_test_before_the_first_session_and_a_new_pigment_only(db, accounts):
    """§7's patch test (read 24-72 h before) guards the first session and a pigment the client has not had;
    session 2 with the same pigment, even from a new bottle's lot, needs none (the test of session 1 is
    then weeks old)."""
    a = actor(accounts, "a_artist")
    c = ready_client(db, a)  # patch test read 48 h before session 1
    black = _pigment(db, a, "Shadow black", "L-1")
    done(db, a, c.id, pigment_lot_id=black)
    day2 = DAY + dt.timedelta(days=14)
    same_new_lot = _pigment(db, a, "Shadow black", "L-2")
    assert done(db, a, c.id, day2, pigment_lot_id=same_new_lot).number == 2  # 14 days after the test
    assert done(db, a, c.id, day2 + dt.timedelta(days=14)).number == 3  # no lot recorded: nothing new
    brown = _pigment(db, a, "Shadow brown", "B-1")
    msg = refused(db, a, c.id, "patch_test", day2 + dt.timedelta(days=28), pigment_lot_id=brown)
    assert "pigment the client has not had before (Pigmentco Shadow brown, lot B-1)" in msg
    # read again 30 h before, the new pigment goes ahead
    day4 = day2 + dt.timedelta(days=28)
    read = dt.datetime.combine(day4, dt.time(12), dt.UTC) - dt.timedelta(hours=30)
    services.update_client(db, a, c.id, s.ClientUpdate(patch_test_at=read))
    assert done(db, a, c.id, day4, pigment_lot_id=brown).number == 4


def test_a_positive_patch_test_on_file_refuses_later_sessions_too(db, accounts):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a)
    done(db, a, c.id)
    services.update_client(db, a, c.id, s.ClientUpdate(patch_test_result="positive"))
    assert "was positive" in refused(db, a, c.id, "patch_test", DAY + dt.timedelta(days=14))


def test_the_first_session_still_needs_the_window(db, accounts):
    a = actor(accounts, "a_artist")
    c = ready_client(db, a, patch=("negative", NOON - dt.timedelta(hours=100)))
    assert "before the client's first session" in refused(db, a, c.id, "patch_test")
