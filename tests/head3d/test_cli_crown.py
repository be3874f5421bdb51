"""`smp plan --views` with a top photo: the stage proposal measures the crown in it and plan.json's stage block
carries the crown's view and share; the proposed class changes from the front photo's alone."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from tests.cli_helpers import run


def test_plan_measures_the_crown_in_a_marked_top_photo(tmp_path, capsys):
    from smpstudio.commands.common import write_png
    from smpstudio.design.hair_cover import hair_cover
    from smpstudio.head3d import surface_of
    from smpstudio.head3d.views import Camera, reference_points
    from smpstudio.head3d.zones import ZONES, label_points
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.optics.colour import linear_to_srgb
    from smpstudio.pipeline import Inputs, Pipeline
    from tests.head3d.test_views import SIZE, _camera

    # the front photo alone: the crown is not seen (the sample's fringe hides the front, colour cannot tell)
    ds = Pipeline().design(sample_photo(), Inputs(seed=3))
    front = ds.document.stage
    assert front.proposed == "norwood-1" and front.crown_view is None and "crown" in front.reason
    # the client's 3-D model (the whole-head plan's) seen from above; the crown zone painted in the front photo's
    # forehead skin, the rest in its dense hair (the two ends the proposal unmixes between)
    a = dataclasses.replace(ds.scalp.analysis, masks=ds.scalp.masks_as_taken)
    surface = surface_of(a, ds.design.hairline.mfp_height_mm)
    m = ds.scalp.masks_as_taken
    cover = hair_cover(ds.scalp.original.rgb, m.forehead if m.forehead is not None else m.skin, m.hair,
                       px_per_mm=a.head.px_per_mm)
    cam = _camera("top", (15.0, 5.0, -3.0), 2.8, SIZE)
    truth = Camera(cam.rotation, cam.px_per_mm, cam.offset_px + SIZE / 2 - cam.project(surface.center_mm)[0])
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    hit = truth.back_project(surface, np.stack([xx.ravel(), yy.ravel()], axis=1))
    on = np.isfinite(hit[:, 0])
    lab = np.full(len(hit), -1)
    lab[on] = label_points(surface, hit[on], np.ones(int(on.sum()), bool))
    img = np.empty((SIZE * SIZE, 3))
    img[:] = linear_to_srgb(np.clip(cover.hair_linear, 0.0, 1.0))
    img[lab == ZONES.index("crown")] = linear_to_srgb(np.clip(cover.skin_linear, 0.0, 1.0))
    write_png(tmp_path / "top.png", np.round(255 * img.reshape(SIZE, SIZE, 3)).astype(np.uint8))
    ref = reference_points(surface)
    marks = {k: [float(c) for c in truth.project(ref[k])[0]] for k in ("mfp", "whorl", "ft_left", "ft_right")}
    (tmp_path / "views.yaml").write_text(json.dumps(
        [{"name": "top", "orientation": "top", "photo": "top.png", "marks": marks}]))

    out = tmp_path / "out"
    assert run(["plan", "--seed", "3", "--views", str(tmp_path / "views.yaml"), "--out", str(out)]) == 0
    capsys.readouterr()
    st = json.loads((out / "plan.json").read_text())["stage"]
    assert st["crown_view"] == "top" and st["crown_view_orientation"] == "top"
    assert st["crown_skin_share"] > 0.9 and st["view_skin_share"]["mid-scalp"] < 0.1  # 0.99, 0.01
    assert st["skin_share"]["crown"] == st["crown_skin_share"]
    assert st["proposed"] == "norwood-3-vertex" != front.proposed and st["chosen"] == st["proposed"]
    assert st["regions"]["crown"] == "bald"
    assert f"crown {100 * st['crown_skin_share']:.0f} % skin showing through the hair (in the top view 'top')" \
        in st["reason"]
