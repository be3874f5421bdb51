"""The plan beside the preview, in words a client understands (ITA and ΔE only in ``details``).

Prices are the quote's lines (:func:`smpstudio.reports.pdf_sheets.quote_lines`), so the page, the
client's pack and the stored plan show one total.
"""

from __future__ import annotations

from smpstudio.reports.client_words import client_notes, shade_words
from smpstudio.reports.pdf_sheets import quote_lines
from smpstudio.schema import PlanDocument
from smpstudio.web.consult_schemas import PlanView, SessionLine


def plan_view(doc: PlanDocument) -> PlanView:
    """Sessions with dates, hours, shade, impressions and price; what must be resolved; the details."""
    assert doc.cost is not None and doc.touch_up is not None and doc.sessions is not None
    price = float(doc.cost.prices["smp_session"])
    sessions = [
        SessionLine(index=s.index, date=getattr(s, "date", None), day=s.day, hours=round(float(s.duration_h), 1),
                    shade=shade_words(s.water_parts), dilution=s.dilution, pigment=s.pigment.name,
                    impressions=int(s.impressions), price=price,
                    suggested=bool(s.suggested))
        for s in doc.sessions if hasattr(s, "duration_h")
    ]
    stops, know = client_notes(doc)
    skin, last = doc.skin, sessions[-1] if sessions else None
    details: dict[str, int | float | str | None] = {
        "skin ITA (deg)": round(skin.ita_deg, 1) if skin else None,
        "skin class": skin.ita_class if skin else None,
        "target shade source": doc.pigment.target_source if doc.pigment else None,
        "healed match ΔE00": round(float(doc.sessions[-1].healed_match_delta_e), 2)  # type: ignore[union-attr]
        if last is not None and hasattr(doc.sessions[-1], "healed_match_delta_e") else None,
        "dots": doc.pattern.dots if doc.pattern else None,
        "treatment area (cm²)": doc.treatment_area_cm2,
        "MFP height (mm)": doc.hairline.mfp_height_mm,
        "mix per session (water:pigment)": ", ".join(f"{ln.index}: {ln.dilution}" for ln in sessions),
    }
    return PlanView(sessions=sessions, currency=doc.cost.currency,
                    total_price=round(sum(q * u for _, _, q, u in quote_lines(doc)), 2),
                    touch_up_years=doc.touch_up.due_years, touch_up_date=doc.touch_up.due_date,
                    must_resolve=stops, good_to_know=know, details=details)
