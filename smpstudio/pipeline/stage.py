"""The plan document's hair-loss stage block: proposed from the photo as taken, or the artist's choice.

The measuring is :mod:`smpstudio.design.stage_proposal`'s; this step feeds it the design step's analysis,
masks and pixels and writes plan.json's ``stage`` (:class:`smpstudio.schema.StageBlock`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smpstudio.analysis.types import Analysis, Masks
from smpstudio.design import Design
from smpstudio.schema import StageBlock


def stage_block(design: Design, masks_as_taken: Masks, chosen: str | None,
                analysis: Analysis | None = None, proposed_mfp_mm: float | None = None,
                rgb_as_taken: np.ndarray | None = None, scale: str = "norwood") -> StageBlock:
    """The hair-loss stage proposed from the photo as taken, and the one used (the artist's ``chosen`` overrides).

    With the analysis and the photo's pixels the proposal measures what clinicians look at
    (:mod:`smpstudio.design.stage_proposal`): the recession at each temple and on the midline (surface mm on
    the head model behind the juvenile hairline) and the share of skin showing through the hair in the visible
    zones; without them (a caller with masks only) it falls back to the zones' hair share
    (:func:`smpstudio.design.stage.zone_coverage`). The midline hair front of
    :mod:`smpstudio.design.recession` (against ``proposed_mfp_mm``) is kept in ``recession_mm``.

    ``scale`` is ``"norwood"`` (men) or ``"ludwig"`` (women): the proposal is a class of that scale.

    A frontal photo shows no crown: the crown is left out of the proposal (never a vertex class) and the
    reason says so.
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
        from smpstudio.design.stage_proposal import measure_stage, propose_stage

        canthi = analysis.landmarks_3d[[IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS]].astype(np.float64)
        skin_ref = masks_as_taken.forehead if masks_as_taken.forehead is not None else masks_as_taken.skin
        m, _, _ = measure_stage(analysis.head, canthi, rgb_as_taken, masks_as_taken.hair, skin_ref,
                                masks_as_taken.head, {k.replace("_", "-"): v for k, v in zones.items()})
        p = propose_stage(m, scale=scale)
        proposed, reason = p.stage, p.reason
        measured = {"temple_recession_mm": {"left": m.temple_left_mm, "right": m.temple_right_mm},
                    "midline_recession_mm": m.midline_mm, "skin_share": dict(m.skin_share)}
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
