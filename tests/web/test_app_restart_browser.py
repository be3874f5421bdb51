"""A consultation survives a reload of the consent page and a restart of the server (Chromium).

The consultation's state is in the database (migration 0004, ``consults``) and its id with the previews
shown in the tab's sessionStorage: after the server is stopped and started again on the same data, the
consent page reloads, the server rebuilds the consultation from the stored photo (same hairline, same
preview hashes) and the client signs and saves it.
"""

from __future__ import annotations

import math

import pytest

from smpstudio.imaging.samples import sample_photo
from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD
from tests.web.browser_helpers import CHROMIUM, free_port, launch, running_server

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def _sign(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#sigpad").scroll_into_view_if_needed()
    pad = page.locator("#sigpad").bounding_box()
    page.mouse.move(pad["x"] + 40, pad["y"] + 100)
    page.mouse.down()
    for k in range(30):
        page.mouse.move(pad["x"] + 40 + 12 * k, pad["y"] + 100 + 40 * math.sin(k / 3))
    page.mouse.up()


def test_consent_page_survives_a_reload_and_a_server_restart(tmp_path):
    photo = tmp_path / "sample.jpg"
    photo.write_bytes(sample_photo().to_jpeg_bytes())
    data, port = tmp_path / "data", free_port()
    data.mkdir()
    with launch() as (browser, _blocked):
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        with running_server(data, port) as base:
            page.goto(f"{base}/#/signin")
            page.fill("input[type=email]", DEMO_OWNER)
            page.fill("input[type=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#client-list li")
            page.fill("input[name=first_name]", "Restart")
            page.fill("input[name=last_name]", "Survivor")
            page.click("text=Create client")
            page.click("#new-consult")
            page.set_input_files("#photo", str(photo))
            page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            # a settled change of the design: the MFP 5 mm lower
            page.evaluate("""async () => { const c = App.C.consult, i = (c.control_points.length - 1) / 2;
                const [x, y] = c.control_points[i];
                const r = await App.api('PATCH', `/api/consults/${c.id}`, { move: { index: i, x, y: y + 5 * c.overlay.px_per_mm } });
                App.C.consult = r; }""")
            page.evaluate("location.hash = '#/clients'")
            page.evaluate("location.hash = `#/consult/${App.C.clientId}`")
            page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
            before = page.evaluate("[App.C.consult.id, App.C.consult.revision, App.C.consult.hairline, App.C.shown]")
            assert len(before[3]) >= 2, before[3]  # 'before' and the stage shown
            page.click("#to-consent")
            page.wait_for_selector("#sigpad")
            page.reload()  # the consent page reloaded: the consultation is recalled
            page.wait_for_selector("#sigpad")
            assert page.locator(".card li").count() == len(before[3])
        # the server stops; a new one starts on the same data and port
        with running_server(data, port) as base:
            page.reload()
            page.wait_for_selector("#sigpad", timeout=120_000)
            after = page.evaluate("[App.C.consult.id, App.C.consult.revision, App.C.consult.hairline, App.C.shown]")
            assert after[:2] == before[:2] and after[3] == before[3]
            assert after[2] == before[2]  # rebuilt: the same hairline (px, as sent)
            page.screenshot(path=str(tmp_path / "consent-after-restart.png"))
            _sign(page)
            page.click("#sign-save")
            page.wait_for_selector("#toast.show", timeout=60_000)
            # the previews' sha256 the client saw before the restart are the rebuilt consultation's
            assert "Saved as plan version 1" in page.inner_text("#toast"), page.inner_text("#toast")
            page.wait_for_selector("#plans li", timeout=30_000)
            # saved: the tab forgets it, the consent page does not come back with it
            page.evaluate("location.hash = '#/consent'")
            page.wait_for_selector("#client-list", timeout=30_000)
