"""The 3-D scalp model: areas against analytic surfaces, zones, stages, spacing on the surface, the
whole-head plan of a Norwood 6 on the sample's head, and the diagrams read back."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import elliprg

from smpstudio.design.stage import STAGES
from smpstudio.head3d.diagram import DOT_RGB, VIEWS, render_view
from smpstudio.head3d.dots import lay_dots, min_spacing_ratio
from smpstudio.head3d.stages import all_stage_areas, stage_areas
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.treatment import whole_treatment
from smpstudio.head3d.zones import ZONE_COLOURS, ZONES, zone_map
from smpstudio.pattern.sampling import min_distance_mm


def _ellipsoid_area_cm2(a: float, b: float, c: float) -> float:
    # Carlson: S = 4 pi a b c R_G(a^-2, b^-2, c^-2) (DLMF 19.33.1)
    return float(4 * np.pi * a * b * c * elliprg(a**-2, b**-2, c**-2)) / 100.0


@pytest.mark.parametrize("theta0", [30.0, 60.0, 90.0, 125.0])
def test_sphere_cap_area_matches_analytic(theta0):
    r = 90.0
    g = HeadSurface(np.zeros(3), np.full(3, r)).grid(0.5, theta_max_deg=180.0)
    got = g.total_cm2(g.theta_deg[:, None] < theta0 + 0 * g.area_cm2)
    exact = 2 * np.pi * r**2 * (1 - np.cos(np.radians(theta0))) / 100.0
    assert abs(got / exact - 1) < 0.02


@pytest.mark.parametrize("radii", [(74.0, 90.0, 95.0), (65.0, 85.0, 100.0), (80.0, 80.0, 80.0)])
def test_ellipsoid_area_matches_carlson(radii):
    g = HeadSurface(np.zeros(3), np.array(radii)).grid(0.5, theta_max_deg=180.0)
    exact = _ellipsoid_area_cm2(*radii)
    assert abs(g.area_cm2.sum() / exact - 1) < 0.02
    upper = g.total_cm2(g.theta_deg[:, None] < 90 + 0 * g.area_cm2)  # the upper half, by symmetry
    assert abs(upper / (exact / 2) - 1) < 0.02


def test_hair_bearing_cap_on_a_sphere_matches_the_boundary_integral():
    r = 90.0
    s = HeadSurface(np.zeros(3), np.full(3, r))
    g = s.grid(0.25)
    al = np.linspace(-180, 180, 200_001)
    exact = np.trapezoid(r**2 * (1 - np.cos(np.radians(s.boundary_theta_deg(al)))), np.radians(al)) / 100.0
    assert abs(g.total_cm2() / exact - 1) < 0.02


def test_zones_partition_the_scalp_of_the_average_head():
    zm = zone_map(HeadSurface.average())
    total = zm.grid.total_cm2()
    assert 492 - 2 * 31 <= total <= 492 + 2 * 31  # domain.md §9: 492 +- 31 cm²
    assert abs(sum(zm.areas_cm2.values()) - total) < 1e-6
    assert all(zm.areas_cm2[z] > 10 for z in ZONES)
    left = zm.labels[:, zm.grid.alpha_deg > 0]
    right = zm.labels[:, zm.grid.alpha_deg < 0][:, ::-1]
    assert np.mean(left == right) > 0.99  # symmetric about the midline


def test_stages_on_the_average_head():
    zm = zone_map(HeadSurface.average())
    areas = {a.stage: a for a in all_stage_areas(zm)}
    assert set(areas) == set(STAGES)
    chain = ["norwood-1", "norwood-2", "norwood-3", "norwood-4", "norwood-5", "norwood-6"]
    treated = [areas[s].treatment_cm2 for s in chain]
    assert treated == sorted(treated) and treated[0] == 0
    assert areas["norwood-7"].treatment_cm2 > areas["norwood-6"].treatment_cm2
    assert areas["norwood-3-vertex"].bald_cm2 > areas["norwood-3"].bald_cm2
    # Ludwig keeps the frontal hairline; PRECISE counts one point per 30 cm² bald
    assert all(areas[s].zones["hairline"] == "kept" for s in ("ludwig-1", "ludwig-2", "ludwig-3"))
    n6 = areas["norwood-6"]
    assert n6.precise_points == round(n6.bald_cm2 / 30)
    assert 150 <= n6.bald_cm2 <= 400


@pytest.mark.parametrize("density", [40.0, 80.0, 110.0])
def test_spacing_on_the_surface_holds(density):
    g = HeadSurface.average().grid(0.5)
    top = g.inside & (g.theta_deg[:, None] < 35)
    dots = lay_dots(g, np.where(top, density, 0.0), seed=4)
    target = min_distance_mm(density)
    d, _ = __import__("scipy.spatial", fromlist=["cKDTree"]).cKDTree(dots.points_mm).query(dots.points_mm, k=2)
    assert d[:, 1].min() >= 0.85 * target
    assert 0.85 <= len(dots) / (g.area_cm2[top].sum() * density) <= 1.15


def test_spacing_holds_across_a_density_step():
    g = HeadSurface.average().grid(0.5)
    dens = np.where(g.inside, np.where(g.alpha_deg[None, :] > 0, 90.0, 30.0), 0.0)
    dots = lay_dots(g, dens, seed=7)
    assert min_spacing_ratio(dots) >= 0.85


@pytest.fixture(scope="module")
def sample_n6():
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.pipeline import DesignInputs, Inputs, Pipeline

    pipe = Pipeline()
    return pipe.whole_head(sample_photo(), Inputs(seed=2, design=DesignInputs(stage="norwood-6")))


def test_norwood_6_on_the_sample_is_inside_the_domain_ranges(sample_n6):
    t = sample_n6
    assert t.stage == "norwood-6"
    assert 200 <= t.areas.treatment_cm2 <= 500  # domain.md §1: full head 300-500 cm² (Norwood 6 is less)
    assert 20_000 <= t.total_impressions <= 55_000  # domain.md §1
    assert all(2.0 <= h <= 5.0 for visits in t.visit_hours for h in visits)  # domain.md §1: 2-5 h
    assert sum(t.per_session) == t.total_impressions
    assert sum(sum(v) for v in t.impressions.values()) == t.total_impressions
    assert t.min_spacing_ratio >= 0.85
    bald = [z for z in ZONES if t.areas.zones[z] == "bald"]
    dens = {z: sum(t.impressions[z]) / t.zones.areas_cm2[z] for z in ZONES}
    assert all(0.85 * t.full_density_per_cm2 <= dens[z] <= 1.15 * t.full_density_per_cm2 for z in bald)
    assert t.price > 0


def test_a_long_session_is_split():
    t = whole_treatment(HeadSurface.average(), "norwood-7", full_density_per_cm2=100.0, n_sessions=2, seed=1)
    assert any(len(v) > 1 for v in t.visit_hours)
    assert all(h <= 5.0 for v in t.visit_hours for h in v)


def _zone_pixels(img: np.ndarray, rgb: tuple[int, int, int]) -> int:
    # a zone's pixels are its colour shaded (scaled by 0.62-1); channels near 0 stay near 0
    c = np.array(rgb, dtype=np.float64)
    x = img.astype(np.float64)
    big = c >= 30
    k = x[..., big] / c[big]
    mean = k.mean(axis=-1)
    ok = (np.abs(k - mean[..., None]).max(axis=-1) < 0.05) & (mean > 0.55) & (mean < 1.02)
    ok &= np.all(x[..., ~big] <= c[~big] + 12, axis=-1)
    return int(np.count_nonzero(ok))


@pytest.mark.parametrize("view", list(VIEWS))
def test_diagram_shows_zones_and_dots(sample_n6, view):
    t = sample_n6
    img, n_drawn = render_view(t, view)
    seen = {z for z in ZONES if t.areas.zones[z] == "bald" and _zone_pixels(img, ZONE_COLOURS[z]) > 500}
    expect = {"top": {"hairline", "frontal", "mid-scalp", "crown"}, "back": {"crown"},
              "left": {"temples", "frontal"}, "right": {"temples", "frontal"}}[view]
    assert expect <= seen
    s = t.surface
    facing = int(np.count_nonzero(s.normal(t.dots.points_mm) @ np.array(VIEWS[view][0]) < -0.05))
    dots = int(np.count_nonzero(np.all(img == np.array(DOT_RGB, np.uint8), axis=-1)))
    assert n_drawn == facing
    assert 0.8 * facing <= dots <= facing  # a few share a pixel or lie under a label


def test_stage_areas_follow_the_head():
    small = zone_map(HeadSurface(np.zeros(3), np.array([68.0, 85.0, 90.0])), 0.5)
    big = zone_map(HeadSurface(np.zeros(3), np.array([80.0, 95.0, 100.0])), 0.5)
    assert stage_areas(small, "norwood-6").bald_cm2 < stage_areas(big, "norwood-6").bald_cm2
