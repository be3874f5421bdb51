"""The annotated consultation image: landmarks, scale bar, hairline, control points and zones."""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio.analysis.types import Analysis
from smpstudio.design.types import Design
from smpstudio.imaging.intake import to_uint8

ZONE_COLOURS = {  # RGB
    "hairline": (255, 140, 0),
    "frontal": (60, 180, 255),
    "mid_scalp": (150, 90, 255),
    "temples": (80, 220, 120),
    "crown": (255, 80, 160),
}


def annotate(rgb: np.ndarray, analysis: Analysis, design: Design, *, min_side_px: int = 1024) -> np.ndarray:
    """Draw the analysis and design on a copy of the photo; returns uint8 RGB.

    Small photos are enlarged (nearest-neighbour free: area/linear) to ``min_side_px`` so that the
    drawing stays legible; large ones are drawn at full size.
    """
    h, w = rgb.shape[:2]
    k = max(1.0, min_side_px / min(w, h))
    base = rgb if k == 1.0 else cv2.resize(rgb, (round(w * k), round(h * k)), interpolation=cv2.INTER_LINEAR)
    img = to_uint8(base).copy()
    lw = max(1, round(min(img.shape[:2]) / 500))

    # zones, translucent
    overlay = img.copy()
    for z in design.zones:
        if not z.visible or not z.mask.any():
            continue
        m = z.mask if k == 1.0 else cv2.resize(z.mask.astype(np.uint8), (img.shape[1], img.shape[0]),
                                                interpolation=cv2.INTER_NEAREST).astype(bool)
        overlay[m] = ZONE_COLOURS.get(z.name, (255, 255, 255))
    img = cv2.addWeighted(overlay, 0.35, img, 0.65, 0)

    frame = design.frame
    for p in analysis.landmarks_px:
        cv2.circle(img, (int(p[0] * k), int(p[1] * k)), max(1, lw // 2), (0, 255, 255), -1, cv2.LINE_AA)
    for x, y in analysis.points_px.values():
        cv2.circle(img, (int(x * k), int(y * k)), 2 * lw + 1, (255, 0, 0), -1, cv2.LINE_AA)
    edge = (frame.to_px(design.hairline.edge_mm) * k).round().astype(np.int32)
    curve = (frame.to_px(design.hairline.curve_mm) * k).round().astype(np.int32)
    cv2.polylines(img, [curve.reshape(-1, 1, 2)], False, (255, 255, 255), lw, cv2.LINE_AA)
    cv2.polylines(img, [edge.reshape(-1, 1, 2)], False, (255, 40, 40), lw, cv2.LINE_AA)
    for c in frame.to_px(design.hairline.control_mm) * k:
        cv2.circle(img, (int(c[0]), int(c[1])), 3 * lw + 2, (255, 255, 0), lw, cv2.LINE_AA)
    # canthus verticals
    for key in ("left_lateral_canthus", "right_lateral_canthus"):
        x_mm = frame.to_mm(np.array([analysis.points_px[key]]))[0, 0]
        seg = frame.to_px(np.array([[x_mm, -10.0], [x_mm, design.hairline.mfp_height_image_mm + 30]])) * k
        cv2.line(img, tuple(seg[0].astype(int)), tuple(seg[1].astype(int)), (200, 200, 200), 1, cv2.LINE_AA)

    # scale bar: 10 mm
    ppm = frame.px_per_mm * k
    x0, y0 = int(0.04 * img.shape[1]), int(0.95 * img.shape[0])
    cv2.rectangle(img, (x0 - 4, y0 - 26 * lw), (x0 + int(10 * ppm) + 60 * lw, y0 + 6 * lw), (0, 0, 0), -1)
    cv2.line(img, (x0, y0), (x0 + int(round(10 * ppm)), y0), (255, 255, 255), 2 * lw)
    cv2.putText(img, f"10 mm ({analysis.scale.px_per_mm:.2f} px/mm, {analysis.scale.source})", (x0, y0 - 8 * lw),
                cv2.FONT_HERSHEY_SIMPLEX, 0.4 * lw, (255, 255, 255), lw, cv2.LINE_AA)
    mfp = frame.to_px(design.hairline.control_mm[len(design.hairline.control_mm) // 2])[0] * k
    cv2.putText(img, f"MFP {design.hairline.mfp_height_mm:.0f} mm", (int(mfp[0]) + 6 * lw, int(mfp[1]) - 6 * lw),
                cv2.FONT_HERSHEY_SIMPLEX, 0.45 * lw, (255, 255, 255), lw, cv2.LINE_AA)
    return img
