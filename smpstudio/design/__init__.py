"""Hairline design and treatment zones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from smpstudio.analysis.types import Analysis
from smpstudio.design.hairline import design_hairline, edit_hairline, keep_on_head
from smpstudio.design.types import STYLES, Design, Hairline, Zone
from smpstudio.design.zones import build_design

__all__ = ["STYLES", "Design", "Hairline", "Zone", "edit_design", "edit_design_moves", "hair_front_image_mm",
           "propose_hairline",
           "zone_polygons_px"]


def propose_hairline(
    analysis: Analysis,
    *,
    age: int = 35,
    style: str = "soft",
    mfp_height_mm: float | None = None,
    conservative: bool = False,
    seed: int = 0,
    hair_as_taken: np.ndarray | None = None,
) -> Design:
    """Propose a hairline and its treatment zones for an analysed photo.

    Parameters
    ----------
    analysis : Analysis
        From :func:`smpstudio.analyze`.
    age : int
        Client's age in years; older clients get a higher, more receded, convex line.
    style : {"soft", "broken", "defined"}
    mfp_height_mm : float, optional
        Mid-frontal point height along the forehead's surface, 70-100 mm (default from the age).
    conservative : bool
        Raise the line 10 mm (a first session, or any doubt).
    seed : int
        Seed for the edge's irregularity (recorded in the plan).
    hair_as_taken : ndarray of bool, shape (H, W), optional
        The hair mask of the photo as taken (before a buzz or shave): where the client's hair begins on
        the midline, the proposed line is not lowered below (:func:`~smpstudio.design.hairline.keep_on_head`).

    Returns
    -------
    Design
        The hairline lies on the head: where the proposed line would leave the head's outline
        (:func:`~smpstudio.design.hairline.keep_on_head`) it is lowered, and a warning says by how much.

    Examples
    --------
    >>> from skimage import data
    >>> from smpstudio import analyze
    >>> d = propose_hairline(analyze(data.astronaut()), age=40, style="soft")
    >>> d.hairline.mfp_height_mm <= 100
    True

    On the sample the 85 mm line of a 40-year-old would leave the head's outline (the top of the
    hair), so it is lowered onto the head and says so:

    >>> any("lowered to stay on the head" in w for w in d.warnings)
    True
    """
    assert analysis.head is not None
    from smpstudio.analysis.landmarks import IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS

    canthi = analysis.landmarks_3d[[IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS]].astype(np.float64)
    hl = design_hairline(analysis.head, analysis.frame, canthi, age=age, style=style,
                         mfp_height_mm=mfp_height_mm, conservative=conservative, seed=seed)
    on_head = keep_on_head(hl, analysis.frame, analysis.masks.head,
                           floor_mm=None if hair_as_taken is None else hair_front_image_mm(analysis, hair_as_taken))
    if on_head is not hl:
        mfp = len(hl.control_mm) // 2
        on_head = replace(on_head, mfp_height_mm=surface_height_at(analysis, float(on_head.control_mm[mfp, 1])))
    design = build_design(analysis, on_head)
    if on_head is not hl:
        design.warnings.append(
            f"the proposed hairline left the head's outline on this photo; it was lowered to stay on the head "
            f"(MFP {on_head.mfp_height_mm:.0f} mm above the glabella instead of {hl.mfp_height_mm:.0f} mm)")
    design.warnings = list(analysis.warnings) + design.warnings
    return design


def edit_design(analysis: Analysis, design: Design, index: int, new_xy_mm: tuple[float, float], *,
                mirror: bool = True) -> Design:
    """Move a control point of the hairline (mirrored by default) and rebuild the zones."""
    return edit_design_moves(analysis, design, [(index, new_xy_mm)], mirror=mirror)


def edit_design_moves(analysis: Analysis, design: Design,
                      moves: Sequence[tuple[int, tuple[float, float]]], *, mirror: bool = True) -> Design:
    """Each of ``moves`` (index, new position in face-frame mm) in order, with the zones rebuilt once: the
    same design as :func:`edit_design` move by move.

    Each move sets its control point's position (and its mirror's), so only the final control points
    shape the zones; rebuilding them after every move (~35 ms each on a display-size photo) is skipped.
    """
    if not moves:
        return design
    hl = design.hairline
    for index, xy in moves:
        hl = edit_hairline(hl, index, xy, mirror=mirror)
    assert analysis.head is not None
    mid = len(hl.control_mm) // 2
    hl = replace(hl, mfp_height_mm=surface_height_at(analysis, float(hl.control_mm[mid, 1])))
    new = build_design(analysis, hl)
    new.warnings = list(analysis.warnings) + new.warnings
    return new


def hair_front_image_mm(analysis: Analysis, hair_mask: np.ndarray) -> float | None:
    """Image height (face frame, mm) of where the client's hair begins on the midline, or None."""
    from smpstudio.design.recession import frontal_recession

    head = analysis.head
    assert head is not None
    rec = frontal_recession(analysis, hair_mask, 0.0)
    if rec is None or rec.hair_front_mm is None:
        return None
    return float(analysis.frame.to_mm(head.head_to_px(head.midline_point(rec.hair_front_mm)[None]))[0, 1])


def surface_height_at(analysis: Analysis, y_image_mm: float) -> float:
    """Surface distance above the glabella (mm) of the midline point at image height ``y_image_mm``."""
    import numpy as np

    head = analysis.head
    assert head is not None
    arcs = np.linspace(0.0, 200.0, 801)
    points = head.midline_points(arcs)
    ys = analysis.frame.to_mm(head.head_to_px(points))[:, 1]  # one projection of all 801 points
    top = int(np.argmax(ys))  # the projected height grows until the vault turns away from the camera
    return float(np.interp(y_image_mm, ys[: top + 1], arcs[: top + 1]))


def zone_polygons_px(design: Design, tolerance_px: float = 1.0) -> dict[str, list[list[list[float]]]]:
    """Outline of each zone on the photo, for ``zones[].polygon_px`` of plan.json.

    Parameters
    ----------
    design : Design
    tolerance_px : float
        Douglas-Peucker tolerance of the simplified outlines, photo pixels.

    Returns
    -------
    dict
        Zone name -> list of polygons (outer borders of the zone's connected parts, holes not
        included), each a list of ``[x, y]`` vertices in photo pixels (origin at the top-left pixel's
        corner): the centres of the zone's border pixels (OpenCV's contour convention, shifted by
        half a pixel), simplified. A zone with no pixels (the crown in a frontal photo) has none.

    Examples
    --------
    >>> from skimage import data
    >>> from smpstudio import analyze
    >>> polys = zone_polygons_px(propose_hairline(analyze(data.astronaut())))
    >>> sorted(polys) == sorted(z for z in ("hairline", "frontal", "mid_scalp", "crown", "temples"))
    True
    >>> polys["crown"]
    []
    """
    import cv2

    out: dict[str, list[list[list[float]]]] = {}
    for z in design.zones:
        polys: list[list[list[float]]] = []
        if z.mask.any():
            # contours through border pixels' centres (+0.5 px: the centre of pixel i is at i + 0.5)
            m = cv2.copyMakeBorder(z.mask.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
            contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            for c in contours:
                c = cv2.approxPolyDP(c, tolerance_px, True)
                if len(c) < 3:
                    continue
                pts = c.reshape(-1, 2).astype(np.float64) - 1.0 + 0.5
                polys.append([[round(float(x), 2), round(float(y), 2)] for x, y in pts])
        out[z.name] = polys
    return out
