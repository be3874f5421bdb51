"""The layered dot pattern of a treatment: where every impression goes, in which session, with what.

:func:`layout_pattern` turns a design (treatment area, distance behind the hairline, foreshortening,
zones) into a :class:`Pattern`: one ranked blue-noise set (:mod:`smpstudio.pattern.sampling`) following
the final density, nested session subsets selected by rank (:mod:`smpstudio.pattern.density`), and
per-dot attributes (:mod:`smpstudio.pattern.dots`). Session ``k`` contains every dot of session
``k - 1``; the dots it adds fill the gaps at a minimum distance from the earlier ones.

Shades (domain.md §1 pigment and layering): carbon black diluted water:pigment, lighter for light skin
and darker for dark skin (20:1 light ... 6:1 dark, little or no water for dark skin), and darker with
every session.

References
----------
.. [1] /work/shared/domain.md §1 (layering, dilution, spacing), §5 (ITA skin classes).

Examples
--------
>>> dilution_schedule(3, ita_deg=45.0)
(12.0, 10.0, 8.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smpstudio.analysis.types import FaceFrame
from smpstudio.errors import OptionError
from smpstudio.optics.dot import NEEDLE_DIAMETER_MM, dot_look, pigment_fraction
from smpstudio.pattern.density import DensityParams, FaceGrid, face_grid, session_grids
from smpstudio.pattern.dots import DotAttributes, DotParams, GrowthField, dot_attributes
from smpstudio.pattern.sampling import (
    DensityGrid,
    RankedPoints,
    local_min_distance_mm,
    nn_distances_mm,
    ranked_blue_noise,
    select,
)


def dilution_schedule(n_sessions: int, ita_deg: float) -> tuple[float, ...]:
    """Water parts per session (water:1 carbon black), by skin class (ITA, domain.md §5).

    Lighter skin gets more water; every session is a little darker than the one before (domain.md §1).
    """
    if ita_deg > 41:  # very light / light
        first, last = 12.0, 8.0
    elif ita_deg > 10:  # intermediate / tan
        first, last = 10.0, 6.0
    elif ita_deg > -30:  # brown
        first, last = 6.0, 3.0
    else:  # dark: little or no water
        first, last = 3.0, 1.0
    if n_sessions == 1:
        return (last,)
    return tuple(float(round(first + (last - first) * k / (n_sessions - 1), 1)) for k in range(n_sessions))


@dataclass(frozen=True)
class SessionSummary:
    """One session of the pattern (the ``sessions`` block of plan.json)."""

    index: int
    day: int
    dots: int  # impressions placed in this session
    total_dots: int  # dots present after it
    density_per_cm2: float  # measured behind the transition zone, per cm^2 of scalp surface
    needle: dict[str, str]
    dot_diameter_mm: float  # mean impression (needle) diameter of the session's dots
    healed_dot_diameter_mm: float  # mean visible FWHM once healed
    shade: str  # water:pigment
    pigment_fraction: float
    min_distance_mm: float  # smallest distance between any two dots present after the session

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Pattern:
    """All dots of a treatment.

    Attributes
    ----------
    xy_mm : ndarray (N, 2)
        Positions on the face plane (mm).
    xy_px : ndarray (N, 2)
        Positions on the photo (px).
    session : ndarray (N,) int
        The session (1-based) in which each dot is placed.
    attrs : DotAttributes
    foreshortening : ndarray (N,)
        Image area per surface area at each dot.
    water_parts : tuple of float
        Dilution per session (water:1).
    sessions : list of SessionSummary
    frame : FaceFrame
    seed : int
    """

    xy_mm: np.ndarray
    xy_px: np.ndarray
    session: np.ndarray
    attrs: DotAttributes
    foreshortening: np.ndarray
    water_parts: tuple[float, ...]
    sessions: list[SessionSummary]
    frame: FaceFrame
    seed: int
    local_min_distance_mm: np.ndarray = field(default_factory=lambda: np.empty(0))
    grids: list[DensityGrid] = field(default_factory=list)
    ranked: RankedPoints | None = None

    def __len__(self) -> int:
        return int(self.session.shape[0])

    def session_min_distance_mm(self, k: int, xy_mm: np.ndarray | None = None) -> np.ndarray:
        """The minimum distance (mm) the sampler keeps around each dot (or point) after session ``k``."""
        if self.ranked is None:
            raise ValueError("pattern without its ranked point set")
        pts = self.xy_mm if xy_mm is None else np.asarray(xy_mm, dtype=np.float64).reshape(-1, 2)
        return local_min_distance_mm(self.ranked, self.grids[k - 1].at(pts), xy_mm=pts)

    def stats(self) -> dict[str, float]:
        """Spacing of the final pattern on the face plane: min and mean nearest-neighbour distance (mm)."""
        d = nn_distances_mm(self.xy_mm)
        if len(d) < 2:
            return {"min_distance_mm": float("nan"), "mean_nn_distance_mm": float("nan")}
        return {"min_distance_mm": round(float(d.min()), 4), "mean_nn_distance_mm": round(float(d.mean()), 4)}


def layout_pattern(
    frame: FaceFrame,
    treatment_mask: np.ndarray,
    behind_hairline_mm: np.ndarray,
    foreshortening: np.ndarray,
    *,
    style: str,
    transition_mm: float,
    n_sessions: int = 3,
    interval_days: int = 14,
    seed: int = 0,
    hair_mask: np.ndarray | None = None,
    hair_cover: np.ndarray | None = None,
    hairline_zone: np.ndarray | None = None,
    temples: np.ndarray | None = None,
    ita_deg: float = 40.0,
    water_parts: tuple[float, ...] | None = None,
    density: DensityParams = DensityParams(),
    dots: DotParams = DotParams(),
    growth: GrowthField = GrowthField(),
    max_dots: int = 3_000_000,
) -> Pattern:
    """Place the layered pattern for a design.

    Parameters
    ----------
    frame : FaceFrame
        px <-> face-plane mm.
    treatment_mask : ndarray of bool (H, W)
    behind_hairline_mm : ndarray (H, W)
        Signed distance behind the hairline (mm, positive behind).
    foreshortening : ndarray (H, W)
        Image area per surface area.
    style : {"soft", "broken", "defined"}
    transition_mm : float
        Depth of the feathered transition zone (mm).
    n_sessions, interval_days : int
    seed : int
    hair_mask, hairline_zone, temples : ndarray of bool (H, W), optional
    hair_cover : ndarray of float (H, W), optional
        Share (0-1) of the full buzzed look that buzzed hair already shows: the density is reduced by it
        (:func:`smpstudio.render.scene.stubble_cover`).
    ita_deg : float
        The client's skin ITA (domain.md §5), for the default dilutions.
    water_parts : tuple of float, optional
        Dilution per session (water:1); default :func:`dilution_schedule`.
    density, dots, growth : parameters
    max_dots : int
        Refuse patterns larger than this (a bad scale or mask, not a head).

    Returns
    -------
    Pattern
    """
    if interval_days < 0:
        raise OptionError("--interval-days must not be negative")
    if n_sessions > 1 and interval_days < 1:
        raise OptionError("--interval-days must be at least 1 between sessions")
    density.validate(n_sessions)
    water = water_parts if water_parts is not None else dilution_schedule(n_sessions, ita_deg)
    if len(water) != n_sessions or any(w < 0 for w in water):
        raise OptionError("give one non-negative dilution (water parts) per session")
    grid = face_grid(frame, treatment_mask, behind_hairline_mm, foreshortening, hair_mask, hairline_zone, temples,
                     hair_cover,                     cell_mm=density.cell_mm)
    grids = session_grids(grid, n_sessions, style, transition_mm, density, seed)
    expected = grids[-1].expected_count()
    if expected > max_dots:
        raise OptionError(f"the pattern would need ~{expected:,.0f} dots (more than {max_dots:,}); check the "
                          "photo's scale and the treatment area")
    pts = ranked_blue_noise(grids[-1], seed)
    n_at = [g.at(pts.xy_mm) for g in grids]
    keep = select(pts, n_at[-1])
    pts = pts.subset(keep)
    n_at = [a[keep] for a in n_at]
    session = np.full(len(pts), n_sessions, dtype=np.int64)
    for k in range(n_sessions - 2, -1, -1):
        session[select(pts, n_at[k])] = k + 1
    xy_px = frame.to_px(pts.xy_mm)
    hl_zone = _sample_grid(grid, grid.hairline_zone, pts.xy_mm) > 0.5
    attrs = dot_attributes(pts.xy_mm, hl_zone, seed, dots, growth)
    fore = np.clip(_sample_grid(grid, grid.foreshortening, pts.xy_mm), 0.2, 1.0)
    summaries = _summaries(pts, session, attrs, grid, transition_mm, n_sessions, interval_days, water, dots)
    return Pattern(pts.xy_mm, xy_px, session, attrs, fore, tuple(water), summaries, frame, seed,
                   local_min_distance_mm(pts, n_at[-1]), grids, pts)


def _sample_grid(grid: FaceGrid, values: np.ndarray, xy_mm: np.ndarray) -> np.ndarray:
    return DensityGrid(values.astype(np.float64), grid.x0_mm, grid.y0_mm, grid.cell_mm).at(xy_mm)


def _summaries(pts: RankedPoints, session: np.ndarray, attrs: DotAttributes, grid: FaceGrid,
               transition_mm: float, n_sessions: int, interval_days: int, water: tuple[float, ...],
               dots: DotParams) -> list[SessionSummary]:
    full = (grid.behind_mm > transition_mm + 2.0) & (grid.treatment > 0.99)
    fore = np.clip(grid.foreshortening, 0.2, 1.0)
    surface_cm2 = float((full / fore).sum() * grid.cell_mm**2 / 100.0)
    in_full = _sample_grid(grid, full.astype(np.float64), pts.xy_mm) > 0.999
    frac = np.asarray(pigment_fraction(np.asarray(water, np.float64)[session - 1]))
    healed_fwhm = dot_look(np.full(3, 0.5), frac, attrs.depth_mm, attrs.diameter_mm, stage="healed").core_fwhm_mm
    out = []
    for k in range(1, n_sessions + 1):
        new = session == k
        present = session <= k
        nn = nn_distances_mm(pts.xy_mm[present])
        out.append(SessionSummary(
            index=k,
            day=(k - 1) * interval_days,
            dots=int(new.sum()),
            total_dots=int(present.sum()),
            density_per_cm2=round(float((present & in_full).sum()) / surface_cm2, 2) if surface_cm2 > 0.5 else 0.0,
            needle={"hairline": f"{dots.hairline_needle} {NEEDLE_DIAMETER_MM[dots.hairline_needle]:.2f} mm",
                    "density": f"{dots.density_needle} {NEEDLE_DIAMETER_MM[dots.density_needle]:.2f} mm"},
            dot_diameter_mm=round(float(attrs.diameter_mm[new].mean()), 4) if new.any() else 0.0,
            healed_dot_diameter_mm=round(float(healed_fwhm[new].mean()), 4) if new.any() else 0.0,
            shade=f"{water[k - 1]:g}:1",
            pigment_fraction=round(float(pigment_fraction(water[k - 1])), 5),
            min_distance_mm=round(float(nn.min()), 4) if len(nn) > 1 and np.isfinite(nn.min()) else 0.0,
        ))
    return out
