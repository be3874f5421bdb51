"""Helpers for tests that drive the ``smp`` command line in-process."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from smpstudio.cli import main


def run(argv: list[str]) -> int:
    """Run ``smp ARGV`` in this process; its exit status (0 when it returns normally)."""
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def read_png(path: Path) -> np.ndarray:
    """An RGB PNG the CLI wrote, as a uint8 array (checks it really is an RGB PNG)."""
    im = Image.open(io.BytesIO(Path(path).read_bytes()))
    assert im.format == "PNG" and im.mode == "RGB"
    return np.asarray(im)
