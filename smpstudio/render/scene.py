"""Lay a design's dots out and prepare the photo for rendering them: shared by every preview.

``smp preview`` (sessions fresh and healed) and ``smp plan`` (healed and faded over the years) draw the
same pattern on the same photo; this module is the one place that turns an analysis + design into a
:class:`~smpstudio.pattern.layout.Pattern` and the per-photo quantities its renders need.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from smpstudio.analysis.types import Analysis
from smpstudio.design.types import Design
from smpstudio.imaging.intake import to_uint8
from smpstudio.optics.colour import srgb_to_linear_image
from smpstudio.optics.stubble import CLIPPER_LENGTH_MM, buzzed_look_linear
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
                   density: DensityParams | None = None, dots: DotParams | None = None,
                   hair_cover: np.ndarray | None = None) -> Pattern:
    """The layered dot pattern for a design (zones, transition, existing hair from the analysis; ``hair_cover``
    from :func:`stubble_cover` where the photo shows buzzed hair)."""
    hl = design.hairline
    zones = {z.name: z.mask for z in design.zones}
    return layout_pattern(
        design.frame, design.treatment_mask, design.behind_hairline_mm, design.foreshortening, style=hl.style,
        transition_mm=hl.transition_mm, n_sessions=n_sessions, interval_days=interval_days, seed=seed,
        hair_mask=analysis.masks.hair, hair_cover=hair_cover, hairline_zone=zones.get("hairline"),
        temples=zones.get("temples"),
        ita_deg=ita_deg, water_parts=water_parts, density=density or DensityParams(), dots=dots or DotParams())


COVER_BLUR_MM = 2.0  # the buzzed look is judged at viewing scale (2 mm), as the dots' tone
COVER_PX_PER_MM = 1.0  # the cover is measured on a copy at ~1 px/mm (the density grid's scale)


def stubble_cover(shown_rgb: np.ndarray, hair_as_taken: np.ndarray, hair_rgb_linear: np.ndarray,
                  skin_rgb_linear: np.ndarray, px_per_mm: float, length_mm: float = CLIPPER_LENGTH_MM
                  ) -> np.ndarray:
    """Share (0-1) of the full buzzed look that the photo's buzzed hair already shows, per pixel.

    At viewing scale (``COVER_BLUR_MM`` Gaussian) the buzzed photo's darkening of the skin, ``1 - Y / Y_skin``,
    over that of the client's hair buzzed at full follicle density
    (:func:`smpstudio.optics.stubble.buzzed_look_linear`); 0 off the hair the photo was taken with. Hair no
    darker than the skin (white hair) shows no look: 0, so the dots make all of it.

    Parameters
    ----------
    shown_rgb : ndarray (H, W, 3) float32
        The photo as shown (buzzed), sRGB in [0, 1].
    hair_as_taken : ndarray of bool (H, W)
        Hair in the photo as taken.
    hair_rgb_linear, skin_rgb_linear : ndarray (3,)
        The client's hair and skin colours (linear sRGB).
    px_per_mm : float
    length_mm : float
        The buzz the photo shows (the scalp step's guard).

    Returns
    -------
    ndarray (H, W) float32
    """
    h, w = hair_as_taken.shape
    out = np.zeros((h, w), np.float32)
    skin = np.maximum(np.asarray(skin_rgb_linear, np.float64), 1e-4)
    full = 1.0 - float((buzzed_look_linear(np.asarray(hair_rgb_linear, np.float64), skin, length_mm=length_mm)
                        / skin).mean())
    rows, cols = np.nonzero(hair_as_taken.any(axis=1))[0], np.nonzero(hair_as_taken.any(axis=0))[0]
    if full < 0.02 or len(rows) == 0:
        return out
    pad = int(np.ceil(3 * COVER_BLUR_MM * px_per_mm)) + 2
    r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + 1 + pad, h)
    c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + 1 + pad, w)
    k = min(1.0, COVER_PX_PER_MM / px_per_mm)
    crop = np.ascontiguousarray(shown_rgb[r0:r1, c0:c1], np.float32)
    size = (max(1, round((c1 - c0) * k)), max(1, round((r1 - r0) * k)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA) if k < 1.0 else crop
    y = srgb_to_linear_image(small).mean(axis=2)
    y = cv2.GaussianBlur(y, (0, 0), max(COVER_BLUR_MM * px_per_mm * k, 0.5))
    cover = np.clip((1.0 - y / float(skin.mean())) / full, 0.0, 1.0).astype(np.float32)
    if k < 1.0:
        cover = cv2.resize(cover, (c1 - c0, r1 - r0), interpolation=cv2.INTER_LINEAR)
    out[r0:r1, c0:c1] = cover * hair_as_taken[r0:r1, c0:c1]
    return out


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
