"""The dot engine renders the plan healed and faded at chosen years (``smp plan --years``).

Measured on the PNGs read back: the colour difference (CIEDE2000) to the un-tattooed photo inside the
treatment region shrinks with the years, nothing outside it changes, and on two synthetic flat skins the
plan's shades make the previews differ the way domain.md §1 and §2 say.
"""

from __future__ import annotations

import datetime as dt
import json

import colour
import cv2
import numpy as np
import pytest

from smpstudio.pipeline.renders import faded_water_parts
from tests.cli_helpers import read_png, run


def rendered_sessions(doc: dict) -> list[dict]:
    return [s for s in doc["sessions"] if not s.get("suggested", False)]


FILES = ("healed.png", "years-1.png", "years-3.png", "touch-up-due.png")


def lab_of(rgb8: np.ndarray) -> np.ndarray:
    return colour.XYZ_to_Lab(colour.sRGB_to_XYZ(rgb8.astype(np.float64) / 255.0))


def delta_e(a8: np.ndarray, b8: np.ndarray) -> np.ndarray:
    return np.asarray(colour.delta_E(lab_of(a8), lab_of(b8), method="CIE 2000"))


@pytest.fixture(scope="module")
def sample():
    """The embedded sample as the CLI draws on it (head shaved by default): photo (uint8), treatment region."""
    from smpstudio.consultation import consult_photo
    from smpstudio.imaging.intake import to_uint8
    from smpstudio.imaging.samples import sample_photo

    c = consult_photo(sample_photo(), age=35, style="soft", seed=0, shave=True)  # the CLI's defaults
    assert c.shaved
    # the shaved photo's 8-bit rendering, as every render starts from it
    return to_uint8(c.photo.rgb), c.design.treatment_mask, c.design.frame.px_per_mm


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    out = tmp_path_factory.mktemp("years") / "out"
    assert run(["plan", "--out", str(out), "--years", "3,1"]) == 0
    return out


def _renders(out) -> list[dict]:
    return json.loads((out / "plan.json").read_text())["renders"]


def test_renders_listed_in_plan_json_and_read_back_at_the_photos_size(planned, sample):
    from smpstudio.schema import PlanDocument

    photo, _, _ = sample
    doc = json.loads((planned / "plan.json").read_text())
    PlanDocument.model_validate(doc)
    renders = doc["renders"]
    assert [r["file"] for r in renders] == list(FILES)
    years = [r["years_after_last_session"] for r in renders]
    assert years[:3] == [pytest.approx(28 / 365.25, abs=1e-4), 1.0, 3.0]  # healed: 4 weeks after the last session
    assert years[3] == pytest.approx(doc["touch_up"]["due_years"], abs=1e-3)
    # pigment left falls with the years, each session's rendered dilution gets thinner
    left = [r["pigment_remaining"] for r in renders]
    assert left[0] == pytest.approx(1.0, abs=1e-4) and all(a > b for a, b in zip(left, left[1:], strict=False))
    healed_water = [s["water_parts"] for s in rendered_sessions(doc)]
    # healed.png: the last session's shade as planned, earlier (older) dots a touch lighter already
    assert renders[0]["water_parts"][-1] == pytest.approx(healed_water[-1], abs=1e-3)
    assert renders[0]["water_parts"] == pytest.approx(healed_water, rel=0.02)
    assert all(w >= h for w, h in zip(renders[0]["water_parts"], healed_water, strict=True))
    for a, b in zip(renders, renders[1:], strict=False):
        assert all(wb > wa for wa, wb in zip(a["water_parts"], b["water_parts"], strict=True))
    # the faded dilution carries exactly the faded pigment: 1 / (water' + 1) = remaining * 1 / (water + 1)
    last = rendered_sessions(doc)[-1]
    for r in renders:
        assert 1.0 / (r["water_parts"][-1] + 1.0) == pytest.approx(r["pigment_remaining"] * last["pigment_fraction"],
                                                                   rel=2e-3)
    for name in FILES:
        img = read_png(planned / name)
        assert img.shape == photo.shape


def test_contrast_to_the_photo_shrinks_with_the_years(planned, sample):
    photo, region, _ = sample
    assert region.sum() > 100
    by_years = sorted(_renders(planned), key=lambda r: r["years_after_last_session"])
    imgs = {r["file"]: read_png(planned / r["file"])[region] for r in by_years}
    to_photo = [float(delta_e(imgs[r["file"]], photo[region]).mean()) for r in by_years]
    to_healed = [float(delta_e(imgs[r["file"]], imgs["healed.png"]).mean()) for r in by_years]
    print("mean CIEDE2000 in the treatment region, to the photo:", dict(zip(imgs, np.round(to_photo, 4), strict=True)),
          "to healed.png:", dict(zip(imgs, np.round(to_healed, 4), strict=True)))
    assert to_photo[0] > 0.1  # the healed dots show
    assert all(a > b for a, b in zip(to_photo, to_photo[1:], strict=False))  # healed > 1 y > 3 y > touch-up
    assert to_healed[0] == 0.0 and all(a < b for a, b in zip(to_healed, to_healed[1:], strict=False))
    assert to_photo[-1] > 0.0  # at the touch-up the dots have faded, not gone


def test_outside_the_treatment_region_the_photo_is_unchanged(planned, sample):
    photo, region, px_per_mm = sample
    # a splat reaches at most ~4 sigma of its halo (under 2 mm) plus 2 px of the renderer's margin
    margin_px = int(np.ceil(2.0 * px_per_mm)) + 3
    near = cv2.dilate(region.astype(np.uint8), np.ones((2 * margin_px + 1, 2 * margin_px + 1), np.uint8)) > 0
    for name in FILES:
        img = read_png(planned / name)
        changed = (img != photo).any(axis=2)
        assert changed[region].sum() > 0.1 * region.sum(), name
        assert not changed[~near].any(), f"{name}: {int(changed[~near].sum())} pixels changed outside the region"


def test_years_follow_the_option_and_sort_with_the_touch_up(tmp_path):
    out = tmp_path / "out"
    assert run(["plan", "--out", str(out), "--years", "5,0.5", "--uv", "high", "--skin-oily", "--exfoliation"]) == 0
    doc = json.loads((out / "plan.json").read_text())
    due = doc["touch_up"]["due_years"]
    assert due is not None and 0.5 < due < 5  # risk factors bring the touch-up forward
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == sorted(["cost.png", "fading.png", "healed.png", "years-0.5.png", "years-5.png",
                            "touch-up-due.png"])
    by_years = sorted(doc["renders"], key=lambda r: r["years_after_last_session"])
    assert [r["file"] for r in by_years] == ["healed.png", "years-0.5.png", "touch-up-due.png", "years-5.png"]
    region = ~(read_png(out / "healed.png") == read_png(out / "years-5.png")).all(axis=2)
    base = read_png(out / "healed.png")[region]
    contrast = [float(delta_e(read_png(out / r["file"])[region], base).mean()) for r in by_years]
    assert all(a < b for a, b in zip(contrast, contrast[1:], strict=False))  # ever further from healed


def _plan_doc(suggested: bool) -> dict:
    fr = [1 / 11, 1 / 9, 1 / 7]
    sessions = [{"index": k + 1, "day": 14 * k, "pigment_fraction": f, "suggested": False} for k, f in enumerate(fr)]
    if suggested:
        sessions.append({"index": 4, "day": 42, "pigment_fraction": 1 / 7, "suggested": True})
    return {"sessions": sessions, "fading_curve": {"factors": {"uv": "med", "fitzpatrick": 3}}}


def test_faded_dilutions_age_each_session_and_follow_a_suggested_top_up():
    plan = _plan_doc(suggested=False)
    w0, left0 = faded_water_parts(plan, 28 / 365.25)
    assert left0 == pytest.approx(1.0) and w0[-1] == pytest.approx(6.0)
    assert w0[0] > 10.0  # session 1's dots healed 4 weeks earlier and have begun to fade
    prev = w0
    for years in (1.0, 3.0, 8.0):
        w, left = faded_water_parts(plan, years)
        assert 0 < left < 1 and all(a > b for a, b in zip(w, prev, strict=True))
        # the older a session's dots, the larger the share of their pigment already gone
        lost = [1 - (1 / (x + 1)) / f for x, f in zip(w, (1 / 11, 1 / 9, 1 / 7), strict=True)]
        assert lost[0] > lost[1] > lost[2] > 0
        prev = w
    # a suggested 4th session re-layers the lighter dots up to its shade (and is the last session)
    plan4 = _plan_doc(suggested=True)
    w4, left4 = faded_water_parts(plan4, 28 / 365.25)
    assert len(w4) == 3 and left4 == pytest.approx(1.0)
    assert w4 == pytest.approx((6.0, 6.0, 6.0))  # topped up to the final 6:1, not beyond
    w4_late, _ = faded_water_parts(plan4, 3.0)
    assert all(x > 6.0 for x in w4_late) and w4_late[0] < faded_water_parts(plan, 3.0)[0][0]


@pytest.mark.parametrize("years", ["-1", "21", "x", "1,,3", "nan", "inf", ""])
def test_bad_years_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, years):
    out = tmp_path / "out"
    assert run(["plan", "--out", str(out), "--years", years]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("smp: error: ") and "--years" in err and "\n" not in err
    assert not list(tmp_path.iterdir())


# ---- two synthetic clients on flat skin, rendered by the dot engine with their plans' shades -----------

PPM = 16.0  # px per mm: individual dots resolved
WIDTH_MM, HEIGHT_MM = 30.0, 20.0


def _flat_scene():
    from smpstudio.analysis.types import FaceFrame

    w, h = int(WIDTH_MM * PPM), int(HEIGHT_MM * PPM)
    frame = FaceFrame(origin_px=(w / 2.0, float(h)), px_per_mm=PPM, roll_deg=0.0)
    y_mm = (h - (np.arange(h) + 0.5)) / PPM
    behind = np.repeat((y_mm - 4.0)[:, None], w, axis=1).astype(np.float32)  # hairline 4 mm above the bottom
    return frame, behind > -2.0, behind, np.ones((h, w), np.float32)


def _client(make_scalp, skin_lab):
    from smpstudio.pattern.layout import layout_pattern
    from smpstudio.plan.plan import PlanOptions, build_plan

    rgb, skin, hair = make_scalp(skin_lab, hair_lab=(16.0, 2.0, 4.0))
    plan = build_plan(rgb, skin, hair, area_cm2=150.0, options=PlanOptions(today=dt.date(2030, 1, 1)))
    doc = plan.block.model_dump(mode="json")
    water = tuple(float(s["water_parts"]) for s in rendered_sessions(doc))
    frame, treatment, behind, fore = _flat_scene()
    pattern = layout_pattern(frame, treatment, behind, fore, style="soft", transition_mm=6.0,
                             n_sessions=len(water), interval_days=14, seed=2, water_parts=water)
    return doc, np.asarray(plan.skin.rgb_linear, np.float32), pattern


def _healed_dots_lab(pattern, skin_lin, water=None, optics=None):
    """Mean CIELAB at the healed dots' centres (full density, > 10 mm behind the hairline) and of the skin."""
    import dataclasses

    from smpstudio.optics.dot import DEFAULT_OPTICS
    from smpstudio.render import preview as pv
    from smpstudio.render.render import linear_to_srgb8

    p = pattern if water is None else dataclasses.replace(pattern, water_parts=water)
    h, w = int(HEIGHT_MM * PPM), int(WIDTH_MM * PPM)
    photo = np.broadcast_to(skin_lin, (h, w, 3)).copy()
    base = linear_to_srgb8(photo)
    out = pv.render_on_photo(photo, p, (len(p.water_parts) - 1) * 14 + 28, 14, skin_lin, None, only_healed=True,
                             base_srgb8=base, optics=optics or DEFAULT_OPTICS)
    xy = np.floor(p.xy_px[p.xy_mm[:, 1] > 14.0]).astype(int)
    xy = xy[(xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)]
    assert len(xy) > 50
    return lab_of(out[xy[:, 1], xy[:, 0]]).mean(axis=0), lab_of(base[0, 0])


def test_fair_and_dark_previews_differ_as_the_handbook_says(make_scalp):
    from smpstudio.optics.dot import DEFAULT_OPTICS

    fair_doc, fair_skin_lin, fair_pat = _client(make_scalp, (80.0, 5.0, 14.0))
    dark_doc, dark_skin_lin, dark_pat = _client(make_scalp, (34.0, 10.0, 14.0))
    # domain.md §1: lighter (more water) on light skin, darker on dark skin, session by session
    assert all(f > d for f, d in zip(fair_pat.water_parts, dark_pat.water_parts, strict=True))
    fair_dot, fair_skin = _healed_dots_lab(fair_pat, fair_skin_lin)
    dark_dot, dark_skin = _healed_dots_lab(dark_pat, dark_skin_lin)
    # both show healed dots darker than the skin; the fair client's a soft grey far lighter than the dark one's
    assert fair_dot[0] < fair_skin[0] - 5 and dark_dot[0] < dark_skin[0] - 3
    assert fair_dot[0] > dark_dot[0] + 20
    # the shade matters in the preview: the dark client's dilutions on the fair skin read much darker
    too_dark, _ = _healed_dots_lab(fair_pat, fair_skin_lin, water=dark_pat.water_parts)
    assert too_dark[0] < fair_dot[0] - 3
    # domain.md §2 blue shift: the same pattern rendered with the scattering made colour-neutral (every channel
    # returning from the same depth) shows how much cooler the optics make each client's dots; on fair skin
    # the shift to blue (b* down) is much larger than on dark skin
    neutral = DEFAULT_OPTICS.with_(remission_depth_mm_rgb=(0.38, 0.38, 0.38))
    fair_flat, _ = _healed_dots_lab(fair_pat, fair_skin_lin, optics=neutral)
    dark_flat, _ = _healed_dots_lab(dark_pat, dark_skin_lin, optics=neutral)
    fair_shift, dark_shift = fair_dot[2] - fair_flat[2], dark_dot[2] - dark_flat[2]
    print(f"fair skin {np.round(fair_skin, 2)} dots {np.round(fair_dot, 2)} water {fair_pat.water_parts} "
          f"blue shift db* {fair_shift:.2f}; dark skin {np.round(dark_skin, 2)} dots {np.round(dark_dot, 2)} "
          f"water {dark_pat.water_parts} blue shift db* {dark_shift:.2f}")
    assert fair_shift < 0 and dark_shift < 0
    assert fair_shift < 2 * dark_shift
    # and on fair skin the dots are cooler than the skin around them (b* falls)
    assert fair_dot[2] < fair_skin[2] - 3
    # each faded year keeps the order: fair dilutions stay lighter than the dark client's
    for years in (1.0, 3.0):
        fw, _ = faded_water_parts(fair_doc, years)
        dw, _ = faded_water_parts(dark_doc, years)
        assert all(f > d for f, d in zip(fw, dw, strict=True))
