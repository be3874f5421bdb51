"""`smp plan --stage norwood-6` prints the whole-head plan, writes it to plan.json and the diagram PNGs."""

from __future__ import annotations

import json

import numpy as np

from smpstudio.head3d.zones import ZONE_COLOURS
from smpstudio.schema import SCHEMA_VERSION
from tests.cli_helpers import read_png, run


def test_plan_with_a_stage_plans_the_whole_head(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["plan", "--stage", "norwood-6", "--seed", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Whole head" in printed and "crown" in printed
    doc = json.loads((out / "plan.json").read_text())
    wh = doc["whole_head"]
    assert doc["schema_version"] == SCHEMA_VERSION and wh["stage"] == "norwood-6" and wh["seed"] == 5
    assert 20_000 <= wh["impressions"] <= 55_000
    assert sum(s["impressions"] for s in wh["sessions"]) == wh["impressions"]
    assert all(2.0 <= h <= 5.0 for s in wh["sessions"] for h in s["visits_hours"])
    assert set(wh["stages_cm2"]) >= {"norwood-1", "norwood-7", "ludwig-3"}
    assert doc["treatment_area_cm2"] < wh["treatment_area_cm2"]  # the photo's preview is kept as it was
    assert sorted(wh["diagrams"]) == ["diagram-back.png", "diagram-left.png", "diagram-right.png",
                                      "diagram-top.png"]
    top = read_png(out / "diagram-top.png")
    crown = np.array(ZONE_COLOURS["crown"])
    assert np.count_nonzero(np.abs(top.astype(int) - crown).max(axis=-1) < 40) > 1000
    assert (out / "healed.png").is_file()


def test_plan_refuses_an_unknown_stage(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["plan", "--stage", "norwood-9", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "stage" in err[0]
    assert not out.exists()
