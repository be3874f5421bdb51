"""plan.pigment.matched_guard: the longest clipper guard whose buzz the SMP can match on a skin."""

from __future__ import annotations

import numpy as np

from smpstudio.optics.stubble import GUARDS_MM
from smpstudio.plan.pigment import load_catalogue, matched_guard, recommend_sessions
from smpstudio.plan.skin import skin_tone_from_lab

DARK_HAIR = np.array([20.0, 3.0, 4.0])


def _final_de(skin, length_mm):
    pp = recommend_sessions(skin, load_catalogue(), hair_lab=DARK_HAIR, stubble_length_mm=length_mm)
    return [s for s in pp.sessions if not s.suggested][-1].composite_delta_e


def test_darker_skin_allows_a_longer_buzz():
    cat = load_catalogue()
    names = []
    for lab in ([75.0, 7.0, 15.0], [62.0, 10.0, 18.0], [50.0, 12.0, 22.0], [38.0, 12.0, 20.0]):
        skin = skin_tone_from_lab(np.array(lab))
        name, length, reason = matched_guard(skin, DARK_HAIR, cat)
        names.append(name)
        assert GUARDS_MM[name] == length and skin.ita_class in reason
        # the choice is the longest guard the plan's final look matches within ΔE00 3
        longer = [g for g, mm in GUARDS_MM.items() if mm > length]
        assert _final_de(skin, length) <= 3.0 or name == min(GUARDS_MM, key=GUARDS_MM.get)
        assert all(_final_de(skin, GUARDS_MM[g]) > 3.0 for g in longer)
    assert names[0] == "#0" and names[-1] == "#1", names
    assert names == sorted(names), names  # never shorter on a darker skin


def test_white_hair_gets_the_shortest_guard_and_says_why():
    skin = skin_tone_from_lab(np.array([60.0, 12.0, 16.0]))
    name, _, reason = matched_guard(skin, np.array([85.0, 1.0, 5.0]), load_catalogue())
    assert name == "#0" and "lighter than the skin" in reason
