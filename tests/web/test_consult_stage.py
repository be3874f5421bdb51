"""The consultation shows the measured hair-loss stage and its reason (issue 11): a receding client's photo is
not proposed Norwood I, and the reason gives the measured millimetres and shares."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("name", ["biden.jpg", "obama.jpg"])
def test_the_consult_shows_the_measured_stage_and_its_reason(login, name):
    from smpstudio.imaging.real_photos import photo_path

    c = login("a_owner")
    client = c.post("/api/clients", json={"first_name": "Stage", "last_name": "Shown"}).json()["id"]
    r = c.post(f"/api/clients/{client}/consults", files={"file": (name, photo_path(name).read_bytes(), "image/jpeg")})
    assert r.status_code == 201, r.text
    body = r.json()
    reason = body["hair_stage_reason"]
    print(f"\n{name}: {body['hair_stage_proposed']}: {reason}")
    assert re.search(r"temple recession [+-]\d+ mm \(image-left\) / [+-]\d+ mm \(image-right\)", reason), reason
    assert re.search(r"midline recession [+-]\d+ mm", reason) and "% skin showing through the hair" in reason
    assert body["hair_stage"] == body["hair_stage_proposed"]
    if name == "biden.jpg":
        assert body["hair_stage_proposed"] != "norwood-1"
    else:
        assert body["hair_stage_proposed"] in ("norwood-1", "norwood-2")
    whole = c.get(f"/api/consults/{body['id']}/whole-head").json()
    assert whole["reason"] == reason and whole["proposed"] == body["hair_stage_proposed"]
