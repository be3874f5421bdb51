"""Hair-loss stages: every class region by region, the proposal from visible zones, the artist's choice."""

from __future__ import annotations

import json

import pytest

from smpstudio.design.stage import REGIONS, STAGES, classify, parse_stage, zone_coverage
from tests.cli_helpers import run


def test_every_class_names_every_region_and_baldness_grows_along_norwood():
    rank = {"kept": 0, "thinning": 1, "bald": 2}
    for s in STAGES.values():
        assert set(s.regions) == set(REGIONS) and set(s.regions.values()) <= set(rank)
    order = ["norwood-1", "norwood-2", "norwood-3", "norwood-4", "norwood-5", "norwood-6", "norwood-7"]
    totals = [sum(rank[v] for v in STAGES[n].regions.values()) for n in order]
    assert all(a < b for a, b in zip(totals, totals[1:], strict=False))
    for n in STAGES:  # Ludwig keeps the front edge (domain.md §4)
        if n.startswith("ludwig"):
            assert STAGES[n].regions["hairline"] == "kept"


@pytest.mark.parametrize(("coverage", "stage"), [
    ({"hairline": 0.95, "frontal": 0.95, "temples": 0.9, "mid-scalp": 0.95}, "norwood-1"),
    ({"hairline": 0.9, "frontal": 0.95, "temples": 0.4, "mid-scalp": 0.95}, "norwood-2"),
    ({"hairline": 0.4, "frontal": 0.9, "temples": 0.05, "mid-scalp": 0.95}, "norwood-3"),
    ({"hairline": 0.05, "frontal": 0.1, "temples": 0.02, "mid-scalp": 0.9}, "norwood-4a"),
    ({"hairline": 0.05, "frontal": 0.05, "temples": 0.02, "mid-scalp": 0.05}, "norwood-6"),
])
def test_the_proposal_follows_the_visible_zones(coverage, stage):
    p = classify(coverage)
    assert p.stage == stage and p.mismatches == 0
    assert "crown" in p.reason and "Not visible" in p.reason  # a frontal photo does not show the crown


def test_vertex_and_ludwig_classes_need_what_shows_them():
    seen = {"hairline": 0.4, "frontal": 0.9, "temples": 0.05, "mid-scalp": 0.95}
    assert classify(seen).stage == "norwood-3"
    assert classify({**seen, "crown": 0.05}).stage == "norwood-3-vertex"
    woman = {"hairline": 0.95, "frontal": 0.9, "temples": 0.9, "mid-scalp": 0.4}
    assert classify(woman, allow_ludwig=True).stage == "ludwig-1"
    assert not classify(woman).stage.startswith("ludwig")


def test_coverage_is_the_share_of_each_zone_with_hair():
    import numpy as np

    hair = np.zeros((20, 20), bool)
    hair[:, :5] = True
    zones = {"frontal": np.ones((20, 20), bool), "tiny": np.zeros((20, 20), bool)}
    zones["tiny"][0, 0] = True
    assert zone_coverage(zones, hair) == {"frontal": 0.25}


def test_stage_names_are_parsed_in_either_spelling_and_unknown_ones_refused():
    assert parse_stage("Norwood VI") == parse_stage("norwood-6") == "norwood-6"
    assert parse_stage("norwood IIIa") == "norwood-3a" and parse_stage("Ludwig II") == "ludwig-2"
    with pytest.raises(ValueError, match="unknown stage"):
        parse_stage("norwood-9")


def test_the_artist_s_stage_reaches_plan_json(tmp_path, capsys):
    out = tmp_path / "a"
    assert run(["analyze", "--out", str(out), "--stage", "Norwood VI"]) == 0
    stage = json.loads((out / "plan.json").read_text())["stage"]
    assert stage["chosen"] == "norwood-6" and stage["chosen_by"] == "artist"
    assert stage["regions"] == dict(STAGES["norwood-6"].regions) and stage["proposed"] in STAGES
    assert run(["analyze", "--out", str(tmp_path / "b"), "--stage", "norwood-9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("smp: error: --stage") and "\n" not in err and not (tmp_path / "b").exists()
