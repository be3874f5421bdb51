"""The client's pack of each real test photo: the photo and every session's render are on the page."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.reports.pdf_helpers import pages_text, placements, rasterise, region, render_diff


@pytest.fixture(scope="module")
def consultation(real_photo):
    from smpstudio.imaging.working import working_photo
    from smpstudio.pipeline import Inputs, Pipeline, PlanInputs
    from smpstudio.pipeline.renders import scene_for, session_renders
    from smpstudio.reports.crop import head_box
    from smpstudio.reports.pack import client_pack

    photo = working_photo(real_photo)
    start = dt.date.today() + dt.timedelta(days=10)
    step = Pipeline().plan(photo, Inputs(plan=PlanInputs(start=start, today=dt.date.today())))
    pack = client_pack(step, client_name="Real Photo", issued=dt.date.today())
    x0, y0, x1, y1 = head_box(step.pattern_step.design.scalp.analysis.masks.head)
    renders = {k: v[y0:y1, x0:x1] for k, v in session_renders(step, scene_for(step))}
    renders["before"] = step.pattern_step.design.scalp.original.to_uint8()[y0:y1, x0:x1]
    return pack, renders


def test_sessions_page_shows_the_renders(consultation):
    pack, img = consultation
    pdf = pack.pdfs["consultation.pdf"]
    page = next(i for i, t in enumerate(pages_text(pdf)) if "Before and after each session" in t)
    n = len([s for s in pack.document.sessions or [] if not getattr(s, "suggested", False)])
    expected = []
    for k in range(1, n + 1):
        expected += [img["before"] if k == 1 else img[f"session-{k - 1}-healed.png"],
                     img[f"session-{k}-fresh.png"], img[f"session-{k}-healed.png"]]
    raster = rasterise(pdf, page, 150)
    boxes = placements(pdf, page)
    assert len(boxes) == len(expected)
    for box, exp in zip(boxes, expected, strict=True):
        # the right render in each slot: within JPEG-q92 + resampling noise (~1.5-4.3 levels measured), while
        # the photo as taken differs by ~33 levels
        assert render_diff(region(raster, pdf, page, box, inset=0), exp) < 6.0


def test_dates_and_total_in_the_text(consultation):
    pack, _ = consultation
    doc = pack.document
    text = " ".join(pages_text(pack.pdfs["consultation.pdf"]))
    quote = " ".join(pages_text(pack.pdfs["quote.pdf"]))
    for s in doc.sessions or []:
        assert s.date.isoformat() in text and s.date.isoformat() in quote  # type: ignore[union-attr]
    assert doc.cost is not None
    assert f"Total {doc.cost.smp[0]:,.2f} {doc.cost.currency}" in quote
    assert len(pages_text(pack.pdfs["aftercare.pdf"])) == 1
