"""The consultation step as one call: photo -> analysis -> design -> ``plan.json`` document.

Pure: takes and returns objects; the CLI and the web service do the I/O.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from smpstudio import __version__
from smpstudio.analysis import analyze
from smpstudio.analysis.landmarks import LandmarkBackend, default_backend
from smpstudio.analysis.types import Analysis, Masks
from smpstudio.design import Design, edit_design, propose_hairline
from smpstudio.imaging.intake import Photo
from smpstudio.scalp import ScalpResult, prepare_scalp
from smpstudio.schema import (
    AnalysisBlock,
    HairlineBlock,
    HeadPoseDeg,
    PhotoInfo,
    PlanDocument,
    SoftwareBlock,
    ZoneBlock,
)


def _pts(a: np.ndarray) -> list[tuple[float, float]]:
    return [(round(float(x), 2), round(float(y), 2)) for x, y in np.asarray(a).reshape(-1, 2)]


@dataclass
class Consultation:
    """One consultation: the photo as shown, its analysis, the design and the plan document.

    ``photo`` is what previews draw on: the client's photo as SMP will be worn (the scalp step,
    :func:`smpstudio.scalp.prepare_scalp`: as it is, buzzed, or with the hair's volume removed and
    buzzed; ``shaved`` when it changed the photo, ``scalp`` the step's result);
    ``original`` is the photo as taken and ``masks_as_taken`` its masks (measure skin and hair colour
    on these, not on the simulation).
    """

    photo: Photo
    original: Photo
    analysis: Analysis
    design: Design
    doc: PlanDocument
    masks_as_taken: Masks
    shaved: bool = False
    scalp: ScalpResult | None = None


def consult_photo(
    photo: Photo,
    *,
    age: int = 35,
    style: str = "soft",
    seed: int = 0,
    mfp_height_mm: float | None = None,
    conservative: bool = False,
    moves: list[tuple[int, tuple[float, float]]] | None = None,
    mirror: bool = True,
    scalp: str = "auto",
    shave: bool | None = None,
    backend: LandmarkBackend | None = None,
) -> Consultation:
    """Analyse the photo, prepare the scalp (as-is, buzz or shave), propose the hairline, apply the moves.

    Parameters
    ----------
    photo : Photo
    age, style, mfp_height_mm, conservative
        See :func:`smpstudio.design.propose_hairline`.
    seed : int
        Seed of every random choice (recorded in the plan).
    moves : list of (index, (x_mm, y_mm))
        Control-point moves, applied in order (mirrored when ``mirror``).
    scalp : {"auto", "as-is", "buzz", "shave"}
        The scalp step (:func:`smpstudio.scalp.prepare_scalp`): ``auto`` reads the client's situation
        from the photo; ``as-is`` draws on the photo as taken.
    shave : bool, optional
        The former switch: ``False`` means ``scalp="as-is"``, ``True`` ``scalp="auto"``.
    """
    if shave is not None:
        scalp = "auto" if shave else "as-is"

    backend = backend or default_backend()
    analysis = analyze(photo, backend=backend)
    masks_as_taken = analysis.masks
    shown, shaved = photo, False
    step = prepare_scalp(photo.rgb, analysis, mode=scalp, seed=seed)
    if step.mode != "as-is" and step.changed.any():
        shaved = True
        analysis = replace(analysis, masks=step.masks)
        shown = replace(photo, rgb=step.rgb, notes=photo.notes + (f"scalp {step.mode} (simulated) for the preview",))
    design = propose_hairline(analysis, age=age, style=style, mfp_height_mm=mfp_height_mm,
                              conservative=conservative, seed=seed)
    for index, xy in moves or []:
        design = edit_design(analysis, design, index, xy, mirror=mirror)
    doc = plan_document(photo, analysis, design, seed=seed, backend_name=backend.name)
    if shaved:
        doc.warnings.append(f"preview shows the scalp {'buzzed' if step.mode == 'buzz' else 'shaved and buzzed'} "
                            f"(simulated from the photo: {step.reason}); pass --no-shave to draw on the photo as taken")
    return Consultation(shown, photo, analysis, design, doc, masks_as_taken, shaved, step)


def consult(photo: Photo, **options: Any) -> tuple[Analysis, Design, PlanDocument]:
    """:func:`consult_photo` as ``(analysis, design, doc)`` (the photo as taken unless ``scalp``/``shave`` say)."""
    if "shave" not in options:
        options.setdefault("scalp", "as-is")
    c = consult_photo(photo, **options)
    return c.analysis, c.design, c.doc


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
    return PlanDocument(
        software=SoftwareBlock(version=__version__),
        seed=seed,
        photo=PhotoInfo(
            width_px=photo.width,
            height_px=photo.height,
            source_format=photo.source_format,
            bit_depth=photo.bit_depth,
            intake_notes=list(photo.notes),
            pixels_sha256=hashlib.sha256(photo.to_uint8().tobytes()).hexdigest(),
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
        zones=[ZoneBlock(name=z.name, area_cm2=round(z.area_cm2, 2), visible=z.visible, note=z.note)
               for z in design.zones],
        treatment_area_cm2=round(sum(z.area_cm2 for z in design.zones), 2),
        warnings=list(design.warnings),
    )
