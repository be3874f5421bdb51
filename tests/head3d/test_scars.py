"""Scars: presets and marks on the surface, their own zone in the plan (full density, a dot in every FUE
scar, laid in session 1 and gone over in the next), warnings, plan.json, the diagram shows them covered."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.errors import SMPError
from smpstudio.head3d.block import whole_head_block
from smpstudio.head3d.diagram import DOT_RGB, SCAR_RGB, render_view
from smpstudio.head3d.scars import fue_scatter, fut_strip, in_scar, scar_from_view, scar_passes
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.treatment import whole_treatment
from smpstudio.head3d.views import Camera
from smpstudio.head3d.zones import zone_map
from smpstudio.schema import SCHEMA_VERSION, PlanDocument, WholeHeadBlock


@pytest.fixture(scope="module")
def scarred():
    s = HeadSurface.average()
    zm = zone_map(s, 0.25)
    fue = fue_scatter(s, zm.grid, zm.mask("occipital") | zm.mask("parietal"), 300, 0.9, seed=2)
    scars = [fut_strip(s, 240.0, 2.0), fue]
    return s, scars, whole_treatment(s, "norwood-6", seed=1, zones=zm, scars=scars)


def test_the_presets_have_their_sizes_and_lie_in_the_fringe(scarred):
    s, (fut, fue), t = scarred
    assert abs(fut.length_mm - 240.0) < 3.0 and fut.width_mm == 2.0
    assert abs(t.scar_areas_cm2[0] - 24.0 * 0.2) < 0.1  # 240 mm x 2 mm
    assert len(fue.points_mm) == 300
    d, _ = __import__("scipy.spatial", fromlist=["cKDTree"]).cKDTree(fue.points_mm).query(fue.points_mm, k=2)
    assert d[:, 1].min() >= 1.8 - 1e-6  # two diameters apart
    from smpstudio.head3d.zones import ZONES, label_points

    fue_zones = label_points(s, fue.points_mm, np.ones(len(fue.points_mm), bool))
    donor = np.isin(fue_zones, [ZONES.index("occipital"), ZONES.index("parietal")])
    assert donor.mean() > 0.97  # the donor area (a few jittered off the cell centres at its top edge)
    mid = fut.points_mm[len(fut.points_mm) // 2][None]
    assert ZONES[label_points(s, mid, np.ones(1, bool))[0]] == "occipital"


def test_scar_tissue_is_filled_at_full_density_and_every_fue_scar_gets_a_dot(scarred):
    s, (fut, fue), t = scarred
    # the strip: dots along it at the full density (it lies in kept hair, which alone would get none)
    on_line = in_scar(s, fut, t.dots.points_mm)
    assert 0.8 * t.full_density_per_cm2 <= on_line.sum() / t.scar_areas_cm2[0] <= 1.3 * t.full_density_per_cm2
    # every FUE scar has a dot inside it
    d, _ = __import__("scipy.spatial", fromlist=["cKDTree"]).cKDTree(t.dots.points_mm).query(fue.points_mm)
    assert d.max() < fue.width_mm / 2


def test_scar_dots_are_laid_first_and_gone_over_again(scarred):
    _, _, t = scarred
    assert t.scar_passes == scar_passes() == 3
    assert np.all(t.session_of_dot[t.scar_of_dot] == 1)
    n_scar = int(t.scar_of_dot.sum())
    assert t.impressions["scar"] == [n_scar] * 3
    assert t.total_impressions == len(t.dots) + 2 * n_scar
    assert sum(t.per_session) == t.total_impressions
    assert any("test patch" in w for w in t.warnings) and any("12 months" in w for w in t.warnings)


def test_fewer_sessions_than_passes_is_said():
    s = HeadSurface.average()
    t = whole_treatment(s, "norwood-3", n_sessions=2, seed=0, scars=[fut_strip(s)])
    assert t.impressions["scar"][1] == t.impressions["scar"][0]
    assert any("need 3 passes" in w for w in t.warnings)


def test_plan_json_carries_the_scars_and_old_documents_still_read(scarred):
    _, (fut, fue), t = scarred
    b = whole_head_block(t)
    assert [x.kind for x in b.scars] == ["line", "fue"] and b.scars[1].count == 300 and b.scar_passes == 3
    assert b.zones[-1].name == "scar" and sum(b.zones[-1].impressions) == sum(t.impressions["scar"])
    assert sum(x.impressions for x in b.sessions) == b.impressions
    assert SCHEMA_VERSION == "1.3"
    old = b.model_dump(mode="json")
    for k in ("scars", "scar_passes", "views"):
        old.pop(k)
    assert WholeHeadBlock.model_validate(old).scars == []  # a 1.1 block reads as one without scars
    assert "scars" in PlanDocument.model_json_schema()["$defs"]["WholeHeadBlock"]["properties"]


def test_the_diagram_shows_the_scars_covered(scarred):
    s, (fut, fue), t = scarred
    img, _ = render_view(t, "back", px_per_mm=12.0)
    red = np.all(np.abs(img.astype(int) - np.array(SCAR_RGB)) < 90, axis=-1) & (img[..., 0] > 120)
    dark = np.all(img == np.array(DOT_RGB, np.uint8), axis=-1)
    assert red.sum() > 2000
    # dots drawn over the scar: dark pixels inside the red scar area's bounding band
    from scipy.ndimage import binary_dilation

    assert (dark & binary_dilation(red, iterations=2)).sum() > 500


def test_a_scar_marked_on_a_photo_lands_on_the_head():
    s = HeadSurface.average()
    cam = Camera.nominal("back", 3.0, (300.0, 300.0))
    scar = scar_from_view(s, cam, "area", [(280.0, 330.0), (320.0, 330.0), (320.0, 360.0), (280.0, 360.0)],
                          view="back")
    t = whole_treatment(s, "norwood-3", seed=0, scars=[scar])
    assert abs(t.scar_areas_cm2[0] - (40 / 3) * (30 / 3) / 100) < 0.4  # ~13.3 x 10 mm, nearly face-on
    with pytest.raises(SMPError, match="not on the head"):
        scar_from_view(s, cam, "line", [(0.0, 0.0), (300.0, 300.0)], width_mm=1.5, view="back")
    with pytest.raises(SMPError, match="between"):
        fut_strip(s, width_mm=30.0)
