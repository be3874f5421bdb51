"""A consultation survives a reload of the consent page and a restart of the server (Chromium).

The consultation's state is in the database (migration 0004, ``consults``) and its id with the previews
shown in the tab's sessionStorage: after the server is stopped and started again on the same data, the
consent page reloads, the server rebuilds the consultation from the stored photo (same hairline, same
preview hashes) and the client signs and saves it.
"""

from __future__ import annotations

import pytest

from smpstudio.imaging.samples import sample_photo
from tests.web.browser_helpers import CHROMIUM, draw_signature, free_port, launch, running_server, sign_in

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


_PIXELS = """(sel) => { const i = document.querySelector(sel), c = document.createElement('canvas');
    c.width = i.naturalWidth; c.height = i.naturalHeight; const g = c.getContext('2d'); g.drawImage(i, 0, 0);
    return Array.from(g.getImageData(0, 0, c.width, c.height).data.filter((_v, k) => k % 97 === 0)); }"""


def _settled(page, revision: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the server's preview of a revision after ``revision`` is on screen."""
    page.wait_for_function("""(r) => { const i = document.getElementById('after');
        return Number(i.dataset.revision) > r && document.getElementById('stagebox').dataset.idle === '1'
            && !App.C.inflight && !App.C.pending; }""", arg=revision, timeout=60_000)


def test_consent_page_survives_a_reload_and_a_server_restart(tmp_path):
    photo = tmp_path / "sample.jpg"
    photo.write_bytes(sample_photo().to_jpeg_bytes())
    data, port = tmp_path / "data", free_port()
    data.mkdir()
    with launch() as (browser, _blocked):
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        with running_server(data, port) as base:
            sign_in(page, base)
            page.fill("input[name=first_name]", "Restart")
            page.fill("input[name=last_name]", "Survivor")
            page.click("text=Create client")
            page.click("#new-consult")
            page.set_input_files("#photo", str(photo))
            page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            # a settled change of the design (the MFP dragged 5 mm lower) and of the plan (4 sessions, 21 days)
            rev0 = int(page.get_attribute("#after", "data-revision"))
            first = page.evaluate("App.C.consult")
            x, y, mm = page.evaluate("""() => { const c = App.C.consult, n = c.control_points.length;
                const r = document.getElementById('overlay').getBoundingClientRect(), s = r.width / c.width;
                const [x, y] = c.control_points[(n - 1) / 2];
                return [r.left + x * s, r.top + y * s, s * c.overlay.px_per_mm]; }""")
            page.mouse.move(x, y)
            page.mouse.down()
            for k in range(1, 6):
                page.mouse.move(x, y + mm * k)
                page.wait_for_timeout(40)
            page.mouse.up()
            _settled(page, rev0)
            for sel, value in (("#sessions", "4"), ("#interval", "21")):
                rev = int(page.get_attribute("#after", "data-revision"))
                page.fill(sel, value)
                page.dispatch_event(sel, "change")
                _settled(page, rev)
            made = page.evaluate("App.C.consult")
            assert (made["sessions"], made["interval_days"]) == (4, 21) and made["revision"] >= rev0 + 3
            assert made["hairline"] != first["hairline"] and made["plan"] != first["plan"]
            assert page.evaluate("App.C.stage") == "session-4-healed"  # the last session healed follows the count
            # away and back to the consultation: the tab recalls it
            page.evaluate("location.hash = '#/clients'")
            page.wait_for_selector("#client-list li")
            page.evaluate("App.C.consult = null")  # as after a reload: only the tab's storage knows it
            page.evaluate(f"location.hash = '#/consult/{made['client_id']}'")
            page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            before = page.evaluate("[App.C.consult, App.C.shown]")
            assert before[0] == made and len(before[1]) >= 2, before[1]  # 'before' and the stage shown
            plan_text = page.inner_text("#plan")
            preview = page.evaluate(_PIXELS, "#after")
            page.click("#to-consent")
            page.wait_for_selector("#sigpad")
            page.reload()  # the consent page reloaded: the consultation is recalled
            page.wait_for_selector("#sigpad")
            assert page.locator(".card li").count() == len(before[1])
        # the server stops; a new one starts on the same data and port
        with running_server(data, port) as base:
            page.reload()
            page.wait_for_selector("#sigpad", timeout=120_000)
            after = page.evaluate("[App.C.consult, App.C.shown]")
            # rebuilt from the stored photo and the stored inputs: the same hairline, options, plan and revision
            assert after[0] == before[0] and after[1] == before[1]
            page.screenshot(path=str(tmp_path / "consent-after-restart.png"))
            # the consultation page after the restart: the same plan beside the same preview, pixel for pixel
            page.evaluate(f"location.hash = '#/consult/{made['client_id']}'")
            page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            assert page.inner_text("#plan") == plan_text and "4" in page.input_value("#sessions")
            assert page.evaluate(_PIXELS, "#after") == preview
            page.reload()  # the consultation page itself reloaded: recalled from the tab's storage
            page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            assert page.evaluate("App.C.consult") == before[0] and page.inner_text("#plan") == plan_text
            assert page.evaluate(_PIXELS, "#after") == preview
            page.screenshot(path=str(tmp_path / "consult-after-restart.png"))
            # another tablet (nothing in its tab's storage): the client's page lists the consultation in
            # progress, and resuming it brings back the same consultation, plan and preview
            other = browser.new_context(viewport={"width": 768, "height": 1024}).new_page()
            sign_in(other, base)
            other.evaluate(f"location.hash = '#/client/{made['client_id']}'")
            other.wait_for_selector("#drafts button")
            assert other.locator("#drafts button").count() == 1
            assert other.get_attribute("#drafts button", "data-draft") == str(made["id"])
            other.screenshot(path=str(tmp_path / "client-drafts.png"))
            other.click("#drafts button")
            other.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            assert other.evaluate("App.C.consult") == before[0] and other.inner_text("#plan") == plan_text
            assert other.evaluate(_PIXELS, "#after") == preview
            assert other.inner_text("h1").startswith("Consultation:")
            other.context.close()
            page.click("#to-consent")
            page.wait_for_selector("#sigpad")
            draw_signature(page)
            page.click("#sign-save")
            page.wait_for_selector("#toast.show", timeout=60_000)
            # the previews' sha256 the client saw before the restart are the rebuilt consultation's
            assert "Saved as plan version 1" in page.inner_text("#toast"), page.inner_text("#toast")
            page.wait_for_selector("#plans li", timeout=30_000)
            # saved: no longer in progress on the client's page
            assert page.locator("#drafts").count() == 0
            # saved: the tab forgets it, the consent page does not come back with it
            page.evaluate("location.hash = '#/consent'")
            page.wait_for_selector("#client-list", timeout=30_000)
