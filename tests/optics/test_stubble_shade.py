"""The stubble's shade (optics.stubble.gap_fraction_diffuse) against a ray-cast stand of random stems."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.optics.stubble import buzzed_look_linear, gap_fraction_diffuse, hairs_per_mm2, stubble_shade


def _ray_cast_visibility(n_per_mm2: float, diameter_mm: float, height_mm: float, rng: np.random.Generator,
                         n_rays: int = 4000) -> float:
    """Share of cosine-weighted rays from the ground that leave a Poisson stand of vertical cylinders."""
    half = 3.0 * height_mm + 1.0
    open_rays = 0
    for _ in range(n_rays):
        k = rng.poisson(n_per_mm2 * (2 * half) ** 2)
        c = rng.uniform(-half, half, (k, 2))
        c = c[np.hypot(c[:, 0], c[:, 1]) > diameter_mm / 2]  # the ground point is not inside a stem
        sin_t = np.sqrt(rng.uniform())  # cosine-weighted: sin^2(theta) uniform
        reach = height_mm * sin_t / np.sqrt(max(1.0 - sin_t**2, 1e-12))
        phi = rng.uniform(0, 2 * np.pi)
        u = np.array([np.cos(phi), np.sin(phi)])
        along = np.clip(c @ u, 0.0, reach)  # nearest point of the ray's ground track to each axis
        dist = np.linalg.norm(c - along[:, None] * u[None, :], axis=1)
        open_rays += not bool((dist < diameter_mm / 2).any())
    return open_rays / n_rays


@pytest.mark.parametrize("n_per_mm2, height_mm", [(1.42, 1.4), (1.42, 2.1), (3.0, 2.1)])
def test_gap_fraction_matches_a_ray_cast_stand(n_per_mm2, height_mm):
    rng = np.random.default_rng(7)
    d = 0.07
    cast = _ray_cast_visibility(n_per_mm2, d, height_mm, rng)
    model = float(gap_fraction_diffuse(n_per_mm2 * d * height_mm))
    print(f"\nn {n_per_mm2}/mm², h {height_mm} mm: ray cast {cast:.3f}, model {model:.3f}")
    assert abs(cast - model) < 0.025  # 4000 rays: 1 sigma ~0.007


def test_the_shade_falls_with_density_and_spares_light_hair():
    v0, _ = stubble_shade(hairs_per_mm2(0.0))
    v_half_density, _ = stubble_shade(hairs_per_mm2(0.5))
    v_full, mid_full = stubble_shade(hairs_per_mm2(1.0))
    assert float(v0[0]) == pytest.approx(1.0, abs=1e-9)
    assert 1.0 > float(v_half_density[0]) > float(v_full[0]) > 0.6
    assert float(mid_full[0]) > float(v_full[0])  # a shaft's middle is less shaded than the ground
    white, _ = stubble_shade(hairs_per_mm2(1.0), absorbed=0.0)
    assert float(white[0]) == pytest.approx(1.0, abs=1e-9)


def test_black_stubble_darkens_more_than_its_coverage_alone():
    """The buzzed look of black hair is darker than the shafts' area share over unshaded skin."""
    skin = np.array([0.45, 0.33, 0.25])
    black = np.full(3, 0.005)
    look = buzzed_look_linear(black, skin, 1.0, length_mm=3.2)  # a #1 buzz
    v_skin, _ = stubble_shade(hairs_per_mm2(1.0), 1.0 - black / skin, 3.2)
    unshaded = look / np.asarray(v_skin)  # the same buzz with the skin between the shafts fully lit
    assert np.all(look < unshaded * 0.85)
    assert np.all(buzzed_look_linear(black, skin, 1.0, length_mm=1.6) > look)  # a #0 shades less
    # white hair: no shade, the look lies between the skin and the hair
    white = np.full(3, 0.7)
    look_w = buzzed_look_linear(white, skin, 1.0)
    assert np.all(look_w >= skin - 1e-9) and np.all(look_w <= white)
