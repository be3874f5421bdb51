"""The whole-head plan of a consultation: the chosen hair-loss stage planned on the client's 3-D scalp.

The same computation as ``smp plan --stage`` (:func:`smpstudio.pipeline.steps.whole_head_of`: the
scalp model fitted to the head, the stage's zones, one dot pattern on the surface, hours per session and
visit, impressions per zone). It takes seconds (the surface pattern has tens of thousands of dots), so it
runs **outside** the consultation's lock: a drag is never kept waiting by it. What it depends on (the
design step, the stage, density, sessions, seed) is read under the lock; the result is kept on the
consultation for that key, with the four diagrams (top, sides, back) as PNGs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

from smpstudio.head3d.block import whole_head_block
from smpstudio.head3d.treatment import WholeTreatment
from smpstudio.pipeline.steps import whole_head_of
from smpstudio.web import consult_schemas as cs
from smpstudio.web.consult_service import BadChange
from smpstudio.web.consult_state import Consult

VIEWS = ("top", "left", "right", "back")
DIAGRAM_PX_PER_MM = 2.0  # ~ 360 px wide: a tablet thumbnail that still shows the zones
KEPT = 4  # whole-head results kept per consultation


@dataclasses.dataclass(frozen=True)
class WholeJob:
    """What the whole-head plan of the consult's current design is made from (read under the lock)."""

    key: tuple[object, ...]
    run: Callable[[], WholeTreatment]
    revision: int


def job(c: Consult) -> WholeJob:
    """The job for the consult's current inputs (call with ``c.lock`` held; cheap: the design is cached)."""
    ds = c.pipe.design(c.photo, c.inputs)
    p, seed, prices = c.inputs.pattern, c.inputs.seed, c.pipe.prices
    stage = ds.document.stage.chosen if ds.document.stage is not None else None
    key = (stage, float(ds.design.hairline.mfp_height_mm), p.density_per_cm2, p.n_sessions, seed,
           repr(prices), id(ds.scalp), c.inputs.whole_head)
    whole = c.inputs.whole_head
    return WholeJob(key, lambda: whole_head_of(ds, p, prices, seed, whole), c.revision)


def result(c: Consult, j: WholeJob) -> WholeTreatment:
    """The job's whole-head treatment: kept from before, else computed (without the consult's lock)."""
    held = c.whole.get(j.key)
    if held is not None:
        return held[0]
    t = j.run()
    with c.lock:
        c.whole[j.key] = (t, {})
        while len(c.whole) > KEPT:
            c.whole.pop(next(iter(c.whole)))
    return t


def view(c: Consult, j: WholeJob, t: WholeTreatment) -> cs.WholeHeadOut:
    """The whole-head plan for the page: the block of plan.json plus the stage's proposal and its reason."""
    from smpstudio.design.stage import STAGES

    with c.lock:
        st = c.pipe.design(c.photo, c.inputs).document.stage
    proposed = st.proposed if st is not None else None
    return cs.WholeHeadOut(
        revision=j.revision, stage=t.stage, stage_label=STAGES[t.stage].label,
        proposed=proposed, proposed_label=STAGES[proposed].label if proposed in STAGES else None,
        reason=st.reason if st is not None else None, chosen_by=st.chosen_by if st is not None else "photo",
        views=list(VIEWS), block=whole_head_block(t, [f"diagram-{v}.png" for v in VIEWS]))


def diagram_png(c: Consult, j: WholeJob, t: WholeTreatment, name: str) -> bytes:
    """One view of the whole-head diagram (:func:`smpstudio.head3d.diagram.diagram_views`) as PNG."""
    from smpstudio.head3d.diagram import diagram_views

    if name not in VIEWS:
        raise BadChange(f"no diagram view {name!r}; one of {', '.join(VIEWS)}")
    pngs = c.whole[j.key][1] if j.key in c.whole else {}
    if not pngs:
        for file, rgb8 in diagram_views(t, DIAGRAM_PX_PER_MM).items():
            ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb8[:, :, ::-1]))
            assert ok
            pngs[file.removeprefix("diagram-").removesuffix(".png")] = buf.tobytes()
        with c.lock:
            if j.key in c.whole:
                c.whole[j.key] = (t, pngs)
    return pngs[name]
