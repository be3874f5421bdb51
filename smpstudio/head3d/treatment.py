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

from dataclasses import dataclass

import numpy as np

from smpstudio.head3d.dots import MIN_DENSITY_PER_CM2, SurfaceDots, lay_dots, min_spacing_ratio
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

    @property
    def total_impressions(self) -> int:
        return int(len(self.dots))

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
                    zones: ZoneMap | None = None) -> WholeTreatment:
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

    Examples
    --------
    >>> t = whole_treatment(HeadSurface.average(), "norwood-6", seed=1)
    >>> 20_000 <= t.total_impressions <= 55_000 and all(2.0 <= h <= 5.0 for v in t.visit_hours for h in v)
    True
    """
    zm = zones_for(zones, stage) if zones is not None else zone_map(surface, fringe_scale=fringe_scale(stage))
    share = density_share(zm, stage)
    dens = full_density_per_cm2 * share
    dots = lay_dots(zm.grid, dens, seed=seed)
    n = len(dots)
    fr = np.asarray(DEFAULT_DENSITY_FRACTIONS[n_sessions], dtype=np.float64)
    bounds = np.round(np.cumsum(fr) / fr.sum() * n).astype(np.int64)
    session = np.searchsorted(bounds, np.arange(n), side="right") + 1
    zone = zm.labels.reshape(-1)[dots.cell]
    imp = {z: [int(np.count_nonzero((zone == i) & (session == k))) for k in range(1, n_sessions + 1)]
           for i, z in enumerate(ZONES)}
    counts = [int(np.count_nonzero(session == k)) for k in range(1, n_sessions + 1)]
    areas = stage_areas(zm, stage)
    sp = plan_sessions(area_cm2=max(areas.treatment_cm2, 1e-6), impressions_per_session=counts,
                       n_sessions=n_sessions, density_fractions=list(fr), impressions_per_hour=impressions_per_hour,
                       max_session_h=max_session_h)
    warnings = list(sp.warnings) + [
        f"session {x.index} of the whole head is {x.duration_h:.1f} h, under the {MIN_SESSION_H:g} h of a usual "
        "session (domain.md §1): fewer sessions or a smaller area per visit"
        for x in sp.sessions if x.duration_h < MIN_SESSION_H]
    p = prices or Prices()
    price, basis = price_of(p, stage=stage, area_cm2=areas.treatment_cm2, n_sessions=n_sessions)
    # the spacing kept, against the project's sampler's minimum distance at the local density
    target = np.asarray(min_distance_mm(np.maximum(dens.reshape(-1)[dots.cell], MIN_DENSITY_PER_CM2)))
    ratio = min_spacing_ratio(SurfaceDots(dots.points_mm, dots.cell, target, seed)) if n > 1 else float("inf")
    return WholeTreatment(
        stage=stage, surface=surface, zones=zm, areas=areas, dots=dots, session_of_dot=session, zone_of_dot=zone,
        impressions=imp, session_hours=[s.duration_h for s in sp.sessions],
        visit_hours=[[v.duration_h for v in s.visits] for s in sp.sessions], price=float(price), price_basis=basis,
        currency=p.currency, full_density_per_cm2=full_density_per_cm2, min_spacing_ratio=ratio, seed=seed,
        impressions_per_hour=impressions_per_hour, warnings=tuple(warnings))
