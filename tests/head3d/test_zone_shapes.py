"""The zones' shapes on the model and in the diagrams: no box, no notch, Norwood VII barer than VI, the
head drawn as its scalp (not a ball of skin)."""

from __future__ import annotations

import numpy as np

from smpstudio.head3d.diagram import BG_RGB, SKIN_MARGIN_DEG, render_view
from smpstudio.head3d.stages import all_stage_areas
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.treatment import whole_treatment
from smpstudio.head3d.zones import ZONES, fringe_top_deg, zone_map


def test_norwood_7_is_barer_than_norwood_6():
    # Norwood 1975: VII keeps only a narrow horseshoe; VI's higher fringe is bald in VII
    areas = {a.stage: a for a in all_stage_areas(zone_map(HeadSurface.average(), 0.5))}
    assert areas["norwood-7"].bald_cm2 > areas["norwood-6"].bald_cm2 + 40
    assert areas["norwood-7"].kept_cm2 < areas["norwood-6"].kept_cm2


def test_the_top_region_is_rounded_seen_from_above():
    # the frontal zone's lateral edge: its half width changes along the head (a box would keep it constant)
    zm = zone_map(HeadSurface.average(), 0.5)
    pts = zm.grid.points_mm[zm.mask("frontal")]
    z = pts[:, 2]
    bins = np.linspace(np.percentile(z, 5), np.percentile(z, 95), 6)
    half = [np.abs(pts[(z >= a) & (z < b), 0]).max() for a, b in zip(bins[:-1], bins[1:], strict=True)]
    assert max(half) - min(half) > 4.0  # mm


def test_the_fringe_top_has_no_notch():
    s = HeadSurface.average()
    al = np.arange(60.0, 180.0, 0.5)
    top = fringe_top_deg(s, al)
    curvature = np.abs(np.diff(top, 2))
    assert curvature.max() < 0.1  # deg per 0.5 deg²: a kink (the old distance to the sideburn) gave > 1
    # the temples are one piece below the top region: every azimuth band of the temples is contiguous in theta
    zm = zone_map(s, 0.5)
    t = zm.mask("temples")
    for j in np.flatnonzero(t.any(axis=0)):
        rows = np.flatnonzero(t[:, j])
        assert rows[-1] - rows[0] + 1 == len(rows)


def test_the_diagram_draws_the_scalp_not_a_ball_of_skin():
    t = whole_treatment(HeadSurface.average(), "norwood-6", seed=0)
    img, _ = render_view(t, "left", px_per_mm=2.0)
    # the chin side of the head (lowest fifth of the silhouette, in front of the ear) is background
    h, w = img.shape[:2]
    low = img[int(0.8 * h):int(0.9 * h), int(0.15 * w):int(0.4 * w)]
    assert np.mean(np.all(low == np.array(BG_RGB, np.uint8), axis=-1)) > 0.9
    assert SKIN_MARGIN_DEG < 30
    assert len(ZONES) == 7
