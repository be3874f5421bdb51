"""The hair-loss stage on the whole scalp: bald, thinning and kept surface, cm², and the density map.

The classes and their region states are :data:`smpstudio.design.stage.STAGES` (Norwood 1975, Ludwig
1977, domain.md §4), zone by zone: a zone is bald, thinning or keeps its hair. On the surface model the
bald area of a class is the sum of its bald zones' true surface areas (:mod:`smpstudio.head3d.zones`).

Derivation (no source gives bald cm² per class, domain.md §4): each class's drawing is read as which of
the seven zones are bare (bald), sparse (thinning) or covered (kept); the zones are laid on the fitted
scalp by surface distance from the frontal hairline, the lower boundary and the crown whorl; the areas are
integrated on the surface. Cross-checks: the PRECISE scale scores 1 point per 30 cm² bald (domain.md §4),
and Norwood VI needs 3,500-5,000 grafts at 25-30 grafts/cm² -> ~120-200 cm² grafted (domain.md §9; a
transplant leaves the crown's back and the temples thin, SMP covers all of it, so SMP's area is larger).

Densities: bald zones at the full density (``full_density_per_cm2``, domain.md §1: 65-100 dots/cm²),
thinning zones at ``THINNING_SHARE`` of it (dots among the remaining hair, domain.md §1 density), kept
hair is buzzed and blended: a band of ``BLEND_MM`` next to treated scalp fades from ``BLEND_SHARE`` of the
full density to none, so no edge shows between treated scalp and the buzzed fringe (domain.md §2: the
eye finds straight lines).

References
----------
.. [1] Norwood, O. T. South Med J 68(11):1359-1365, 1975.
.. [2] Ludwig, E. Br J Dermatol 97(3):247-254, 1977.
.. [3] /work/shared/domain.md §1 (density), §4 (classes; PRECISE scale), §9 (Norwood 6 grafts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.design.stage import STAGES
from smpstudio.head3d.zones import ZONES, ZoneMap, zone_map

#: Norwood VII differs from VI by the horseshoe's height, not by a zone (Norwood 1975: in VII "only a narrow
#: horseshoe-shaped band of hair" remains, beginning in front of the ear and low on the occiput; in VI the
#: fringe is higher). [calibration] read from the two drawings: VII's band ~60 % of VI's width, the rest
#: of VI's fringe is bald in VII (domain.md §4).
FRINGE_SCALE = {"norwood-7": 0.6}

THINNING_SHARE = 0.5  # [calibration choice] dots among thinning hair: half the full density (domain.md §1)
PRECISE_CM2_PER_POINT = 30.0  # domain.md §4: PRECISE counts 1 point per 30 cm² bald
STATE_SHARE = {"bald": 1.0, "thinning": THINNING_SHARE, "kept": 0.0}
BLEND_MM = 25.0  # [calibration choice] kept hair next to treated scalp is blended over this surface width
BLEND_SHARE = 0.5  # [calibration choice] at the treated border the blend starts at this share, fading to 0


@dataclass(frozen=True)
class StageAreas:
    """Surface areas (cm²) of one class on one head."""

    stage: str
    bald_cm2: float
    thinning_cm2: float
    kept_cm2: float
    zones: dict[str, str]  # zone -> state

    @property
    def treatment_cm2(self) -> float:
        """Bald plus thinning surface (cm²): what the treatment covers."""
        return self.bald_cm2 + self.thinning_cm2

    @property
    def precise_points(self) -> int:
        """PRECISE score from the bald area (1 point per 30 cm², domain.md §4)."""
        return int(round(self.bald_cm2 / PRECISE_CM2_PER_POINT))


def fringe_scale(stage: str) -> float:
    """The share of the fringe's width a class keeps (1 = Norwood VI's band).

    Examples
    --------
    >>> fringe_scale("norwood-6"), fringe_scale("norwood-7")
    (1.0, 0.6)
    """
    return FRINGE_SCALE.get(stage, 1.0)


def zones_for(zm: ZoneMap, stage: str) -> ZoneMap:
    """The zone map with the class's fringe (relabelled when its fringe differs from ``zm``'s)."""
    scale = fringe_scale(stage)
    if zm.fringe_scale == scale or zm.surface is None:
        return zm
    step = float(zm.grid.theta_deg[1] - zm.grid.theta_deg[0])
    return zone_map(zm.surface, step, fringe_scale=scale)


def zone_state(stage: str) -> dict[str, str]:
    """Bald / thinning / kept for each surface zone of a class (``smpstudio.design.stage.STAGES``).

    Examples
    --------
    >>> zone_state("norwood-6")["crown"], zone_state("norwood-6")["parietal"]
    ('bald', 'kept')
    """
    regions = STAGES[stage].regions
    return {z: regions.get(z, "kept") for z in ZONES}


def stage_areas(zone_map: ZoneMap, stage: str) -> StageAreas:
    """Bald, thinning and kept surface (cm²) of a class on a zone map.

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> from smpstudio.head3d.zones import zone_map
    >>> zm = zone_map(HeadSurface.average(), step_deg=1.0)
    >>> a, b = stage_areas(zm, "norwood-2"), stage_areas(zm, "norwood-6")
    >>> a.bald_cm2 < b.bald_cm2 and 450 < b.bald_cm2 + b.thinning_cm2 + b.kept_cm2 < 560
    True
    """
    st = zone_state(stage)
    zone_map = zones_for(zone_map, stage)
    tot = {s: sum(zone_map.areas_cm2[z] for z in ZONES if st[z] == s) for s in ("bald", "thinning", "kept")}
    return StageAreas(stage, tot["bald"], tot["thinning"], tot["kept"], st)


def density_share(zone_map: ZoneMap, stage: str, full_cells: np.ndarray | None = None) -> np.ndarray:
    """Share (0-1) of the full density at every grid cell of the zone map for a class.

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> from smpstudio.head3d.zones import zone_map
    >>> zm = zone_map(HeadSurface.average(), step_deg=2.0)
    >>> s = density_share(zm, "norwood-6")
    >>> float(s.max()), float(s[zm.mask("occipital")].min()), 0 < float(s[zm.mask("parietal")].max()) <= 0.5
    (1.0, 0.0, True)
    """
    st = zone_state(stage)
    zone_map = zones_for(zone_map, stage)
    lut = np.array([STATE_SHARE[st[z]] for z in ZONES] + [0.0])
    share = lut[zone_map.labels]  # label -1 -> the last entry (off the scalp)
    if full_cells is not None:  # e.g. scar tissue: full density whatever the stage (smpstudio.head3d.scars)
        share[full_cells] = 1.0
    kept = (share == 0) & (zone_map.labels >= 0)
    treated = share > 0
    if treated.any() and kept.any() and BLEND_MM > 0:
        from scipy.spatial import cKDTree

        # treated cells with a kept neighbour on the grid are the border
        border = np.zeros_like(treated)
        for ax, sh in ((0, 1), (0, -1), (1, 1), (1, -1)):
            border |= treated & np.roll(kept, sh, axis=ax)
        pts = zone_map.grid.points_mm
        d, _ = cKDTree(pts[border]).query(pts[kept], distance_upper_bound=BLEND_MM)
        blend = np.where(np.isfinite(d), BLEND_SHARE * (1.0 - np.minimum(d, BLEND_MM) / BLEND_MM), 0.0)
        share[kept] = blend
    return share


def all_stage_areas(zone_map: ZoneMap) -> list[StageAreas]:
    """Every class's areas on one head, in :data:`STAGES` order."""
    return [stage_areas(zone_map, s) for s in STAGES]
