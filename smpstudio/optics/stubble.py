"""Buzzed hair as seen from a normal distance: the expected colour of #0-#1 stubble over scalp skin.

The scalp step draws stubble hair by hair (:mod:`smpstudio.scalp.stubble`); this is its expectation over
an area, the look SMP is calibrated to (domain.md §8: "a treated scalp reads as a freshly buzzed head";
no source measures the contrast, so calibrate to the buzzed look). Each follicular unit (74.4 FU/cm²,
1-3 hairs; domain.md §4, Guo 2017) carries shafts of 70 µm (60-80 µm, BioNumbers 114258) seen twice:
cut to the clipper's length above the skin (coverage ``c_top``), and the ~4 mm under the skin seen
through the epidermis (``c_sub``, domain.md §4: why a shaved scalp looks grey). The cut shafts stand in
a sparse forest that shades the skin between them from the light around (and, at half their height, each
other): a share ``v`` of the diffuse light reaches the skin (``v_half`` a shaft's middle), the gap
fraction of a stand of stems (Nilson 1971; :func:`gap_fraction_diffuse`). Per band::

    out = skin v (1 - c_sub (1 - t)) (1 - c_top) + hair v_half c_top,   t = min(hair / skin, 1)

References
----------
.. [1] Guo, H. et al. (2017), follicular-unit density 74.4 +- 13.3 FU/cm² (domain.md §4).
.. [2] BioNumbers 114258: human scalp hair shaft diameter 60-80 µm (domain.md §4, §9).
.. [3] Nilson, T. (1971), "A theoretical analysis of the frequency of gaps in plant stands",
   Agricultural Meteorology 8, 25-38: the gap probability of a random stand, ``exp(-n d h tan(theta))``
   for vertical stems of diameter ``d`` and height ``h`` at ``n`` per area seen at zenith angle ``theta``.
.. [4] Zhukov, S., Iones, A., Kronin, G. (1998), "An ambient light illumination model", Rendering
   Techniques '98, 45-55: ambient light as the cosine-weighted share of the hemisphere left open.

Examples
--------
>>> import numpy as np
>>> round(expected_darkness(np.array([0.01] * 3), np.array([0.4] * 3)), 2)
0.29
>>> expected_darkness(np.array([0.5] * 3), np.array([0.4] * 3))  # white hair on skin: no darkening
0.0
"""

from __future__ import annotations

import numpy as np

FU_PER_MM2 = 74.4 / 100.0  # follicular units per mm² (domain.md §4, Guo 2017)
HAIRS_PER_FU_P = (0.28, 0.53, 0.19)  # share of 1-, 2- and 3-hair units (domain.md §4; 3-hair share takes the 1 % rest)
SHAFT_DIAMETER_MM = 0.07  # 60-80 µm (domain.md §4)
GUARDS_MM = {"#0": 1.6, "#1": 3.2}  # clipper guards: 1/16 in and 1/8 in (the "#0-#1" buzz)
CLIPPER_LENGTH_MM = GUARDS_MM["#0"]  # the buzz when nothing else is chosen: the shortest, the one SMP matches on
# every skin class (the sample's bald patch on the lightest, at its darkest advised 8:1, is ΔE00 2.75 from her dark
# hair buzzed at #0, 5.3 at #1); the pipeline picks #1 where the skin allows it (plan.pigment.matched_guard)
EXIT_SIN = 0.7  # sine of the hair's angle to the line of sight, mean: its projected share (calibration choice)
SUBCUTANEOUS_MM = 4.0  # shaft length under the skin (domain.md §4)
SUB_ANGLE_SIN = 0.5  # the buried shaft runs at ~30 deg to the surface: half of it is seen in projection
SKIN_TRANSMITTANCE = 0.5  # how much of the buried shaft's contrast the epidermis lets through (calibration choice)
SKIN_BLUR_MM = 0.25  # light scattering in the epidermis blurs the buried shaft (calibration choice)
STANDING_SIN = 0.7  # sine of the cut shaft's angle to the skin (~45 deg): its height over it (calibration choice)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(32)
_THETA = (_GL_X + 1.0) * np.pi / 4.0  # Gauss-Legendre nodes on [0, pi/2)
_THETA_W = _GL_W * np.pi / 4.0 * np.sin(2.0 * _THETA)  # cosine-weighted: 2 sin cos dtheta


def _gap_fraction_quadrature(k: np.ndarray) -> np.ndarray:
    return np.asarray((np.exp(-np.asarray(k, np.float64)[..., None] * np.tan(_THETA)) * _THETA_W).sum(axis=-1))


_K_MAX = 4.0  # optical depths up to this are read from a table (linear interpolation, error < 1e-5)
_K_TABLE = np.linspace(0.0, _K_MAX, 2049)
_V_TABLE = _gap_fraction_quadrature(_K_TABLE)


def gap_fraction_diffuse(optical_depth: float | np.ndarray) -> np.ndarray:
    """Share of uniform diffuse light reaching the ground under a random stand of vertical stems.

    ``optical_depth`` is ``n d h`` (stems per mm² × diameter mm × height mm); a ray at zenith angle
    ``theta`` passes all stems with probability ``exp(-n d h tan(theta))`` [3]_, weighted by
    ``2 sin(theta) cos(theta)`` over the hemisphere (cosine-weighted irradiance, [4]_). The integral is
    a 32-node Gauss-Legendre quadrature, tabulated once (a per-pixel quadrature took 3.5 s on 0.36 MP).

    Examples
    --------
    >>> round(float(gap_fraction_diffuse(0.0)), 6)
    1.0
    >>> round(float(gap_fraction_diffuse(0.21)), 3)
    0.764
    """
    k = np.asarray(optical_depth, dtype=np.float64)
    out = np.interp(k, _K_TABLE, _V_TABLE)
    deep = k > _K_MAX
    if np.any(deep):
        out = np.where(deep, _gap_fraction_quadrature(np.where(deep, k, 0.0)), out)
    return np.asarray(out)


def stubble_shade(hairs_mm2: float | np.ndarray, absorbed: float | np.ndarray = 1.0,
                  length_mm: float = CLIPPER_LENGTH_MM) -> tuple[np.ndarray, np.ndarray]:
    """Diffuse light left at the skin and at a shaft's mid-height among ``hairs_mm2`` cut shafts per mm²
    of scalp surface (``length_mm`` long, standing at :data:`STANDING_SIN`).

    ``absorbed`` is the share of the light a shaft takes away rather than passes on, ``1 - t`` with ``t``
    the hair's reflectance relative to the skin's: a shaft as light as the skin scatters on what it
    intercepts, so white stubble shades nothing (a first-order choice, as for the buried shaft's ``t``).
    """
    k = (np.asarray(hairs_mm2, dtype=np.float64)[..., None] * SHAFT_DIAMETER_MM * float(length_mm)
         * STANDING_SIN * np.asarray(absorbed, dtype=np.float64))
    return gap_fraction_diffuse(k), gap_fraction_diffuse(0.5 * k)


def hairs_per_mm2(density: float | np.ndarray) -> np.ndarray:
    """Shafts per mm² of scalp surface at ``density`` (share of 74.4 FU/cm², 1-3 hairs per unit)."""
    mean_hairs = float(np.dot(np.arange(1, 4), HAIRS_PER_FU_P) / sum(HAIRS_PER_FU_P))
    return np.asarray(FU_PER_MM2 * np.asarray(density, dtype=np.float64) * mean_hairs)


def buzzed_look_linear(hair_lin: np.ndarray, skin_lin: np.ndarray, density: float | np.ndarray = 1.0,
                       foreshortening: float | np.ndarray = 1.0, length_mm: float = CLIPPER_LENGTH_MM
                       ) -> np.ndarray:
    """Expected linear-RGB colour of stubble of ``hair_lin`` over ``skin_lin`` at ``density`` (share of 74.4 FU/cm²).

    Parameters
    ----------
    hair_lin : array_like, shape (..., 3)
        The hair's colour, linear sRGB.
    skin_lin : array_like, shape (..., 3)
        The scalp skin's colour, linear sRGB.
    density : float or array_like
        Share of the full follicle density (1: a full head of hair buzzed).
    foreshortening : float or array_like
        Image area per surface area where the scalp is seen (1: facing the camera; the caller floors it,
        e.g. at :data:`smpstudio.analysis.headmodel.MIN_FORESHORTENING`): a scalp turned away shows
        ``1 / foreshortening`` as many shafts per image area.
    length_mm : float
        The cut shafts' length above the skin (the clipper guard, :data:`GUARDS_MM`).

    Returns
    -------
    ndarray, shape (..., 3)
    """
    surface = hairs_per_mm2(density)
    hairs_mm2 = (surface / np.maximum(np.asarray(foreshortening, dtype=np.float64), 1e-3))[..., None]
    c_top = 1.0 - np.exp(-hairs_mm2 * SHAFT_DIAMETER_MM * float(length_mm) * EXIT_SIN)
    c_sub = SKIN_TRANSMITTANCE * (1.0 - np.exp(-hairs_mm2 * SHAFT_DIAMETER_MM * SUBCUTANEOUS_MM * SUB_ANGLE_SIN))
    skin = np.maximum(np.asarray(skin_lin, dtype=np.float64), 1e-6)
    hair = np.asarray(hair_lin, dtype=np.float64)
    t = np.clip(hair / skin, 0.0, 1.0)  # a buried shaft only takes light away (white hair under the skin: none)
    v_skin, v_half = stubble_shade(surface, 1.0 - t, length_mm)
    # the cut shafts above the skin show their own colour: white stubble over darker skin lightens it, as the
    # scalp step draws it (:func:`smpstudio.scalp.stubble.buzz`); both stand in the stubble's shade
    return np.asarray(skin * v_skin * (1.0 - c_sub * (1.0 - t)) * (1.0 - c_top) + hair * v_half * c_top)


def expected_darkness(hair_lin: np.ndarray, skin_lin: np.ndarray, density: float = 1.0,
                      foreshortening: float = 1.0, length_mm: float = CLIPPER_LENGTH_MM) -> float:
    """Mean share of the skin's light the stubble takes away (the expectation of the scalp step's buzz),
    where the scalp shows ``foreshortening`` image area per surface area."""
    skin = np.maximum(np.asarray(skin_lin, dtype=np.float64), 1e-6)
    out = buzzed_look_linear(hair_lin, skin, density, foreshortening, length_mm) / skin
    return max(0.0, float(1.0 - out.mean()))
