"""Zone outlines in photo pixels (plan.json ``zones[].polygon_px``) match the zone masks."""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio import propose_hairline
from smpstudio.design import zone_polygons_px


def _raster(polys, shape):
    m = np.zeros(shape, np.uint8)
    for p in polys:
        # a vertex on a pixel's corner: the pixel centres inside are those at vertex - 0.5
        q = np.round((np.asarray(p) - 0.5) * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(m, [q], 1, shift=4)
    return m.astype(bool)


def test_polygons_redraw_each_zone(astronaut_analysis):
    d = propose_hairline(astronaut_analysis)
    polys = zone_polygons_px(d)
    assert set(polys) == {z.name for z in d.zones}
    h, w = d.treatment_mask.shape
    for z in d.zones:
        if not z.mask.any():
            assert polys[z.name] == [], z.name
            continue
        assert polys[z.name], z.name
        for p in polys[z.name]:
            a = np.asarray(p)
            assert a.ndim == 2 and a.shape[1] == 2 and len(a) >= 3
            assert a[:, 0].min() >= 0 and a[:, 0].max() <= w and a[:, 1].min() >= 0 and a[:, 1].max() <= h
        r = _raster(polys[z.name], (h, w))
        iou = (r & z.mask).sum() / (r | z.mask).sum()
        n = int(z.mask.sum())
        print(z.name, f"{n} px, IoU of the redrawn outline {iou:.3f}, {sum(len(p) for p in polys[z.name])} vertices")
        # the 1 px simplification costs a thin zone (a few px across) more of its area
        assert iou > (0.9 if n >= 1000 else 0.7), z.name


def test_polygons_of_a_square_zone_are_its_corner_pixels(astronaut_analysis):
    d = propose_hairline(astronaut_analysis)
    m = np.zeros_like(d.treatment_mask)
    m[10:20, 30:50] = True  # x 30..49, y 10..19: corner pixels' centres at x 30.5 and 49.5, y 10.5 and 19.5
    for z in d.zones:
        z.mask = m if z.name == "frontal" else np.zeros_like(m)
    polys = zone_polygons_px(d)
    (sq,) = polys["frontal"]
    xs, ys = sorted({x for x, _ in sq}), sorted({y for _, y in sq})
    assert len(sq) == 4
    assert np.allclose([xs[0], xs[-1], ys[0], ys[-1]], [30.5, 49.5, 10.5, 19.5])
