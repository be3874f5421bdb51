"""The client's pack from one planned consultation: ``consultation.pdf``, ``quote.pdf``, ``aftercare.pdf``.

One call renders the pictures (:mod:`smpstudio.reports.pack_images`), the charts
(:mod:`smpstudio.reports.charts`) and the three PDFs, and returns them with the ``plan.json`` they were
made from, so a shell (``smp pack``, later the records service) writes what it gets.

Examples
--------
>>> import datetime as dt
>>> from smpstudio.imaging.samples import sample_photo
>>> from smpstudio.pipeline import Inputs, Pipeline, PlanInputs
>>> step = Pipeline().plan(sample_photo(), Inputs(plan=PlanInputs(start=dt.date(2027, 1, 11))))
>>> pack = client_pack(step, client_name="A. Client", issued=dt.date(2027, 1, 4))
>>> sorted(pack.pdfs), pack.pdfs["quote.pdf"][:5]
(['aftercare.pdf', 'consultation.pdf', 'quote.pdf'], b'%PDF-')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from smpstudio.errors import SMPError
from smpstudio.pipeline import PlanStep
from smpstudio.schema import PlanDocument

DEFAULT_CLINIC = "SMP Studio"
DEFAULT_VALID_DAYS = 30
MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class ClientPack:
    """The pack's files: PDF bytes by file name, and the consultation document they show."""

    pdfs: dict[str, bytes]
    document: PlanDocument


def check_name(name: str, what: str = "--client-name") -> str:
    """A printable person's or clinic's name: not empty, one line, at most 120 characters."""
    text = " ".join(name.split())
    if not text:
        raise SMPError(f"{what} must not be empty")
    if len(text) > MAX_NAME_CHARS:
        raise SMPError(f"{what} is {len(text)} characters long; at most {MAX_NAME_CHARS}")
    if any(not c.isprintable() for c in text):
        raise SMPError(f"{what} holds a control character")
    return text


def quote_number(doc: PlanDocument, issued: dt.date) -> str:
    """``Q-YYYYMMDD-xxxxxx``: the issue date and the first digits of the photo's pixel digest and seed
    (the same consultation quoted the same day has the same number)."""
    import hashlib

    key = f"{doc.photo.pixels_sha256}:{doc.seed}".encode()
    return f"Q-{issued:%Y%m%d}-{hashlib.sha256(key).hexdigest()[:6].upper()}"


def client_pack(step: PlanStep, *, client_name: str, issued: dt.date, clinic: str = DEFAULT_CLINIC,
                valid_days: int = DEFAULT_VALID_DAYS, years: tuple[float, ...] = (1.0, 3.0)) -> ClientPack:
    """Render and lay out the client's pack.

    Parameters
    ----------
    step : PlanStep
        :meth:`smpstudio.pipeline.Pipeline.plan` of the consultation.
    client_name, clinic : str
        Printed on every page.
    issued : datetime.date
        Date of the consultation and of the quote.
    valid_days : int
        Days the quote is valid from ``issued``.
    years : tuple of float
        Years after the last session shown in the consultation (besides the touch-up).
    """
    from smpstudio.optics.fading import HEALING_YEARS
    from smpstudio.pipeline import consultation_document
    from smpstudio.pipeline.renders import default_closeup_center_mm
    from smpstudio.reports.charts import cost_png, fading_png
    from smpstudio.reports.pack_images import pack_images
    from smpstudio.reports.pdf_consultation import consultation_pdf
    from smpstudio.reports.pdf_sheets import aftercare_pdf, quote_pdf

    client_name = check_name(client_name)
    clinic = check_name(clinic, "--clinic-name")
    if not 1 <= valid_days <= 365:
        raise SMPError(f"the quote's validity must be 1-365 days (got {valid_days})")
    images = pack_images(step, years)
    doc = consultation_document(step, closeup_center_mm=default_closeup_center_mm(step), closeup_px_per_mm=24.0,
                                renders=images.renders)
    fade, cost = step.result.fading, step.result.cost
    fading_chart = fading_png(np.asarray(fade.years) + HEALING_YEARS, fade.contrast_relative,
                              threshold=fade.threshold, touch_up_years=doc.touch_up.due_years if doc.touch_up else None,
                              pigment_remaining=fade.pigment_remaining)
    cost_chart = cost_png(cost.years, cost.cumulative, currency=cost.currency)
    pdfs = {
        "consultation.pdf": consultation_pdf(doc, images, client_name=client_name, issued=issued, clinic=clinic,
                                             fading_chart_png=fading_chart, cost_chart_png=cost_chart),
        "quote.pdf": quote_pdf(doc, client_name=client_name, issued=issued, valid_days=valid_days, clinic=clinic,
                               number=quote_number(doc, issued)),
        "aftercare.pdf": aftercare_pdf(doc, client_name=client_name, clinic=clinic),
    }
    return ClientPack(pdfs=pdfs, document=doc)
