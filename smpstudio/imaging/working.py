"""The working resolution of a consultation: photos above a pixel budget are reduced first.

A consultation keeps several full-size float32 images and masks (the photo as taken and as shown,
regions, the design's distance and foreshortening maps, the render scene); at 24 MP that is ~2.3 GB.
Every output of a preview is viewed at display size (the side-by-side is at most 4096 px wide, the
close-up is rendered from the pattern in millimetres at >= 15 px/mm, not from the photo), so photos
above ``WORKING_MEGAPIXELS`` are reduced by area averaging to that budget before the analysis, and
all pixel coordinates of ``plan.json`` refer to the reduced photo (the note says by how much).

Examples
--------
>>> import numpy as np
>>> from smpstudio.imaging.intake import Photo
>>> big = Photo(rgb=np.zeros((4000, 4000, 3), np.float32))
>>> small = working_photo(big, max_megapixels=4.0)
>>> small.width * small.height <= 4_000_000, small.notes[-1].startswith("reduced from 4000x4000")
(True, True)
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from smpstudio.imaging.intake import Photo

WORKING_MEGAPIXELS = 12.0  # [calibration choice] keeps a 24 MP preview under 1.5 GB peak (benchmarks/bench_memory.py)


def working_photo(photo: Photo, max_megapixels: float = WORKING_MEGAPIXELS) -> Photo:
    """The photo itself when within ``max_megapixels``, else reduced (area average, float32) to fit it."""
    pixels = photo.width * photo.height
    if pixels <= max_megapixels * 1e6:
        return photo
    scale = math.sqrt(max_megapixels * 1e6 / pixels)
    size = (max(1, math.floor(photo.width * scale)), max(1, math.floor(photo.height * scale)))
    rgb = cv2.resize(photo.rgb, size, interpolation=cv2.INTER_AREA).astype(np.float32, copy=False)
    note = (f"reduced from {photo.width}x{photo.height} to {size[0]}x{size[1]} for the consultation "
            f"(at most {max_megapixels:g} MP; plan.json's pixels refer to the reduced photo)")
    return dataclasses.replace(photo, rgb=rgb, notes=photo.notes + (note,))
