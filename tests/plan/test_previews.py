"""A fair and a dark synthetic client rendered with the plan's shades (dot engine optics + compositing)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from smpstudio.optics.colour import delta_e2000, linear_to_lab
from smpstudio.plan.plan import PlanOptions, build_plan

render = pytest.importorskip("smpstudio.render.render")
optics = pytest.importorskip("smpstudio.optics.dot")

PPM = 10  # px per mm
SIZE_MM = 12


def _preview(skin_lin: np.ndarray, fraction: float, pigment_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dots on a 1 mm triangular grid composited onto flat skin; returns the image and the dot centres."""
    rows = []
    for r in range(1, SIZE_MM):
        for c in range(1, SIZE_MM):
            rows.append(((c + 0.5 * (r % 2)) * PPM, r * PPM * 0.866))
    xy = np.array(rows)
    look = optics.dot_look(skin_lin, fraction, optics.TARGET_DEPTH_MM, 0.25, pigment_rgb_linear=pigment_rgb)
    amp = np.clip(look.core_amp, 0.0, 1.0)  # the dots' cores only (no dermal haze): the skin between stays
    sigma_px = float(look.core_sigma_mm) * PPM
    splats = render.Splats.isotropic(xy[:, 0], xy[:, 1], sigma_px, np.tile(amp, (len(xy), 1)))
    n = SIZE_MM * PPM
    opacity = render.render_opacity(splats, n, n)
    photo = np.broadcast_to(skin_lin.astype(np.float32), (n, n, 3)).copy()
    return render.composite(photo, opacity), xy


def _client(make_scalp, skin_lab):
    rgb, skin, hair = make_scalp(skin_lab, hair_lab=(16.0, 2.0, 4.0))
    r = build_plan(rgb, skin, hair, area_cm2=150.0, options=PlanOptions(today=dt.date(2030, 1, 1)))
    final = [s for s in r.block.sessions if not s.suggested][-1]
    skin_lin = np.asarray(r.skin.rgb_linear, dtype=np.float64)
    img, xy = _preview(skin_lin, final.pigment_fraction, np.asarray(final.pigment.rgb_linear))
    centres = np.array([img[int(round(y)), int(round(x))] for x, y in xy])
    return r, linear_to_lab(skin_lin), linear_to_lab(centres.mean(axis=0)), img


def test_fair_and_dark_previews_differ_as_the_handbook_says(make_scalp):
    fair, fair_skin, fair_dot, fair_img = _client(make_scalp, (80.0, 5.0, 14.0))
    dark, dark_skin, dark_dot, dark_img = _client(make_scalp, (34.0, 10.0, 14.0))
    # the plan dilutes more for the fair client (domain.md §1: 20:1 light ... little water on dark skin)
    ff = [s.pigment_fraction for s in fair.block.sessions if not s.suggested][-1]
    df = [s.pigment_fraction for s in dark.block.sessions if not s.suggested][-1]
    assert ff < df
    # measured on the rendered previews: both show dots darker than the skin, a soft grey on fair skin
    # (L* well above the dark client's dots), and the dark client's dots stay close to the skin tone
    assert fair_dot[0] < fair_skin[0] - 5 and dark_dot[0] < dark_skin[0] - 3
    assert fair_dot[0] > dark_dot[0] + 20
    assert delta_e2000(fair_dot, fair_skin) > delta_e2000(dark_dot, dark_skin)
    # between the dots the skin is untouched: the preview keeps the client's own tone
    gap = fair_img[int(0.5 * PPM), int(0.2 * PPM)]
    assert delta_e2000(linear_to_lab(gap), fair_skin) < 1.0
    # the dots on fair skin are cooler than the skin: chroma and b* fall (carbon grey, domain.md §2)
    assert fair_dot[2] < fair_skin[2] - 3
