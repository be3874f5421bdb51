"""The plan for the real treatment, from the one 3-D pattern laid on the whole scalp.

For the chosen class: the dots are laid once on the surface (bald zones at full density, thinning ones
at :data:`smpstudio.head3d.stages.THINNING_SHARE` of it), ranked, and split into nested sessions by the
plan's density fractions (:data:`smpstudio.plan.pigment.DEFAULT_DENSITY_FRACTIONS`). Impressions per
zone and session are counted on those dots; hours per session and the split of sessions over 5 h are
:func:`smpstudio.plan.sessions.plan_sessions`'s (domain.md §1: 2-5 h sessions, ~14,000 impressions);
the artist's rate over a whole head is :data:`WHOLE_HEAD_IMPRESSIONS_PER_HOUR`; the price is the
clinic's (:class:`smpstudio.plan.cost.Prices`): a price for the stage when the clinic
has one, else per cm² when it has that rate, else per session (domain.md §6: 400-1,000 a session).

References
----------
.. [1] /work/shared/domain.md §1 (density, impressions per session, session length), §6 (costs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from smpstudio.head3d.dots import MIN_DENSITY_PER_CM2, SurfaceDots, lay_dots, min_spacing_ratio
from smpstudio.head3d.scars import Scar, scar_area_cm2, scar_cells, scar_passes, scar_warnings
from smpstudio.head3d.stages import StageAreas, density_share, fringe_scale, stage_areas, zones_for
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.zones import ZONES, ZoneMap, zone_map
from smpstudio.pattern.sampling import min_distance_mm
from smpstudio.plan.cost import Prices
from smpstudio.plan.pigment import DEFAULT_DENSITY_FRACTIONS
from smpstudio.plan.sessions import MAX_SESSION_H, plan_sessions

#: [derived] the artist's rate over a whole head: domain.md §1 gives 20k-55k impressions for a full head and
#: "whole treatment up to 20-30 h" -> ~1,800-2,750 impressions/h; 2,500/h is inside it. Slower than the
#: 4,000/h of a hairline session (14,000 in 3.5 h, domain.md §1): the client is turned, the sides and crown
#: worked at angles, breaks taken.
WHOLE_HEAD_IMPRESSIONS_PER_HOUR = 2500.0
MIN_SESSION_H = 2.0  # domain.md §1 session length 2-5 h


@dataclass(frozen=True)
class WholeTreatment:
    """Whole-head figures for one class on one head (areas cm², impressions, hours h, price)."""

    stage: str
    surface: HeadSurface
    zones: ZoneMap
    areas: StageAreas
    dots: SurfaceDots
    session_of_dot: np.ndarray  # (N,) session index (1-based) of each ranked dot
    zone_of_dot: np.ndarray  # (N,) zone index of each dot
    impressions: dict[str, list[int]]  # zone -> impressions per session
    session_hours: list[float]
    visit_hours: list[list[float]]
    price: float
    price_basis: str
    currency: str
    full_density_per_cm2: float
    min_spacing_ratio: float  # smallest NN surface distance / local target spacing of the project's sampler
    seed: int
    impressions_per_hour: float = WHOLE_HEAD_IMPRESSIONS_PER_HOUR
    warnings: tuple[str, ...] = ()
    scars: tuple[Scar, ...] = ()
    scar_mask: np.ndarray | None = None  # (T, A) bool: grid cells of scar tissue
    scar_of_dot: np.ndarray | None = None  # (N,) bool: the dot lies in scar tissue
    scar_passes: int = 0  # times each scar dot is gone over (smpstudio.head3d.scars.scar_passes)
    scar_areas_cm2: tuple[float, ...] = ()  # per scar

    @property
    def total_impressions(self) -> int:
        """Every impression of the plan: one per dot, plus the scar dots' extra passes."""
        return int(sum(self.per_session))

    @property
    def per_session(self) -> list[int]:
        return [int(sum(v[k] for v in self.impressions.values())) for k in range(len(self.session_hours))]


def price_of(prices: Prices, *, stage: str, area_cm2: float, n_sessions: int) -> tuple[float, str]:
    """The clinic's price for the treatment and which rule gave it.

    Examples
    --------
    >>> price_of(Prices(), stage="norwood-6", area_cm2=300.0, n_sessions=3)
    (2175.0, 'consultation + 3 sessions x 700 USD')
    """
    c = prices.smp_consultation
    per_stage = prices.smp_per_stage.get(stage)
    if per_stage is not None:
        return float(c + per_stage), f"consultation + {stage} at {per_stage:g} {prices.currency}"
    if prices.smp_per_cm2 is not None:
        return (float(c + area_cm2 * prices.smp_per_cm2),
                f"consultation + {area_cm2:.0f} cm² x {prices.smp_per_cm2:g} {prices.currency}")
    basis = f"consultation + {n_sessions} sessions x {prices.smp_session:g} {prices.currency}"
    return float(c + n_sessions * prices.smp_session), basis


def whole_treatment(surface: HeadSurface, stage: str, *, full_density_per_cm2: float = 80.0, n_sessions: int = 3,
                    impressions_per_hour: float = WHOLE_HEAD_IMPRESSIONS_PER_HOUR,
                    max_session_h: float = MAX_SESSION_H, prices: Prices | None = None, seed: int = 0,
                    zones: ZoneMap | None = None, scars: Sequence[Scar] = ()) -> WholeTreatment:
    """Lay the class's pattern on the surface and plan it: impressions per zone and session, hours, price.

    Parameters
    ----------
    surface : HeadSurface
    stage : str
        A class of :data:`smpstudio.design.stage.STAGES`.
    full_density_per_cm2 : float
        Density of bald scalp (dots/cm², domain.md §1: 65-100).
    n_sessions : int
        2-4 (domain.md §1).
    impressions_per_hour, max_session_h : float
        The artist's rate and the longest session (h) before it is split over days.
    prices : Prices, optional
    seed : int
    zones : ZoneMap, optional
        Precomputed zone map of ``surface``.
    scars : sequence of Scar
        Scar tissue (:mod:`smpstudio.head3d.scars`): full density, a dot in every FUE scar, laid in session 1
        and gone over again in the next sessions (``scar_passes``), an impressions row of its own ("scar").

    Examples
    --------
    >>> t = whole_treatment(HeadSurface.average(), "norwood-6", seed=1)
    >>> 20_000 <= t.total_impressions <= 55_000 and all(2.0 <= h <= 5.0 for v in t.visit_hours for h in v)
    True
    """
    zm = zones_for(zones, stage) if zones is not None else zone_map(surface, fringe_scale=fringe_scale(stage))
    scar_mask = np.zeros(zm.grid.inside.shape, bool)
    scar_areas = []
    for sc in scars:
        cells = scar_cells(zm.grid, surface, sc)
        scar_mask |= cells
        scar_areas.append(scar_area_cm2(zm.grid, cells, sc))
    share = density_share(zm, stage, full_cells=scar_mask if scars else None)
    dens = full_density_per_cm2 * share
    fue = [sc.points_mm for sc in scars if sc.kind == "fue"]
    dots = lay_dots(zm.grid, dens, seed=seed, fixed_mm=np.concatenate(fue) if fue else None)
    n = len(dots)
    fr = np.asarray(DEFAULT_DENSITY_FRACTIONS[n_sessions], dtype=np.float64)
    bounds = np.round(np.cumsum(fr) / fr.sum() * n).astype(np.int64)
    session = np.searchsorted(bounds, np.arange(n), side="right") + 1
    zone = zm.labels.reshape(-1)[dots.cell]
    on_scar = scar_mask.reshape(-1)[dots.cell]
    passes = scar_passes() if scars else 0
    session[on_scar] = 1  # scar dots first: they are gone over again in the next sessions
    names = list(ZONES) + (["scar"] if scars else [])
    zone_idx = np.where(on_scar, len(ZONES), zone)
    imp = {z: [int(np.count_nonzero((zone_idx == i) & (session == k))) for k in range(1, n_sessions + 1)]
           for i, z in enumerate(names)}
    if scars:
        n_scar = int(on_scar.sum())
        for k in range(2, min(passes, n_sessions) + 1):
            imp["scar"][k - 1] += n_scar
    counts = [int(sum(v[k] for v in imp.values())) for k in range(n_sessions)]
    areas = stage_areas(zm, stage)
    sp = plan_sessions(area_cm2=max(areas.treatment_cm2, 1e-6), impressions_per_session=counts,
                       n_sessions=n_sessions, density_fractions=list(fr), impressions_per_hour=impressions_per_hour,
                       max_session_h=max_session_h)
    warnings = list(sp.warnings) + [
        f"session {x.index} of the whole head is {x.duration_h:.1f} h, under the {MIN_SESSION_H:g} h of a usual "
        "session (domain.md §1): fewer sessions or a smaller area per visit"
        for x in sp.sessions if x.duration_h < MIN_SESSION_H] + scar_warnings(scars, passes, n_sessions)
    p = prices or Prices()
    kept_scar = scar_mask & (density_share(zm, stage) == 0)
    price, basis = price_of(p, stage=stage, area_cm2=areas.treatment_cm2 + zm.grid.total_cm2(kept_scar),
                            n_sessions=n_sessions)
    # the spacing kept, against the project's sampler's minimum distance at the local density
    target = np.asarray(min_distance_mm(np.maximum(dens.reshape(-1)[dots.cell], MIN_DENSITY_PER_CM2)))
    ratio = min_spacing_ratio(SurfaceDots(dots.points_mm, dots.cell, target, seed)) if n > 1 else float("inf")
    return WholeTreatment(
        stage=stage, surface=surface, zones=zm, areas=areas, dots=dots, session_of_dot=session, zone_of_dot=zone,
        impressions=imp, session_hours=[s.duration_h for s in sp.sessions],
        visit_hours=[[v.duration_h for v in s.visits] for s in sp.sessions], price=float(price), price_basis=basis,
        currency=p.currency, full_density_per_cm2=full_density_per_cm2, min_spacing_ratio=ratio, seed=seed,
        impressions_per_hour=impressions_per_hour, warnings=tuple(warnings), scars=tuple(scars),
        scar_mask=scar_mask, scar_of_dot=on_scar, scar_passes=passes, scar_areas_cm2=tuple(scar_areas))
