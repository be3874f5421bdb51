"""Light in scalp skin: how deep remitted light comes from, and how far it travels sideways.

Two numbers per wavelength band describe what the dot model (:mod:`smpstudio.optics.dot`) needs from
the skin:

* the **remission depth** ``delta_c``: the share of the light skin remits from above depth ``d`` is
  ``a_c(d) = 1 - exp(-d / delta_c)`` (a two-flux simplification after Anderson & Parrish [1]_; red comes
  from deepest, blue from least deep). A pigment layer at depth ``d`` can only darken the ``1 - a_c``
  that comes from below it: deeper dots are lighter and cooler (domain.md §2 blue shift).
* the **transport mean free path** ``l_c = 1 / mu_s'``: the distance over which remitted light loses the
  direction it entered with, i.e. how far a buried absorber's shadow spreads sideways on the surface.
  ``mu_s'(lambda) = a (lambda / 500 nm)^-b`` with ``a = 46 /cm``, ``b = 1.421``, the average of skin in
  Jacques' review [2]_.

The remission depths are model choices below the optical penetration depths of [1]_ (0.1-0.2 mm in
the blue to 0.5-1 mm in the red), scaled so a healed carbon dot at the target depth reads grey,
slightly cool, on fair skin (a wider spread tinted dots teal, which healed SMP is not).

References
----------
.. [1] R. R. Anderson, J. A. Parrish, "The optics of human skin", J. Invest. Dermatol. 77(1):13-19, 1981.
.. [2] S. L. Jacques, "Optical properties of biological tissues: a review", Phys. Med. Biol.
   58(11):R37-R61, 2013 (skin: mu_s'(500 nm) = 46 /cm, scattering power b = 1.421).
.. [3] /work/shared/domain.md §1 (target depth: papillary dermis below a 60-100 um epidermis).

Examples
--------
>>> import numpy as np
>>> [round(float(v), 3) for v in transport_mean_free_path_mm(np.array(BAND_NM))]
[0.288, 0.249, 0.196]
>>> a = remitted_above(0.15)
>>> bool(a[2] > a[1] > a[0])   # blue comes back from above the pigment most
True
"""

from __future__ import annotations

import numpy as np

# Centre wavelengths (nm) of the linear-sRGB bands (red, green, blue primaries' dominant wavelengths).
BAND_NM: tuple[float, float, float] = (610.0, 550.0, 465.0)
# Remission depth per band (mm), red > green > blue [model choice under Anderson & Parrish's range].
REMISSION_DEPTH_MM_RGB: tuple[float, float, float] = (0.60, 0.38, 0.25)
# Jacques 2013, skin average: mu_s'(500 nm) = 46 /cm = 4.6 /mm, scattering power 1.421.
MU_S_PRIME_500_PER_MM = 4.6
SCATTERING_POWER = 1.421


def remitted_above(depth_mm: float | np.ndarray,
                   remission_depth_mm_rgb: tuple[float, float, float] = REMISSION_DEPTH_MM_RGB) -> np.ndarray:
    """Share of the remitted light per band that comes back from above ``depth_mm`` (shape (..., 3)).

    Parameters
    ----------
    depth_mm : float or ndarray
        Depth below the skin surface (mm).
    remission_depth_mm_rgb : tuple of float
        Remission depth per linear-RGB band (mm).
    """
    d = np.maximum(np.asarray(depth_mm, dtype=np.float64), 0.0)[..., None]
    return np.asarray(1.0 - np.exp(-d / np.asarray(remission_depth_mm_rgb, dtype=np.float64)))


def transport_mean_free_path_mm(wavelength_nm: float | np.ndarray) -> np.ndarray:
    """``1 / mu_s'`` of skin (mm) at a wavelength (nm), Jacques' power law [2]_."""
    lam = np.asarray(wavelength_nm, dtype=np.float64)
    return np.asarray(1.0 / (MU_S_PRIME_500_PER_MM * (lam / 500.0) ** -SCATTERING_POWER))


def shadow_spread_mm(depth_mm: float | np.ndarray, source_sigma_mm: float | np.ndarray) -> np.ndarray:
    """Sigma (mm) of the surface shadow of a buried Gaussian absorber (green band).

    The absorber's own spread, the sideways travel of remitted light (one transport mean free path at
    550 nm) and the depth it is seen through add in quadrature.
    """
    lt = float(transport_mean_free_path_mm(BAND_NM[1]))
    d = np.asarray(depth_mm, dtype=np.float64)
    s = np.asarray(source_sigma_mm, dtype=np.float64)
    return np.asarray(np.sqrt(s * s + lt * lt + d * d))
