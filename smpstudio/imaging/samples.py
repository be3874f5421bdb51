"""The embedded sample portrait: scikit-image's ``astronaut`` (Eileen Collins, NASA, public domain).

It ships inside the scikit-image wheel (``skimage/data/astronaut.png``), so no download is needed.
"""

from __future__ import annotations

from smpstudio.imaging.intake import Photo

SAMPLE_NAME = "astronaut (scikit-image; NASA, public domain)"


def sample_photo() -> Photo:
    """The sample portrait as a :class:`Photo` (512 x 512, ~0.7 px/mm at the face)."""
    from skimage import data

    return Photo(rgb=Photo.from_array(data.astronaut()).rgb, source_format="PNG", notes=(f"sample: {SAMPLE_NAME}",))
