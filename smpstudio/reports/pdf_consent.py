"""The signed consent as a PDF: the consent text and its version, the client's drawn signature, who
signed and when, and the sha256 of every preview the client was shown (issue 12, item 3).

The records service and the web app call :func:`consent_pdf` with what they stored; nothing here reads a
database.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from smpstudio.errors import SMPError
from smpstudio.reports.pdf_base import TEXT_WIDTH, build_pdf, image, para, table

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_SIGNATURE_PX = 4096


class ConsentPdfError(SMPError):
    """What was given cannot make a consent PDF (no text, an image that is not a PNG, a bad digest, ...)."""


def _signature(png: bytes) -> tuple[bytes, int, int]:
    """The signature as an opaque RGB PNG (a drawn signature is often transparent) and its size (px)."""
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(png))
        if im.format != "PNG":
            raise ConsentPdfError(f"the signature must be a PNG image (got {im.format})")
        if max(im.size) > MAX_SIGNATURE_PX:
            raise ConsentPdfError(f"the signature image is {im.size[0]}x{im.size[1]} px; at most "
                                  f"{MAX_SIGNATURE_PX} px a side")
        im.load()
    except (UnidentifiedImageError, OSError):
        raise ConsentPdfError("the signature is not a readable PNG image") from None
    rgba = im.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    buf = io.BytesIO()
    flat.save(buf, format="PNG")
    return buf.getvalue(), flat.size[0], flat.size[1]


def consent_pdf(consent_text: str, version: str, signer: str, signed_at: dt.datetime, signature_png_bytes: bytes,
                previews_sha256: Sequence[str] | str) -> bytes:
    """The signed consent (PDF bytes).

    Parameters
    ----------
    consent_text : str
        The consent the client read; paragraphs separated by blank lines.
    version : str
        The consent text's version (what the records keep with the signature).
    signer : str
        Who signed (the client's name as entered).
    signed_at : datetime.datetime
        When, time-zone aware; printed in UTC and as given.
    signature_png_bytes : bytes
        The drawn signature, a PNG (transparent background allowed).
    previews_sha256 : sequence of str, or str
        sha256 (64 hex digits) of each preview image shown to the client before signing.

    Raises
    ------
    ConsentPdfError
        Empty text, version or signer; a naive time; an image that is not a PNG; a digest that is not
        64 hex digits.
    """
    digests = [previews_sha256] if isinstance(previews_sha256, str) else list(previews_sha256)
    if not consent_text.strip():
        raise ConsentPdfError("the consent text is empty")
    if not version.strip() or not signer.strip():
        raise ConsentPdfError("the consent needs its version and the signer's name")
    if signed_at.tzinfo is None or signed_at.utcoffset() is None:
        raise ConsentPdfError("the signing time needs its time zone (e.g. 2027-01-11T10:30:00+01:00)")
    bad = [d for d in digests if not SHA256_HEX.fullmatch(d.lower())]
    if bad:
        raise ConsentPdfError(f"{bad[0]!r} is not a sha256 (64 hexadecimal digits)")
    sig, w, h = _signature(signature_png_bytes)
    sig_w = min(80 * mm, 80 * mm * w / max(h * 2.5, 1))  # a wide signature 80 mm, a tall one narrower
    utc = signed_at.astimezone(dt.UTC)
    story = [para("Consent to scalp micropigmentation", "title"),
             para(f"Consent text version {version}", "small"), Spacer(1, 3 * mm)]
    story += [para(p.strip()) for p in consent_text.split("\n\n") if p.strip()]
    drawn = image(sig, sig_w, sig_w * h / w)
    drawn.hAlign = "LEFT"
    story += [Spacer(1, 6 * mm), para("Signed", "h2"), drawn,
              table([["Signer", signer],
                     ["Signed at", f"{utc.strftime('%Y-%m-%d %H:%M:%S')} UTC ({signed_at.isoformat()})"],
                     ["Consent version", version]], [40 * mm, TEXT_WIDTH - 40 * mm], header=False),
              para("Previews shown before signing", "h2"),
              para("Each picture the client saw is identified by the sha256 of its file:", "small")]
    story.append(table([["#", "sha256"]] + [[str(i), d.lower()] for i, d in enumerate(digests, 1)]
                       if digests else [["#", "sha256"], ["-", "no previews were shown"]],
                       [10 * mm, TEXT_WIDTH - 10 * mm]))
    return build_pdf(story, title=f"Consent {version}: {signer}", author="SMP Studio",
                     footer_text=f"consent {version} · {signer} · signed {utc.strftime('%Y-%m-%d %H:%M')} UTC")
