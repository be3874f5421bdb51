"""What the client portal shows, in the client's words: the plan's sessions with dates and hours, the
price (the quote's total, :func:`smpstudio.reports.pdf_sheets.quote_lines`), the bookings in the
clinic's time zone, and the aftercare rules with their last day after each session (domain.md §7, as
the aftercare sheet prints them)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from smpstudio.records.services_clinic import clinic_tz
from smpstudio.records.services_portal import PortalRecords
from smpstudio.reports.client_words import shade_words
from smpstudio.reports.pdf_base import money, plan_sessions, touch_up_words
from smpstudio.reports.pdf_sheets import AFTERCARE_ALSO, quote_lines
from smpstudio.schema import PlanDocument
from smpstudio.web.portal_render import PACK_FILES

PACK_LABELS = {"consultation.pdf": "Your consultation (plan, pictures, dates, aftercare)",
               "quote.pdf": "Your quote", "aftercare.pdf": "Aftercare sheet"}


class PortalSession(BaseModel):
    number: int
    dates: list[dt.date] = Field(description="the plan's day(s) of the session (a long one is split over days)")
    booked: str | None = Field(default=None, description="the booked appointment of this session, in words")
    hours: float
    shade: str


class PortalPlan(BaseModel):
    version: int
    sessions: list[PortalSession]
    total: float = Field(description="the quote's total (consultation and sessions)")
    currency: str
    price_text: str
    touch_up: str | None


class PortalAppointment(BaseModel):
    when: str = Field(description="in words, in the clinic's time zone")
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: str
    artist: str
    session_number: int | None


class PortalAftercare(BaseModel):
    rule: str
    until: list[str] = Field(description="last day of the rule after each session, in the plan's order")


class PortalFile(BaseModel):
    name: str
    label: str


class PortalOut(BaseModel):
    clinic: str
    clinic_address: str | None
    first_name: str
    expires_at: dt.datetime
    expires_words: str = Field(description="the link's end in the clinic's zone, e.g. Saturday 2 January 2027, 13:53")
    plan: PortalPlan | None
    appointments: list[PortalAppointment]
    aftercare: list[PortalAftercare]
    aftercare_also: list[str]
    pack: list[PortalFile] = Field(description="GET /api/portal/pack/{name} with X-Portal-Token (plans saved from a "
                                   "consultation with its photo)")
    pictures: list[str] = Field(description="GET /api/portal/pictures/{name}.jpg with X-Portal-Token: before, after")


def _when(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    return f"{a:%A} {a.day} {a:%B %Y}, {a:%H:%M}-{b:%H:%M}"


def _at(when: dt.datetime, tz: dt.tzinfo) -> str:
    a = when.astimezone(tz)
    return f"{a:%A} {a.day} {a:%B %Y}, {a:%H:%M}"


def portal_view(rec: PortalRecords) -> PortalOut:
    """The portal's page data of one open link."""
    tz = clinic_tz(rec.clinic)
    # pictures and pack are drawn again from the photo a consultation saved (smpstudio.web.portal_render)
    drawn = rec.plan is not None and bool(((rec.plan.plan_json or {}).get("consultation") or {}).get("photo_id"))
    plan: PortalPlan | None = None
    aftercare: list[PortalAftercare] = []
    if rec.plan is not None:
        doc = PlanDocument.model_validate(rec.plan.plan_json)
        sessions = plan_sessions(doc)
        lines = quote_lines(doc) if doc.cost is not None else []
        total = sum(q * u for _, _, q, u in lines)
        currency = doc.cost.currency if doc.cost is not None else rec.clinic.currency
        booked = {a.session_number: _when(a.starts_at, a.ends_at, tz) for a, _ in rec.appointments
                  if a.plan_id == rec.plan.id and a.session_number}
        plan = PortalPlan(
            version=rec.plan.version,
            sessions=[PortalSession(number=s.index, dates=[v.date for v in s.visits if v.date is not None],
                                    booked=booked.get(s.index), hours=round(s.duration_h, 1),
                                    shade=shade_words(s.water_parts))
                      for s in sessions],
            total=total, currency=currency, price_text=money(total, currency),
            touch_up=touch_up_words(doc.touch_up) if doc.touch_up is not None else None)
        rules: list[str] = []
        for s in sessions:
            rules += [a.rule for a in s.aftercare if a.rule not in rules]
        for r in rules:
            until = []
            for s in sessions:
                a = next((a for a in s.aftercare if a.rule == r), None)
                until.append("" if a is None else (a.until.isoformat() if a.until else
                                                   ("for life" if a.days is None else f"{a.days} days")))
            aftercare.append(PortalAftercare(rule=r, until=until))
    return PortalOut(
        clinic=rec.clinic.name, clinic_address=rec.clinic.address, first_name=rec.client.first_name,
        expires_at=rec.link.expires_at, expires_words=_at(rec.link.expires_at, tz), plan=plan,
        appointments=[PortalAppointment(when=_when(a.starts_at, a.ends_at, tz), starts_at=a.starts_at,
                                        ends_at=a.ends_at, room=a.room, artist=artist,
                                        session_number=a.session_number) for a, artist in rec.appointments],
        aftercare=aftercare, aftercare_also=list(AFTERCARE_ALSO),
        pack=[PortalFile(name=n, label=PACK_LABELS[n]) for n in PACK_FILES] if drawn else [],
        pictures=["before", "after"] if drawn else [])
