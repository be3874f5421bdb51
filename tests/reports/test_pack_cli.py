"""``smp pack``: the three PDFs read back (text with pypdf, pages drawn by pdftoppm) against plan.json
and the pipeline's renders."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from tests.cli_helpers import run
from tests.reports.pdf_helpers import pages_text, placements, rasterise, region, render_diff

START = dt.date.today() + dt.timedelta(days=40)
ISSUED = dt.date.today()
CLIENT = "Zoë Ångström-Øre"
DPI = 150


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "out"
    code = run(["pack", "--client-name", CLIENT, "--start", START.isoformat(), "--issued", ISSUED.isoformat(),
                "--out", str(out)])
    assert code == 0
    pdfs = {n: (out / n).read_bytes() for n in ("consultation.pdf", "quote.pdf", "aftercare.pdf")}
    return pdfs, json.loads((out / "plan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def truth():
    """The same consultation through the pipeline: the renders the PDF must show, cropped to the head."""
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.pipeline import Inputs, Pipeline, PlanInputs
    from smpstudio.pipeline.renders import scene_for, session_renders, years_renders
    from smpstudio.reports.crop import head_box

    step = Pipeline().plan(sample_photo(), Inputs(plan=PlanInputs(start=START, today=dt.date.today())))
    scene = scene_for(step)
    x0, y0, x1, y1 = head_box(step.pattern_step.design.scalp.analysis.masks.head)
    images = dict(session_renders(step, scene))
    images.update(years_renders(step, scene, (1.0, 3.0))[0])
    images["before"] = step.pattern_step.design.scalp.original.to_uint8()
    return step, {k: v[y0:y1, x0:x1] for k, v in images.items()}


def _page_with(pdf: bytes, title: str) -> int:
    return next(i for i, t in enumerate(pages_text(pdf)) if title in t)


def test_plan_json_is_the_pipelines(packed, truth):
    _, plan = packed
    step, _ = truth
    assert [s["impressions"] for s in plan["sessions"]] == [s.impressions for s in step.result.block.sessions]
    assert plan["sessions"][0]["date"] == START.isoformat()


def test_consultation_text_holds_the_plan(packed):
    pdfs, plan = packed
    pages = pages_text(pdfs["consultation.pdf"])
    text = "\n".join(pages)
    assert CLIENT in pages[0] and ISSUED.isoformat() in pages[0]
    for s in plan["sessions"]:
        for v in s["visits"]:
            assert v["date"] in text
        assert f"{s['impressions']:,} impressions" in text
        # the shade in words, with the mix the artist records
        from smpstudio.reports.client_words import shade_with_mix

        assert f"shade {shade_with_mix(s['water_parts'], s['dilution'])}" in text.replace("\n", " ")
        for a in s["aftercare"]:
            if a["until"]:
                assert a["until"] in text
        for h in s["healing"]:
            assert h["from_date"] in text
    assert plan["touch_up"]["due_date"] in text
    # the hours in the chair: each session's row of the sessions table, and the total on the summary
    table = pages[_page_with(pdfs["consultation.pdf"], "Your sessions")]
    for s in plan["sessions"]:
        row = f"{s['index']}{' (extra)' if s['suggested'] else ''} "
        at = table.index(row + s["visits"][0]["date"]) if s["visits"] else table.index(row)
        assert f"{s['duration_h']:.1f} " in table[at: at + 80], (s["index"], table[at: at + 80])
    assert f"about {sum(s['duration_h'] for s in plan['sessions']):.1f} hours in all" in text
    c = plan["cost"]
    for key in ("smp", "transplant", "medication"):
        assert f"{c['totals'][key]:,.2f} {c['currency']}" in text
    assert "computer simulation" in text
    # the client's words: no colour-difference units, option names or handbook references
    assert "ΔE" not in text and "domain.md" not in text and "--" not in text


def test_quote_lines_and_total(packed):
    pdfs, plan = packed
    pages = pages_text(pdfs["quote.pdf"])
    assert len(pages) == 1
    text = pages[0]
    prices, cur = plan["cost"]["prices"], plan["cost"]["currency"]
    total = prices["smp_consultation"] + len(plan["sessions"]) * prices["smp_session"]
    assert total == plan["cost"]["smp"][0]  # the quote's total is the plan's cost of SMP at year 0
    assert f"Total {total:,.2f} {cur}" in text
    for s in plan["sessions"]:
        assert s["date"] in text and f"{s['impressions']:,} impressions" in text
    assert f"valid until {(ISSUED + dt.timedelta(days=30)).isoformat()}" in text
    assert plan["touch_up"]["due_date"] in text and f"{prices['smp_touch_up']:,.2f} {cur}" in text
    assert CLIENT in text


def test_aftercare_is_one_page_with_every_date(packed):
    pdfs, plan = packed
    pages = pages_text(pdfs["aftercare.pdf"])
    assert len(pages) == 1
    for s in plan["sessions"]:
        assert s["date"] in pages[0]
        for a in s["aftercare"]:
            assert a["rule"] in pages[0]
            if a["until"]:
                assert a["until"] in pages[0]


def test_before_and_after_each_session_are_on_the_page(packed, truth):
    pdfs, plan = packed
    _, img = truth
    pdf = pdfs["consultation.pdf"]
    page = _page_with(pdf, "Before and after each session")
    n = len(plan["sessions"])
    expected = []
    for k in range(1, n + 1):
        expected += [img["before"] if k == 1 else img[f"session-{k - 1}-healed.png"],
                     img[f"session-{k}-fresh.png"], img[f"session-{k}-healed.png"]]
    boxes = placements(pdf, page)
    assert len(boxes) == 3 * n
    raster = rasterise(pdf, page, DPI)
    for box, exp in zip(boxes, expected, strict=True):
        r = region(raster, pdf, page, box, inset=0)
        assert r.shape[0] > 250  # ~57 mm at 150 dpi
        own = render_diff(r, exp)
        assert own < 4.0
        if exp is not img["before"]:  # the head shown shaved is not the photo as taken
            assert render_diff(r, img["before"]) > 4 * own


def test_the_years_are_on_the_page(packed, truth):
    pdfs, _ = packed
    _, img = truth
    pdf = pdfs["consultation.pdf"]
    page = _page_with(pdf, "Over the years")
    names = ["healed.png", "years-1.png", "years-3.png", "touch-up-due.png"]
    raster = rasterise(pdf, page, DPI)
    for box, name in zip(placements(pdf, page), names, strict=False):
        r = region(raster, pdf, page, box, inset=0)
        assert render_diff(r, img[name]) < 4.0


def test_the_hairline_is_drawn_where_the_design_puts_it(packed, truth):
    pdfs, plan = packed
    step, img = truth
    pdf = pdfs["consultation.pdf"]
    page = _page_with(pdf, "Your new hairline")
    raster = rasterise(pdf, page, DPI)
    r = region(raster, pdf, page, placements(pdf, page)[0], inset=0)
    red = (r[..., 0] > 200) & (r[..., 1] < 120) & (r[..., 2] < 110)
    assert red.sum() > 300
    from smpstudio.reports.crop import head_box

    x0, y0, x1, y1 = head_box(step.pattern_step.design.scalp.analysis.masks.head)
    edge = np.asarray(plan["hairline"]["edge_px"])
    ky, kx = r.shape[0] / (y1 - y0), r.shape[1] / (x1 - x0)
    ys, xs = np.nonzero(red)
    # the drawn line lies where the design's edge is, on the page (within 4 % of the picture)
    assert abs(ys.mean() - (edge[:, 1].mean() - y0) * ky) < 0.04 * r.shape[0]
    assert abs(xs.min() - (edge[:, 0].min() - x0) * kx) < 0.04 * r.shape[1]
    assert abs(xs.max() - (edge[:, 0].max() - x0) * kx) < 0.04 * r.shape[1]


@pytest.mark.parametrize("argv, words", [
    (["--client-name", ""], "--client-name must not be empty"),
    ([], "--client-name is needed"),
    (["--client-name", "A", "--issued", "12/04/1979"], "is not a date written YYYY-MM-DD"),
    (["--client-name", "A", "--valid-days", "0"], "--valid-days must be between 1 and 365"),
    (["--client-name", "A", "--start", "2001-01-01"], "past"),
    (["--client-name", "A", "--years", "1,2,3,4"], "--years"),
    (["--client-name", "A", "--sessions", "9"], "--sessions"),
    (["--client-name", "A", "--style", "punk"], "unknown style"),
    (["missing.jpg", "--client-name", "A"], "file not found: missing.jpg"),
    (["--client-name", "A\x07B"], "control character"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, words):
    out = tmp_path / "out"
    code = run(["pack", *argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert not out.exists()


def test_quote_and_aftercare_are_a_function_of_plan_json(packed):
    """Rebuilt from plan.json alone (as the records service will), the sheets are byte for byte the CLI's."""
    from smpstudio.reports.pack import quote_number
    from smpstudio.reports.pdf_sheets import aftercare_pdf, quote_pdf
    from smpstudio.schema import PlanDocument

    pdfs, plan = packed
    doc = PlanDocument.model_validate(plan)
    assert quote_pdf(doc, client_name=CLIENT, issued=ISSUED, valid_days=30, clinic="SMP Studio",
                     number=quote_number(doc, ISSUED)) == pdfs["quote.pdf"]
    assert aftercare_pdf(doc, client_name=CLIENT, clinic="SMP Studio") == pdfs["aftercare.pdf"]


def test_a_stop_reads_as_words_for_the_client(packed):
    from smpstudio.plan.models import CheckBlock
    from smpstudio.reports.client_words import client_notes
    from smpstudio.schema import PlanDocument

    _, plan = packed
    doc = PlanDocument.model_validate(plan)
    stop = CheckBlock(code="contraindication_pregnancy", severity="stop", message="contraindication: pregnancy",
                      reason="do not treat until a physician clears it", source="domain.md §7")
    doc.checks = [*(doc.checks or []), stop]
    doc.warnings.append(f"{stop.message} ({stop.reason}; {stop.source})")
    stops, know = client_notes(doc)
    assert stops == ["We cannot start treatment yet: you told us about pregnancy. A doctor needs to clear this "
                     "first."]
    assert len(know) == len(set(know)) and not any("pregnancy" in k for k in know)
    assert any("crown" in k for k in know)  # the sample's frontal photo leaves the crown out


def test_a_contraindication_is_on_the_cover_in_words(tmp_path):
    intake = tmp_path / "intake.yaml"
    intake.write_text("pregnancy: true\nepilepsy: false\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(["pack", "--client-name", "B", "--intake", str(intake), "--sessions", "2", "--out", str(out)]) == 0
    pages = pages_text((out / "consultation.pdf").read_bytes())
    words = "We cannot start treatment yet: you told us about pregnancy. A doctor needs to clear this first."
    assert f"Before we can treat you: {words}" in pages[0]
    assert words in pages[-1]
    assert len(pages_text((out / "quote.pdf").read_bytes())) == 1
    # no --start: the pack speaks of intervals and days, never of dates it does not have
    assert "2, 14 days apart; the dates are set when you book" in pages[0]
    assert not any("not set" in p for p in pages)


@pytest.mark.parametrize("name", ["quote.pdf", "aftercare.pdf"])
def test_quote_and_aftercare_pages_are_drawn(packed, name):
    """Drawn by pdftoppm, the one-page sheet is an A4 page with its text inked on it: dark pixels over
    the page's upper part (heading and lines) inside the margins, none off the page's edge."""
    from tests.reports.pdf_helpers import page_size_pt

    pdfs, _ = packed
    w_pt, h_pt = page_size_pt(pdfs[name], 0)
    assert (round(w_pt), round(h_pt)) == (595, 842)  # A4
    page = rasterise(pdfs[name], 0, DPI)
    ink = page.mean(axis=2) < 128
    h, w = ink.shape
    assert 0.002 < ink.mean() < 0.2, ink.mean()
    assert ink[: h // 4].mean() > 0.002  # the heading and first lines
    margin = round(5 / 25.4 * DPI)  # nothing drawn within 5 mm of the paper's edge (the footer sits at ~8 mm)
    edge = ink.copy()
    edge[margin:-margin, margin:-margin] = False
    assert not edge.any()
    rows = np.nonzero(ink.any(axis=1))[0]
    assert len(np.unique(rows // round(DPI / 25.4 * 4))) >= 8  # at least eight separate 4 mm bands hold text
