"""`smp plan --stage norwood-6` prints the whole-head plan, writes it to plan.json and the diagram PNGs."""

from __future__ import annotations

import json

import numpy as np
import pytest

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


def test_plan_with_scars_covers_them_and_prints_the_stage(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["plan", "--scar", "fut:220,2", "--scar", "fue:300,0.9", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    words = " ".join(printed.split())  # the terminal wraps the reason
    assert "Stage" in words and "(--stage overrides)" in words
    # the measured proposal: on the sample a fringe hides the front edge, and the reason says so
    assert "Measured on the photo as taken" in words and "hidden under hair" in words
    doc = json.loads((out / "plan.json").read_text())
    assert doc["stage"]["chosen_by"] == "photo" and "recession_mm" in doc["stage"]
    wh = doc["whole_head"]
    assert wh["stage"] == doc["stage"]["proposed"]  # no --stage: the proposed class
    assert [s["kind"] for s in wh["scars"]] == ["line", "fue"] and wh["scars"][1]["count"] == 300
    assert abs(wh["scars"][0]["length_mm"] - 220) < 3 and wh["scar_passes"] == 3
    scar = [z for z in wh["zones"] if z["name"] == "scar"][0]
    assert scar["impressions"][0] == scar["impressions"][1] == scar["impressions"][2] > 300
    assert any("test patch" in w for w in wh["warnings"])
    back = read_png(out / "diagram-back.png")
    from smpstudio.head3d.diagram import SCAR_RGB

    assert np.count_nonzero(np.all(np.abs(back.astype(int) - np.array(SCAR_RGB)) < 40, axis=-1)) > 200


@pytest.mark.parametrize("bad", ["fut:10", "fue:abc", "line:1,2", "area:1,2;3,4", "blob", "fut:1000,2"])
def test_plan_refuses_a_bad_scar(tmp_path, capsys, bad):
    out = tmp_path / "out"
    assert run(["plan", "--scar", bad, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("scar" in err[0].lower() or "fut" in err[0].lower())
    assert not out.exists()


def test_plan_projects_the_pattern_into_a_marked_top_photo(tmp_path, capsys):
    from smpstudio.commands.common import write_png
    from smpstudio.head3d.overlay import SESSION_RGB
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.pipeline import DesignInputs, Inputs, Pipeline
    from tests.head3d.test_views import SIZE, _camera, _marks, _scene

    # a synthetic top photo of this client's head model at a known pose, its reference points marked
    t = Pipeline().whole_head(sample_photo(), Inputs(seed=3, design=DesignInputs(stage="norwood-6")))
    truth = _camera("top", (15.0, 5.0, -3.0), 3.0, SIZE)
    img, hit = _scene(t.surface, truth, SIZE)
    write_png(tmp_path / "top.png", img)
    marks = _marks(t.surface, img, hit)
    (tmp_path / "views.yaml").write_text(json.dumps(
        [{"name": "top", "orientation": "top", "photo": "top.png", "marks": {k: list(v) for k, v in marks.items()}}]))
    out = tmp_path / "out"
    views = str(tmp_path / "views.yaml")
    assert run(["plan", "--seed", "3", "--stage", "norwood-6", "--views", views, "--out", str(out)]) == 0
    assert "view top (top)" in capsys.readouterr().out
    doc = json.loads((out / "plan.json").read_text())
    v = {x["name"]: x for x in doc["whole_head"]["views"]}
    assert set(v) == {"front", "top"} and v["top"]["residual_mm"] < 1.0
    assert abs(v["top"]["px_per_mm"] - 3.0) < 0.1
    drawn = read_png(out / "view-top.png")
    # where the true camera sees each dot (well inside the view), the written photo shows a session's dot
    well = (t.surface.normal(t.dots.points_mm) @ truth.forward) < -0.3
    px = np.round(truth.project(t.dots.points_mm[well])).astype(int)
    px = px[(px.min(axis=1) >= 1) & (px.max(axis=1) < SIZE - 1)]
    colours = np.array(SESSION_RGB[:3])
    near = np.zeros(len(px), bool)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            c = drawn[np.clip(px[:, 1] + dy, 0, SIZE - 1), np.clip(px[:, 0] + dx, 0, SIZE - 1)].astype(int)
            near |= (np.abs(c[:, None, :] - colours[None]).max(axis=-1) < 40).any(axis=1)
    assert len(px) > 3000 and near.mean() > 0.95
    assert (out / "view-front.png").is_file()


def test_plan_refuses_marks_that_do_not_fit(tmp_path, capsys):
    from smpstudio.commands.common import write_png

    write_png(tmp_path / "top.png", np.full((100, 100, 3), 200, np.uint8))
    (tmp_path / "views.yaml").write_text(json.dumps(
        [{"orientation": "top", "photo": "top.png", "marks": {"mfp": [10, 10], "whorl": [12, 11]}}]))
    out = tmp_path / "out"
    assert run(["plan", "--views", str(tmp_path / "views.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "three" in err[0]
    assert not out.exists()


def test_preview_with_a_scar_shows_it_covered(tmp_path, capsys):
    from smpstudio.head3d.diagram import DOT_RGB, SCAR_RGB

    out = tmp_path / "out"
    assert run(["preview", "--scar", "fut:200,2", "--stage", "norwood-6", "--out", str(out)]) == 0
    assert "scar tissue covered" in capsys.readouterr().out
    doc = json.loads((out / "plan.json").read_text())
    assert doc["whole_head"]["scars"][0]["kind"] == "line" and "diagram-scars.png" in doc["whole_head"]["diagrams"]
    img = read_png(out / "diagram-scars.png")
    red = np.all(np.abs(img.astype(int) - np.array(SCAR_RGB)) < 60, axis=-1)
    dark = np.all(np.abs(img.astype(int) - np.array(DOT_RGB)) < 30, axis=-1)
    from scipy.ndimage import binary_dilation

    assert red.sum() > 1000 and (dark & binary_dilation(red, iterations=3)).sum() > 300  # dots over the scar
    assert (out / "session-3-healed.png").is_file()
