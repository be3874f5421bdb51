"""The API docs page in a real headless Chromium, with every request off this machine blocked."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.web.browser_helpers import CHROMIUM, running_server


@pytest.fixture()
def demo_server(tmp_path):
    with running_server(tmp_path) as base:
        yield base


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_docs_render_and_run_a_request_offline(demo_server, tmp_path):
    from playwright.sync_api import sync_playwright

    base = demo_server
    # Swagger UI shows an operation once under each of its tags
    spec = httpx.get(f"{base}/openapi.json").json()
    n_ops = sum(max(1, len(op.get("tags", []))) for item in spec["paths"].values() for op in item.values())
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})

            def only_local(route):  # type: ignore[no-untyped-def]
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.goto(f"{base}/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            assert page.locator(".opblock").count() == n_ops
            # use the page as a person would: open GET /healthz, try it out, execute
            page.locator(".opblock-summary-path", has_text="/healthz").first.click()
            page.get_by_role("button", name="Try it out").click()
            page.get_by_role("button", name="Execute").click()
            page.wait_for_selector(".live-responses-table", timeout=15_000)
            body = page.locator(".live-responses-table").first.inner_text()
            assert "200" in body and '"status": "ok"' in body, body
            shot = tmp_path / "docs.png"
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert not blocked, f"the docs page tried to reach outside the machine: {blocked}"
    img = np.asarray(Image.open(shot).convert("L"), dtype=np.float32)
    assert img.shape == (1600, 1280) and img.std() > 10  # a rendered page, not a blank one
