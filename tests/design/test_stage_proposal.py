"""The measured stage proposal: temple and midline recession on the head model, skin showing through hair.

Synthetic heads whose hair front and hair density are drawn where the truth is known, then every real test
photo with its figures (printed; the report of issue 11 quotes them).
"""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.design.hair_front import measure_hair_front, reference_controls
from smpstudio.design.stage_proposal import StageMeasures, measure_stage, propose_stage
from smpstudio.optics.colour import linear_to_srgb

SKIN_LIN = np.array([0.45, 0.25, 0.17])
DARK_LIN = np.array([0.02, 0.018, 0.015])
WHITE_LIN = np.array([0.75, 0.74, 0.70])
H, W = 900, 800


def _head() -> HeadModel:
    pts = np.zeros((478, 3))
    pts[:, :2] = (400.0, 600.0)
    pts[9] = (400, 520, -40)
    pts[151] = (400, 440, -32)
    pts[10] = (400, 360, -20)
    pts[127] = (120, 560, 160)
    pts[356] = (680, 560, 160)
    return HeadModel.fit(pts, np.eye(3), 4.0)


CANTHI = np.array([[230.0, 560.0], [570.0, 560.0]])


def _scene(head: HeadModel, temple_mm: float, midline_mm: float, hair_lin=DARK_LIN, cover: float = 1.0):
    """A head on an image: skin below the hair front, hair (``cover`` of each pixel, mixed in linear light)
    above it. The front lies ``midline_mm`` behind the juvenile reference at the centre and ``temple_mm``
    behind it on the lateral part (surface mm along each meridian), blended in between."""
    probe = measure_hair_front(head, CANTHI, np.zeros((H, W), bool))
    hair = np.zeros((H, W), bool)
    half = probe.half_width_mm
    step_px = (probe.meridians[1].offset_mm - probe.meridians[0].offset_mm) * head.px_per_mm
    for m in probe.meridians:
        u = min(abs(m.offset_mm) / half, 1.0)
        depth = midline_mm + (temple_mm - midline_mm) * float(np.clip((u - 0.3) / 0.4, 0.0, 1.0))
        # the meridian's path: find the pixel at arc = reference + depth by walking its drawn path
        path = np.array(m.path_px)
        arcs = np.arange(len(path)) * 4.0  # path_px keeps every 4th 1-mm step
        a = m.reference_arc_mm + depth
        x = int(round(np.interp(a, arcs, path[:, 0])))
        y_front = float(np.interp(a, arcs, path[:, 1]))
        gap = int(np.ceil(0.5 * step_px)) + 1  # strips meet: no skin between meridians
        x0, x1 = max(0, x - gap), min(W, x + gap + 1)
        hair[: int(np.floor(y_front)), x0:x1] = True
    head_mask = np.zeros((H, W), bool)
    yy, xx = np.mgrid[0:H, 0:W]
    head_mask[((xx - 400) / 360.0) ** 2 + ((yy - 560) / 560.0) ** 2 < 1.0] = True
    hair &= head_mask
    lin = np.broadcast_to(SKIN_LIN, (H, W, 3)).copy()
    lin[hair] = cover * np.asarray(hair_lin) + (1 - cover) * SKIN_LIN
    sides = head_mask & (np.abs(xx - 400) > 280) & (yy < 560)  # dense side hair: the colour of dense hair
    lin[sides] = hair_lin
    hair |= sides
    rgb = linear_to_srgb(lin).astype(np.float32)
    forehead = head_mask & ~hair & (yy > 420) & (yy < 540) & (np.abs(xx - 400) < 150)
    return rgb, hair, forehead, head_mask


def _measure(head, rgb, hair, forehead, head_mask, zones=None):
    return measure_stage(head, CANTHI, rgb, hair, forehead, head_mask, zones or {})


@pytest.mark.parametrize(("temple", "midline", "stage"), [
    (0.0, 0.0, "norwood-1"),
    (22.0, 0.0, "norwood-2"),
    (40.0, 0.0, "norwood-3"),
])
def test_the_temple_recession_is_measured_where_it_was_drawn(temple, midline, stage):
    head = _head()
    m, front, _ = _measure(head, *_scene(head, temple, midline))
    print(f"\ndrawn temples {temple} mm, midline {midline} mm: measured {m.temple_left_mm} / {m.temple_right_mm} / "
          f"{m.midline_mm} mm")
    assert m.temple_left_mm is not None and m.temple_right_mm is not None and m.midline_mm is not None
    # 3 mm: the walk's 1-mm steps and 1.5-mm box, the strips' pixel edges (measured: within 1.3 mm)
    assert abs(m.temple_left_mm - temple) <= 3.0 and abs(m.temple_right_mm - temple) <= 3.0
    assert abs(m.midline_mm - midline) <= 3.0
    p = propose_stage(m)
    assert p.stage == stage
    assert f"{m.temple_left_mm:+.0f} mm" in p.reason and f"{m.midline_mm:+.0f} mm" in p.reason


def test_the_temples_are_measured_behind_the_clients_own_front_when_it_lies_low():
    """A low juvenile front (20 mm in front of Garg's 80 mm MFP) whose temples lie on Garg's line: the temples
    are receded 20 mm behind the client's own front (Norwood II), though no deeper than Garg's line."""
    head = _head()
    m, _, _ = _measure(head, *_scene(head, 0.0, -20.0))
    print(f"\nmidline {m.midline_mm} mm, temples {m.temple_left_mm} / {m.temple_right_mm} mm behind the line "
          f"through {m.temple_reference_mfp_mm} mm")
    assert m.midline_mm == pytest.approx(-20.0, abs=3.0)
    assert m.temple_reference_mfp_mm == pytest.approx(60.0, abs=3.0)
    assert m.temple_left_mm == pytest.approx(20.0, abs=4.0) and m.temple_right_mm == pytest.approx(20.0, abs=4.0)
    p = propose_stage(m)
    assert p.stage == "norwood-2"
    assert f"through an MFP {m.temple_reference_mfp_mm:.0f} mm above the glabella" in p.reason


def test_a_receded_front_gives_an_a_variant_and_the_reference_is_the_juvenile_line():
    head = _head()
    ref = reference_controls(head, 85.0)
    assert ref[3, 1] == pytest.approx(head.midline_point(80.0)[1])  # MFP 80 mm above the glabella (Garg 2017)
    m, _, _ = _measure(head, *_scene(head, 25.0, 25.0))
    assert m.midline_mm is not None and m.midline_mm >= 20.0
    assert propose_stage(m).stage == "norwood-2a"  # the whole front back 25 mm, the temples no deeper
    m, _, _ = _measure(head, *_scene(head, 40.0, 40.0))
    assert propose_stage(m).stage == "norwood-3a"  # back 40 mm: temples bare, front edge receded


def test_white_thin_hair_over_skin_is_thin_hair_not_skin():
    """Half-cover white hair: the hair mask says hair everywhere; colour says half the skin shows, and the
    front of *covering* hair lies where the thin hair ends."""
    head = _head()
    rgb, hair, forehead, head_mask = _scene(head, 0.0, 0.0, hair_lin=WHITE_LIN, cover=0.45)
    yy = np.mgrid[0:H, 0:W][0]
    frontal = hair & ~(np.abs(np.mgrid[0:H, 0:W][1] - 400) > 280) & (yy < 400)
    m, _, cover = _measure(head, rgb, hair, forehead, head_mask, {"frontal": frontal})
    assert m.colour_separable
    assert m.skin_share["frontal"] == pytest.approx(0.55, abs=0.05)
    p = propose_stage(m)
    assert p.states["frontal"] == "thinning" and f"{100 * m.skin_share['frontal']:.0f} % skin showing" in p.reason
    # at the front edge too: the temples and the midline are sparse though the hair mask begins where it should
    assert m.temple_left_mm is not None and abs(m.temple_left_mm) <= 3.0
    for k in ("front-left", "front-right", "front-midline"):
        assert m.skin_share[k] == pytest.approx(0.55, abs=0.08), (k, m.skin_share)
    assert p.states["temples"] == "thinning" and p.states["hairline"] == "thinning" and p.stage == "norwood-2a"
    # the same scene with dense hair: no skin shows
    rgb2, *_ = _scene(head, 0.0, 0.0, hair_lin=WHITE_LIN, cover=1.0)
    m2, _, _ = _measure(head, rgb2, hair, forehead, head_mask, {"frontal": frontal})
    assert m2.skin_share["frontal"] < 0.05 and propose_stage(m2).states["frontal"] == "kept"
    assert propose_stage(m2).stage == "norwood-1"


def test_a_fringe_over_the_forehead_hides_the_front():
    head = _head()
    rgb, hair, forehead, head_mask = _scene(head, 0.0, 0.0)
    yy = np.mgrid[0:H, 0:W][0]
    hair |= head_mask & (yy < 480)  # hair down to the mid-forehead
    m, _, _ = _measure(head, rgb, hair, forehead & ~hair, head_mask)
    assert m.front_hidden and m.temple_left_mm is None and m.midline_mm is None
    assert "hidden under hair" in propose_stage(m).reason


def test_the_thresholds_decide_the_state():
    base = dict(front_hidden=False, colour_separable=True)
    assert propose_stage(StageMeasures(14.0, 14.0, 0.0, skin_share={}, **base)).states["temples"] == "kept"
    assert propose_stage(StageMeasures(16.0, 0.0, 0.0, skin_share={}, **base)).states["temples"] == "thinning"
    assert propose_stage(StageMeasures(0.0, 31.0, 0.0, skin_share={}, **base)).states["temples"] == "bald"
    assert propose_stage(StageMeasures(0.0, 0.0, 0.0, skin_share={"frontal": 0.65}, **base)).states["frontal"] == "bald"


PHOTOS = ["sample", "biden.jpg", "obama.jpg", "obama2.jpg"]


@pytest.fixture(scope="module", params=PHOTOS)
def staged(request):
    from skimage import data

    from smpstudio.imaging.intake import Photo, load_photo
    from smpstudio.imaging.real_photos import photo_path
    from smpstudio.pipeline import Inputs, Pipeline

    photo = Photo.from_array(data.astronaut()) if request.param == "sample" else load_photo(photo_path(request.param))
    doc = Pipeline().design(photo, Inputs(seed=0)).document
    return request.param, doc.stage


def test_every_real_photo_is_measured_and_the_receding_one_is_not_type_one(staged):
    name, st = staged
    print(f"\n{name}: {st.proposed}; temples {st.temple_recession_mm}, midline {st.midline_recession_mm} mm, "
          f"skin showing {st.skin_share}\n  {st.reason}")
    assert st.chosen == st.proposed and st.chosen_by == "photo"
    if name == "sample":  # long hair over the forehead (a woman, Ludwig's scale): the front is not seen
        assert st.midline_recession_mm is None and "hidden under hair" in st.reason
        assert st.proposed == "norwood-1"
        return
    assert st.temple_recession_mm is not None and st.midline_recession_mm is not None
    assert "skin showing through the hair" in st.reason
    if name == "biden.jpg":  # receding, thinning white hair at the temples and the front
        assert st.proposed not in ("norwood-1", "norwood-2")
        # the white hair over his temples and front is thin: most of the skin shows through it
        assert min(st.skin_share[k] for k in ("front-left", "front-right", "front-midline")) >= 0.5
        assert st.skin_share["hairline"] >= 0.23
    else:  # close-cropped full dark hair, the front where a young man's is
        assert st.proposed in ("norwood-1", "norwood-2")
        assert all(v is not None and v < 15.0 for v in st.temple_recession_mm.values())
        assert st.midline_recession_mm < 10.0
        assert st.skin_share["front-midline"] < 0.23 and st.skin_share["hairline"] < 0.23


def test_a_plan_json_stage_block_of_1_2_still_reads():
    from smpstudio.schema import StageBlock

    old = {"proposed": "norwood-1", "reason": "Norwood I ...", "coverage": {"hairline": 1.0}, "chosen": "norwood-6",
           "chosen_by": "artist", "regions": dict(STAGES_REGIONS), "recession_mm": -13.0, "hair_front_mm": 72.0}
    b = StageBlock.model_validate(old)
    assert b.temple_recession_mm is None and b.midline_recession_mm is None and b.skin_share is None
    assert b.chosen == "norwood-6"  # the artist's stage is kept as it was


STAGES_REGIONS = {"hairline": "bald", "frontal": "bald", "temples": "bald", "mid-scalp": "bald", "crown": "bald",
                  "parietal": "kept", "occipital": "kept"}


def test_on_ludwig_s_scale_only_ludwig_classes_are_proposed():
    base = dict(front_hidden=False, colour_separable=True)
    nothing = StageMeasures(None, None, None, True, {}, False)
    assert propose_stage(nothing, scale="ludwig").stage == "ludwig-1"  # the mildest class: nothing measured
    assert propose_stage(nothing).stage == "norwood-1"
    thin_top = StageMeasures(-5.0, -5.0, -10.0, skin_share={"frontal": 0.4, "mid-scalp": 0.7}, **base)
    p = propose_stage(thin_top, scale="ludwig")
    assert p.stage == "ludwig-2" and "Ludwig's scale" in p.reason
    with pytest.raises(ValueError, match="unknown scale"):
        propose_stage(thin_top, scale="savin")


def test_the_cli_proposes_on_the_scale_asked_for(tmp_path, capsys):
    import json

    from tests.cli_helpers import run

    out = tmp_path / "a"
    assert run(["analyze", "--out", str(out), "--scale", "ludwig"]) == 0  # the sample: a woman
    stage = json.loads((out / "plan.json").read_text())["stage"]
    assert stage["proposed"] == "ludwig-1" and stage["chosen_by"] == "photo"
    assert run(["analyze", "--out", str(tmp_path / "b"), "--scale", "savin"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("smp: error: --scale") and "\n" not in err and not (tmp_path / "b").exists()
