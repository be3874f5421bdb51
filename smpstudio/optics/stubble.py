"""Buzzed hair as seen from a normal distance: the expected colour of #0-#1 stubble over scalp skin.

The scalp step draws stubble hair by hair (:mod:`smpstudio.scalp.stubble`); this is its expectation over
an area, the look SMP is calibrated to (domain.md §8: "a treated scalp reads as a freshly buzzed head";
no source measures the contrast, so calibrate to the buzzed look). Each follicular unit (74.4 FU/cm²,
1-3 hairs; domain.md §4, Guo 2017) carries shafts of 70 µm (60-80 µm, BioNumbers 114258) seen twice:
cut to the clipper's length above the skin (coverage ``c_top``), and the ~4 mm under the skin seen
through the epidermis (``c_sub``, domain.md §4: why a shaved scalp looks grey). Per band::

    out = skin (1 - c_sub (1 - t)) (1 - c_top) + hair c_top,   t = min(hair / skin, 1)

References
----------
.. [1] Guo, H. et al. (2017), follicular-unit density 74.4 +- 13.3 FU/cm² (domain.md §4).
.. [2] BioNumbers 114258: human scalp hair shaft diameter 60-80 µm (domain.md §4, §9).

Examples
--------
>>> import numpy as np
>>> round(expected_darkness(np.array([0.01] * 3), np.array([0.4] * 3)), 2)
0.26
>>> expected_darkness(np.array([0.5] * 3), np.array([0.4] * 3))  # white hair on skin: no darkening
0.0
"""

from __future__ import annotations

import numpy as np

FU_PER_MM2 = 74.4 / 100.0  # follicular units per mm² (domain.md §4, Guo 2017)
HAIRS_PER_FU_P = (0.28, 0.53, 0.19)  # share of 1-, 2- and 3-hair units (domain.md §4; 3-hair share takes the 1 % rest)
SHAFT_DIAMETER_MM = 0.07  # 60-80 µm (domain.md §4)
CLIPPER_LENGTH_MM = 3.0  # a #1 guard (1/8 in, 3.2 mm; a #0 is 1/16 in): calibration choice
EXIT_SIN = 0.7  # sine of the hair's angle to the line of sight, mean: its projected share (calibration choice)
SUBCUTANEOUS_MM = 4.0  # shaft length under the skin (domain.md §4)
SUB_ANGLE_SIN = 0.5  # the buried shaft runs at ~30 deg to the surface: half of it is seen in projection
SKIN_TRANSMITTANCE = 0.5  # how much of the buried shaft's contrast the epidermis lets through (calibration choice)
SKIN_BLUR_MM = 0.25  # light scattering in the epidermis blurs the buried shaft (calibration choice)


def buzzed_look_linear(hair_lin: np.ndarray, skin_lin: np.ndarray, density: float | np.ndarray = 1.0,
                       foreshortening: float | np.ndarray = 1.0) -> np.ndarray:
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

    Returns
    -------
    ndarray, shape (..., 3)
    """
    hairs_mm2 = (FU_PER_MM2 * np.asarray(density, dtype=np.float64)
                 / np.maximum(np.asarray(foreshortening, dtype=np.float64), 1e-3)
                 * float(np.dot(np.arange(1, 4), HAIRS_PER_FU_P) / sum(HAIRS_PER_FU_P)))[..., None]
    c_top = 1.0 - np.exp(-hairs_mm2 * SHAFT_DIAMETER_MM * CLIPPER_LENGTH_MM * EXIT_SIN)
    c_sub = SKIN_TRANSMITTANCE * (1.0 - np.exp(-hairs_mm2 * SHAFT_DIAMETER_MM * SUBCUTANEOUS_MM * SUB_ANGLE_SIN))
    skin = np.maximum(np.asarray(skin_lin, dtype=np.float64), 1e-6)
    hair = np.asarray(hair_lin, dtype=np.float64)
    t = np.clip(hair / skin, 0.0, 1.0)  # a buried shaft only takes light away (white hair under the skin: none)
    # the cut shafts above the skin show their own colour: white stubble over darker skin lightens it, as the
    # scalp step draws it (:func:`smpstudio.scalp.stubble.buzz`)
    return np.asarray(skin * (1.0 - c_sub * (1.0 - t)) * (1.0 - c_top) + hair * c_top)


def expected_darkness(hair_lin: np.ndarray, skin_lin: np.ndarray, density: float = 1.0,
                      foreshortening: float = 1.0) -> float:
    """Mean share of the skin's light the stubble takes away (the expectation of the scalp step's buzz),
    where the scalp shows ``foreshortening`` image area per surface area."""
    skin = np.maximum(np.asarray(skin_lin, dtype=np.float64), 1e-6)
    out = buzzed_look_linear(hair_lin, skin, density, foreshortening) / skin
    return max(0.0, float(1.0 - out.mean()))
