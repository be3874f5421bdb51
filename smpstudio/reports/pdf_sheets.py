"""``quote.pdf`` and ``aftercare.pdf`` of the client's pack (ReportLab).

The quote's lines are the plan's own: the consultation and each planned session at the clinic's prices
(``cost.prices``), so its total is the plan's cost of SMP at year 0 (``cost.smp[0]``); the touch-up is
quoted as a later, separate price. The aftercare sheet is one page: every rule with its last day after
each session.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from smpstudio.reports.pdf_base import (
    TEXT_WIDTH,
    build_pdf,
    fmt_date,
    money,
    para,
    plan_sessions,
    rich,
    table,
    touch_up_words,
)
from smpstudio.schema import PlanDocument


def quote_lines(doc: PlanDocument) -> list[tuple[str, str, int, float]]:
    """``(description, date, quantity, unit price)`` of the quote, from the plan's sessions and prices."""
    assert doc.cost is not None
    p = doc.cost.prices
    lines = [("Consultation and hairline design", "", 1, float(p["smp_consultation"]))]
    for s in plan_sessions(doc):
        dates = " and ".join(v.date.isoformat() for v in s.visits if v.date is not None) or f"day {s.day}"
        what = f"Session {s.index}{' (suggested extra session)' if s.suggested else ''}: {s.impressions:,} " \
               f"impressions, about {s.duration_h:.1f} h, shade {s.dilution}"
        lines.append((what, dates, 1, float(p["smp_session"])))
    return lines


def quote_pdf(doc: PlanDocument, *, client_name: str, issued: dt.date, valid_days: int, clinic: str,
              number: str) -> bytes:
    """The quote (bytes): line items, total and currency, valid ``valid_days`` days from ``issued``."""
    assert doc.cost is not None and doc.touch_up is not None
    cur = doc.cost.currency
    lines = quote_lines(doc)
    total = sum(q * u for _, _, q, u in lines)
    valid_until = issued + dt.timedelta(days=valid_days)
    rows: list[list[str]] = [["Item", "date", "qty", "unit price", "amount"]]
    rows += [[d, when, str(q), money(u, cur), money(q * u, cur)] for d, when, q, u in lines]
    rows.append(["Total", "", "", "", money(total, cur)])
    tu = doc.touch_up
    touch_up = float(doc.cost.prices["smp_touch_up"])
    story = [para("Quote", "title"),
             rich(f"<b>{escape(clinic)}</b><br/>Quote {escape(number)} for <b>{escape(client_name)}</b><br/>"
                  f"Issued {issued.isoformat()} · valid until <b>{valid_until.isoformat()}</b> · prices in {cur}"),
             Spacer(1, 6 * mm),
             table(rows, [TEXT_WIDTH - 120 * mm, 40 * mm, 12 * mm, 34 * mm, 34 * mm], align_right=(2, 3, 4),
                   total_row=True),
             Spacer(1, 5 * mm),
             para("Later, not included in the total", "h2"),
             table([["Item", "expected", "price"],
                    ["Touch-up session", touch_up_words(tu).split(" (")[0], money(touch_up, cur)]],
                   [TEXT_WIDTH - 80 * mm, 46 * mm, 34 * mm], align_right=(2,)),
             Spacer(1, 5 * mm),
             para(f"The number of sessions, their length and the impressions come from your consultation plan; "
                  f"a session split over consecutive days is one session. This quote is valid until "
                  f"{valid_until.isoformat()}; after that the clinic's prices of the day apply.", "small")]
    return build_pdf(story, title=f"Quote {number}: {client_name}", author=clinic,
                     footer_text=f"{clinic} · quote {number} · {client_name} · valid until {valid_until.isoformat()}")


AFTERCARE_ALSO = (
    "Keep the scalp clean and dry; pat, do not rub. No scrubs or exfoliating products on the scalp.",
    "Some redness for 2-5 days and flaking around days 3-10 are normal; the shade settles in about four weeks.",
    "Call the clinic if you see spreading redness, swelling, pus or a fever.",
)  # the aftercare sheet's general lines (also on the client portal)


def aftercare_pdf(doc: PlanDocument, *, client_name: str, clinic: str) -> bytes:
    """One page: each aftercare rule and its last day after every session."""
    sessions = plan_sessions(doc)
    rules: list[str] = []
    for s in sessions:
        rules += [a.rule for a in s.aftercare if a.rule not in rules]
    rows = [["Rule"] + [f"after session {s.index}" for s in sessions]]
    for r in rules:
        row = [r]
        for s in sessions:
            a = next((a for a in s.aftercare if a.rule == r), None)
            row.append("" if a is None else (fmt_date(a.until) if a.until else
                                             ("for life" if a.days is None else f"{a.days} days")))
        rows.append(row)
    dates = [f"Session {s.index}: " + (" and ".join(v.date.isoformat() for v in s.visits if v.date)
                                       or f"day {s.day}") for s in sessions]
    col = min(32 * mm, (TEXT_WIDTH - 70 * mm) / len(sessions))
    story = [para("Aftercare", "title"),
             rich(f"For <b>{escape(client_name)}</b> · {escape(clinic)}<br/>{escape(' · '.join(dates))}"),
             Spacer(1, 5 * mm),
             para("After each session, keep each rule up to and including the date in its column."),
             table(rows, [TEXT_WIDTH - col * len(sessions)] + [col] * len(sessions)),
             Spacer(1, 5 * mm),
             para("Also", "h2"),
             *[para(f"• {line}") for line in AFTERCARE_ALSO]]
    return build_pdf(story, title=f"Aftercare: {client_name}", author=clinic,
                     footer_text=f"{clinic} · aftercare for {client_name}")
