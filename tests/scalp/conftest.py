"""The scalp step run once per test photo (the sample, biden.jpg, obama.jpg)."""

from __future__ import annotations

import numpy as np
import pytest

PHOTOS = ("astronaut", "biden.jpg", "obama.jpg", "obama2.jpg")


@pytest.fixture(scope="session", params=PHOTOS)
def scalp_case(request, astronaut_photo, astronaut_analysis):
    """(name, photo rgb, analysis, ScalpResult) for each test photo, mode auto, seed 0."""
    from smpstudio import analyze
    from smpstudio.imaging.intake import load_photo
    from smpstudio.imaging.real_photos import photo_path
    from smpstudio.scalp import prepare_scalp

    if request.param == "astronaut":
        rgb, analysis = astronaut_photo.rgb, astronaut_analysis
    else:
        photo = load_photo(photo_path(request.param))
        rgb, analysis = photo.rgb, analyze(photo)
    return request.param, rgb, analysis, prepare_scalp(rgb, analysis, seed=0)


def seam_strength(photo: np.ndarray, out: np.ndarray, changed: np.ndarray,
                  beside: np.ndarray | None = None) -> tuple[float, float] | None:
    """Mean colour step (sRGB, L2) across every 4-neighbour pair that straddles the boundary of ``changed``
    (only pairs whose unchanged pixel lies in ``beside``, if given): in the output, and in the photo at the
    same pairs. None when fewer than 20 pairs straddle it (no such boundary to measure)."""
    g_out, g_photo = [], []
    for dy, dx in ((0, 1), (1, 0)):
        h, w = changed.shape
        a, b = changed[: h - dy, : w - dx], changed[dy:, dx:]
        edge = a != b
        if beside is not None:
            sa, sb = beside[: h - dy, : w - dx], beside[dy:, dx:]
            edge &= np.where(a, sb, sa)
        for img, acc in ((out, g_out), (photo, g_photo)):
            acc.append(np.linalg.norm(img[: h - dy, : w - dx][edge] - img[dy:, dx:][edge], axis=1))
    go, gp = np.concatenate(g_out), np.concatenate(g_photo)
    if len(go) <= 20:
        return None
    return float(go.mean()), float(gp.mean())
