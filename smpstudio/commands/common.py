"""Helpers shared by the CLI commands (I/O lives here, not in the engine)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from smpstudio.errors import OptionError
from smpstudio.imaging.intake import Photo, load_photo, to_uint8
from smpstudio.imaging.samples import sample_photo


def read_photo(path: Path | None) -> Photo:
    """The photo at ``path``, or the embedded sample when no path is given."""
    return sample_photo() if path is None else load_photo(path)


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an RGB image (uint8, or float32 in [0, 1]) as PNG with no metadata.

    Encoded by :func:`smpstudio.imaging.png.encode_png` (3x OpenCV's fastest settings, smaller files;
    ``benchmarks/bench_png.py``), which matters for the many 12 MP images a preview writes.
    """
    from smpstudio.imaging.png import encode_png

    arr = image if image.dtype == np.uint8 else to_uint8(image)
    path.write_bytes(encode_png(arr))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def check_range(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    """Refuse a value outside [lo, hi] with one readable line."""
    if not lo <= value <= hi:
        u = f" {unit}" if unit else ""
        raise OptionError(f"{name} must be between {lo:g} and {hi:g}{u} (got {value:g}{u})")
