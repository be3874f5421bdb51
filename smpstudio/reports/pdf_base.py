"""What every PDF of the client's pack shares: fonts, styles, page frame, images (ReportLab).

Fonts are DejaVu Sans, the TrueType files every matplotlib wheel ships (``mpl-data/fonts/ttf``; matplotlib
is a pinned dependency), embedded in each PDF: no system font is assumed, and "ΔE", "°", "€", "²" render.
Documents are built with ReportLab's ``invariant`` mode (fixed creation date and document id), so the same
consultation gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from smpstudio.plan.models import SessionBlock, TouchUpBlock
from smpstudio.schema import PlanDocument

FONT, FONT_BOLD = "SMPSans", "SMPSans-Bold"
PAGE = A4  # points (1/72 in)
MARGIN = 18 * mm
TEXT_WIDTH = PAGE[0] - 2 * MARGIN  # points
INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#666666")
ACCENT = colors.HexColor("#1f5f8b")
RULE = colors.HexColor("#c8d2da")
SHADE = colors.HexColor("#eef3f7")


def font_files() -> tuple[Path, Path]:
    """``(regular, bold)`` DejaVu Sans TrueType files shipped inside matplotlib."""
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ttf / "DejaVuSans.ttf", ttf / "DejaVuSans-Bold.ttf"


@functools.cache
def register_fonts() -> None:
    """Register the pack's fonts with ReportLab once per process."""
    from reportlab.lib.fonts import addMapping

    regular, bold = font_files()
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles by name: ``title``, ``h1``, ``h2``, ``body``, ``small``, ``cell``, ``cell_bold``."""
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.5, textColor=INK, spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=24, leading=29, spaceAfter=8,
                                textColor=ACCENT),
        "h1": ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceBefore=6,
                             spaceAfter=6, textColor=ACCENT),
        "h2": ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=11.5, leading=15, spaceBefore=6,
                             spaceAfter=3),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=MUTED),
        "caption": ParagraphStyle("caption", parent=body, fontSize=8.5, leading=10.5, alignment=1, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FONT_BOLD, fontSize=9, leading=11.5,
                                    spaceAfter=0),
    }


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped: a client's name may hold ``<`` or ``&``)."""
    return Paragraph(escape(text), styles()[style])


def rich(markup: str, style: str = "body") -> Paragraph:
    """A paragraph of ReportLab markup (``<b>``, ``<br/>``); the caller escapes what it inserts."""
    return Paragraph(markup, styles()[style])


JPEG_QUALITY = 92  # photos: ~1 level mean error, a tenth of a PNG's bytes (a 2 MP consultation: 12 MB as PNG)


def jpeg_bytes(image: np.ndarray) -> bytes:
    """An RGB uint8 photo as a baseline JPEG (quality 92, no chroma subsampling); ReportLab embeds the JPEG
    stream as it is (DCTDecode), so the PDF holds exactly these bytes."""
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(image, dtype=np.uint8), "RGB").save(
        buf, format="JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    return buf.getvalue()


def image(data: np.ndarray | bytes, width: float, height: float | None = None) -> Image:
    """An image flowable ``width`` points wide (height from the aspect ratio unless given), from an RGB
    uint8 array (embedded as JPEG, :func:`jpeg_bytes`) or PNG/JPEG bytes (embedded as given)."""
    raw = jpeg_bytes(data) if isinstance(data, np.ndarray) else data
    if height is None:
        from PIL import Image as PILImage

        w, h = PILImage.open(io.BytesIO(raw)).size
        height = width * h / w
    return Image(io.BytesIO(raw), width=width, height=height)


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header: bool = True,
          align_right: Sequence[int] = (), total_row: bool = False) -> Table:
    """A ruled table; string cells become wrapped paragraphs, the first row a bold header."""
    s = styles()
    data = []
    for i, row in enumerate(rows):
        style = s["cell_bold"] if (header and i == 0) or (total_row and i == len(rows) - 1) else s["cell"]
        data.append([Paragraph(escape(c), style) if isinstance(c, str) else c for c in row])
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    cmds: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        cmds += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT)]
    if total_row:
        cmds += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
    t.setStyle(TableStyle(cmds))
    for col in align_right:
        for row_cells in data:
            cell = row_cells[col]
            if isinstance(cell, Paragraph):
                cell.style = ParagraphStyle(f"{cell.style.name}-r", parent=cell.style, alignment=2)
    return t


def footer(left: str) -> Callable[[Canvas, Any], None]:
    """A page decoration: ``left`` and the page number at the foot of every page."""
    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, 12 * mm, PAGE[0] - MARGIN, 12 * mm)
        canvas.drawString(MARGIN, 8 * mm, left)
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"page {doc.page}")
        canvas.restoreState()
    return draw


def build_pdf(story: list[Any], *, title: str, author: str, footer_text: str) -> bytes:
    """The story laid out on A4 pages: PDF bytes (deterministic: ReportLab's invariant mode)."""
    from reportlab import rl_config

    register_fonts()
    # binary image streams: ReportLab 5's pure-Python ASCII85 encoder took 4 s of a 12 s pack
    rl_config.useA85 = 0
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=title, author=author, creator="SMP Studio",
                            invariant=1)
    deco = footer(footer_text)
    doc.build(story, onFirstPage=deco, onLaterPages=deco)
    return buf.getvalue()


def plan_sessions(doc: PlanDocument) -> list[SessionBlock]:
    """The plan's sessions of a consultation document (with dates, hours, aftercare), in order."""
    return [s for s in doc.sessions or [] if isinstance(s, SessionBlock)]


def fmt_date(d: dt.date | None) -> str:
    """A date as the pack prints it: ISO ``YYYY-MM-DD`` (``"not set"`` without one)."""
    return d.isoformat() if d is not None else "not set"


def touch_up_words(tu: TouchUpBlock) -> str:
    """When the touch-up is due, in words: ``around 2030-07-08 (3.4 years after the last session)``."""
    if tu.due_years is None:
        return "not within 8 years"
    after = f"{tu.due_years:.1f} years after the last session"
    return f"around {tu.due_date.isoformat()} ({after})" if tu.due_date is not None else f"about {after}"


def money(amount: float, currency: str) -> str:
    """``1,234.00 USD`` (two decimals, thousands separated)."""
    return f"{amount:,.2f} {currency}"
