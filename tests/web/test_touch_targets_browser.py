"""Touch targets of the new-consultation page in Debian's Chromium: every control at least 48 px high
(issue 10: "large touch targets"), the browser's own "choose file" button included, measured in the pixels
of the page (the button is drawn by the browser inside the file input, so its size is not in the DOM)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.web.browser_helpers import CHROMIUM, launch, new_consultation, running_server, shot

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

MIN_PX = 48
FILE_BUTTON_MIN_PX = 40  # inside the input's 48 px, less its padding and border


def _button_rows(png: bytes) -> int:
    """Height (px) of the drawn "choose file" button: rows of the input's left part that hold the button's
    outline or face (pixels darker than the input's white background), counted as one run."""
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)
    left = img[2:-2, 6: max(8, img.shape[1] // 5)]  # inside the input's own border (1 px), over the button
    dark = (left < 200).mean(axis=1) > 0.5  # the button's top and bottom outline run across it
    rows = np.nonzero(dark)[0]
    return int(rows.max() - rows.min() + 1) if len(rows) else 0


@pytest.mark.parametrize("size", [(1024, 768), (768, 1024)])
def test_every_control_of_a_new_consultation_is_a_48_px_target(tmp_path, size):
    data = tmp_path / "data"
    data.mkdir()
    with running_server(data) as base, launch() as (browser, _blocked):
        page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
        new_consultation(page, base, "Tia", "Target")
        shot(page, tmp_path, f"new-consult-{size[0]}x{size[1]}")
        small = page.evaluate("""(min) => [...document.querySelectorAll('button, .button, input, select, textarea')]
            .filter(e => e.offsetParent !== null && e.type !== 'checkbox' && e.type !== 'hidden')
            .map(e => { const r = e.getBoundingClientRect();
                        return {what: e.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
            .filter(b => b.h < min || b.w < min)""", MIN_PX)
        assert small == [], small
        box = page.locator("#photo")
        png = box.screenshot()
        drawn = _button_rows(png)
        assert drawn >= FILE_BUTTON_MIN_PX, drawn
