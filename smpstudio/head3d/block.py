"""The whole-head plan as plan.json's ``whole_head`` block (:class:`smpstudio.schema.WholeHeadBlock`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from smpstudio.head3d.stages import all_stage_areas
from smpstudio.head3d.treatment import WholeTreatment
from smpstudio.head3d.zones import ZONES
from smpstudio.schema import ScarBlock, ViewBlock, WholeHeadBlock, WholeHeadSessionBlock, WholeHeadZoneBlock


def whole_head_block(t: WholeTreatment, diagrams: Sequence[str] = (), views: Sequence[ViewBlock] = ()
                     ) -> WholeHeadBlock:
    """plan.json's ``whole_head`` for a whole-head treatment and the diagram files written with it.

    Examples
    --------
    >>> from smpstudio.head3d import HeadSurface, whole_treatment
    >>> b = whole_head_block(whole_treatment(HeadSurface.average(), "norwood-4", seed=0))
    >>> b.stage, len(b.zones), sum(s.impressions for s in b.sessions) == b.impressions
    ('norwood-4', 7, True)
    """
    s = t.surface
    return WholeHeadBlock(
        stage=t.stage, scalp_area_cm2=round(t.zones.grid.total_cm2(), 1),
        treatment_area_cm2=round(t.areas.treatment_cm2, 1), bald_cm2=round(t.areas.bald_cm2, 1),
        thinning_cm2=round(t.areas.thinning_cm2, 1), precise_points=t.areas.precise_points,
        full_density_per_cm2=t.full_density_per_cm2, impressions=t.total_impressions,
        impressions_per_hour=t.impressions_per_hour,
        sessions=[WholeHeadSessionBlock(index=k + 1, impressions=n, hours=round(h, 2),
                                        visits_hours=[round(v, 2) for v in t.visit_hours[k]])
                  for k, (n, h) in enumerate(zip(t.per_session, t.session_hours, strict=True))],
        zones=[WholeHeadZoneBlock(name=z, state=t.areas.zones[z], area_cm2=round(t.zones.areas_cm2[z], 1),
                                  impressions=t.impressions[z]) for z in ZONES]
        + ([WholeHeadZoneBlock(name="scar", state="scar", area_cm2=round(sum(t.scar_areas_cm2), 2),
                               impressions=t.impressions["scar"])] if t.scars else []),
        price=round(t.price, 2), price_basis=t.price_basis, currency=t.currency,
        min_spacing_ratio=round(t.min_spacing_ratio, 3) if math.isfinite(t.min_spacing_ratio) else None,
        seed=t.seed,
        surface={"radii_mm": [round(float(v), 1) for v in s.radii_mm],
                 "front_polar_deg": round(s.front_theta_deg, 1), "sources": dict(s.sources)},
        stages_cm2={a.stage: {"bald": round(a.bald_cm2, 1), "thinning": round(a.thinning_cm2, 1)}
                    for a in all_stage_areas(t.zones)},
        diagrams=list(diagrams), warnings=list(t.warnings),
        scars=[ScarBlock(kind=sc.kind, label=sc.label, view=sc.view, width_mm=round(sc.width_mm, 2),
                         length_mm=round(sc.length_mm, 1), count=len(sc.points_mm) if sc.kind == "fue" else 1,
                         area_cm2=round(a, 3), marked_px=[(round(x, 1), round(y, 1)) for x, y in sc.marked_px],
                         points_mm=[tuple(round(float(v), 2) for v in p) for p in sc.points_mm])  # type: ignore[misc]
               for sc, a in zip(t.scars, t.scar_areas_cm2, strict=True)],
        scar_passes=t.scar_passes, views=list(views))
