"""Reminders that are sent (issue 12 item 4): queued in the database, sent by the worker through a real
SMTP server on loopback (aiosmtpd, started here) and read back; retries with a record of each attempt;
opt-out; the clinic's templates; SMS through the same channel interface. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import socket
import ssl
import zipfile

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from smpstudio.records import schemas as s
from smpstudio.records import schemas_clinic as sc
from smpstudio.records import services
from smpstudio.records import services_bookings as bookings
from smpstudio.records import services_reminders as rem
from smpstudio.records.channels import EmailChannel, SmsChannel
from smpstudio.records.errors import InvalidInput
from smpstudio.records.models_clinic import Reminder, ReminderAttempt
from smpstudio.records.testing import ready_for_session, sample_plan

SESSION_DAY = dt.date(2026, 11, 2)  # done (in the past: the safety rules allow it)
UTC = dt.UTC


class Sink:
    """An SMTP handler that keeps each message; the first ``refuse`` DATA commands get 451."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.channel = EmailChannel("127.0.0.1", controller.port, "clinic@example.com", tls="none", timeout_s=5)
    yield sink
    controller.stop()


def actor(accounts, name):
    a = accounts[name]
    return services.Actor(a.user_id, a.clinic_id, a.role)


def new_client(db, who, first="Ann", **kw):
    kw.setdefault("email", f"{first.lower()}@example.com")
    return services.create_client(db, who, s.ClientCreate(first_name=first, last_name="Lee", **kw))


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), UTC)


def run(db, settings, smtp, now, **channels):
    rem.queue_due(db, settings, now=now)
    return rem.send_due(db, settings, {"email": smtp.channel, **channels}, now=now)


def test_before_each_appointment_with_time_place_and_artist(db, settings, accounts, smtp):
    owner, desk = actor(accounts, "a_owner"), actor(accounts, "a_front_desk")
    c = new_client(db, desk)
    starts = dt.datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    appt = bookings.book(
        db,
        desk,
        c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="Chair 2", duration_min=60),
    )[0]
    assert run(db, settings, smtp, starts - dt.timedelta(hours=30)).sent == 0  # not due yet: 24 h before
    report = run(db, settings, smtp, starts - dt.timedelta(hours=23))
    assert report.sent == 1 and len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["To"] == "ann@example.com" and msg["From"] == "clinic@example.com"
    body = msg.get_content()
    assert "10 January 2027 at 10:00" in body and "Owner" in body and "Chair 2" in body and "Clinic A" in body
    assert run(db, settings, smtp, starts - dt.timedelta(hours=22)).sent == 0  # sent once only
    # moved: the old reminder is void, the new time gets its own
    later = starts + dt.timedelta(days=2)
    bookings.reschedule(db, desk, appt.id, sc.Reschedule(starts_at=later.isoformat(), reason="client asked"))
    run(db, settings, smtp, later - dt.timedelta(hours=23))
    assert len(smtp.messages) == 2 and "12 January 2027 at 10:00" in smtp.messages[1].get_content()


def test_a_cancelled_booking_s_queued_reminder_is_not_sent(db, settings, accounts, smtp):
    """Queued 23 h before, the booking cancelled before the worker's send: the reminder is skipped (it
    reminds of nothing), no message leaves, and a later run queues nothing for it again."""
    owner, desk = actor(accounts, "a_owner"), actor(accounts, "a_front_desk")
    c = new_client(db, desk)
    starts = dt.datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    appt = bookings.book(
        db, desk, c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="Chair 2", duration_min=60),
    )[0]
    assert rem.queue_due(db, settings, now=starts - dt.timedelta(hours=23)) == 1
    bookings.cancel(db, desk, appt.id, sc.Cancel(reason="the client is ill"))
    report = rem.send_due(db, settings, {"email": smtp.channel}, now=starts - dt.timedelta(hours=23))
    assert (report.sent, report.skipped) == (0, 1) and smtp.messages == []
    assert run(db, settings, smtp, starts - dt.timedelta(hours=2)).sent == 0 and smtp.messages == []
    assert [r.status for r, _attempts in rem.list_queue(db, owner, None)] == ["skipped"]


def test_aftercare_on_the_days_of_domain_s7(db, settings, accounts, smtp):
    a = actor(accounts, "a_artist")
    c = new_client(db, a)
    ready_for_session(db, a, c.id, SESSION_DAY)
    services.create_session(db, a, c.id, s.SessionCreate(date=SESSION_DAY, status="done"))
    for day in range(0, 32):
        run(db, settings, smtp, at(SESSION_DAY + dt.timedelta(days=day)))
    sent_days = [int(m["Subject"].split("day ")[1].split()[0]) for m in smtp.messages]
    assert sent_days == sorted(rem.AFTERCARE_DAYS) == [1, 5, 10, 28, 30]
    texts = [m.get_content() for m in smtp.messages]
    assert "keep the scalp dry for 5 days" in texts[0] and "SPF 30+" in texts[0]
    assert "wet and gently wash" in texts[1] and "razor again" in texts[2] and "swimming, sauna" in texts[3]


def test_touch_up_when_the_fading_model_says_it_is_due(db, settings, accounts, smtp):
    a = actor(accounts, "a_artist")
    c = new_client(db, a)
    ready_for_session(db, a, c.id, SESSION_DAY)
    services.create_session(db, a, c.id, s.SessionCreate(date=SESSION_DAY, status="done"))
    plan = sample_plan(1)  # no start date: the touch-up is due_years after the last session
    services.create_plan(db, a, c.id, s.PlanCreate(seed=1, plan=plan))
    due = SESSION_DAY + dt.timedelta(days=round(plan.touch_up.due_years * 365.25))
    rem.queue_due(db, settings, now=at(SESSION_DAY + dt.timedelta(days=40)))
    row = db.scalar(select(Reminder).where(Reminder.kind == "touch_up"))
    assert row.due_at.date() == due
    assert rem.send_due(db, settings, {"email": smtp.channel}, now=at(due - dt.timedelta(days=1))).sent == 0
    assert rem.send_due(db, settings, {"email": smtp.channel}, now=at(due)).sent == 1
    assert smtp.messages[-1]["Subject"] == "Time for your SMP touch-up"


def test_failures_are_retried_with_backoff_and_every_attempt_is_recorded(db, settings, accounts, smtp):
    settings = settings.model_copy(update={"reminder_retry_minutes": 10.0, "reminder_max_attempts": 3})
    owner = actor(accounts, "a_owner")
    c = new_client(db, owner)
    starts = dt.datetime(2027, 2, 1, 15, 0, tzinfo=UTC)
    bookings.book(
        db,
        owner,
        c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="1", duration_min=30),
    )
    smtp.refuse = 2
    t0 = starts - dt.timedelta(hours=20)
    assert run(db, settings, smtp, t0).failed == 1
    assert run(db, settings, smtp, t0 + dt.timedelta(minutes=9)).failed == 0  # waits 10 min
    assert run(db, settings, smtp, t0 + dt.timedelta(minutes=10)).failed == 1  # then 20 min
    assert run(db, settings, smtp, t0 + dt.timedelta(minutes=29)).sent == 0
    assert run(db, settings, smtp, t0 + dt.timedelta(minutes=30)).sent == 1
    attempts = db.scalars(select(ReminderAttempt).order_by(ReminderAttempt.id)).all()
    assert [x.ok for x in attempts] == [False, False, True]
    assert all("451" in x.error for x in attempts[:2]) and attempts[2].error is None
    assert len(smtp.messages) == 1
    listed = rem.list_queue(db, owner, None)
    assert [(r.status, r.attempts, len(att)) for r, att in listed] == [("sent", 3, 3)]


def test_a_server_that_is_down_gives_up_after_the_last_attempt(db, settings, accounts):
    settings = settings.model_copy(update={"reminder_retry_minutes": 0.0, "reminder_max_attempts": 2})
    owner = actor(accounts, "a_owner")
    c = new_client(db, owner)
    starts = dt.datetime(2027, 2, 1, 15, 0, tzinfo=UTC)
    bookings.book(
        db,
        owner,
        c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="1", duration_min=30),
    )
    down = EmailChannel("127.0.0.1", free_port(), "clinic@example.com", tls="none", timeout_s=2)
    now = starts - dt.timedelta(hours=1)
    rem.queue_due(db, settings, now=now)
    assert rem.send_due(db, settings, {"email": down}, now=now).failed == 1
    assert rem.send_due(db, settings, {"email": down}, now=now).given_up == 1
    row = db.scalar(select(Reminder))
    assert row.status == "failed" and row.attempts == 2
    errors = db.scalars(select(ReminderAttempt.error)).all()
    assert len(errors) == 2 and all("Connection" in e or "refused" in e for e in errors)


def test_clients_who_opted_out_get_nothing(db, settings, accounts, smtp):
    owner = actor(accounts, "a_owner")
    quiet = new_client(db, owner, "Quiet", reminders_opt_out=True)
    later = new_client(db, owner, "Later")
    starts = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    for c, room in ((quiet, "1"), (later, "2")):
        bookings.book(
            db,
            owner,
            c.id,
            sc.BookingCreate(
                starts_at=starts.isoformat(),
                artist_id=owner.user_id if room == "1" else accounts["a_artist"].user_id,
                room=room,
                duration_min=30,
            ),
        )
    rem.queue_due(db, settings, now=starts - dt.timedelta(days=3))
    assert {r.client_id for r in db.scalars(select(Reminder))} == {later.id}  # never queued for Quiet
    services.update_client(db, owner, later.id, s.ClientUpdate(reminders_opt_out=True))  # opts out after
    report = rem.send_due(db, settings, {"email": smtp.channel}, now=starts - dt.timedelta(hours=2))
    assert (report.sent, report.skipped) == (0, 1) and smtp.messages == []


def test_the_clinic_edits_its_templates(db, settings, accounts, smtp):
    owner, artist = actor(accounts, "a_owner"), actor(accounts, "a_artist")
    with pytest.raises(InvalidInput, match=r"unknown placeholder \$name"):
        rem.set_template(db, owner, "appointment", "email", "Hi $name", "body")
    with pytest.raises(services.Forbidden):
        rem.set_template(db, artist, "appointment", "email", "Hi", "body")
    rem.set_template(db, owner, "appointment", "email", "See you $when", "Hello $first_name, room: $place. Costs $$0.")
    c = new_client(db, owner)
    starts = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    bookings.book(
        db,
        owner,
        c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="Blue", duration_min=30),
    )
    run(db, settings, smtp, starts - dt.timedelta(hours=2))
    msg = smtp.messages[0]
    assert msg["Subject"].startswith("See you Monday 01 March 2027 at 10:00")
    assert msg.get_content().strip() == "Hello Ann, room: Clinic A, room Blue. Costs $0."


def test_sms_plugs_into_the_same_channel_interface(db, settings, accounts, smtp):
    class FakeGateway:  # stands in for a provider (none is reachable here)
        sent: list[tuple[str, str]] = []

        def send_sms(self, to, text):
            self.sent.append((to, text))

    owner = actor(accounts, "a_owner")
    c = services.create_client(db, owner, s.ClientCreate(first_name="Sam", last_name="Lee", phone="+44 20 7946 0001"))
    starts = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    bookings.book(
        db,
        owner,
        c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="1", duration_min=30),
    )
    gateway = FakeGateway()
    report = run(db, settings, smtp, starts - dt.timedelta(hours=2), sms=SmsChannel(gateway))
    assert report.sent == 1 and smtp.messages == []
    assert gateway.sent[0][0] == "+44 20 7946 0001" and "01 March 2027 at 10:00" in gateway.sent[0][1]


def _test_certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (the test's CA): ``(cert_file, key_file)``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test")])
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_starttls_with_the_clinic_s_certificate(db, settings, accounts, tmp_path):
    cert_file, key_file = _test_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert_file, key_file)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), tls_context=server_ctx, require_starttls=True)
    controller.start()
    try:
        settings = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": controller.port,
                "smtp_tls": "starttls",
                "smtp_ca_file": cert_file,
                "smtp_sender": "desk@clinic.test",
            }
        )
        owner = actor(accounts, "a_owner")
        c = new_client(db, owner)
        starts = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
        bookings.book(
            db,
            owner,
            c.id,
            sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="1", duration_min=30),
        )
        rem.queue_due(db, settings, now=starts - dt.timedelta(hours=2))
        channel = EmailChannel.from_settings(settings)
        assert rem.send_due(db, settings, {"email": channel}, now=starts - dt.timedelta(hours=2)).sent == 1
        assert sink.messages[0]["From"] == "desk@clinic.test"
        # without STARTTLS the server refuses the mail: recorded as a failed attempt
        plain = EmailChannel("127.0.0.1", controller.port, "desk@clinic.test", tls="none", timeout_s=5)
        bookings.book(
            db,
            owner,
            c.id,
            sc.BookingCreate(
                starts_at=(starts + dt.timedelta(hours=1)).isoformat(),
                artist_id=owner.user_id,
                room="1",
                duration_min=30,
            ),
        )
        rem.queue_due(db, settings, now=starts - dt.timedelta(hours=2))
        assert rem.send_due(db, settings, {"email": plain}, now=starts - dt.timedelta(hours=2)).failed == 1
    finally:
        controller.stop()


def test_implicit_tls_with_the_clinic_s_certificate(db, settings, accounts, tmp_path):
    """``SMP_SMTP_TLS=ssl`` (SMTPS, port 465 style): TLS from the first byte, the server's certificate checked
    against the clinic's CA file; without that CA the handshake fails and the attempt says why."""
    cert_file, key_file = _test_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert_file, key_file)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), ssl_context=server_ctx)
    controller.start()
    try:
        settings = settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_tls": "ssl", "smtp_ca_file": cert_file,
            "smtp_sender": "tls@clinic.test", "reminder_retry_minutes": 0.0})
        owner = actor(accounts, "a_owner")
        c = new_client(db, owner)
        starts = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
        bookings.book(db, owner, c.id, sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id,
                                                        room="1", duration_min=30))
        now = starts - dt.timedelta(hours=2)
        rem.queue_due(db, settings, now=now)
        untrusted = EmailChannel("127.0.0.1", controller.port, "tls@clinic.test", tls="ssl", timeout_s=5)
        assert rem.send_due(db, settings, {"email": untrusted}, now=now).failed == 1
        error = db.scalar(select(ReminderAttempt.error))
        assert "CERTIFICATE_VERIFY_FAILED" in error or "certificate verify failed" in error, error
        assert sink.messages == []
        channel = EmailChannel.from_settings(settings)
        assert rem.send_due(db, settings, {"email": channel}, now=now).sent == 1
        assert sink.messages[0]["From"] == "tls@clinic.test" and sink.messages[0]["To"] == "ann@example.com"
        assert "Monday 01 March 2027 at 10:00" in sink.messages[0].get_content()
    finally:
        controller.stop()


def test_queuing_is_idempotent(db, settings, accounts):
    owner = actor(accounts, "a_owner")
    c = new_client(db, owner)
    starts = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    bookings.book(
        db,
        owner,
        c.id,
        sc.BookingCreate(starts_at=starts.isoformat(), artist_id=owner.user_id, room="1", duration_min=30),
    )
    assert rem.queue_due(db, settings, now=starts - dt.timedelta(days=2)) == 1
    assert rem.queue_due(db, settings, now=starts - dt.timedelta(days=1)) == 0


@pytest.mark.parametrize("years_later", [1, 7], ids=["kept-for-retention", "anonymised"])
def test_erase_ends_links_bookings_and_reminders(db, settings, accounts, smtp, years_later):
    """An erased client gets no more messages, no booking stays in the diary, no portal link stays
    valid, and the e-mail address is gone from the record of sent messages too (issue 12 item 5, issue 13
    item 8). After the retention period the sessions and plans are deleted: the bookings and reminders
    that pointed at them must not block the erase."""
    from smpstudio.records import services_portal as portal
    from smpstudio.records import services_workflows as wf
    from smpstudio.records.models import Client
    from smpstudio.records.models_clinic import Appointment, PortalLink
    from smpstudio.records.services_photos import Vault
    from smpstudio.records.storage import KeyStore, PhotoStore

    owner = actor(accounts, "a_owner")  # clinic retention: 5 years
    c = new_client(db, owner, email="erase-me-91c2@example.com")
    ready_for_session(db, owner, c.id, SESSION_DAY)
    plan = services.create_plan(db, owner, c.id, s.PlanCreate(seed=1, plan=sample_plan(1)))
    services.create_session(db, owner, c.id, s.SessionCreate(date=SESSION_DAY, status="done", plan_id=plan.id))
    starts = dt.datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    for days in (0, 40):
        bookings.book(db, owner, c.id, sc.BookingCreate(starts_at=(starts + dt.timedelta(days=days)).isoformat(),
                                                         artist_id=owner.user_id, room="Chair 1", duration_min=60,
                                                         plan_id=plan.id))
    run(db, settings, smtp, at(SESSION_DAY + dt.timedelta(days=1)))  # the aftercare is queued, day 1 sent
    run(db, settings, smtp, starts - dt.timedelta(hours=23))  # the rest of it, and the appointment reminder
    sent = len(smtp.messages)
    assert sent >= 2 and any("10 January 2027 at 10:00" in m.get_content() for m in smtp.messages)
    _, token = portal.create_link(db, owner, c.id, days=365, now=starts - dt.timedelta(days=1))
    rem.queue_due(db, settings, now=starts)  # more are queued: touch-up, the second appointment
    assert db.scalar(select(Reminder).where(Reminder.client_id == c.id, Reminder.status == "queued")) is not None

    vault = Vault(PhotoStore(settings.photo_dir), KeyStore(settings.key_dir))
    # the GDPR export holds all of it (not the link's token digest)
    record = json.loads(zipfile.ZipFile(io.BytesIO(wf.export_client(db, owner, vault, c.id))).read("record.json"))
    assert [a["starts_at"][:10] for a in record["appointments"]] == ["2027-01-10", "2027-02-19"]
    attempts = [t for r in record["reminders"] for t in r["attempts"]]
    assert len(attempts) == sent and {t["to"] for t in attempts} == {"erase-me-91c2@example.com"}
    assert len(record["portal_links"]) == 1 and "token_sha256" not in record["portal_links"][0]
    today = SESSION_DAY.replace(year=SESSION_DAY.year + years_later)
    out = wf.erase_client(db, owner, vault, c.id, today=today)
    assert (out.retention_until is None) == (years_later > 5)
    db.expunge_all()

    links = db.scalars(select(PortalLink).where(PortalLink.client_id == c.id)).all()
    assert links and all(link.revoked_at is not None for link in links)
    with pytest.raises(portal.PortalClosed):
        portal.open_link(db, token, now=starts)
    booked = db.scalars(select(Appointment).where(Appointment.client_id == c.id,
                                                  Appointment.status == "booked")).all()
    assert booked == []
    assert db.scalars(select(Reminder).where(Reminder.client_id == c.id, Reminder.status == "queued")).all() == []
    tos = db.scalars(select(ReminderAttempt.to).join(Reminder, Reminder.id == ReminderAttempt.reminder_id)
                     .where(Reminder.client_id == c.id)).all()
    assert len(tos) == sent and "erase-me-91c2@example.com" not in tos
    assert db.get(Client, c.id).erased_at is not None
    assert run(db, settings, smtp, starts + dt.timedelta(days=40)).sent == 0
    assert len(smtp.messages) == sent
