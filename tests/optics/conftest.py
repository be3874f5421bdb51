"""Each test photo (the sample, biden.jpg, obama.jpg) through the pipeline once, with all its renders."""

from __future__ import annotations

import pytest

from .viewing import make_case

PHOTOS = ("sample", "biden.jpg", "obama.jpg")


@pytest.fixture(scope="session", params=PHOTOS)
def case(request):
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.real_photos import photo_path
    from smpstudio.imaging.samples import sample_photo

    photo = sample_photo() if request.param == "sample" else load_photo(photo_path(request.param))
    return make_case(request.param, photo)
