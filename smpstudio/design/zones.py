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

from dataclasses import replace

import cv2
import numpy as np

from smpstudio.analysis.headmodel import MIN_FORESHORTENING
from smpstudio.analysis.types import Analysis, FaceFrame
from smpstudio.design.types import Design, Hairline, Zone

HAIRLINE_BAND_MM = 30.0  # domain.md §3: hairline region 2-4 cm (Shapiro)
FRONTAL_DEPTH_MM = 50.0  # [derived] frontal scalp up to ~8 cm behind the hairline
WORK_PX_PER_MM = 2.0  # geometry resolution (0.5 mm cells)
TREATMENT_MARGIN_MM = 2.0  # [calibration] the treatment keeps this far inside the head's outline


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


def _resize_mask(m: np.ndarray, w: int, h: int) -> np.ndarray:
    if m.shape == (h, w):
        return m.astype(bool)
    return cv2.resize(np.ascontiguousarray(m, dtype=bool).view(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0


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
    """Zones, treatment region and the distance/foreshortening maps for a hairline on a photo.

    The geometry is computed at no more than ``WORK_PX_PER_MM`` (0.5 mm cells) and scaled up to the
    photo: zone borders are exact to half a millimetre whatever the photo's resolution (the distance
    behind the line is interpolated, not stepped).
    """
    w, h = analysis.image_size
    frame = analysis.frame
    head = analysis.head
    assert head is not None, "analysis without a head model"
    ppm = frame.px_per_mm
    k = min(1.0, WORK_PX_PER_MM / ppm)
    ww, wh = max(1, round(w * k)), max(1, round(h * k))
    kx, ky = ww / w, wh / h
    frame_w = FaceFrame((frame.origin_px[0] * kx, frame.origin_px[1] * ky), ppm * kx, frame.roll_deg)
    head_w = replace(head, origin_px=head.origin_px * np.array([kx, ky, kx]), px_per_mm=head.px_per_mm * kx)
    head_mask = analysis.masks.head
    if k < 1.0:
        head_mask = cv2.resize(head_mask.astype(np.uint8), (ww, wh), interpolation=cv2.INTER_AREA) > 0

    side_hair = _resize_mask(analysis.masks.hair, ww, wh)
    if analysis.masks.scalp is not None:
        side_hair |= _resize_mask(analysis.masks.scalp, ww, wh)
    side_hair &= ~_resize_mask(analysis.masks.face, ww, wh)  # never on the face (a fringe, the temples' skin)
    r = max(1, round(TREATMENT_MARGIN_MM * frame_w.px_per_mm))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    head_mask = cv2.erode(head_mask.astype(np.uint8), disk) > 0

    edge_px = frame_w.to_px(hairline.edge_mm)
    above = _above_edge_mask(edge_px, ww, wh)
    behind_mm = signed_distance_px(above) / np.float32(frame_w.px_per_mm)
    arc, fs = head_w.surface_maps(ww, wh, step=max(4, min(ww, wh) // 200))
    on_skull = head_mask & (fs > 0.05)
    treatment = above & on_skull

    # x on the face frame (affine in the pixel position) and the surface distance behind the edge:
    # the pixel's sagittal arc minus the arc of the edge at the same x
    a = np.deg2rad(frame_w.roll_deg)
    xs = (np.arange(ww, dtype=np.float32) + np.float32(0.5) - np.float32(frame_w.origin_px[0]))
    ys = (np.arange(wh, dtype=np.float32) + np.float32(0.5) - np.float32(frame_w.origin_px[1]))
    x_mm = (xs[None, :] * np.float32(np.cos(a)) + ys[:, None] * np.float32(np.sin(a))) / np.float32(frame_w.px_per_mm)
    edge_q, _ = head_w.surface_at_px(edge_px)
    edge_arc = head_w.surface_arc_mm(edge_q)
    ok = np.isfinite(edge_arc)
    if ok.sum() >= 2:
        arc_edge = np.interp(x_mm, hairline.edge_mm[ok, 0], edge_arc[ok]).astype(np.float32)
        behind_surface = np.where(np.isfinite(arc), arc - arc_edge, behind_mm)
    else:
        behind_surface = behind_mm
    half_width = float(abs(hairline.control_mm[1, 0]))

    # the sides: hair-bearing (or bald) scalp lateral of the line's ends, down to the eyes' height, is
    # treated too (a thinning or buzzed client's sides blend with the top; domain.md §8)
    lateral_end = float(min(abs(hairline.edge_mm[0, 0]), abs(hairline.edge_mm[-1, 0])))
    y_mm = (-xs[None, :] * np.float32(np.sin(a)) + ys[:, None] * np.float32(np.cos(a))) / np.float32(-frame_w.px_per_mm)
    canthi = frame.to_mm(np.array([analysis.points_px["left_lateral_canthus"],
                                   analysis.points_px["right_lateral_canthus"]]))
    eye_y = float(canthi[:, 1].max())
    sides = on_skull & side_hair & (np.abs(x_mm) > lateral_end) & (y_mm > eye_y)
    treatment |= sides
    # below the line's sideways extension the sides are not "in front of the hairline": they carry hair of
    # their own, and their dots rise from that hair's edge (with the face, the ear, the background) over the
    # same transition as behind the line, not from the top line
    below = sides & ~above
    if below.any():
        from_edge_mm = cv2.distanceTransform(treatment.astype(np.uint8), cv2.DIST_L2, 3) / np.float32(frame_w.px_per_mm)
        behind_mm = np.where(below, np.maximum(behind_mm, from_edge_mm), behind_mm)
        behind_surface = np.where(below, np.float32(hairline_band_mm + frontal_depth_mm), behind_surface)

    names = ["hairline", "frontal", "mid_scalp", "temples"]
    labels = np.zeros((wh, ww), np.uint8)  # 0 = not treated, i + 1 = names[i]
    temples = treatment & ((np.abs(x_mm) > half_width) | below)
    central = treatment & ~temples
    labels[central] = 3
    labels[central & (behind_surface < hairline_band_mm + frontal_depth_mm)] = 2
    labels[central & (behind_surface < hairline_band_mm)] = 1
    labels[temples] = 4

    # surface area per zone, summed on the working grid (a cell covers 1 / (kx ky) photo pixels; the zone
    # borders are only known to the grid's 0.5 mm anyway)
    cell_mm2 = np.float32(1.0 / (ppm * ppm * kx * ky)) / np.maximum(fs, np.float32(MIN_FORESHORTENING))
    areas_cm2 = np.bincount(labels.ravel(), weights=cell_mm2.ravel(), minlength=len(names) + 1) / 100.0
    if k < 1.0:
        labels = np.asarray(cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST), dtype=np.uint8)
        behind_mm = np.asarray(cv2.resize(behind_mm, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)
        fs = np.asarray(cv2.resize(fs, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)
    masks = {n: labels == i + 1 for i, n in enumerate(names)}
    mid = masks["mid_scalp"]
    zones = [
        Zone("hairline", masks["hairline"], float(areas_cm2[1])),
        Zone("frontal", masks["frontal"], float(areas_cm2[2])),
        Zone("mid_scalp", mid, float(areas_cm2[3]), visible=bool(mid.any()),
             note="partly visible in a frontal photo: only the part facing the camera is measured"),
        Zone("crown", np.zeros((h, w), bool), 0.0, visible=False,
             note="not visible in a frontal photo; add a top or back photo to plan it"),
        Zone("temples", masks["temples"], float(areas_cm2[4])),
    ]
    treatment_full = labels > 0
    warnings = ["the crown is not visible in a frontal photo: it is not planned from this photo"]
    if not treatment_full.any():
        warnings.append("no scalp above the designed hairline is visible in this photo")
    return Design(
        frame=frame,
        hairline=hairline,
        zones=zones,
        treatment_mask=treatment_full,
        behind_hairline_mm=behind_mm.astype(np.float32, copy=False),
        foreshortening=fs.astype(np.float32, copy=False),
        warnings=warnings,
    )
