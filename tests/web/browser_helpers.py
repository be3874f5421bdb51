"""Helpers of the browser tests: the demo server in a subprocess, Debian's Chromium, axe-core."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def shot(page, out: Path, name: str, full: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Screenshot ``name``.png under ``out`` (the test's tmp dir); ``SMP_SHOTS=dir`` keeps a copy to look at."""
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    keep = os.environ.get("SMP_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out / f"{name}.png", Path(keep) / f"{name}.png")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(data_dir: Path, port: int | None = None) -> Iterator[str]:
    """``smp serve --demo`` on ``port`` (a free one by default) with its data in ``data_dir``; yields its base URL."""
    port = port or free_port()
    env = {**os.environ, "SMP_DATA_DIR": str(data_dir), "SMP_ENV": "dev"}
    env.pop("DATABASE_URL", None)
    exe = [sys.executable, "-c", "from smpstudio.cli import main; main()", "serve", "--demo", "--port", str(port)]
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(exe, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise AssertionError((data_dir / "server.log").read_text())
            time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@contextlib.contextmanager
def launch(extra_args: tuple[str, ...] = ()) -> Iterator[tuple[object, list[str]]]:
    """Debian's Chromium, headless, with ``extra_args``; yields ``(browser, blocked)`` (requests off the machine
    go in ``blocked``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, *extra_args])
        try:
            yield browser, []
        finally:
            browser.close()


def axe_serious(page, axe_js: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations of the page (``id: first target``)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_js.read_text())
    found = page.evaluate("""async () => { const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')); }""")
    return list(found)


def sign_in(page, base: str, email: str | None = None, password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Sign in on ``base`` (the demo owner by default) and wait for the client list."""
    from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD

    page.goto(f"{base}/#/signin")
    page.fill("input[type=email]", email or DEMO_OWNER)
    page.fill("input[type=password]", password or DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#client-list li")


def new_consultation(page, base: str, first: str, last: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in (the demo owner), create the client ``first last`` and open a new consultation for them."""
    sign_in(page, base)
    page.fill("input[name=first_name]", first)
    page.fill("input[name=last_name]", last)
    page.click("text=Create client")
    page.click("#new-consult")
    page.wait_for_selector("#photo")


def draw_signature(page, y_px: float = 100.0) -> None:  # type: ignore[no-untyped-def]
    """Sign in the consent page's pad with a finger stroke (a sine wave across it, ``y_px`` from its top)."""
    import math

    page.locator("#sigpad").scroll_into_view_if_needed()
    pad = page.locator("#sigpad").bounding_box()
    page.mouse.move(pad["x"] + 40, pad["y"] + y_px)
    page.mouse.down()
    for k in range(30):
        page.mouse.move(pad["x"] + 40 + 12 * k, pad["y"] + y_px + 40 * math.sin(k / 3))
    page.mouse.up()
