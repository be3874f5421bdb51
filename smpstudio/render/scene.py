"""Lay a design's dots out and prepare the photo for rendering them: shared by every preview.

``smp preview`` (sessions fresh and healed) and ``smp plan`` (healed and faded over the years) draw the
same pattern on the same photo; this module is the one place that turns an analysis + design into a
:class:`~smpstudio.pattern.layout.Pattern` and the per-photo quantities its renders need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.analysis.types import Analysis
from smpstudio.design.types import Design
from smpstudio.imaging.intake import to_uint8
from smpstudio.pattern.density import DensityParams
from smpstudio.pattern.dots import DotParams
from smpstudio.pattern.layout import Pattern, layout_pattern
from smpstudio.render import preview as pv


@dataclass
class Scene:
    """The photo in linear light (linearised where renders read it), its 8-bit sRGB copy, the skin under
    each dot and hair visibility."""

    linear: pv.LinearPhoto
    base_srgb8: np.ndarray
    skin_at_dots: np.ndarray
    visibility: np.ndarray


def design_pattern(analysis: Analysis, design: Design, *, n_sessions: int, interval_days: int, seed: int,
                   ita_deg: float, water_parts: tuple[float, ...] | None = None,
                   density: DensityParams | None = None, dots: DotParams | None = None) -> Pattern:
    """The layered dot pattern for a design (zones, transition, existing hair from the analysis)."""
    hl = design.hairline
    zones = {z.name: z.mask for z in design.zones}
    return layout_pattern(
        design.frame, design.treatment_mask, design.behind_hairline_mm, design.foreshortening, style=hl.style,
        transition_mm=hl.transition_mm, n_sessions=n_sessions, interval_days=interval_days, seed=seed,
        hair_mask=analysis.masks.hair, hairline_zone=zones.get("hairline"), temples=zones.get("temples"),
        ita_deg=ita_deg, water_parts=water_parts, density=density or DensityParams(), dots=dots or DotParams())


def prepare_scene(rgb: np.ndarray, analysis: Analysis, pattern: Pattern, px_per_mm: float) -> Scene:
    """Measure what every render of ``pattern`` on the photo needs (computed once).

    Nothing is computed for the whole photo but its 8-bit copy: the photo is linearised only where
    the dots are (:class:`smpstudio.render.preview.LinearPhoto`).
    """
    lin = pv.LinearPhoto(rgb)
    skin_at_dots = pv.skin_at(lin, pattern.xy_px, max(2.0 * px_per_mm, 1.0))
    vis = pv.hair_visibility(analysis.masks.hair, lin.shape[:2], feather_px=max(0.5 * px_per_mm, 1.0),
                             around_px=pattern.xy_px, margin_px=int(6 * px_per_mm) + 8)
    return Scene(lin, to_uint8(rgb), skin_at_dots, vis)
