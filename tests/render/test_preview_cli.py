"""`smp preview` end to end on the embedded sample: files read back, plan.json blocks, bad options."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tests.cli_helpers import run


@pytest.fixture(scope="module")
def preview_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("preview") / "out"
    assert run(["preview", "--out", str(out), "--sessions", "2", "--interval-days", "10", "--seed", "4",
                "--style", "broken", "--closeup-px-per-mm", "20"]) == 0
    return out


def _img(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_writes_every_image(preview_out) -> None:
    names = {p.name for p in preview_out.iterdir()}
    assert names == {"before.png", "session-1-fresh.png", "session-1-healing.png", "session-1-healed.png",
                     "session-2-fresh.png", "session-2-healed.png", "side-by-side.png", "closeup.png", "plan.json"}
    before = _img(preview_out / "before.png")
    assert before.shape == (512, 512, 3)
    for k in (1, 2):
        for stage in ("fresh", "healed"):
            assert _img(preview_out / f"session-{k}-{stage}.png").shape == before.shape
    sbs = _img(preview_out / "side-by-side.png")
    assert sbs.shape == (512, 1024, 3)
    assert np.array_equal(sbs[:, :512], before)
    assert np.array_equal(sbs[:, 512:], _img(preview_out / "session-2-healed.png"))
    # the close-up shows a 24 x 16 mm patch at 20 px/mm, four panels under a 28 px title strip
    close = _img(preview_out / "closeup.png")
    assert close.shape == (28 + 320, 4 * 480 + 18, 3)


def test_dots_change_the_treated_area_and_only_it(preview_out) -> None:
    before = _img(preview_out / "before.png").astype(int)
    first = _img(preview_out / "session-1-healed.png").astype(int)
    healed = _img(preview_out / "session-2-healed.png").astype(int)
    # nothing changes in the lower half of the photo (face, body): the head is shaved and dotted only above
    assert not (np.abs(healed - before).sum(axis=2)[300:] > 0).any()
    # session 2 adds dots to session 1's: the scalp gets darker, and somewhere it does. Session 1's dots are
    # 10 days older in session 2's healed image (they fade): where session 2 adds no dot a pixel may come out
    # one 8-bit level lighter, never more, and only at a few pixels
    diff = (healed - first).sum(axis=2)
    assert (diff <= 1).all()
    assert (diff > 0).sum() <= 0.01 * (diff < 0).sum()
    assert (diff < 0).sum() > 50


def test_no_shave_draws_on_the_photo_as_taken(tmp_path) -> None:
    out = tmp_path / "out"
    assert run(["preview", "--out", str(out), "--sessions", "2", "--no-shave"]) == 0
    before = _img(out / "before.png").astype(int)
    healed = _img(out / "session-2-healed.png").astype(int)
    changed = np.abs(healed - before).sum(axis=2) > 0
    assert changed.any() and not changed[300:].any()
    assert (healed.sum(axis=2)[changed] <= before.sum(axis=2)[changed]).all()  # dots only darken


def test_closeup_shows_individual_dots(preview_out) -> None:
    from skimage.feature import blob_log

    close = _img(preview_out / "closeup.png")[28:].astype(np.float32) / 255
    final = close[:, -480:].mean(axis=2)
    first = close[:, 2 * 486: 2 * 486 + 480].mean(axis=2)  # session 1 healed
    bg = np.median(final)
    n_final = len(blob_log(np.clip(bg - final, 0, 1), min_sigma=1, max_sigma=5, threshold=0.03))
    n_first = len(blob_log(np.clip(np.median(first) - first, 0, 1), min_sigma=1, max_sigma=5, threshold=0.03))
    assert n_final > 30
    assert n_final > n_first  # the final session is denser than session 1


def test_plan_json_sessions_and_pattern(preview_out) -> None:
    from smpstudio.plan.models import SessionBlock
    from smpstudio.schema import PatternBlock, PlanDocument

    doc = json.loads((preview_out / "plan.json").read_text())
    PlanDocument.model_validate(doc)
    # one entry per session: the plan's fields and the pattern's measurements
    entries = doc["sessions"]
    for e in entries:
        SessionBlock.model_validate(e)
        for key in ("dots", "total_dots", "density_per_cm2", "dot_diameter_mm", "healed_dot_diameter_mm",
                    "min_distance_mm", "shade", "needle"):
            assert key in e, key
    pattern = PatternBlock.model_validate(doc["pattern"])
    assert [e["index"] for e in entries] == [1, 2]
    assert [e["day"] for e in entries] == [0, 10]
    assert sum(e["dots"] for e in entries) == pattern.dots == entries[-1]["total_dots"]
    assert [e["impressions"] for e in entries] == [e["dots"] for e in entries]  # the plan counts the real dots
    assert entries[0]["density_per_cm2"] < entries[1]["density_per_cm2"]
    assert entries[1]["min_distance_mm"] <= entries[0]["min_distance_mm"]
    assert pattern.min_distance_mm <= pattern.mean_nn_distance_mm
    assert doc["seed"] == pattern.seed == 4
    # the plan's shades: darker each session (domain.md §1 layering), as the plan block says
    water = [float(e["shade"].split(":")[0]) for e in entries]
    assert water[1] < water[0]
    assert water == [e["water_parts"] for e in entries]
    assert doc["skin"]["ita_deg"] and doc["touch_up"]["due_years"]
    # one skin measurement: the dots were drawn for the same skin the plan chose the pigment for
    assert doc["pattern"]["skin_ita_deg"] == pytest.approx(doc["skin"]["ita_deg"], abs=0.01)


def test_same_seed_same_output(preview_out, tmp_path) -> None:
    out = tmp_path / "again"
    assert run(["preview", "--out", str(out), "--sessions", "2", "--interval-days", "10", "--seed", "4",
                "--style", "broken", "--closeup-px-per-mm", "20"]) == 0
    assert (out / "plan.json").read_text() == (preview_out / "plan.json").read_text()
    assert np.array_equal(_img(out / "session-2-healed.png"), _img(preview_out / "session-2-healed.png"))


@pytest.mark.parametrize("args, needle", [
    (["--sessions", "0"], "--sessions"),
    (["--sessions", "5"], "--sessions"),
    (["--interval-days", "-3"], "--interval-days"),
    (["--interval-days", "5"], "--interval-days"),
    (["--density", "400"], "needles"),
    (["--style", "mohawk"], "style"),
    (["--closeup-px-per-mm", "5"], "--closeup-px-per-mm"),
    (["--closeup-at", "a,b"], "--closeup-at"),
    (["--blowout-share", "0.5"], "--blowout-share"),
])
def test_bad_options_are_refused_with_one_line(tmp_path, capsys, args, needle) -> None:
    out = tmp_path / "out"
    assert run(["preview", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smp: error:") and needle in err[0]
    assert not out.exists()


def test_bad_photo_leaves_nothing_behind(tmp_path, capsys) -> None:
    src = tmp_path / "noise.png"
    Image.fromarray((np.random.default_rng(0).random((300, 300, 3)) * 255).astype(np.uint8)).save(src)
    out = tmp_path / "out"
    assert run(["preview", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smp: error:")
    assert not out.exists()
    assert not any(p.name.startswith(".out-stage") for p in tmp_path.iterdir())
