"""Treatment zones on the photo, with their areas on the scalp's surface.

Zones (mutually exclusive, their union is the treatment region: scalp above the drawn hairline inside
the head's outline):

* ``hairline``: the first ``hairline_band_mm`` behind the edge (domain.md §3: a 2-4 cm hairline
  region holding the 0.5-1 cm transition zone), between the temporal points;
* ``temples``: lateral of the verticals through the lateral canthi;
* ``frontal``: behind the hairline band, the next ``frontal_depth_mm`` of scalp;
* ``mid_scalp``: behind the frontal zone, as far as the photo shows;
* ``crown``: the vertex; a frontal photo cannot show it, so it is reported as not visible (area 0)
  rather than invented.

Distances behind the hairline are surface distances on the head model (sagittal arc); areas are
surface areas (image area divided by the foreshortening of each pixel).
"""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio.analysis.types import Analysis
from smpstudio.design.types import Design, Hairline, Zone

HAIRLINE_BAND_MM = 30.0  # domain.md §3: hairline region 2-4 cm (Shapiro)
FRONTAL_DEPTH_MM = 50.0  # [derived] frontal scalp up to ~8 cm behind the hairline
MIN_FORESHORTENING = 0.2  # grazing pixels count at most 5x their image area


def _above_edge_mask(edge_px: np.ndarray, width: int, height: int) -> np.ndarray:
    """Pixels above (behind) the edge, the edge extended sideways from its ends to the image border."""
    far = 4 * (width + height)
    left, right = edge_px[0], edge_px[-1]
    poly = np.concatenate([
        [[left[0] - far, left[1]]],
        edge_px,
        [[right[0] + far, right[1]], [right[0] + far, -far], [left[0] - far, -far]],
    ])
    m = np.zeros((height, width), np.uint8)
    cv2.fillPoly(m, [np.round(poly * 16).astype(np.int32).reshape(-1, 1, 2)], 1, lineType=cv2.LINE_8, shift=4)
    return m.astype(bool)


def signed_distance_px(inside: np.ndarray) -> np.ndarray:
    """Signed Euclidean distance (px) to the boundary of ``inside``: positive inside, negative outside."""
    m = inside.astype(np.uint8)
    d_in = cv2.distanceTransform(m, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d_out = cv2.distanceTransform(1 - m, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return np.where(inside, d_in - 0.5, -(d_out - 0.5)).astype(np.float32)


def build_design(
    analysis: Analysis,
    hairline: Hairline,
    *,
    hairline_band_mm: float = HAIRLINE_BAND_MM,
    frontal_depth_mm: float = FRONTAL_DEPTH_MM,
) -> Design:
    """Zones, treatment region and the distance/foreshortening maps for a hairline on a photo."""
    w, h = analysis.image_size
    frame = analysis.frame
    head = analysis.head
    assert head is not None, "analysis without a head model"
    ppm = frame.px_per_mm
    edge_px = frame.to_px(hairline.edge_mm)
    above = _above_edge_mask(edge_px, w, h)
    behind_mm = signed_distance_px(above) / np.float32(ppm)

    arc, fs = head.surface_maps(w, h)
    on_skull = fs > 0.05
    treatment = above & analysis.masks.head & on_skull

    # surface distance behind the edge: arc of the pixel minus the arc of the edge in its column
    yy, xx = np.mgrid[0:h, 0:w]
    xy_mm = frame.to_mm(np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float64))
    x_mm = xy_mm[:, 0].reshape(h, w)
    edge_q, _ = head.surface_at_px(edge_px)
    edge_arc = head.surface_arc_mm(edge_q)
    ok = np.isfinite(edge_arc)
    if ok.sum() >= 2:
        arc_edge = np.interp(x_mm, hairline.edge_mm[ok, 0], edge_arc[ok])
        behind_surface = np.where(np.isfinite(arc), arc - arc_edge, behind_mm)
    else:
        behind_surface = behind_mm
    half_width = float(abs(hairline.control_mm[1, 0]))

    temples = treatment & (np.abs(x_mm) > half_width)
    central = treatment & ~temples
    band = central & (behind_surface < hairline_band_mm)
    frontal = central & ~band & (behind_surface < hairline_band_mm + frontal_depth_mm)
    mid = central & ~band & ~frontal

    px_area_mm2 = 1.0 / (ppm * ppm) / np.maximum(fs, MIN_FORESHORTENING)

    def area_cm2(mask: np.ndarray) -> float:
        return float(px_area_mm2[mask].sum() / 100.0)

    zones = [
        Zone("hairline", band, area_cm2(band)),
        Zone("frontal", frontal, area_cm2(frontal)),
        Zone("mid_scalp", mid, area_cm2(mid), visible=bool(mid.any()),
             note="partly visible in a frontal photo: only the part facing the camera is measured"),
        Zone("crown", np.zeros((h, w), bool), 0.0, visible=False,
             note="not visible in a frontal photo; add a top or back photo to plan it"),
        Zone("temples", temples, area_cm2(temples)),
    ]
    warnings = ["the crown is not visible in a frontal photo: it is not planned from this photo"]
    if not treatment.any():
        warnings.append("no scalp above the designed hairline is visible in this photo")
    return Design(
        frame=frame,
        hairline=hairline,
        zones=zones,
        treatment_mask=treatment,
        behind_hairline_mm=behind_mm.astype(np.float32),
        foreshortening=fs,
        warnings=warnings,
    )
