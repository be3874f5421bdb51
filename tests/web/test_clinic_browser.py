"""Running the clinic in a real headless Chromium (Debian's, through Playwright) on the demo server: the
front desk books a saved plan's series, sees a clash named with its date, reschedules and cancels with a
reason, and finds it on the calendar (day and week, all artists); the client opens the portal link on a
phone (375x667) without an account, sees the plan, pictures, appointments and aftercare and downloads the
pack; a revoked and an expired link show no data; the owner sees a safety refusal in words and overrides it
with a written reason; reminders: queue, a template edited, an opt-out. axe-core on every page; screenshots
under the test's tmp dir (SMP_SHOTS=dir keeps a copy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, update

from smpstudio.imaging.samples import sample_photo
from smpstudio.records.demo import DEMO_FRONT_DESK, DEMO_OWNER, DEMO_PASSWORD
from smpstudio.records.models_clinic import PortalLink
from tests.web.browser_helpers import CHROMIUM, axe_serious, launch, running_server, shot, sign_in
from tests.web.test_app_browser import AXE
from tests.web.test_consult_api import signature_b64

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

FIRST = (dt.date.today() + dt.timedelta(days=40)).isoformat()  # the series' first session, 10:00


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("clinic-data")


@pytest.fixture(scope="module")
def server(data_dir):
    with running_server(data_dir) as base:
        yield base


def _signed_in(base, email):
    c = httpx.Client(base_url=base, timeout=120)
    r = c.post("/api/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


@pytest.fixture(scope="module")
def saved(server):
    """A client with a plan saved from a consultation (the sample photo), a consent signed a week ago, and
    a second client for the clash."""
    c = _signed_in(server, DEMO_OWNER)
    pia = {"first_name": "Pia", "last_name": "Portal", "email": "pia@example.com"}
    cid = c.post("/api/clients", json=pia).json()["id"]
    face = ("f.jpg", sample_photo().to_jpeg_bytes(), "image/jpeg")
    body = c.post(f"/api/clients/{cid}/consults", files={"file": face}).json()
    shown = [c.get(f"/api/consults/{body['id']}/preview", params={"stage": s}).headers["X-Preview-Sha256"]
             for s in ("before", "session-3-healed")]
    r = c.post(f"/api/consults/{body['id']}/save", json={
        "signer": "Pia Portal", "consent_version": "smp-consent-2026-12", "revision": body["revision"],
        "signature_png_base64": signature_b64(), "preview_sha256": shown})
    assert r.status_code == 201, r.text
    version = c.get("/api/clinic").json()["consent_version"]
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).isoformat()
    r = c.post(f"/api/clients/{cid}/consents", json={"version": version, "text": "I agree.", "signature": "Pia Portal",
                                                    "signed_at": week_ago})
    assert r.status_code == 201, r.text
    other = c.post("/api/clients", json={"first_name": "Olly", "last_name": "Other"}).json()["id"]
    plan = c.get(f"/api/plans/{saved_plan_id(c, cid)}").json()
    return {"client": cid, "other": other, "plan": plan, "owner": c}


def saved_plan_id(c, cid):
    return c.get(f"/api/clients/{cid}/plans").json()[-1]["id"]




def test_book_reschedule_cancel_calendar_and_portal(server, saved, data_dir, tmp_path):
    cid, other = saved["client"], saved["other"]
    sessions = [s for s in saved["plan"]["plan_json"]["sessions"] if "pigment" in s and not s.get("suggested")]
    interval = sessions[1]["day"]  # days after session 1
    axe: dict[str, list[str]] = {}
    with launch() as (browser, _blocked):
        ctx = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
        page = ctx.new_page()
        sign_in(page, server, DEMO_FRONT_DESK)
        # the other client takes the artist at the series' second date: the whole series is refused, named
        second = (dt.date.fromisoformat(FIRST) + dt.timedelta(days=interval)).isoformat()
        page.goto(f"{server}/#/bookings/{other}")
        page.wait_for_selector("h1:has-text('Bookings: Olly Other')")
        page.select_option("#book-plan", "")
        page.fill("#book-when", f"{second}T10:00")
        page.select_option("#book-artist", label="Arturo Artist")
        page.fill("#book-room", "Chair 2")
        page.click("#book button[type=submit]")
        page.wait_for_selector("#appointments li.appt, #book-error p")
        assert page.locator("#appointments li.appt").count() == 1, page.inner_text("#book-error")
        page.goto(f"{server}/#/bookings/{cid}")
        page.wait_for_selector("h1:has-text('Bookings: Pia Portal')")  # not the other client's page still shown
        page.fill("#book-when", f"{FIRST}T10:00")
        page.select_option("#book-artist", label="Arturo Artist")
        page.fill("#book-room", "Chair 1")
        page.click("#book button[type=submit]")
        page.wait_for_selector("#book-error li, #appointments li.appt")
        clash = page.inner_text("#book-error")
        in_words = dt.date.fromisoformat(second).strftime("%A, %-d %B %Y")  # the exact date of the clash, in words
        assert "Nothing was booked" in clash and f"{in_words}, 10:00: the artist already booked 10:00" in clash, clash
        assert page.locator("#appointments li.appt").count() == 0
        axe["booking refused"] = axe_serious(page, AXE)
        shot(page, tmp_path, "1-clash")
        # from session 1 at 08:00: before the other client's 10:00 on the second date
        page.fill("#book-when", f"{FIRST}T08:00")
        page.click("#book button[type=submit]")
        page.wait_for_function(f"document.querySelectorAll('#appointments li.appt').length === {len(sessions)}")
        texts = page.locator("#appointments li.appt").all_inner_texts()
        assert texts[0].startswith(dt.date.fromisoformat(FIRST).strftime("%A")) and "08:00-" in texts[0]
        axe["bookings"] = axe_serious(page, AXE)
        shot(page, tmp_path, "2-booked")
        # reschedule session 1 to 14:00 with a reason
        page.locator("#appointments li.appt .appt-open").first.click()
        page.fill("#appointments .editor input[name=starts_at]", f"{FIRST}T14:00")
        page.fill("#appointments .editor input[name=reason]", "the client asked for the afternoon")
        page.click("#appointments .editor button[type=submit]")
        page.wait_for_function("document.querySelector('#appointments li.appt').innerText.includes('14:00-')")
        # cancel the last one: refused without a reason, then with one
        page.locator("#appointments li.appt .appt-open").last.click()
        page.click("#appointments .editor >> text=Cancel appointment")
        assert "reason" in page.inner_text("#appointments .editor .error")
        page.fill("#appointments .editor input[name=reason]", "the client will travel")
        page.click("#appointments .editor >> text=Cancel appointment")
        page.wait_for_selector("#appointments li.cancelled")
        assert "cancelled: the client will travel" in page.inner_text("#appointments li.cancelled")
        # the calendar: the day of all artists, then the week
        page.goto(f"{server}/#/calendar/{FIRST},day,")
        page.wait_for_selector("#calendar .block")
        day = page.inner_text("#calendar")
        assert "14:00-" in day and "Pia Portal" in day and "session 1" in day and "Arturo Artist" in day
        axe["calendar day"] = axe_serious(page, AXE)
        shot(page, tmp_path, "3-calendar-day")
        page.select_option("#cal-span", "week")
        page.wait_for_function("document.querySelectorAll('#calendar .colhead').length === 7")
        assert "Pia Portal" in page.inner_text("#calendar")
        shot(page, tmp_path, "4-calendar-week")
        # the portal link: made by the front desk, shown once
        page.goto(f"{server}/#/bookings/{cid}")
        page.wait_for_selector("#portal")
        page.click("#portal >> text=Make a link")
        page.wait_for_selector("#portal-url")
        url = page.input_value("#portal-url")
        assert url.startswith(f"{server}/portal#")
        axe["portal links"] = axe_serious(page, AXE)
        shot(page, tmp_path, "5-portal-link")

        phone = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
                                    bypass_csp=True, accept_downloads=True)  # no cookie: no account
        p = phone.new_page()
        p.goto(url)
        p.wait_for_selector("#plan")
        p.wait_for_function("['pic-before', 'pic-after'].every(id => document.getElementById(id).naturalWidth > 0)",
                            timeout=120_000)
        text = p.inner_text("main")
        assert "Hello Pia" in text and "Olly" not in text
        assert p.locator("#plan tbody tr").count() == len(sessions)
        rows = p.locator("#plan tbody tr").all_inner_texts()  # the booked dates, not the plan's first guess
        first_words = dt.date.fromisoformat(FIRST).strftime("%A %-d %B %Y")
        assert f"booked: {first_words}, 14:00-" in rows[0] and "not booked yet" in rows[-1]
        assert "Price:" in p.inner_text("#price")
        assert p.locator("#appointments li").count() == len(sessions) - 1  # the cancelled one is gone
        assert "with Arturo Artist" in p.inner_text("#appointments") and "14:00" in p.inner_text("#appointments")
        assert "swim" in p.inner_text("#aftercare").lower()
        assert p.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on the phone
        with p.expect_download() as dl:
            p.click("#pack >> text=Your quote (PDF)")
        pdf = Path(dl.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-")
        axe["portal on a phone"] = axe_serious(p, AXE)
        shot(p, tmp_path, "6-portal-phone")
        shot(p, tmp_path, "6b-portal-phone-screen", full=False)
        # revoked: the page says so and shows nothing of the record
        page.click("#portal-links >> text=Revoke")
        page.wait_for_selector("#portal-links >> text=revoked")
        p.reload()
        p.wait_for_selector("#closed")
        assert "withdrawn" in p.inner_text("#closed") and "Pia" not in p.content()
        axe["portal revoked"] = axe_serious(p, AXE)
        shot(p, tmp_path, "7-portal-revoked")
        # expired: a second link, its end moved into the past in the server's database
        token = saved["owner"].post(f"/api/clients/{cid}/portal-links", json={"days": 1}).json()["url"].split("#")[1]
        engine = create_engine(f"sqlite:///{data_dir / 'demo' / 'records.sqlite3'}")  # smp serve --demo's database
        with engine.begin() as conn:
            conn.execute(update(PortalLink).where(PortalLink.revoked_at.is_(None))
                         .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        engine.dispose()
        p.goto(f"{server}/portal#{token}")
        p.reload()
        p.wait_for_selector("#closed")
        assert "expired" in p.inner_text("#closed") and "Pia" not in p.content()
        shot(p, tmp_path, "8-portal-expired")
        p.goto(f"{server}/portal#{token[:-3]}xyz")
        p.reload()
        p.wait_for_selector("#closed")
        assert "not valid" in p.inner_text("#closed")
        phone.close()
        ctx.close()
    assert all(not v for v in axe.values()), axe


def test_session_day_refusal_in_words_and_owner_override(server, saved, tmp_path):
    cid = saved["client"]
    with launch() as (browser, _blocked):
        ctx = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)
        page = ctx.new_page()
        sign_in(page, server, DEMO_OWNER)
        page.goto(f"{server}/#/session/{cid}")
        page.wait_for_selector("#refusals li")
        words = page.inner_text("#refusals")
        assert "Patch test: No patch test on file (needed 24-72 h before the client's first session)" in words
        assert page.is_visible("#override")  # an owner may go ahead, with a reason
        assert axe_serious(page, AXE) == []
        shot(page, tmp_path, "9-session-refused")
        page.select_option("select[name=status]", "done")
        page.fill("#override-reason", "too short")
        page.click("text=Record session")
        page.wait_for_selector("#session-error p")
        assert "at least 15 characters" in page.inner_text("#session-error")
        shot(page, tmp_path, "10-session-short-reason")
        page.fill("#override-reason", "patch test done at the partner clinic on Monday, negative (letter on file)")
        page.click("text=Record session")
        page.wait_for_selector("#sessions li")
        assert "done" in page.inner_text("#sessions")
        ctx.close()
    sessions = saved["owner"].get(f"/api/clients/{cid}/sessions").json()
    assert sessions[-1]["override_reason"].startswith("patch test done at the partner clinic")


def test_reminders_queue_templates_and_opt_out(server, saved, tmp_path):
    cid = saved["client"]
    with launch() as (browser, _blocked):
        ctx = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
        page = ctx.new_page()
        sign_in(page, server, DEMO_OWNER)
        page.goto(f"{server}/#/reminders")
        page.wait_for_selector("#run-reminders")
        page.click("#run-reminders")  # no SMTP server here: what is due fails and each attempt is listed
        page.wait_for_selector("#queue tbody tr td.status")
        queue = page.inner_text("#queue")
        assert "failed:" in queue or "not tried yet" in queue, queue
        form = page.locator("form.template[data-kind=appointment]")
        form.locator("input[name=subject]").fill("See you soon at $clinic")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#toast.show >> text=Template saved")
        assert axe_serious(page, AXE) == []
        shot(page, tmp_path, "11-reminders")
        page.reload()
        page.wait_for_selector("form.template[data-kind=appointment]")
        assert page.input_value("form.template[data-kind=appointment] input[name=subject]") == "See you soon at $clinic"
        page.goto(f"{server}/#/bookings/{cid}")
        page.wait_for_selector("#opt-out")
        page.check("#opt-out")
        page.wait_for_selector("#toast.show >> text=No more reminders")
        page.reload()
        page.wait_for_selector("#opt-out")
        assert page.is_checked("#opt-out")
        ctx.close()
    assert saved["owner"].get(f"/api/clients/{cid}").json()["reminders_opt_out"] is True
