"""The consultation service against the pipeline: its previews are the pipeline's renders, pixel for pixel;
a drag under way shows the new dots in the last plan's shades and the plan follows when it ends."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from smpstudio.pipeline import Inputs, Pipeline
from smpstudio.pipeline.renders import scene_for, session_renders, years_renders
from smpstudio.web import consult_schemas as cs
from smpstudio.web import consult_service as svc
from smpstudio.web.consult_state import Consult


@pytest.fixture(scope="module")
def consult(astronaut_photo):
    pipe = Pipeline()
    c = Consult(id=7, clinic_id=1, user_id=1, client_id=1, photo_id=1, photo_sha256="", source_size=(512, 512),
                photo=astronaut_photo, pipe=pipe, inputs=Inputs(seed=5))
    svc.planned(c)
    return c


def test_every_stage_is_the_pipelines_render(consult):
    c = consult
    step = svc.planned(c)
    own = dict(session_renders(step, scene_for(step)))
    years, _ = years_renders(step, scene_for(step), svc.YEARS)
    own.update(years)
    names = [n for n in svc.stage_names(step) if n != "before"]
    assert len(names) >= 9
    for name in names:
        file = f"{name}.png" if not name.startswith("years-") else f"years-{name.split('-')[1]}.png"
        expected = own[file]
        got = svc.stage_rgb8(c, step, name)
        assert got.shape == expected.shape and np.array_equal(got, expected), name


def test_a_drag_under_way_updates_impressions_and_hours_and_the_plan_follows_when_it_ends(consult):
    c = dataclasses.replace(consult, id=8, served={}, draft=False)
    c.last_view = None
    start = svc.planned(c)
    calls = dict(c.pipe.calls)
    v0 = svc.view(c, start)
    mid = len(v0.control_points) // 2
    x, y = v0.control_points[mid]
    step = svc.apply(c, cs.ConsultChange(move=cs.Move(index=mid, x=x, y=y + 6 * v0.overlay.px_per_mm), draft=True))
    assert c.draft and c.pipe.calls["plan"] == calls["plan"]  # no new plan while dragging
    assert len(step.pattern) != len(start.pattern)  # but new dots
    assert step.pattern.water_parts == start.pattern.water_parts
    drafted = svc.view(c, step).plan
    # the plan beside follows the drag: the new impressions and their hours, the last plan's shades and prices
    assert [s.impressions for s in drafted.sessions] != [s.impressions for s in v0.plan.sessions]
    assert [(s.dilution, s.price) for s in drafted.sessions] == [(s.dilution, s.price) for s in v0.plan.sessions]
    img = svc.stage_rgb8(c, step, "session-3-healed")
    end = svc.apply(c, cs.ConsultChange(move=cs.Move(index=mid, x=x, y=y + 6 * v0.overlay.px_per_mm)))
    assert not c.draft and c.pipe.calls["plan"] == calls["plan"] + 1
    assert len(end.pattern) == len(step.pattern)
    ended = svc.view(c, end).plan  # the estimate during the drag was the plan's own count and hours
    assert [(s.impressions, s.hours) for s in drafted.sessions] == [(s.impressions, s.hours) for s in ended.sessions]
    # the draft drew the dots the plan then drew (the shades do not depend on the hairline here)
    if end.pattern.water_parts == step.pattern.water_parts:
        assert np.array_equal(img, svc.stage_rgb8(c, end, "session-3-healed"))
