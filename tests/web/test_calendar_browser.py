"""The calendar's hour-by-day grid and the clinic's time zone, in a real headless Chromium (Debian's, through
Playwright) on the demo server. The clinic is in Asia/Kolkata (UTC+05:30, a half-hour offset) and opens
08:00-19:00; the browser runs in America/New_York (10.5 h behind in winter), so a time drawn in the browser's
zone, or in UTC, is off by hours. Each block's top and height are measured on the page against the grid's own
hour labels and the booking's start and duration; overlapping bookings must sit side by side, every block is a
48 px touch target, at 1024x768 and 768x1024. A block's text is measured too: its start time and the
client's name shown whole (not cut by the block), at 768x1024 and 1280x800. The account, client and bookings
pages are read back for the clinic's times too. Screenshots under the test's tmp dir (SMP_SHOTS=dir keeps a copy)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD
from tests.web.browser_helpers import CHROMIUM, axe_serious, launch, running_server, shot, sign_in
from tests.web.test_app_browser import AXE

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

CLINIC_TZ = "Asia/Kolkata"
BROWSER_TZ = "America/New_York"
DAY = dt.date.today() + dt.timedelta(days=60)  # the week shown starts here; nothing of the demo is booked then
# (client, artist, day offset, HH:MM in the clinic's zone, minutes, room)
BOOKINGS = [
    ("Kai", "Arturo Artist", 0, "10:00", 120, "Chair 1"),
    ("Lou", "Olivia Owner", 0, "11:30", 90, "Chair 2"),  # overlaps Kai's: side by side in everyone's week
    ("Kai", "Arturo Artist", 1, "15:15", 45, "Chair 1"),
    ("Lou", "Arturo Artist", 2, "08:30", 30, "Chair 1"),  # the shortest drawn true to its length: 48 px
    ("Lou", "Olivia Owner", 3, "19:00", 60, "Chair 2"),  # after closing: the grid reaches 20:00
]


def _gb_date(d: dt.date) -> str:
    return f"{d.day} {d:%b} {d.year}"  # Intl en-GB dateStyle "medium"


def _gb(t: dt.datetime, tz: str) -> str:
    local = t.astimezone(ZoneInfo(tz))
    return f"{_gb_date(local.date())}, {local:%H:%M}"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("calendar-data")
    with running_server(data_dir) as base:
        c = httpx.Client(base_url=base, timeout=120)
        r = c.post("/api/auth/login", json={"email": DEMO_OWNER, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        r = c.patch("/api/clinic/settings", json={"timezone": CLINIC_TZ, "opens_hour": 8, "closes_hour": 19})
        assert r.status_code == 200, r.text
        artists = {a["name"]: a["id"] for a in c.get("/api/artists").json()}
        clients = {n: c.post("/api/clients", json={"first_name": n, "last_name": "Grid"}).json()["id"]
                   for n in ("Kai", "Lou")}
        made = []
        for who, artist, offset, hhmm, minutes, room in BOOKINGS:
            day = DAY + dt.timedelta(days=offset)
            r = c.post(f"/api/clients/{clients[who]}/appointments", json={
                "starts_at": f"{day}T{hhmm}", "artist_id": artists[artist], "room": room, "duration_min": minutes})
            assert r.status_code == 201, r.text
            a = r.json()[0]
            made.append({"id": a["id"], "day": day, "hhmm": hhmm, "minutes": minutes, "artist": artist, "client": who})
        yield {"base": base, "owner": c, "made": made, "clients": clients, "artists": artists}




MEASURE = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  return {
    hours: [...document.querySelectorAll('#calendar .hour')].map(e => ({text: e.textContent, ...box(e)})),
    heads: [...document.querySelectorAll('#calendar .colhead')].map(e => ({text: e.textContent, ...box(e)})),
    blocks: [...document.querySelectorAll('#calendar .block')].map(e => ({id: Number(e.dataset.id),
      text: e.innerText, ...box(e)})),
    scroll: document.documentElement.scrollWidth,
  };
}"""


def _hour_line(geo, hh: int) -> float:
    """The y of the grid's HH:00 line, from its label (centred on the line)."""
    label = next(h for h in geo["hours"] if h["text"] == f"{hh:02d}:00")
    return label["y"] + label["h"] / 2


def _check_blocks(geo, made, column_of) -> None:
    px_hour = _hour_line(geo, 11) - _hour_line(geo, 10)
    assert 40 < px_hour < 400, px_hour
    assert _hour_line(geo, 15) - _hour_line(geo, 10) == pytest.approx(5 * px_hour, abs=1)  # even rows
    blocks = {b["id"]: b for b in geo["blocks"]}
    assert set(blocks) == {m["id"] for m in made}
    for m in made:
        b = blocks[m["id"]]
        hh, mm = map(int, m["hhmm"].split(":"))
        top = _hour_line(geo, hh) + mm / 60 * px_hour
        assert b["y"] == pytest.approx(top, abs=1.5), (m, b)  # placed by its start
        assert b["h"] == pytest.approx(m["minutes"] / 60 * px_hour, abs=1.5), (m, b)  # sized by its duration
        assert b["w"] >= 48 and b["h"] >= 48, b  # a touch target
        head = next(h for h in geo["heads"] if h["text"] == column_of(m))
        assert head["x"] <= b["x"] and b["x"] + b["w"] <= head["x"] + head["w"] + 0.5, (m, b, head)  # its column
        end = (dt.datetime.combine(m["day"], dt.time(hh, mm)) + dt.timedelta(minutes=m["minutes"])).strftime("%H:%M")
        assert b["text"].startswith(f"{m['hhmm']}-{end}"), b["text"]  # the clinic's times, not New York's


def _side_by_side(geo, a_id: int, b_id: int) -> None:
    blocks = {b["id"]: b for b in geo["blocks"]}
    a, b = blocks[a_id], blocks[b_id]
    assert a["x"] + a["w"] <= b["x"] + 0.5 or b["x"] + b["w"] <= a["x"] + 0.5, (a, b)


@pytest.mark.parametrize("size", [(1024, 768), (768, 1024)])
def test_week_and_day_grids_place_and_size_each_booking(clinic, size, tmp_path):
    base, made = clinic["base"], clinic["made"]
    short = lambda d: f"{d:%a} {d.day} {d:%b}"  # noqa: E731  (the week's column heads, en-GB)
    with launch() as (browser, _blocked):
        # the page as served (its CSP on): the grid is placed through the CSSOM, not style attributes
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, timezone_id=BROWSER_TZ)
        page = ctx.new_page()
        sign_in(page, base)
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_TZ
        page.goto(f"{base}/#/calendar/{DAY},week,")
        page.wait_for_selector("#calendar .block")
        geo = page.evaluate(MEASURE)
        hours = [h["text"] for h in geo["hours"]]
        assert hours[0] == "08:00" and hours[-1] == "20:00", hours  # opening span, widened to the 19:00-20:00 booking
        assert [h["text"] for h in geo["heads"]] == [short(DAY + dt.timedelta(days=i)) for i in range(7)]
        _check_blocks(geo, made, lambda m: short(m["day"]))
        _side_by_side(geo, made[0]["id"], made[1]["id"])
        assert geo["scroll"] <= size[0], geo["scroll"]  # the page itself does not scroll sideways
        shot(page, tmp_path, f"cal-week-{size[0]}x{size[1]}")
        # one artist's week: only theirs, one lane each (Kai's 10:00 now takes the column's width)
        page.goto(f"{base}/#/calendar/{DAY},week,{clinic['artists']['Arturo Artist']}")
        expect(page.locator("#calendar .block")).to_have_count(3)
        geo1 = page.evaluate(MEASURE)
        mine = [m for m in made if m["artist"] == "Arturo Artist"]
        _check_blocks(geo1, mine, lambda m: short(m["day"]))
        head = next(h for h in geo1["heads"] if h["text"] == short(DAY))
        assert next(b for b in geo1["blocks"] if b["id"] == made[0]["id"])["w"] > 0.8 * head["w"]
        # a day of everyone: a column per artist
        page.goto(f"{base}/#/calendar/{DAY},day,")
        expect(page.locator("#calendar .block")).to_have_count(2)
        geo2 = page.evaluate(MEASURE)
        _check_blocks(geo2, made[:2], lambda m: m["artist"])
        shot(page, tmp_path, f"cal-day-{size[0]}x{size[1]}")
        ctx.close()
        if size == (1024, 768):  # axe needs its script injected: with the CSP bypassed
            ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, timezone_id=BROWSER_TZ,
                                      bypass_csp=True)
            page = ctx.new_page()
            sign_in(page, base)
            for view in ("week", "day"):
                page.goto(f"{base}/#/calendar/{DAY},{view},")
                expect(page.locator("#calendar .colhead").first).to_have_text(
                    "Arturo Artist" if view == "day" else f"{DAY:%a} {DAY.day} {DAY:%b}")
                assert axe_serious(page, AXE) == [], view
            ctx.close()


LEGIBLE = """() => {
  // per block: the text of its leaf elements shown whole (own text not overflowing its box, the box inside the
  // padding box of the block and of every element between that clips), whether the block as a whole
  // overflows, and its bottom against its column and the grid's scroll area (the .scroll card, which must not
  // cut anything off either)
  const r = (e) => e.getBoundingClientRect();
  const pad = (x) => { const xr = r(x); return {left: xr.left + x.clientLeft, top: xr.top + x.clientTop,
    right: xr.left + x.clientLeft + x.clientWidth, bottom: xr.top + x.clientTop + x.clientHeight}; };
  const inside = (er, box) => er.left >= box.left - 1 && er.right <= box.right + 1 && er.top >= box.top - 1
    && er.bottom <= box.bottom + 1;
  const clipped = (e, b) => { for (let x = e.parentElement; x && x !== b; x = x.parentElement)
    if (getComputedStyle(x).overflow !== 'visible' && !inside(r(e), pad(x))) return true; return false; };
  const scroll = document.querySelector('#calendar .scroll');
  const sr = r(scroll);
  return {
    scroll: {top: sr.top, bottom: sr.top + scroll.scrollHeight, clientH: scroll.clientHeight,
             scrollH: scroll.scrollHeight},
    last: (() => { const hs = [...document.querySelectorAll('#calendar .hour')]; const e = hs[hs.length - 1];
                   const b = r(e); return {text: e.textContent, bottom: b.bottom}; })(),
    blocks: [...document.querySelectorAll('#calendar .block')].map((b) => {
      const br = r(b);
      const leaves = [...b.querySelectorAll('*')].filter((e) => !e.children.length && e.textContent.trim());
      const whole = leaves.filter((e) => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1
        && inside(r(e), pad(b)) && !clipped(e, b));
      const col = r(b.closest('.col'));
      return {id: Number(b.dataset.id), label: b.getAttribute('aria-label'), title: b.title,
        fits: b.scrollHeight <= b.clientHeight + 1 && b.scrollWidth <= b.clientWidth + 1,
        shown: whole.map((e) => e.textContent).join(' | '), all: b.innerText,
        bottom: br.bottom, colBottom: col.bottom, h: br.height};
    }),
  };
}"""


@pytest.mark.parametrize("size", [(768, 1024), (1280, 800)])
def test_week_blocks_show_time_and_client_unclipped(clinic, size, tmp_path):
    """Issue 12: at 768x1024 the week's short bookings were cut (the 08:30 one showed "Lou", the 15:15 one
    "Kai Grid," cut off; the 19:00 one cut at the grid's foot). Each block, measured: its start time and the
    client's full name are each in an element shown whole inside the block (not overflowing it, no ellipsis),
    its full label is its tooltip and accessible name, and its bottom is inside its column, the column inside
    the grid's scroll area, which cuts nothing off; the last hour line is at or after every booking's end."""
    base, made = clinic["base"], clinic["made"]
    with launch() as (browser, _blocked):
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, timezone_id=BROWSER_TZ)
        page = ctx.new_page()
        sign_in(page, base)
        page.goto(f"{base}/#/calendar/{DAY},week,")
        page.wait_for_selector("#calendar .block")
        page.locator("#calendar").scroll_into_view_if_needed()
        shot(page, tmp_path, f"cal-legible-week-{size[0]}x{size[1]}")
        geo = page.evaluate(LEGIBLE)
        blocks = {b["id"]: b for b in geo["blocks"]}
        assert set(blocks) == {m["id"] for m in made}
        # each booking's start as stored now (run in any order: another test moves the 15:15 one)
        hhmm = {m["id"]: dt.datetime.fromisoformat(clinic["owner"].get(f"/api/appointments/{m['id']}").json()[
            "starts_at"]).astimezone(ZoneInfo(CLINIC_TZ)).strftime("%H:%M") for m in made}
        bad = [(hhmm[m["id"]], m["client"], blocks[m["id"]]["shown"], blocks[m["id"]]["all"]) for m in made
               if not (hhmm[m["id"]] in blocks[m["id"]]["shown"] and f"{m['client']} Grid" in blocks[m["id"]]["shown"])]
        assert bad == [], bad  # time and client legible on every block
        for m in made:
            b = blocks[m["id"]]
            assert b["label"].startswith(f"{hhmm[m['id']]}-") and f"{m['client']} Grid" in b["label"], b  # spoken
            assert b["title"] == b["label"], b  # and as a tooltip
            assert b["bottom"] <= b["colBottom"] + 0.5, (m, b)  # inside its column
            assert b["colBottom"] <= geo["scroll"]["bottom"] + 0.5, (m, b, geo["scroll"])  # the column in the card
        assert geo["scroll"]["scrollH"] <= geo["scroll"]["clientH"] + 1, geo["scroll"]  # nothing cut at the foot
        assert geo["last"]["text"] == "20:00" and geo["last"]["bottom"] <= geo["scroll"]["bottom"] + 0.5, geo
        ctx.close()


def App_day(d: dt.date) -> str:  # noqa: N802  (App.plainDayWords: the one column's head)
    return f"{d:%A}, {d.day} {d:%B} {d.year}"


def test_account_client_and_bookings_pages_show_the_clinic_s_times(clinic, tmp_path):
    base, owner = clinic["base"], clinic["owner"]
    kai = clinic["clients"]["Kai"]
    signed = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)  # 1 Dec 01:30 in Kolkata, 30 Nov 15:00 in New York
    version = owner.get("/api/clinic").json()["consent_version"]
    r = owner.post(f"/api/clients/{kai}/consents", json={
        "version": version, "text": "I agree.", "signature": "Kai Grid", "signed_at": signed.isoformat()})
    assert r.status_code == 201, r.text
    link = owner.post(f"/api/clients/{kai}/portal-links", json={"days": 30}).json()
    with launch() as (browser, _blocked):
        ctx = browser.new_context(viewport={"width": 1024, "height": 768}, timezone_id=BROWSER_TZ)
        page = ctx.new_page()
        sign_in(page, base)
        # the client's page: the consent's signing time
        page.goto(f"{base}/#/client/{kai}")
        page.wait_for_selector("#consents li")
        text = page.inner_text("#consents")
        assert f"signed {_gb(signed, CLINIC_TZ)}" in text and _gb(signed, BROWSER_TZ) not in text, text
        assert "1 Dec 2026, 01:30" in text  # the figure itself, not only the helper's
        # the account page: this tablet's sign-in
        page.goto(f"{base}/#/account")
        page.wait_for_selector("#sessions-list li")
        sessions = page.evaluate("fetch('/api/auth/sessions').then(r => r.json())")
        mine = next(s for s in sessions if s["current"])
        at = dt.datetime.fromisoformat(mine["created_at"].replace("Z", "+00:00"))
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        shown = page.inner_text("#sessions-list")
        assert f"Signed in {_gb(at, CLINIC_TZ)}" in shown and _gb(at, CLINIC_TZ) != _gb(at, BROWSER_TZ), shown
        # the bookings page: each appointment's day and times, the portal link's end
        page.goto(f"{base}/#/bookings/{kai}")
        page.wait_for_selector("#appointments li.appt")
        appts = page.locator("#appointments li.appt").all_inner_texts()
        assert appts[0].startswith(App_day(DAY)) and "10:00-12:00" in appts[0], appts
        assert appts[1].startswith(App_day(DAY + dt.timedelta(days=1))) and "15:15-16:00" in appts[1], appts
        expires = dt.datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
        assert f"open until {_gb(expires, CLINIC_TZ)}" in page.inner_text("#portal-links")
        # the native input shows the browser's format (mm/dd/yyyy here); under it, the value in words and its zone
        page.fill("#book-when", f"{DAY}T10:00")
        assert page.inner_text("#book-when-words") == f"{App_day(DAY)}, 10:00 ({CLINIC_TZ} time)"
        shot(page, tmp_path, "bookings-clinic-times")
        ctx.close()
        # the client's portal on a phone in New York: the link's end in the clinic's time
        phone = browser.new_context(viewport={"width": 375, "height": 667}, timezone_id=BROWSER_TZ, is_mobile=True)
        p = phone.new_page()
        p.goto(link["url"])
        p.wait_for_selector("#appointments li")
        local = expires.astimezone(ZoneInfo(CLINIC_TZ))
        assert f"until {local:%A} {local.day} {local:%B %Y}, {local:%H:%M} (the clinic's time)" in p.inner_text("main")
        assert "10:00-12:00" in p.inner_text("#appointments")
        phone.close()


def test_a_block_tapped_is_rescheduled_and_moves(clinic, tmp_path):
    base, made = clinic["base"], clinic["made"]
    m = made[2]  # Kai, day + 1, 15:15, 45 min
    with launch() as (browser, _blocked):
        ctx = browser.new_context(viewport={"width": 768, "height": 1024}, timezone_id=BROWSER_TZ, has_touch=True)
        page = ctx.new_page()
        sign_in(page, base)
        page.goto(f"{base}/#/calendar/{m['day']},day,{clinic['artists']['Arturo Artist']}")
        page.wait_for_selector(f"#calendar .block[data-id='{m['id']}']")
        page.tap(f"#calendar .block[data-id='{m['id']}']")
        page.wait_for_selector("#cal-editor input[name=starts_at]")
        assert page.input_value("#cal-editor input[name=starts_at]") == f"{m['day']}T15:15"  # the clinic's wall clock
        page.fill("#cal-editor input[name=starts_at]", f"{m['day']}T12:45")
        page.fill("#cal-editor input[name=reason]", "the client asked for lunchtime")
        page.click("#cal-editor button[type=submit]")
        expect(page.locator(f"#calendar .block[data-id='{m['id']}'] .t")).to_have_text("12:45-13:30")
        geo = page.evaluate(MEASURE)
        _check_blocks(geo, [{**m, "hhmm": "12:45"}], lambda _m: App_day(m["day"]))
        shot(page, tmp_path, "cal-moved")
        ctx.close()
    got = clinic["owner"].get(f"/api/appointments/{m['id']}").json()
    start = dt.datetime.fromisoformat(got["starts_at"]).astimezone(ZoneInfo(CLINIC_TZ))
    assert (start.hour, start.minute) == (12, 45)


def test_a_week_across_the_clocks_change_keeps_the_wall_clock(clinic):
    """London's clocks go forward on 2027-03-28: a 10:00 booking on the Friday before (GMT, 10:00 UTC) and the
    Monday after (BST, 09:00 UTC) sit on the same 10:00 line, each in its own day's column. Run last: it moves the
    clinic to Europe/London (and back)."""
    base, owner = clinic["base"], clinic["owner"]
    assert owner.patch("/api/clinic/settings", json={"timezone": "Europe/London"}).status_code == 200
    try:
        lou, arturo = clinic["clients"]["Lou"], clinic["artists"]["Arturo Artist"]
        made = []
        for day in (dt.date(2027, 3, 26), dt.date(2027, 3, 29)):
            r = owner.post(f"/api/clients/{lou}/appointments", json={
                "starts_at": f"{day}T10:00", "artist_id": arturo, "room": "Chair 5", "duration_min": 60})
            assert r.status_code == 201, r.text
            made.append({"id": r.json()[0]["id"], "day": day, "hhmm": "10:00", "minutes": 60})
        utc = [dt.datetime.fromisoformat(owner.get(f"/api/appointments/{m['id']}").json()["starts_at"]).hour
               for m in made]
        assert utc == [10, 9]  # the same wall clock is an hour apart in UTC
        with launch() as (browser, _blocked):
            ctx = browser.new_context(viewport={"width": 1024, "height": 768}, timezone_id=BROWSER_TZ)
            page = ctx.new_page()
            sign_in(page, base)
            page.goto(f"{base}/#/calendar/2027-03-26,week,{arturo}")
            expect(page.locator("#calendar .block")).to_have_count(2)
            geo = page.evaluate(MEASURE)
            _check_blocks(geo, made, lambda m: f"{m['day']:%a} {m['day'].day} {m['day']:%b}")
            ctx.close()
    finally:
        assert owner.patch("/api/clinic/settings", json={"timezone": CLINIC_TZ}).status_code == 200

