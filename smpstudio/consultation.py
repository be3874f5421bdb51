"""The consultation step as one call: photo -> analysis -> (scalp) -> design -> ``plan.json`` document.

A thin wrapper over :class:`smpstudio.pipeline.Pipeline` for callers that want the design in one call;
the pipeline is the one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smpstudio.analysis.landmarks import LandmarkBackend
from smpstudio.analysis.types import Analysis, Masks
from smpstudio.design import Design
from smpstudio.imaging.intake import Photo
from smpstudio.pipeline.document import plan_document
from smpstudio.schema import PlanDocument

__all__ = ["Consultation", "consult", "consult_photo", "plan_document"]


@dataclass
class Consultation:
    """One consultation: the photo as shown, its analysis, the design and the plan document.

    ``photo`` is what previews draw on: the client's photo, or the photo with the head buzzed or
    shaved (the pipeline's scalp step); ``original`` is the photo as taken and ``masks_as_taken`` its
    masks (measure skin and hair colour on these, not on the simulation).
    """

    photo: Photo
    original: Photo
    analysis: Analysis
    design: Design
    doc: PlanDocument
    masks_as_taken: Masks
    shaved: bool = False
    scalp: str = "as-is"


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
    shave: bool = False,
    scalp: str | None = None,
    backend: LandmarkBackend | None = None,
) -> Consultation:
    """Analyse the photo, show the scalp as it will be worn, propose the hairline, apply the artist's moves.

    Parameters
    ----------
    photo : Photo
    age, style, mfp_height_mm, conservative
        See :func:`smpstudio.design.propose_hairline`.
    seed : int
        Seed of every random choice (recorded in the plan).
    moves : list of (index, (x_mm, y_mm))
        Control-point moves, applied in order (mirrored when ``mirror``).
    shave : bool
        ``scalp="auto"`` when true and ``scalp`` is not given, else ``"as-is"``.
    scalp : str, optional
        ``auto``, ``as-is``, ``buzz`` or ``shave`` (:class:`smpstudio.pipeline.ScalpInputs`).
    """
    from smpstudio.pipeline import DesignInputs, Inputs, Pipeline, ScalpInputs

    mode = scalp if scalp is not None else ("auto" if shave else "as-is")
    inputs = Inputs(seed=seed, scalp=ScalpInputs(mode),
                    design=DesignInputs(age=age, style=style, mfp_height_mm=mfp_height_mm, conservative=conservative,
                                        moves=tuple(moves or ()), mirror=mirror))
    step = Pipeline(backend=backend).design(photo, inputs)
    s = step.scalp
    return Consultation(s.photo, photo, s.analysis, step.design, step.document, s.masks_as_taken, s.changed, s.mode)


def consult(photo: Photo, **options: Any) -> tuple[Analysis, Design, PlanDocument]:
    """:func:`consult_photo` with the photo as taken, as ``(analysis, design, doc)``."""
    c = consult_photo(photo, **options)
    return c.analysis, c.design, c.doc
