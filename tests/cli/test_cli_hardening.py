"""Issue 13 item 9: bad input to the CLI ends with exit 2 and ONE readable line, never a traceback; two
faces are named as such; the seed range is the same in --seed, plan.json and the records API."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from skimage import data

from smpstudio.errors import SMPError
from tests.cli_helpers import run


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("smp: error: ")
    return err


@pytest.mark.parametrize("command", [["analyze"], ["plan"], ["preview"], ["pack", "--client-name", "Ann Lee"]])
def test_output_folder_that_is_a_file_is_one_line(tmp_path, capsys, monkeypatch, command):
    from smpstudio.pipeline import Pipeline

    existing = tmp_path / "existing_file"
    existing.write_text("keep me")
    # refused before the slow work: the pipeline never runs
    monkeypatch.setattr(Pipeline, "plan", lambda *a, **k: pytest.fail("the pipeline ran"))
    monkeypatch.setattr(Pipeline, "design", lambda *a, **k: pytest.fail("the pipeline ran"))
    assert run([*command, "--out", str(existing)]) == 2
    assert "not a folder" in _one_line(capsys)
    assert existing.read_text() == "keep me"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_output_folder_that_cannot_be_created_is_one_line(capsys):
    assert run(["analyze", "--out", "/proc/forbidden"]) == 2
    assert "/proc/forbidden" in _one_line(capsys)


def test_nan_move_is_one_line(tmp_path, capsys):
    assert run(["analyze", "--move", "1:nan,nan", "--out", str(tmp_path / "o")]) == 2
    assert "finite" in _one_line(capsys)
    assert not (tmp_path / "o").exists()


def test_missing_face_model_is_one_line(tmp_path, capsys, monkeypatch):
    from smpstudio.analysis import landmarks
    from smpstudio.analysis.model_files import ModelMissingError

    assert issubclass(ModelMissingError, SMPError)
    monkeypatch.setenv("SMP_FACE_MODEL", str(tmp_path / "absent.task"))
    previous = landmarks._default
    landmarks.set_default_backend(None)
    photo = tmp_path / "p.png"
    Image.fromarray(data.astronaut()).save(photo)
    try:
        code = run(["analyze", str(photo), "--out", str(tmp_path / "o")])
    finally:
        landmarks.set_default_backend(previous)
    assert code == 2
    assert "face model not found" in _one_line(capsys)
    assert not (tmp_path / "o").exists()


def test_two_faces_say_two_faces(tmp_path, capsys):
    a = data.astronaut()
    photo = tmp_path / "two.png"
    Image.fromarray(np.concatenate([a, a], axis=1)).save(photo)
    assert run(["analyze", str(photo), "--out", str(tmp_path / "o")]) == 2
    line = _one_line(capsys)
    assert "2 faces" in line and "no face" not in line, line


def test_the_seed_range_is_the_same_for_the_cli_plan_json_and_the_records_api(tmp_path, capsys):
    from smpstudio.commands.common import MAX_SEED as CLI_MAX
    from smpstudio.records.schemas import PlanCreate
    from smpstudio.schema import MAX_SEED, PlanDocument

    assert CLI_MAX == MAX_SEED == 2**63 - 1
    schema = PlanDocument.model_json_schema()["properties"]["seed"]
    assert schema["maximum"] == MAX_SEED and schema["minimum"] == 0
    assert PlanCreate.model_json_schema()["properties"]["seed"]["maximum"] == MAX_SEED
    assert run(["analyze", "--seed", str(MAX_SEED + 1), "--out", str(tmp_path / "o")]) == 2
    assert str(MAX_SEED) in _one_line(capsys)
