"""The pack's fonts, client wording and determinism."""

from __future__ import annotations

import doctest
import importlib
import io

import pytest
from pypdf import PdfReader

from smpstudio.reports import client_words
from smpstudio.reports.pdf_base import build_pdf, para
from tests.reports.pdf_helpers import pages_text, rasterise


def test_symbols_render_with_the_embedded_font():
    line = "ΔE 2.0 · 35° · 1.200,00 € · 80 dots/cm² · Zoë Øre"
    pdf = build_pdf([para(line)], title="t", author="a", footer_text="f")
    assert line in pages_text(pdf)[0]
    fonts = [f.get_object() for f in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()]
    embedded = [str(f["/BaseFont"]) for f in fonts if "/FontDescriptor" in f
                and "/FontFile2" in f["/FontDescriptor"].get_object()]
    assert embedded and all("DejaVuSans" in f for f in embedded)  # the TrueType file from matplotlib, embedded
    # drawn, not blank boxes: the line's band holds ink
    page = rasterise(pdf, 0, 100)
    assert (page[:200].mean(axis=2) < 128).sum() > 300


def test_the_same_story_gives_the_same_bytes():
    def make() -> bytes:
        return build_pdf([para("the same")], title="t", author="a", footer_text="f")
    assert make() == make()


@pytest.mark.parametrize("code", sorted(client_words.CHECK_WORDS) + ["contraindication_epilepsy"])
def test_every_check_has_client_words(code):
    words = client_words.client_check(code, "contraindication: epilepsy")
    assert words and "ΔE" not in words and "domain.md" not in words and "--" not in words


def test_unknown_warnings_lose_the_jargon():
    words = client_words.client_warning("use --pigment x: ΔE00 7.2 off (domain.md §1)")
    assert words == "Use an option x: a visible colour difference off."


@pytest.mark.parametrize("name", ["smpstudio.reports.client_words", "smpstudio.reports.crop", "smpstudio.reports.pack"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
