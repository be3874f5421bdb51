"""Reading the pack's PDFs back: text (pypdf), image placements (the content stream's ``cm`` at each
``Do``) and page images rasterised by poppler's ``pdftoppm`` (Debian ``poppler-utils``)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from pypdf import PdfReader


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, runs of white space (line breaks inside table cells) as one space."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def placements(pdf: bytes, page: int) -> list[tuple[float, float, float, float]]:
    """``(x, y, w, h)`` in points (origin bottom-left) of every image drawn on ``page`` (0-based), in drawing
    order."""
    found: list[tuple[float, float, float, float]] = []

    def visit(op: bytes, args: list, cm: list, tm: list) -> None:
        if op == b"Do":
            found.append((float(cm[4]), float(cm[5]), float(cm[0]), float(cm[3])))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_operand_before=visit)
    return found


def page_size_pt(pdf: bytes, page: int) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[page].mediabox
    return float(box.width), float(box.height)


def rasterise(pdf: bytes, page: int, dpi: int = 150) -> np.ndarray:
    """Page ``page`` (0-based) as an RGB uint8 image drawn by ``pdftoppm`` at ``dpi``."""
    exe = shutil.which("pdftoppm")
    if exe is None:  # as the browser tests do without chromium; .ci/run installs it
        import pytest

        pytest.skip("pdftoppm is not installed (Debian poppler-utils; .ci/run installs it)")
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run([exe, "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-singlefile", "-png",
                        str(src), str(Path(d) / "out")], check=True, capture_output=True, timeout=120)
        return np.asarray(Image.open(Path(d) / "out.png").convert("RGB"))


def region(raster: np.ndarray, pdf: bytes, page: int, box: tuple[float, float, float, float],
           inset: int = 2) -> np.ndarray:
    """The raster's pixels inside ``box`` (points, PDF coordinates), ``inset`` px trimmed on each side."""
    _, height_pt = page_size_pt(pdf, page)
    k = raster.shape[0] / height_pt
    x, y, w, h = box
    x0, x1 = round(x * k) + inset, round((x + w) * k) - inset
    y0, y1 = round((height_pt - y - h) * k) + inset, round((height_pt - y) * k) - inset
    return raster[y0:y1, x0:x1]


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two uint8 images, levels 0-255."""
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def render_diff(r: np.ndarray, expected: np.ndarray, shift: int = 2) -> float:
    """Mean absolute difference (levels) of a page region and a render scaled to it (bilinear), the smallest
    over shifts of up to ``shift`` px (the region's edges are rounded to whole pixels of the raster)."""
    import cv2

    e = cv2.resize(np.ascontiguousarray(expected), (r.shape[1], r.shape[0]), interpolation=cv2.INTER_LINEAR)
    m = shift + 3
    return min(mean_abs_diff(np.roll(r, (dy, dx), (0, 1))[m:-m, m:-m], e[m:-m, m:-m])
               for dy in range(-shift, shift + 1) for dx in range(-shift, shift + 1))
