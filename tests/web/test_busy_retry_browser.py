"""A 503 with Retry-After (the service busy: decode slots, the database's write slot, the sign-in queue;
nothing stored) is retried by the tablet app after the time it asks, at most twice, in Debian's Chromium."""

from __future__ import annotations

import pytest

from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD
from tests.web.browser_helpers import CHROMIUM, launch, running_server

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.mark.parametrize("busy_answers,shown", [(1, True), (3, False)])
def test_a_busy_answer_is_retried_after_retry_after(tmp_path, busy_answers, shown):
    data = tmp_path / "data"
    data.mkdir()
    seen: list[str] = []
    with running_server(data) as base, launch() as (browser, _blocked):
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()

        def busy(route):
            seen.append(route.request.url)
            if len(seen) <= busy_answers:
                route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                              body='{"detail": "the service is busy; retry in a few seconds"}')
            else:
                route.continue_()

        page.route("**/api/clients?q=*", busy)
        page.goto(f"{base}/#/signin")
        page.fill("input[type=email]", DEMO_OWNER)
        page.fill("input[type=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        if shown:  # one busy answer: retried once, the list shows
            page.wait_for_selector("#client-list li", timeout=15_000)
            assert len(seen) == 2
        else:  # busy three times: two retries, then the message; no fourth request
            page.wait_for_selector("#toast.show >> text=busy; retry", timeout=15_000)
            page.wait_for_timeout(1500)
            assert len(seen) == 3 and page.locator("#client-list li").count() == 0
