"""The signed consent PDF read back: text, the signature on the page, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from smpstudio.reports.pdf_consent import ConsentPdfError, consent_pdf
from tests.reports.pdf_helpers import pages_text, placements, rasterise, region

TEXT = ("I agree to scalp micropigmentation as planned with my artist.\n\n"
        "I have been told about healing, fading and touch-ups, and that the previews are a simulation.")
SIGNED = dt.datetime(2027, 1, 11, 10, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
DIGESTS = [hashlib.sha256(b"before.png").hexdigest(), hashlib.sha256(b"session-3-healed.png").hexdigest()]


def _signature() -> bytes:
    """A drawn signature: a thick black stroke on a transparent 600x200 canvas."""
    im = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(im).line([(40, 150), (160, 40), (280, 160), (400, 50), (560, 140)], fill=(0, 0, 0, 255),
                            width=14)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return consent_pdf(TEXT, "v3.1", "Zoë Ångström", SIGNED, _signature(), DIGESTS)


def test_text_signer_time_and_previews(pdf):
    text = " ".join(pages_text(pdf))
    assert "version v3.1" in text and "Zoë Ångström" in text
    assert "2027-01-11 09:30:05 UTC" in text and "2027-01-11T10:30:05+01:00" in text
    assert "the previews are a simulation" in text
    for d in DIGESTS:
        assert d in text


def test_the_drawn_signature_is_on_the_page(pdf):
    boxes = placements(pdf, 0)
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert w / h == pytest.approx(3.0, rel=0.01)  # the drawing's own aspect ratio
    r = region(rasterise(pdf, 0, 100), pdf, 0, boxes[0], inset=1)
    ink = r.mean(axis=2) < 80
    assert 0.04 < ink.mean() < 0.3  # the stroke, on white (the transparent canvas made opaque white)
    # the stroke's shape: ink at the left end low, at the first peak high (image rows grow downwards)
    cols = np.linspace(0, r.shape[1] - 1, 600).astype(int)
    rows_at = [np.nonzero(ink[:, cols[c]])[0].mean() / r.shape[0] for c in (60, 160)]
    assert rows_at[0] > 0.6 and rows_at[1] < 0.35


def test_the_same_consent_gives_the_same_bytes(pdf):
    assert consent_pdf(TEXT, "v3.1", "Zoë Ångström", SIGNED, _signature(), DIGESTS) == pdf


@pytest.mark.parametrize("change, words", [
    ({"consent_text": "  "}, "text is empty"),
    ({"signer": ""}, "signer"),
    ({"signed_at": dt.datetime(2027, 1, 11, 10, 30)}, "time zone"),
    ({"signature_png_bytes": b"not an image"}, "not a readable PNG"),
    ({"previews_sha256": ["abc"]}, "is not a sha256"),
])
def test_refusals(change, words):
    args = {"consent_text": TEXT, "version": "v3.1", "signer": "Zoë", "signed_at": SIGNED,
            "signature_png_bytes": _signature(), "previews_sha256": DIGESTS} | change
    with pytest.raises(ConsentPdfError, match=words):
        consent_pdf(**args)


def test_a_jpeg_signature_is_refused():
    buf = io.BytesIO()
    Image.new("RGB", (60, 20), "white").save(buf, format="JPEG")
    with pytest.raises(ConsentPdfError, match="must be a PNG"):
        consent_pdf(TEXT, "v1", "A", SIGNED, buf.getvalue(), DIGESTS[0])
