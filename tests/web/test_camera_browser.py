"""The consultation's photo from the tablet's camera in Chromium: the live view (getUserMedia) and its shutter,
and the fallback to the file input's capture when the camera is refused or the page cannot ask for it.

Chromium's fake camera (``--use-fake-device-for-media-stream``) plays a Y4M file made from the sample portrait
(``--use-file-for-fake-video-capture``); ``--use-fake-ui-for-media-stream`` allows it as a tap on "Allow" would,
``--deny-permission-prompts`` refuses it as a tap on "Block" would. The photo uploaded is read back from the
request and compared with the portrait; the stored photo is the camera's frame size.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from smpstudio.imaging.samples import sample_photo
from tests.web.browser_helpers import CHROMIUM, axe_serious, launch, new_consultation, running_server
from tests.web.test_app_browser import AXE

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
FAKE = "--use-fake-device-for-media-stream"


def write_y4m(path: Path, rgb: np.ndarray, frames: int = 2) -> None:
    """``rgb`` (uint8, even sides) as a Y4M video of ``frames`` frames (4:2:0, what Chromium's fake camera plays)."""
    h, w = rgb.shape[:2]
    yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420).tobytes()
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + yuv)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    rgb = sample_photo().to_uint8()
    return rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("camera-data")) as base:
        yield base


def _new_consult(browser, base: str, last: str):  # type: ignore[no-untyped-def]
    # bypass_csp: axe-core is injected by the test (the app itself allows only its own scripts)
    page = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True).new_page()
    new_consultation(page, base, "Camera", last)
    return page


def _stored_photo(page, photo_id: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The stored photo ``photo_id`` read back through the page's session (RGB)."""
    data = page.request.get(f"{page.url.split('/#')[0]}/api/photos/{photo_id}/image").body()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def test_the_live_camera_takes_the_photo(server, portrait, tmp_path):
    video = tmp_path / "face.y4m"
    write_y4m(video, portrait)
    args = (FAKE, "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}")
    with launch(args) as (browser, _blocked):
        page = _new_consult(browser, server, "Live")
        assert page.is_visible("#camera-start") and not page.is_visible("#camera-live")
        page.click("#camera-start")
        page.wait_for_selector("#camera-live[data-ready='1']", timeout=30_000)
        size = page.evaluate("(() => { const v = document.getElementById('camera-video');"
                             " return [v.videoWidth, v.videoHeight]; })()")
        assert size == [portrait.shape[1], portrait.shape[0]], size
        page.screenshot(path=str(tmp_path / "camera-live.png"))
        # the framing guide: an oval over the live view, centred, 72 % of its height, and its hint in words
        boxes = page.evaluate("(() => ['camera-video', 'camera-guide'].map((id) => {"
                              " const r = document.getElementById(id).getBoundingClientRect();"
                              " return [r.left, r.top, r.width, r.height]; }))()")
        (vx, vy, vw, vh), (gx, gy, gw, gh) = boxes
        assert vw > 100 and vh > 100, boxes
        assert abs((gx + gw / 2) - (vx + vw / 2)) <= 2 and vy <= gy and gy + gh <= vy + vh, boxes
        assert 0.65 <= gh / vh <= 0.8 and abs(gw / gh - 0.75) < 0.02, boxes
        assert page.is_visible("#camera-guide") and "whole head inside the oval" in page.inner_text("#camera-hint")
        assert axe_serious(page, AXE) == []
        page.click("#camera-shoot")
        page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
        # the camera is released after the shot, its controls give way to the consultation
        assert page.evaluate("document.getElementById('camera-video').srcObject") is None
        assert not page.is_visible("#photo-in")
        client = page.evaluate("App.C.consult.client_id")
        photos = page.evaluate(f"App.api('GET', '/api/clients/{client}/photos')")
        assert [(p["width_px"], p["height_px"], p["view"]) for p in photos] == [
            (portrait.shape[1], portrait.shape[0], "front")]
        # the photo stored is the camera's frame: the portrait the fake camera played (4:2:0 and two JPEGs aside)
        shot = _stored_photo(page, photos[0]["id"])
        assert shot.shape[:2] == portrait.shape[:2]
        err = float(np.abs(shot - portrait.astype(np.int16)).mean())
        assert err < 6.0, f"the stored photo is not the camera's frame (mean error {err:.1f} levels)"
        grey = float(np.abs(shot - np.full_like(shot, 128)).mean())
        assert grey > 4 * err  # far from a blank frame
        page.screenshot(path=str(tmp_path / "camera-consult.png"))
        print(f"camera frame {size[0]}x{size[1]}, stored photo vs the portrait: {err:.2f} levels mean error")


def test_a_refused_camera_falls_back_to_the_file_inputs_capture(server, portrait, tmp_path):
    photo = tmp_path / "face.jpg"
    Image.fromarray(portrait).save(photo, quality=92)
    with launch((FAKE, "--deny-permission-prompts")) as (browser, _blocked):
        page = _new_consult(browser, server, "Refused")
        with page.expect_file_chooser(timeout=30_000) as chooser:
            page.click("#camera-start")
        assert chooser.value.element.get_attribute("capture") == "environment"
        said = page.inner_text("#upload-status")
        assert said.startswith("The camera was not allowed: take the photo with the tablet's camera app"), said
        assert not page.is_visible("#camera-live") and page.is_visible("#camera-start")  # it may be tried again
        page.screenshot(path=str(tmp_path / "camera-refused.png"))
        assert axe_serious(page, AXE) == []
        chooser.value.set_files(str(photo))
        page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
        assert page.evaluate("App.C.consult.width") > 0


def test_without_getusermedia_the_file_input_is_the_camera(server, portrait, tmp_path):
    photo = tmp_path / "face.jpg"
    Image.fromarray(portrait).save(photo, quality=92)
    with launch() as (browser, _blocked):
        page = _new_consult(browser, server, "Plain")
        page.add_init_script("Object.defineProperty(navigator, 'mediaDevices', { value: undefined });")
        page.reload()  # as a page opened over plain http from another machine: no navigator.mediaDevices
        page.wait_for_selector("#photo")
        assert page.evaluate("navigator.mediaDevices") is None
        assert not page.is_visible("#camera-start")
        assert page.get_attribute("#photo", "capture") == "environment"
        assert "camera" in page.inner_text("label[for=photo]")
        page.set_input_files("#photo", str(photo))
        page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
        assert math.isfinite(page.evaluate("App.C.consult.overlay.px_per_mm"))
        # "New photo": the photo input comes back and a second photo starts a new consultation
        first = page.evaluate("App.C.consult.id")
        assert not page.is_visible("#photo-in")
        page.click("#new-photo")
        assert page.is_visible("#photo-in") and page.evaluate("document.activeElement.id") == "photo"
        page.set_input_files("#photo", str(photo))
        page.wait_for_function("(id) => App.C.consult && App.C.consult.id !== id", arg=first, timeout=120_000)
        page.wait_for_selector("#stagebox[data-ready='1']", timeout=120_000)
        assert not page.is_visible("#photo-in")
