"""The plan document's hair-loss stage block: proposed from the photo as taken, or the artist's choice.

The measuring is :mod:`smpstudio.design.stage_proposal`'s (the front photo) and :mod:`smpstudio.head3d.crown`'s
(the crown in a registered top or back view); this step feeds them the design step's analysis, masks, pixels
and views and writes plan.json's ``stage`` (:class:`smpstudio.schema.StageBlock`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from smpstudio.analysis.types import Analysis, Masks
from smpstudio.design import Design
from smpstudio.pipeline.inputs import ViewPhoto
from smpstudio.schema import StageBlock


def stage_block(design: Design, masks_as_taken: Masks, chosen: str | None,
                analysis: Analysis | None = None, proposed_mfp_mm: float | None = None,
                rgb_as_taken: np.ndarray | None = None, scale: str = "norwood",
                views: Sequence[ViewPhoto] = ()) -> StageBlock:
    """The hair-loss stage proposed from the photo as taken, and the one used (the artist's ``chosen`` overrides).

    With the analysis and the photo's pixels the proposal measures what clinicians look at
    (:mod:`smpstudio.design.stage_proposal`): the recession at each temple and on the midline (surface mm on
    the head model behind the juvenile hairline) and the share of skin showing through the hair in the visible
    zones; without them (a caller with masks only) it falls back to the zones' hair share
    (:func:`smpstudio.design.stage.zone_coverage`). The midline hair front of
    :mod:`smpstudio.design.recession` (against ``proposed_mfp_mm``) is kept in ``recession_mm``.

    ``scale`` is ``"norwood"`` (men) or ``"ludwig"`` (women): the proposal is a class of that scale.

    A frontal photo shows no crown: without a top or back view the crown is left out of the proposal (never a
    vertex class) and the reason says so. With one among ``views`` (registered to the client's 3-D model from
    their marks) the crown and mid-scalp are measured in it (:func:`crown_in_views`), the crown gets a state
    and the vertex classes compete; the reason names the view and the share.
    """
    from smpstudio.design.recession import coverage_with_recession, frontal_recession
    from smpstudio.design.stage import STAGES, classify, zone_coverage

    zones = {z.name: z.mask for z in design.zones if z.visible and z.mask is not None}
    coverage = zone_coverage(zones, masks_as_taken.hair)
    mfp = proposed_mfp_mm if proposed_mfp_mm is not None else design.hairline.mfp_height_mm
    rec = frontal_recession(analysis, masks_as_taken.hair, mfp) if analysis is not None else None
    measured: dict[str, Any] = {}
    if analysis is not None and analysis.head is not None and rgb_as_taken is not None:
        from smpstudio.analysis.landmarks import IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS
        from smpstudio.design.stage_proposal import measure_stage, propose_stage, with_view

        canthi = analysis.landmarks_3d[[IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS]].astype(np.float64)
        skin_ref = masks_as_taken.forehead if masks_as_taken.forehead is not None else masks_as_taken.skin
        m, _, cover = measure_stage(analysis.head, canthi, rgb_as_taken, masks_as_taken.hair, skin_ref,
                                    masks_as_taken.head, {k.replace("_", "-"): v for k, v in zones.items()})
        crown, missed = crown_in_views(analysis, design.hairline.mfp_height_mm, views, cover.skin_linear,
                                       cover.hair_linear)
        if crown is not None:
            m = with_view(m, f"{crown.orientation} view '{crown.view}'", crown.skin_share)
        p = propose_stage(m, scale=scale)
        proposed, reason = p.stage, p.reason + missed
        measured = {"temple_recession_mm": {"left": m.temple_left_mm, "right": m.temple_right_mm},
                    "midline_recession_mm": m.midline_mm, "skin_share": dict(m.skin_share)}
        if crown is not None:
            measured.update(crown_view=crown.view, crown_view_orientation=crown.orientation,
                            crown_skin_share=crown.skin_share["crown"], view_skin_share=dict(crown.skin_share))
    else:
        proposal = classify(coverage_with_recession(coverage, rec), allow_ludwig=scale == "ludwig")
        proposed = proposal.stage
        reason = proposal.reason + (f" Frontal recession: {rec.words()}." if rec is not None else "")
    use = chosen or proposed
    return StageBlock(proposed=proposed, reason=reason, coverage={z: round(float(v), 3) for z, v in coverage.items()},
                      chosen=use, chosen_by="artist" if chosen else "photo", regions=dict(STAGES[use].regions),
                      recession_mm=None if rec is None or rec.recession_mm is None else round(rec.recession_mm, 1),
                      hair_front_mm=None if rec is None or rec.hair_front_mm is None else round(rec.hair_front_mm, 1),
                      **measured)


def crown_in_views(analysis: Analysis, mfp_height_mm: float, views: Sequence[ViewPhoto],
                   skin_linear: tuple[float, ...], hair_linear: tuple[float, ...]) -> tuple[Any, str]:
    """The crown and mid-scalp measured in the top/back views (:func:`smpstudio.head3d.crown.measure_view_zones`)
    on the client's 3-D model (the whole-head plan's: :func:`smpstudio.head3d.surface_of` with the design's MFP),
    each view registered from its marks; the view that saw the crown best
    (:func:`smpstudio.head3d.crown.best_crown_view`, a :class:`~smpstudio.head3d.crown.ViewZoneShares`), or
    ``None`` and a sentence for the reason when top/back views were given but none showed it.
    """
    from smpstudio.head3d import surface_of
    from smpstudio.head3d.crown import CROWN_VIEWS, best_crown_view, measure_view_zones
    from smpstudio.head3d.views import register_view

    tops = [v for v in views if v.orientation in CROWN_VIEWS]
    if not tops:
        return None, ""
    surface = surface_of(analysis, mfp_height_mm)
    seen = [measure_view_zones(surface, register_view(surface, v.orientation, v.marks_px, v.sticker).camera,
                               v.photo.rgb, skin_linear, hair_linear, view=v.name, orientation=v.orientation)
            for v in tops]
    best = best_crown_view(seen)
    if best is not None:
        return best, ""
    names = ", ".join(f"{v.orientation} view '{v.name}'" for v in tops)
    return None, (f" The crown was not measured in the {names}: it does not show the crown, or the hair's colour "
                  "is too close to the skin's.")
