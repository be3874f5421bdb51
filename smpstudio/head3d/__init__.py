"""The whole head: a 3-D scalp model of the client, its zones, the hair-loss stage on it, one dot pattern
laid on the surface, the plan of the real treatment and the diagrams (issue 11).

Layer: below the pipeline and the commands, above plan/pattern/design/analysis (``pyproject.toml``).

Examples
--------
>>> from smpstudio.head3d import HeadSurface, whole_treatment
>>> t = whole_treatment(HeadSurface.average(), "norwood-5", seed=0)
>>> t.areas.bald_cm2 > 150
True
"""

from __future__ import annotations

import numpy as np

from smpstudio.analysis.landmarks import IDX_LEFT_TEMPLE, IDX_RIGHT_TEMPLE
from smpstudio.analysis.types import Analysis
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.treatment import WholeTreatment, whole_treatment

__all__ = ["HeadSurface", "WholeTreatment", "surface_of", "whole_treatment"]


def surface_of(analysis: Analysis, mfp_height_mm: float) -> HeadSurface:
    """The client's scalp surface: the analysis' head model, its silhouette (width at the temples, then the
    outline above them: :func:`smpstudio.head3d.silhouette.fit_to_outline`), the designed MFP.

    Parameters
    ----------
    analysis : Analysis
        With its head model (:class:`smpstudio.analysis.headmodel.HeadModel`) and masks (photo as taken).
    mfp_height_mm : float
        The designed MFP's height above the glabella along the surface (mm).
    """
    if analysis.head is None:
        return HeadSurface.average()
    import dataclasses

    from smpstudio.head3d.silhouette import fit_to_outline
    from smpstudio.head3d.views import Camera

    head = analysis.head
    temple_y = float(np.mean(analysis.landmarks_px[[IDX_LEFT_TEMPLE, IDX_RIGHT_TEMPLE], 1]))
    s = HeadSurface.fit(head, mfp_height_mm=mfp_height_mm, head_mask=analysis.masks.head, temple_y_px=temple_y)
    s, _ = fit_to_outline(s, Camera.from_head_model(head), analysis.masks.head, temple_y, head.profile_mm[2])
    theta = float(s.angles(np.asarray(head.midline_point(mfp_height_mm), dtype=np.float64))[0])
    return dataclasses.replace(s, front_theta_deg=float(np.clip(theta, 25.0, 75.0)))
