"""`smp plan` end to end on the embedded sample; bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.cli_helpers import run

START = (dt.date.today() + dt.timedelta(days=10)).isoformat()


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "out"
    code = run(["plan", "--out", str(out), "--start", START, "--uv", "high", "--skin-oily", "--seed", "3"])
    assert code == 0
    return out


def test_outputs_read_back(planned):
    doc = json.loads((planned / "plan.json").read_text())
    for key in ("skin", "hair", "sessions", "touch_up", "fading_curve", "cost", "warnings", "checks", "pigment"):
        assert key in doc
    assert set(doc["skin"]) >= {"lab", "ita_deg", "ita_class", "ita_class_fine", "monk", "fitzpatrick_estimate",
                                "undertone", "spread"}
    assert doc["seed"] == 3 and "hairline" in doc  # the analysis document is kept
    s = doc["sessions"]
    assert s[0]["date"] == START
    # the impressions are the dots the pattern places in each session (the pattern smp preview draws)
    assert [x["impressions"] for x in s if not x["suggested"]] == [x["dots"] for x in s if not x["suggested"]]
    assert sum(x["impressions"] for x in s if not x["suggested"]) == doc["pattern"]["dots"]
    for a, b in zip(s, s[1:], strict=False):
        assert dt.date.fromisoformat(b["date"]) > dt.date.fromisoformat(a["date"])
        assert b["pigment_fraction"] >= a["pigment_fraction"]
    tu = doc["touch_up"]
    last = dt.date.fromisoformat(s[-1]["visits"][-1]["date"])
    assert dt.date.fromisoformat(tu["due_date"]) == last + dt.timedelta(days=round(tu["due_years"] * 365.25))
    assert doc["fading_curve"]["factors"]["uv"] == "high" and doc["fading_curve"]["factors"]["oily_scalp"]
    assert tu["due_years"] < 3.6  # high UV + oily scalp: sooner than the ~3.5 y reference
    for name in ("fading.png", "cost.png"):
        im = Image.open(io.BytesIO((planned / name).read_bytes()))
        assert im.format == "PNG" and im.size[0] > 400
        assert np.asarray(im.convert("L")).std() > 5  # not blank


@pytest.mark.parametrize("argv", [
    ["--start", "2001-02-03"],
    ["--start", "03/04/2030"],
    ["--interval-days", "3"],
    ["--interval-days", "45"],
    ["--sessions", "6"],
    ["--uv", "extreme"],
    ["--pigment", "carbon-blak"],
    ["--target-shade", "grey"],
    ["--target-shade", "#12345"],
    ["--density", "200"],
    ["--move", "1:nan,nan"],
    ["--scalp", "bald"],
    ["--neutral-patch", "500,500,40,40"],
    ["--cost-years", "0"],
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv):
    out = tmp_path / "out"
    assert run(["plan", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("smp: error: ") and "\n" not in err
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # no staging folder left behind either


def test_intake_typo_is_one_line(tmp_path, capsys):
    intake = tmp_path / "intake.yaml"
    intake.write_text("pregnant: false\n")
    out = tmp_path / "out"
    assert run(["plan", "--out", str(out), "--intake", str(intake)]) == 2
    err = capsys.readouterr().err.strip()
    assert "pregnant" in err and "\n" not in err and not out.exists()


@pytest.mark.parametrize("option", ["--intake", "--views"])
@pytest.mark.parametrize("content", [b"\xff\xfe\x00 not text", b"x: [\n"], ids=["binary", "yaml-syntax"])
def test_unreadable_intake_or_views_file_is_one_line(tmp_path, capsys, option, content):
    """Both files are read like the catalogue and prices (plan.datafile.read_yaml): a file that is not
    text was a UnicodeDecodeError traceback (exit 1) until 2026-12-03."""
    bad = tmp_path / "file.yaml"
    bad.write_bytes(content)
    out = tmp_path / "out"
    assert run(["plan", "--out", str(out), option, str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(bad) in err and "\n" not in err and not out.exists()


def test_catalogue_typo_is_one_line(tmp_path, capsys):
    from importlib import resources

    text = resources.files("smpstudio.plan").joinpath("data/pigments.yaml").read_text()
    bad = tmp_path / "cat.yaml"
    bad.write_text(text.replace("dilutions:", "dilutons:", 1))
    out = tmp_path / "out"
    assert run(["plan", "--out", str(out), "--catalogue", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "dilutons" in err and "\n" not in err and not out.exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text("pigments: [\n")
    assert run(["plan", "--out", str(out), "--catalogue", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert "YAML" in err and "\n" not in err and not out.exists()


def test_plan_json_validates_against_the_project_schema_and_plan_blocks(planned):
    from smpstudio.plan.models import TreatmentPlanBlock
    from smpstudio.schema import PlanDocument

    doc = json.loads((planned / "plan.json").read_text())
    PlanDocument.model_validate(doc)
    block = {k: doc[k] for k in TreatmentPlanBlock.model_fields if k in doc}
    block["inputs"] = doc["plan_inputs"]
    block["warnings"] = [w for w in doc["warnings"]]
    TreatmentPlanBlock.model_validate(block)


def test_dot_engine_helper_reaches_the_threshold_at_the_touch_up(planned):
    from smpstudio.optics.fading import plan_pigment_fraction_at

    doc = json.loads((planned / "plan.json").read_text())
    last = [s for s in doc["sessions"] if not s["suggested"]][-1]
    due = doc["touch_up"]["due_years"]
    f_due = plan_pigment_fraction_at(doc, last["index"], due)
    # the plan's own fading curve at the same time (years after healing) gives the same pigment share
    curve = doc["fading_curve"]
    t = due - 28 / 365.25
    share = float(np.interp(t, curve["years"], curve["pigment_remaining"]))
    assert f_due / last["pigment_fraction"] == pytest.approx(share, rel=2e-3)
    assert plan_pigment_fraction_at(doc, last["index"], 1.0) > plan_pigment_fraction_at(doc, last["index"], 3.0)


def test_summary_and_json_modes(tmp_path, capsys):
    intake = tmp_path / "intake.yaml"
    intake.write_text("pregnancy: false\nisotretinoin_6_months: true\n")
    out = tmp_path / "a"
    assert run(["plan", "--out", str(out), "--intake", str(intake), "--sessions", "2"]) == 0
    text = capsys.readouterr().out
    assert "STOP: contraindication: isotretinoin" in text and "Sessions" in text and "Touch-up" in text
    assert (out / "plan.json").is_file()
    out2 = tmp_path / "b"
    assert run(["plan", "--out", str(out2), "--json", "--target-shade", "30,2,5"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == json.loads((out2 / "plan.json").read_text())
    assert doc["pigment"]["target_lab"] == [30.0, 2.0, 5.0] and doc["pigment"]["target_source"] == "chosen shade"
    assert all(s["date"] is None for s in doc["sessions"]) and doc["touch_up"]["due_date"] is None
