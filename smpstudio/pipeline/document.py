"""The ``plan.json`` of one consultation, assembled from the pipeline's typed results.

Every shell writes this document, so the CLI's preview and plan, the web app and the records service
hold the same analysis, hairline, sessions (the plan's pigment, dates, hours and prices merged by index
with what the pattern measured), pattern and renders.
"""

from __future__ import annotations

import hashlib
import math
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from smpstudio import __version__
from smpstudio.analysis.types import Analysis
from smpstudio.design import Design, zone_polygons_px
from smpstudio.imaging.intake import Photo
from smpstudio.schema import (
    AnalysisBlock,
    HairlineBlock,
    HeadPoseDeg,
    PatternBlock,
    PhotoInfo,
    PlanDocument,
    RenderBlock,
    SoftwareBlock,
    ZoneBlock,
)

if TYPE_CHECKING:
    from smpstudio.pipeline.steps import PlanStep

HEALED_AFTER_DAYS = 28  # domain.md §2: settled at ~4 weeks
SAMPLER = "ranked blue noise (dart throwing with decreasing radius; sessions by rank)"
#: pattern measurements merged into the plan's session entries
MEASURED_FIELDS = ("dots", "total_dots", "density_per_cm2", "dot_diameter_mm", "healed_dot_diameter_mm",
                   "min_distance_mm")


def consultation_document(step: PlanStep, *, closeup_center_mm: tuple[float, float], closeup_px_per_mm: float,
                          renders: Sequence[RenderBlock] | None = None) -> PlanDocument:
    """The whole ``plan.json`` for a planned consultation.

    Parameters
    ----------
    step : PlanStep
        :meth:`smpstudio.pipeline.Pipeline.plan`.
    closeup_center_mm : (float, float)
        Centre of the close-up on the face frame (mm).
    closeup_px_per_mm : float
    renders : list of RenderBlock, optional
        The healed / faded renders written with the document.
    """
    ps = step.pattern_step
    doc = ps.design.document
    block = step.result.block
    measured = {s.index: s for s in step.pattern.sessions}
    sessions = []
    for s in block.sessions:
        m = measured.get(s.index)
        extra: dict[str, Any] = {"shade": s.dilution}
        if m is not None:
            extra.update({k: getattr(m, k) for k in MEASURED_FIELDS})
        sessions.append(s.model_copy(update=extra))
    stats = step.pattern.stats()
    p = ps.inputs
    pattern = PatternBlock(
        min_distance_mm=stats["min_distance_mm"], mean_nn_distance_mm=stats["mean_nn_distance_mm"],
        dots=len(step.pattern), full_density_per_cm2=p.density_per_cm2, seed=step.pattern.seed, sampler=SAMPLER,
        skin_ita_deg=round(float(ps.skin.ita_deg), 2),
        closeup_center_mm=(round(closeup_center_mm[0], 2), round(closeup_center_mm[1], 2)),
        closeup_px_per_mm=closeup_px_per_mm, healed_after_days=HEALED_AFTER_DAYS, interval_days=p.interval_days,
        blowout_share=p.blowout_share)
    return doc.model_copy(deep=True, update={
        "skin": block.skin, "hair": block.hair, "pigment": block.pigment, "touch_up": block.touch_up,
        "fading_curve": block.fading_curve, "cost": block.cost, "checks": block.checks,
        "plan_inputs": block.inputs, "warnings": list(doc.warnings) + list(block.warnings),
        "sessions": sessions, "pattern": pattern, "renders": list(renders) if renders is not None else None,
    })


def document_json(doc: PlanDocument) -> dict[str, Any]:
    """``plan.json``'s content: the document as JSON values, blocks a command did not fill left out."""
    return {k: v for k, v in doc.model_dump(mode="json").items() if v is not None}


def _pts(a: np.ndarray) -> list[tuple[float, float]]:
    return [(round(float(x), 2), round(float(y), 2)) for x, y in np.asarray(a).reshape(-1, 2)]


_PIXEL_DIGESTS: dict[int, str] = {}  # by id() of a live Photo (a Photo holds an array: it is not hashable)


def pixels_sha256(photo: Photo) -> str:
    """sha256 of the photo's oriented 8-bit RGB pixels (plan.json's ``photo.pixels_sha256``).

    Computed once per :class:`Photo` object (a 12 MP photo costs ~0.1 s to hash): every step of one
    consultation and every drag of the web app reuse it.
    """
    digest = _PIXEL_DIGESTS.get(id(photo))
    if digest is None:
        digest = hashlib.sha256(photo.to_uint8().tobytes()).hexdigest()
        _PIXEL_DIGESTS[id(photo)] = digest
        weakref.finalize(photo, _PIXEL_DIGESTS.pop, id(photo), None)
    return digest


def plan_document(photo: Photo, analysis: Analysis, design: Design, *, seed: int,
                  backend_name: str = "mediapipe-face-landmarker") -> PlanDocument:
    """Build the ``plan.json`` document for an analysed photo and its design."""
    frame = analysis.frame
    hl = design.hairline
    n = hl.curve_mm.shape[0]
    mid = len(hl.control_mm) // 2
    pts = analysis.points_px
    middle_third_mm = math.dist(pts["glabella"], pts["subnasale"]) / frame.px_per_mm
    total = float(np.prod(analysis.image_size))
    masks = analysis.masks
    outlines = zone_polygons_px(design)
    return PlanDocument(
        software=SoftwareBlock(version=__version__),
        seed=seed,
        photo=PhotoInfo(
            width_px=photo.width,
            height_px=photo.height,
            source_format=photo.source_format,
            bit_depth=photo.bit_depth,
            intake_notes=list(photo.notes),
            pixels_sha256=pixels_sha256(photo),
        ),
        analysis=AnalysisBlock(
            scale_px_per_mm=round(analysis.scale.px_per_mm, 5),
            scale_source=analysis.scale.source,
            scale_uncertainty_rel=round(analysis.scale.uncertainty_rel, 4),
            iris_diameter_px=round(analysis.iris_diameter_px, 2),
            head_pose_deg=HeadPoseDeg(yaw=round(analysis.pose.yaw, 2), pitch=round(analysis.pose.pitch, 2),
                                      roll=round(analysis.pose.roll, 2)),
            landmarks_px={k: (round(v[0], 2), round(v[1], 2)) for k, v in pts.items()},
            landmark_backend=backend_name,
            mask_fractions={
                "hair": round(float(masks.hair.sum()) / total, 5),
                "skin": round(float(masks.skin.sum()) / total, 5),
                "background": round(float(masks.background.sum()) / total, 5),
            },
        ),
        hairline=HairlineBlock(
            style=hl.style,
            age=hl.age,
            points_px=_pts(frame.to_px(hl.curve_mm[:: max(1, n // 60)])),
            edge_px=_pts(frame.to_px(hl.edge_mm)),
            control_points_mm=_pts(hl.control_mm),
            control_points_px=_pts(frame.to_px(hl.control_mm)),
            mfp_px=_pts(frame.to_px(hl.control_mm[mid]))[0],
            mfp_height_mm=round(hl.mfp_height_mm, 2),
            mfp_height_image_mm=round(hl.mfp_height_image_mm, 2),
            transition_mm=hl.transition_mm,
            thirds_upper_suggestion_mm=round(middle_third_mm, 1),
        ),
        zones=[ZoneBlock(name=z.name, area_cm2=round(z.area_cm2, 2), visible=z.visible, note=z.note,
                         polygon_px=[[(round(x, 1), round(y, 1)) for x, y in poly]
                                     for poly in outlines.get(z.name, [])])
               for z in design.zones],
        treatment_area_cm2=round(sum(z.area_cm2 for z in design.zones), 2),
        warnings=list(design.warnings),
    )
