"""Fixtures shared across the test suite (the sample portrait and its analysis, computed once)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def astronaut_rgb() -> np.ndarray:
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_photo(astronaut_rgb):
    from smpstudio.imaging.intake import Photo

    return Photo.from_array(astronaut_rgb)


@pytest.fixture(scope="session")
def astronaut_analysis(astronaut_photo):
    from smpstudio import analyze

    return analyze(astronaut_photo)


REAL_PHOTOS = ("biden.jpg", "obama.jpg", "obama2.jpg")


@pytest.fixture(scope="session", params=REAL_PHOTOS)
def real_photo_path(request):
    """Each real test photo (installed by scripts/setup.sh from a pinned registry package)."""
    from smpstudio.imaging.real_photos import photo_path

    return photo_path(request.param)


@pytest.fixture(scope="session")
def real_photo(real_photo_path):
    from smpstudio.imaging.intake import load_photo

    return load_photo(real_photo_path)
