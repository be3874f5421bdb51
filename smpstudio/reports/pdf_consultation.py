"""``consultation.pdf``: one consultation explained to the client (ReportLab).

Cover (client, date, before | every session healed, the plan in figures); the hairline drawn over the
photo; before and after each session; healing week by week; the years after and the touch-up; the
sessions table; aftercare with dates; cost against a transplant and medication; what to know (the plan's
checks and warnings in the client's words, :mod:`smpstudio.reports.client_words`); the disclaimer that
the pictures are a simulation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

from smpstudio.reports.client_words import client_notes, shade_with_mix
from smpstudio.reports.pack_images import PackImages
from smpstudio.reports.pdf_base import (
    TEXT_WIDTH,
    build_pdf,
    fmt_date,
    image,
    money,
    para,
    plan_sessions,
    rich,
    table,
    touch_up_words,
)
from smpstudio.schema import PlanDocument

DISCLAIMER = (
    "The pictures in this document are a computer simulation made from your photo: they show how the dots "
    "are expected to look, not a promise of the result. Your skin, healing, sun exposure and aftercare "
    "change how the pigment settles and fades. Dates, times and prices are a plan; your artist confirms "
    "them at each visit. The shaved head is simulated too.")
COLOUR_NOTE = "Shade: parts of water to one part of carbon pigment (more water = lighter)."


def _grid(cells: list[tuple[Any, str]], columns: int, width: float) -> Table:
    """Images with captions under them, ``columns`` to a row."""
    rows: list[list[Any]] = []
    row: list[Any] = []
    for img, caption in cells:
        row.append([img, para(caption, "caption")])
        if len(row) == columns:
            rows.append(row)
            row = []
    if row:
        rows.append(row + [""] * (columns - len(row)))
    t = Table(rows, colWidths=[width / columns] * columns, hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return t


def _session_dates(s: Any) -> str:
    dates = [v.date for v in s.visits if v.date is not None]
    if not dates:
        return f"day {s.day}"
    return " and ".join(d.isoformat() for d in dates)


def _years_label(name: str, renders: dict[str, float], due: dt.date | None) -> str:
    y = renders.get(name, 0.0)
    if name == "healed.png":
        return "every session healed"
    if name == "touch-up-due.png":
        return f"touch-up due ({y:.1f} years{', ' + due.isoformat() if due else ''})"
    return f"{y:g} year{'s' if y != 1 else ''} after the last session"


def consultation_pdf(doc: PlanDocument, images: PackImages, *, client_name: str, issued: dt.date,
                     clinic: str, fading_chart_png: bytes, cost_chart_png: bytes) -> bytes:
    """The consultation PDF (bytes).

    Parameters
    ----------
    doc : PlanDocument
        The consultation's ``plan.json`` (:func:`smpstudio.pipeline.consultation_document`).
    images : PackImages
        Head crops of the renders (:func:`smpstudio.reports.pack_images.pack_images`).
    client_name, clinic : str
    issued : datetime.date
        Date of the consultation printed on the cover.
    fading_chart_png, cost_chart_png : bytes
        :func:`smpstudio.reports.charts.fading_png` and :func:`~smpstudio.reports.charts.cost_png`.
    """
    assert doc.sessions is not None and doc.cost is not None and doc.touch_up is not None
    sessions = plan_sessions(doc)
    cost, tu = doc.cost, doc.touch_up
    cur = cost.currency
    n = len(images.healed)
    story: list[Any] = []

    # ---- cover ------------------------------------------------------------------------------------------
    story += [para("Your scalp micropigmentation plan", "title"),
              rich(f"Prepared for <b>{escape(client_name)}</b> &nbsp;·&nbsp; consultation of "
                   f"{issued.isoformat()} &nbsp;·&nbsp; {escape(clinic)}"), Spacer(1, 5 * mm)]
    half = TEXT_WIDTH / 2 - 4
    story.append(_grid([(image(images.before, half - 6), "today (photo as taken)"),
                        (image(images.years["healed.png"], half - 6), f"after all {n} sessions, healed")],
                       2, TEXT_WIDTH))
    first, last = sessions[0], sessions[-1]
    hours = sum(s.duration_h for s in sessions)
    price_now = cost.smp[0]
    facts = [["", ""],
             ["Sessions", f"{len(sessions)}, from {fmt_date(first.date)} to {fmt_date(last.visits[-1].date)}"
              if first.date is not None else
              f"{len(sessions)}, {last.day // max(1, len(sessions) - 1)} days apart; the dates are set when you book"],
             ["Time in the chair", f"about {hours:.1f} hours in all"],
             ["Treatment price", f"{money(price_now, cur)} (consultation and sessions; see the quote)"],
             ["Touch-up", touch_up_words(tu)],
             [f"Cost over {cost.years[-1]:g} years", f"SMP {money(cost.totals['smp'], cur)}; hair transplant "
              f"{money(cost.totals['transplant'], cur)}; medication {money(cost.totals['medication'], cur)}"]]
    stops, know = client_notes(doc)
    story += [rich(f"<font color='#b00020'><b>Before we can treat you:</b></font> {escape(t)}") for t in stops]
    story += [Spacer(1, 3 * mm), table(facts[1:], [45 * mm, TEXT_WIDTH - 45 * mm], header=False),
              Spacer(1, 4 * mm), para(DISCLAIMER, "small"), PageBreak()]

    # ---- hairline ---------------------------------------------------------------------------------------
    hl = doc.hairline
    story += [para("Your new hairline", "h1"),
              _grid([(image(images.hairline, half - 6), "on your photo"),
                     (image(images.hairline_shown, half - 6), "on the head shown shaved (simulated)")], 2, TEXT_WIDTH),
              para("Red: the proposed front edge of the dots; white: the smooth line it follows; circle: its centre "
                   "point.", "small"),
              para(f"The centre of the hairline sits {hl.mfp_height_mm / 10:.1f} cm above the point between your "
                   f"eyebrows, measured along the forehead, in a {hl.style} style for age {hl.age}. The edge is "
                   "deliberately irregular, as natural hairlines are. Your artist draws it on your head before "
                   "session 1 and you agree it together in the mirror."), PageBreak()]

    # ---- session by session -----------------------------------------------------------------------------
    third = TEXT_WIDTH / 3 - 8
    aspect = images.before.shape[0] / images.before.shape[1]
    # the rows of every session on one page: ~235 mm below the title, ~18 mm of heading and captions a row
    row_w = min(third, (235 * mm / n - 18 * mm) / aspect)
    story.append(para("Before and after each session", "h1"))
    for k in range(1, n + 1):
        s = next(x for x in sessions if x.index == k)
        before = images.before if k == 1 else images.healed[k - 1]
        before_caption = "before session 1 (photo as taken)" if k == 1 else f"before session {k}"
        story.append(KeepTogether([
            para(f"Session {k}: {_session_dates(s)} · shade {shade_with_mix(s.water_parts, s.dilution)} · "
                 f"{s.impressions:,} impressions", "h2"),
            _grid([(image(before, row_w), before_caption), (image(images.fresh[k], row_w), "right after"),
                   (image(images.healed[k], row_w), "healed (4 weeks later)")], 3, TEXT_WIDTH)]))
    story.append(PageBreak())

    # ---- healing ----------------------------------------------------------------------------------------
    story.append(para("While it heals", "h1"))
    if images.healing is not None:
        story.append(_grid([(image(images.fresh[1], third), "session 1, right after"),
                            (image(images.healing, third), "a week later: flaking, patchy, lighter"),
                            (image(images.healed[1], third), "settled (4 weeks)")], 3, TEXT_WIDTH))
    story.append(para("A week after each session the dots look patchy and lighter as the skin flakes: this is "
                      "normal and expected, not a failure. Judge the shade from four weeks on."))
    for s in sessions:
        rows = [["What you will see", "from", "to"]] + [
            [h.stage, fmt_date(h.from_date) if h.from_date else f"day {h.from_day}",
             (fmt_date(h.to_date) if h.to_date else (f"day {h.to_day}" if h.to_day is not None else "onwards"))]
            for h in s.healing]
        story.append(KeepTogether([para(f"After session {s.index} ({_session_dates(s)})", "h2"),
                                   table(rows, [TEXT_WIDTH - 60 * mm, 30 * mm, 30 * mm])]))
    story.append(PageBreak())

    # ---- the years after --------------------------------------------------------------------------------
    story.append(para("Over the years", "h1"))
    ry = {r.file: r.years_after_last_session for r in images.renders}
    names = ["healed.png"] + sorted((k for k in images.years if k.startswith("years-")), key=lambda k: ry[k])
    names += ["touch-up-due.png"] if "touch-up-due.png" in images.years else []
    quarter = TEXT_WIDTH / len(names) - 8
    story.append(_grid([(image(images.years[k], quarter), _years_label(k, ry, tu.due_date)) for k in names],
                       len(names), TEXT_WIDTH))
    due_text = ("The model does not expect a touch-up within 8 years." if tu.due_years is None else
                f"The pigment fades slowly. A touch-up is due {touch_up_words(tu)}, when the dots have lost about "
                f"{100 * (1 - tu.threshold_relative_contrast):.0f} % of their contrast. Sun, oily skin and "
                "exfoliating scrubs make it sooner.")
    story += [para(due_text), image(fading_chart_png, TEXT_WIDTH * 0.85), PageBreak()]

    # ---- sessions table ---------------------------------------------------------------------------------
    rows = [["#", "date", "hours", "shade", "impressions", "needles"]]
    for s in sessions:
        rows.append([f"{s.index}{' (extra)' if s.suggested else ''}", _session_dates(s), f"{s.duration_h:.1f}",
                     s.dilution, f"{s.impressions:,}", ", ".join(f"{x.configuration} {x.diameter_mm:.2f} mm "
                                                               f"({x.use})" for x in s.needle)])
    story += [para("Your sessions", "h1"),
              table(rows, [16 * mm, 38 * mm, 15 * mm, 15 * mm, 27 * mm, TEXT_WIDTH - 111 * mm], align_right=(2, 4)),
              para(COLOUR_NOTE, "small")]
    if any(s.suggested for s in sessions):
        story.append(para("(extra): a session the plan suggests to even out the shade; about one client in five "
                          "needs it.", "small"))

    # ---- aftercare --------------------------------------------------------------------------------------
    story.append(para("Aftercare", "h1"))
    story.append(para("After each session, until the date shown:"))
    for s in sessions:
        rows = [["Rule", "until"]] + [[a.rule, fmt_date(a.until) if a.until else
                                       ("for life" if a.days is None else f"{a.days} days")] for a in s.aftercare]
        story.append(KeepTogether([para(f"After session {s.index} ({_session_dates(s)})", "h2"),
                                   table(rows, [TEXT_WIDTH - 35 * mm, 35 * mm])]))
    story.append(PageBreak())

    # ---- cost -------------------------------------------------------------------------------------------
    horizon = cost.years[-1]
    finasteride = ", with finasteride to keep the native hair" if cost.prices.get("transplant_with_finasteride") else ""
    rows = [["Option", f"total over {horizon:g} years", "what it includes"],
            ["Scalp micropigmentation", money(cost.totals["smp"], cur),
             f"consultation, {len(sessions)} sessions, {cost.touch_ups} touch-up(s)"],
            ["Hair transplant", money(cost.totals["transplant"], cur),
             f"{cost.grafts:,} grafts in {cost.transplant_sessions} session(s)" + finasteride],
            ["Medication alone", money(cost.totals["medication"], cur), "finasteride and minoxidil every month"]]
    story += [para(f"Cost over {horizon:g} years", "h1"), image(cost_chart_png, TEXT_WIDTH * 0.85),
              table(rows, [45 * mm, 38 * mm, TEXT_WIDTH - 83 * mm], align_right=(1,))]
    story += [para(n_, "small") for n_ in cost.notes]
    story.append(para("A transplant moves your own hair and needs enough donor hair; medication slows hair loss "
                      "but does not restore a hairline. Prices are this clinic's list prices.", "small"))

    # ---- what to know -----------------------------------------------------------------------------------
    story.append(para("Good to know", "h1"))
    if stops:
        story.append(para("Before we can treat you", "h2"))
        story += [rich(f"<font color='#b00020'><b>!</b></font> {escape(t)}") for t in stops]
    story += [para(f"• {t}") for t in know] or [para("Nothing in your plan needs special attention.")]
    story += [para("About these pictures", "h2"), para(DISCLAIMER)]
    return build_pdf(story, title=f"Consultation: {client_name}", author=clinic,
                     footer_text=f"{clinic} · consultation for {client_name} · {issued.isoformat()} · "
                                 "the pictures are a simulation")
