"""Hairline design and treatment zones."""

from __future__ import annotations

from dataclasses import replace

from smpstudio.analysis.types import Analysis
from smpstudio.design.hairline import design_hairline, edit_hairline
from smpstudio.design.types import STYLES, Design, Hairline, Zone
from smpstudio.design.zones import build_design

__all__ = ["STYLES", "Design", "Hairline", "Zone", "edit_design", "propose_hairline"]


def propose_hairline(
    analysis: Analysis,
    *,
    age: int = 35,
    style: str = "soft",
    mfp_height_mm: float | None = None,
    conservative: bool = False,
    seed: int = 0,
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

    Returns
    -------
    Design

    Examples
    --------
    >>> from skimage import data
    >>> from smpstudio import analyze
    >>> d = propose_hairline(analyze(data.astronaut()), age=40, style="soft")
    >>> 70 <= d.hairline.mfp_height_mm <= 100
    True
    """
    assert analysis.head is not None
    canthi = (analysis.points_px["left_lateral_canthus"], analysis.points_px["right_lateral_canthus"])
    hl = design_hairline(analysis.head, analysis.frame, canthi, age=age, style=style,
                         mfp_height_mm=mfp_height_mm, conservative=conservative, seed=seed)
    design = build_design(analysis, hl)
    design.warnings = list(analysis.warnings) + design.warnings
    return design


def edit_design(analysis: Analysis, design: Design, index: int, new_xy_mm: tuple[float, float], *,
                mirror: bool = True) -> Design:
    """Move a control point of the hairline (mirrored by default) and rebuild the zones."""
    hl = edit_hairline(design.hairline, index, new_xy_mm, mirror=mirror)
    assert analysis.head is not None
    mid = len(hl.control_mm) // 2
    hl = replace(hl, mfp_height_mm=surface_height_at(analysis, float(hl.control_mm[mid, 1])))
    new = build_design(analysis, hl)
    new.warnings = list(analysis.warnings) + new.warnings
    return new


def surface_height_at(analysis: Analysis, y_image_mm: float) -> float:
    """Surface distance above the glabella (mm) of the midline point at image height ``y_image_mm``."""
    import numpy as np

    head = analysis.head
    assert head is not None
    arcs = np.linspace(0.0, 200.0, 801)
    ys = np.array([analysis.frame.to_mm(head.head_to_px(head.midline_point(float(a))))[0, 1] for a in arcs])
    top = int(np.argmax(ys))  # the projected height grows until the vault turns away from the camera
    return float(np.interp(y_image_mm, ys[: top + 1], arcs[: top + 1]))
