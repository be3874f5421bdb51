"""The one pipeline: every output of a consultation agrees, and a changed input recomputes only what follows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from smpstudio.pipeline import DesignInputs, Inputs, PatternInputs, Pipeline, PlanInputs, consultation_document
from smpstudio.pipeline.document import document_json
from smpstudio.pipeline.renders import default_closeup_center_mm
from smpstudio.schema import PlanDocument
from tests.cli_helpers import read_png, run


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """``smp preview`` and ``smp plan`` of the same consultation (the sample, CLI defaults, seed 5)."""
    root = tmp_path_factory.mktemp("agree")
    assert run(["preview", "--out", str(root / "preview"), "--seed", "5"]) == 0
    assert run(["plan", "--out", str(root / "plan"), "--seed", "5"]) == 0
    return (json.loads((root / "preview" / "plan.json").read_text()),
            json.loads((root / "plan" / "plan.json").read_text()), root)


def test_preview_and_plan_show_the_same_dots_shades_and_prices(outputs):
    pv, pl, _ = outputs
    PlanDocument.model_validate(pv)
    PlanDocument.model_validate(pl)
    assert pv["pattern"]["dots"] == pl["pattern"]["dots"] > 1000
    for a, b in zip(pv["sessions"], pl["sessions"], strict=True):
        assert (a["dots"], a["impressions"], a["dilution"], a["pigment"]["id"], a["duration_h"]) == \
               (b["dots"], b["impressions"], b["dilution"], b["pigment"]["id"], b["duration_h"])
        assert a["impressions"] == a["dots"]  # the plan prices the dots the pattern places
    assert pv["cost"]["totals"] == pl["cost"]["totals"]
    assert pv["touch_up"]["due_years"] == pl["touch_up"]["due_years"]
    assert pv["skin"] == pl["skin"] and pv["pattern"]["skin_ita_deg"] == pl["pattern"]["skin_ita_deg"]
    assert pv["hairline"] == pl["hairline"] and pv["zones"] == pl["zones"]
    assert pv["scalp"] == pl["scalp"] and pv["scalp"] in ("as-is", "buzz", "shave")


def test_the_python_pipeline_gives_the_cli_s_document(outputs):
    from smpstudio.imaging.samples import sample_photo

    pv, _, _ = outputs
    step = Pipeline().plan(sample_photo(), Inputs(seed=5))
    doc = document_json(consultation_document(step, closeup_center_mm=default_closeup_center_mm(step),
                                              closeup_px_per_mm=24.0))
    assert doc["sessions"] == pv["sessions"] and doc["pattern"] == pv["pattern"]


def test_a_changed_input_recomputes_only_the_steps_after_it():
    from smpstudio.imaging.samples import sample_photo

    photo = sample_photo()
    p = Pipeline()
    base = Inputs(seed=2)
    first = p.plan(photo, base)
    assert dict(p.calls) == {"analysis": 1, "scalp": 1, "proposal": 1, "design": 1, "pattern": 1, "plan": 1}
    assert p.plan(photo, base) is first  # nothing recomputed
    # a hairline point moved: design, pattern and plan again, not the analysis or the scalp
    hl = first.pattern_step.design.design.hairline
    x, y = (float(v) for v in hl.control_mm[3])
    moved = Inputs(seed=2, design=DesignInputs(moves=((3, (x, y + 6.0)),)))
    after = p.plan(photo, moved)
    # (the proposal is not made again: the move is applied to the cached one)
    assert dict(p.calls) == {"analysis": 1, "scalp": 1, "proposal": 1, "design": 2, "pattern": 2, "plan": 2}
    assert after.pattern_step.design.design.hairline.mfp_height_mm > hl.mfp_height_mm
    assert len(after.pattern) != len(first.pattern)
    # the session count: pattern and plan only
    p.plan(photo, Inputs(seed=2, pattern=PatternInputs(n_sessions=2)))
    assert (p.calls["design"], p.calls["pattern"], p.calls["plan"]) == (2, 3, 3)
    # a plan option (sun exposure): the plan only, same dots
    sunny = p.plan(photo, Inputs(seed=2, plan=PlanInputs(uv="high")))
    assert (p.calls["pattern"], p.calls["plan"]) == (3, 4)
    assert len(sunny.pattern) == len(first.pattern)
    assert sunny.result.block.touch_up.due_years < first.result.block.touch_up.due_years
    assert p.calls["analysis"] == 1 and p.calls["scalp"] == 1


def test_a_hairline_edit_reaches_the_preview(tmp_path, outputs):
    pv, _, root = outputs
    x, y = pv["hairline"]["control_points_mm"][3]
    out, same = tmp_path / "moved", tmp_path / "same"
    assert run(["preview", "--out", str(out), "--seed", "5", "--sessions", "2", "--move", f"3:{x},{y - 8}"]) == 0
    assert run(["preview", "--out", str(same), "--seed", "5", "--sessions", "2"]) == 0
    doc = json.loads((out / "plan.json").read_text())
    assert doc["hairline"]["control_points_mm"][3] == pytest.approx([x, y - 8], abs=0.05)
    assert doc["hairline"]["mfp_px"][1] > pv["hairline"]["mfp_px"][1]  # lower on the image
    # the healed render differs where the hairline moved (read back)
    a = read_png(out / "session-2-healed.png").astype(np.int16)
    b = read_png(same / "session-2-healed.png").astype(np.int16)
    changed = np.abs(a - b).max(axis=2) > 0
    assert changed.any()
    # ... and only there: around the MFP's old and new places, not across the whole head
    rows = np.nonzero(changed.any(axis=1))[0]
    mfp_y = (pv["hairline"]["mfp_px"][1] + doc["hairline"]["mfp_px"][1]) / 2
    assert rows.min() < mfp_y + 20


def test_plan_json_outlines_every_zone_on_the_photo(outputs):
    """zones[].polygon_px redrawn on the photo covers the zone's area (px -> cm² via the surface maps)."""
    import cv2

    pv, _, _ = outputs
    w, h = pv["photo"]["width_px"], pv["photo"]["height_px"]
    for z in pv["zones"]:
        if z["area_cm2"] <= 0:
            assert z["polygon_px"] == []
            continue
        assert z["polygon_px"], z["name"]
        mask = np.zeros((h, w), np.uint8)
        for poly in z["polygon_px"]:
            pts = np.asarray(poly, np.float64)
            assert ((pts >= -1) & (pts <= [w + 1, h + 1])).all()  # on the photo
            cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
        assert mask.sum() > 0
