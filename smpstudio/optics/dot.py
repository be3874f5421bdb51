"""How one pigment impression looks in skin, up close and at viewing distance, from its pigment mass.

A dot is carbon black left in the papillary dermis by one impression. Its look follows from four
physical quantities, each a parameter of :class:`SkinOptics`:

1. **Pigment mass** ``m`` (ug of carbon): ``carbon_ug_neat`` (one impression of undiluted ink) times the
   ink's pigment fraction ``1 / (water + 1)`` (domain.md §1 dilution), the impression's relative load and
   the share retained at its stage (healed: ``retention_healed``).
2. **Absorption cross-section** ``sigma_c = m * MAC_c`` (mm^2; 1 m^2/g = 1 mm^2/ug) with carbon black's
   mass absorption cross-section 7.5 m^2/g at 550 nm and an absorption Angstrom exponent of 1
   (Bond & Bergstrom [1]_).
3. **Where the pigment lies**: a dense core (a Gaussian cloud of FWHM ``size_factor * needle diameter``,
   domain.md §1 needles and dot sizes, widened by the tissue above it) holding ``1 - haze_share`` of the
   mass, and a dilute dermal haze (``haze_share``, sigma ``haze_sigma_mm``: pigment carried off by
   macrophages around the wound channel). In each, Beer-Lambert on the local optical depth
   ``tau(r) = sigma g(r)`` gives the absorbed share ``1 - exp(-tau)``; its integral over a Gaussian cloud
   of sigma ``s`` has the closed form ``2 pi s^2 Ein(T)``, ``T = sigma / (2 pi s^2)``,
   ``Ein(T) = E1(T) + ln T + gamma`` (:func:`effective_area_mm2`). The core saturates (black at its centre,
   area-limited), the haze does not: it is what a field of dots adds up to as a tone.
4. **Depth and skin scattering** (:mod:`smpstudio.optics.skin`): only the light remitted from below the
   pigment (``1 - a_c(depth)``) is darkened, so deeper is lighter and cooler; the haze's surface shadow
   spreads by the skin's transport mean free path and the depth.

The opacity relative to the skin (the share of its light a dot removes) is, per band,
``(1 - a_c) (1 - exp(-tau)) (1 - pigment_c / skin_c)``: the carbon's own small reflectance means a dot
darkens very dark skin hardly at all.

Viewing scale: the renderer composites dots by adding opacities, so a field of ``n`` dots per mm^2 at
2 mm blur has opacity ``n * (integrated opacity of one dot)`` (:func:`healed_tone_linear`): no separate
tone factor, the same numbers make the close-up and the tone.

Stages (domain.md §2 healing): ``"fresh"`` (larger, darker: all the ink, still in the wound channel,
seen shallower; a red halo of erythema), ``"healing"`` (days 3-10: patchy retention), ``"healed"``
(~4 weeks: smaller, lighter). Fresh dots up to ~0.25 mm, healed 0.10-0.15 mm (domain.md §1).

Calibration (domain.md §8: no source measures the contrast of SMP; calibrate to the buzzed-hair look):
``carbon_ug_neat``, ``haze_share`` and ``haze_sigma_mm`` are calibration choices, fitted so the final
healed session at 2 mm blur lies within ΔE00 3 of the client's buzzed hair on the test photos
(tests/optics); ``carbon_ug_neat`` stays inside the pigment load measured in tattooed skin (Engel et al.
[2]_: 0.60-9.42 mg/cm^2, i.e. 0.3-4.6 ug over a 0.25 mm needle's footprint).

References
----------
.. [1] T. C. Bond, R. W. Bergstrom, "Light absorption by carbonaceous particles: an investigative
   review", Aerosol Sci. Technol. 40(1):27-67, 2006 (MAC 7.5 +- 1.2 m^2/g at 550 nm, AAE ~1).
.. [2] E. Engel et al., "Modern tattoos cause high concentrations of hazardous pigments in skin",
   Contact Dermatitis 58(4):228-233, 2008 (0.60-9.42 mg/cm^2, mean 2.53).
.. [3] /work/shared/domain.md §1 (needles, dot sizes, depth, dilution), §2 (blow-out, blue shift,
   healing), §8 (how SMP looks; calibrate to the buzzed look).

Examples
--------
>>> import numpy as np
>>> skin = np.array([0.55, 0.40, 0.32])          # a light skin, linear RGB
>>> c = healed_dot_color_linear(skin, pigment_fraction(8.0), depth_mm=0.15)
>>> bool(np.all(c < skin))
True
>>> tone = healed_tone_linear(skin, pigment_fraction(8.0), density_per_cm2=80.0)
>>> bool(np.all((c < tone) & (tone < skin)))     # a dot is darker than the tone of the field it makes
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import exp1

from smpstudio.optics.skin import BAND_NM, REMISSION_DEPTH_MM_RGB, remitted_above, shadow_spread_mm

STAGES = ("fresh", "healing", "healed")
FWHM_PER_SIGMA = 2.3548

# Linear-RGB reflectance of dry carbon black as seen inside tissue (a dark, neutral grey). Model choice.
CARBON_BLACK_RGB_LINEAR: tuple[float, float, float] = (0.030, 0.030, 0.032)
# Bond & Bergstrom 2006: 7.5 m^2/g at 550 nm, absorption Angstrom exponent 1 -> per band (m^2/g = mm^2/ug).
CARBON_MAC_550 = 7.5
CARBON_MAC_RGB: tuple[float, float, float] = tuple(CARBON_MAC_550 * 550.0 / nm for nm in BAND_NM)  # type: ignore

# Needle groupings (domain.md §1 needles): 1RL #06 = 0.20 mm at the hairline, 3RL #08 = 0.25 mm elsewhere.
NEEDLE_DIAMETER_MM: dict[str, float] = {"1RL": 0.20, "3RL": 0.25}
DEFAULT_NEEDLE_MM = NEEDLE_DIAMETER_MM["3RL"]

# domain.md §1 target depth: upper (papillary) dermis below a 60-100 um epidermis.
EPIDERMIS_MM = 0.08
TARGET_DEPTH_MM = 0.15


@dataclass(frozen=True)
class SkinOptics:
    """Parameters of the dot model (model choices unless a source is cited; see the module docstring).

    Attributes
    ----------
    carbon_ug_neat : float
        Carbon (ug) one impression of undiluted ink leaves in the dermis [calibration choice, inside
        Engel 2008's 0.3-4.6 ug per 0.25 mm footprint].
    mac_mm2_per_ug_rgb : tuple of float
        Carbon black's mass absorption cross-section per band (Bond & Bergstrom 2006).
    haze_share : float
        Share of the pigment dispersed around the core in the dermis [calibration choice].
    haze_sigma_mm : float
        Sigma (mm) of that dispersed pigment [calibration choice].
    remission_depth_mm_rgb : tuple of float
        Remission depth per band (:mod:`smpstudio.optics.skin`).
    retention_healed : float
        Share of the deposited pigment still in the dermis at ~4 weeks (the rest leaves with the
        epidermis and the scabs) [model choice].
    retention_healing_range : tuple of float
        Per-dot retention while flaking (days 3-10), drawn uniformly: patchy.
    fresh_depth_factor : float
        A fresh dot's effective depth as a share of its final depth (ink still in the wound channel).
    size_factor_fresh, size_factor_healing, size_factor_healed : float
        FWHM of the core's pigment cloud as a multiple of the needle diameter [model choice, so the
        visible core lands in domain.md §1's ranges: fresh up to ~0.25 mm, healed 0.10-0.15 mm].
    depth_blur : float
        Extra core sigma per mm of depth (mm/mm): the overlying tissue blurs the spot.
    blowout_depth_mm, blowout_growth : float
        Past this depth pigment migrates (domain.md §2 blow-out): extra sigma (mm) per mm deeper.
    red_halo_sigma_mm, red_halo_opacity_gb : float
        Fresh erythema around each dot (domain.md §2: redness 2-5 days): a soft flare (sigma ~0.7 mm,
        reaching the skin between the dots) absorbing green and blue [model choice].
    """

    carbon_ug_neat: float = 1.2
    mac_mm2_per_ug_rgb: tuple[float, float, float] = CARBON_MAC_RGB
    haze_share: float = 0.5
    haze_sigma_mm: float = 0.30
    remission_depth_mm_rgb: tuple[float, float, float] = REMISSION_DEPTH_MM_RGB
    retention_healed: float = 0.70
    retention_healing_range: tuple[float, float] = (0.40, 0.95)
    fresh_depth_factor: float = 0.35
    size_factor_fresh: float = 0.45
    size_factor_healing: float = 0.30
    size_factor_healed: float = 0.22
    depth_blur: float = 0.15
    blowout_depth_mm: float = 0.35
    blowout_growth: float = 3.0
    red_halo_sigma_mm: float = 0.70
    red_halo_opacity_gb: float = 0.06

    def with_(self, **changes: object) -> SkinOptics:
        """A copy with some parameters changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_OPTICS = SkinOptics()


def pigment_fraction(water_parts: float | np.ndarray, pigment_parts: float = 1.0) -> float | np.ndarray:
    """Pigment volume fraction of a water:pigment dilution (domain.md §1 pigment).

    Parameters
    ----------
    water_parts : float or ndarray
        Parts of water (``20`` for 20:1). ``0`` = undiluted.
    pigment_parts : float
        Parts of pigment (``1`` for 20:1).

    Returns
    -------
    float or ndarray
        ``pigment / (water + pigment)``, i.e. ``1 / (water + 1)`` for ``water:1``.

    Examples
    --------
    >>> round(pigment_fraction(6.0), 4)
    0.1429
    """
    w = np.asarray(water_parts, dtype=np.float64)
    if np.any(w < 0) or pigment_parts <= 0:
        raise ValueError("a dilution needs water >= 0 and pigment > 0 parts")
    out = pigment_parts / (w + pigment_parts)
    return float(out) if out.ndim == 0 else out


def effective_area_mm2(cross_section_mm2: np.ndarray, sigma_mm: np.ndarray) -> np.ndarray:
    """Integrated absorbed share ``int (1 - exp(-tau)) dA`` (mm^2) of a Gaussian cloud of absorber.

    ``2 pi s^2 Ein(T)`` with ``T = sigma / (2 pi s^2)`` the peak optical depth; ``-> sigma`` for a thin
    cloud, ``~ 2 pi s^2 (ln T + 0.577)`` for a saturated one.

    Examples
    --------
    >>> import numpy as np
    >>> a = float(effective_area_mm2(np.array(1e-4), np.array(0.1)))   # thin: ~ the cross-section
    >>> round(a / 1e-4, 3)
    1.0
    """
    s2 = 2.0 * np.pi * np.asarray(sigma_mm, dtype=np.float64) ** 2
    t = np.maximum(np.asarray(cross_section_mm2, dtype=np.float64) / s2, 1e-300)
    ein = np.where(t < 1e-4, t - t * t / 4.0, exp1(np.maximum(t, 1e-4)) + np.log(np.maximum(t, 1e-4)) + np.euler_gamma)
    return np.asarray(s2 * ein)


@dataclass(frozen=True)
class DotLook:
    """One dot (or N) as two Gaussian spots of opacity relative to the skin, per linear-RGB band.

    ``core_amp``/``haze_amp`` (..., 3) are peak opacities, ``core_sigma_mm``/``haze_sigma_mm`` (...)
    their sigmas on the skin surface; ``integrated_mm2`` (..., 3) is the dot's total opacity-area.
    """

    core_amp: np.ndarray
    core_sigma_mm: np.ndarray
    haze_amp: np.ndarray
    haze_sigma_mm: np.ndarray

    @property
    def integrated_mm2(self) -> np.ndarray:
        return np.asarray(2 * np.pi * (self.core_amp * self.core_sigma_mm[..., None] ** 2
                                       + self.haze_amp * self.haze_sigma_mm[..., None] ** 2))

    @property
    def core_fwhm_mm(self) -> np.ndarray:
        return np.asarray(FWHM_PER_SIGMA * self.core_sigma_mm)


def _retention(stage: str, retention: float | np.ndarray | None, optics: SkinOptics) -> float | np.ndarray:
    if retention is not None:
        return retention
    lo, hi = optics.retention_healing_range
    return {"fresh": 1.0, "healing": 0.5 * (lo + hi), "healed": optics.retention_healed}[stage]


def dot_look(
    skin_rgb_linear: np.ndarray,
    pigment_fraction: float | np.ndarray,
    depth_mm: float | np.ndarray = TARGET_DEPTH_MM,
    needle_diameter_mm: float | np.ndarray = DEFAULT_NEEDLE_MM,
    pigment_rgb_linear: tuple[float, float, float] | np.ndarray = CARBON_BLACK_RGB_LINEAR,
    *,
    stage: str = "healed",
    load: float | np.ndarray = 1.0,
    retention: float | np.ndarray | None = None,
    optics: SkinOptics = DEFAULT_OPTICS,
) -> DotLook:
    """The core and haze of dots from their pigment mass, needle, depth and stage (vectorised).

    Parameters
    ----------
    skin_rgb_linear : array_like, shape (..., 3)
        The skin around the dot, linear RGB in [0, 1].
    pigment_fraction : float or array_like, shape (...)
        Pigment fraction of the ink (:func:`pigment_fraction`).
    depth_mm : float or array_like
        Pigment depth (mm); domain.md §1 target ~0.15.
    needle_diameter_mm : float or array_like
        Impression diameter (mm), domain.md §1 needles.
    pigment_rgb_linear : array_like, shape (3,)
        Dry pigment reflectance.
    stage : {"fresh", "healing", "healed"}
    load : float or array_like
        Relative ink deposited (1 = nominal).
    retention : float or array_like, optional
        Share retained; default by stage.
    optics : SkinOptics

    Returns
    -------
    DotLook
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}")
    skin = np.clip(np.asarray(skin_rgb_linear, dtype=np.float64), 1e-4, 1.0)
    depth = np.maximum(np.asarray(depth_mm, dtype=np.float64), 0.0)
    nd = np.asarray(needle_diameter_mm, dtype=np.float64)
    d_eff = depth * (optics.fresh_depth_factor if stage == "fresh" else 1.0)
    mass = (optics.carbon_ug_neat * np.asarray(pigment_fraction, np.float64) * np.asarray(load, np.float64)
            * np.asarray(_retention(stage, retention, optics), np.float64))
    sigma = np.maximum(mass, 0.0)[..., None] * np.asarray(optics.mac_mm2_per_ug_rgb)  # (..., 3) mm^2
    factor = {"fresh": optics.size_factor_fresh, "healing": optics.size_factor_healing,
              "healed": optics.size_factor_healed}[stage]
    over = np.maximum(depth - optics.blowout_depth_mm, 0.0) * optics.blowout_growth
    cloud = np.sqrt((nd * factor / FWHM_PER_SIGMA) ** 2 + (optics.depth_blur * d_eff) ** 2 + over**2)
    shown = (1.0 - remitted_above(d_eff, optics.remission_depth_mm_rgb)) * np.clip(
        1.0 - np.asarray(pigment_rgb_linear, np.float64) / skin, 0.0, 1.0)
    # core: saturated Beer-Lambert over the cloud, drawn as the Gaussian of the same peak and integral
    # (green band sets the width; a blown-out dot spreads the same pigment thinner)
    sig_core = (1.0 - optics.haze_share) * sigma
    peak_core = 1.0 - np.exp(-sig_core / (2 * np.pi * cloud[..., None] ** 2))
    area_core = effective_area_mm2(sig_core, cloud[..., None])
    core_sigma = np.sqrt(area_core[..., 1] / (2 * np.pi * np.maximum(peak_core[..., 1], 1e-12)))
    haze_sigma = shadow_spread_mm(d_eff, np.sqrt(optics.haze_sigma_mm**2 + over**2))
    area_haze = effective_area_mm2(optics.haze_share * sigma, haze_sigma[..., None])
    haze_amp = shown * area_haze / (2 * np.pi * haze_sigma[..., None] ** 2)
    # the core sits inside the haze: it absorbs only the light the haze lets through (transmittances
    # multiply), so the drawn core is the core's own opacity times the haze's transmittance
    core_amp = np.clip(shown * area_core / (2 * np.pi * core_sigma[..., None] ** 2), 0.0, 1.0) * (1.0 - haze_amp)
    return DotLook(core_amp, np.asarray(core_sigma), haze_amp, np.asarray(haze_sigma))


def dot_color_linear(skin_rgb_linear: np.ndarray, pigment_fraction: float | np.ndarray, depth_mm: float | np.ndarray,
                     pigment_rgb_linear: tuple[float, float, float] | np.ndarray = CARBON_BLACK_RGB_LINEAR, *,
                     stage: str = "healed", load: float | np.ndarray = 1.0,
                     retention: float | np.ndarray | None = None,
                     needle_diameter_mm: float | np.ndarray = DEFAULT_NEEDLE_MM,
                     optics: SkinOptics = DEFAULT_OPTICS) -> np.ndarray:
    """Linear-RGB colour at the centre of a dot (core and haze), any stage; never brighter than the skin.

    Parameters are those of :func:`dot_look`; returns an ndarray of shape (..., 3), linear RGB.

    Examples
    --------
    >>> import numpy as np
    >>> skin = np.array([0.6, 0.45, 0.36])
    >>> fresh, healed = (dot_color_linear(skin, 1 / 9, 0.15, stage=s) for s in ("fresh", "healed"))
    >>> bool(np.all(fresh < healed))   # fresh: all the ink, seen shallower
    True
    """
    look = dot_look(skin_rgb_linear, pigment_fraction, depth_mm, needle_diameter_mm, pigment_rgb_linear,
                    stage=stage, load=load, retention=retention, optics=optics)
    skin = np.clip(np.asarray(skin_rgb_linear, dtype=np.float64), 0.0, 1.0)
    return np.asarray(skin * np.clip(1.0 - look.core_amp - look.haze_amp, 0.0, 1.0))


def healed_dot_color_linear(skin_rgb_linear: np.ndarray, pigment_fraction: float | np.ndarray,
                            depth_mm: float | np.ndarray = TARGET_DEPTH_MM,
                            pigment_rgb_linear: tuple[float, float, float] | np.ndarray = CARBON_BLACK_RGB_LINEAR
                            ) -> np.ndarray:
    """Linear-RGB colour at the centre of a healed (~4 weeks) dot, as seen up close.

    Examples
    --------
    >>> import numpy as np
    >>> skin = np.array([0.6, 0.45, 0.36])
    >>> light, dark = (healed_dot_color_linear(skin, pigment_fraction(w)) for w in (20.0, 6.0))
    >>> bool(np.all(dark < light))
    True
    """
    return dot_color_linear(skin_rgb_linear, pigment_fraction, depth_mm, pigment_rgb_linear, stage="healed")


def healed_tone_linear(skin_rgb_linear: np.ndarray, pigment_fraction: float | np.ndarray,
                       depth_mm: float | np.ndarray = TARGET_DEPTH_MM,
                       pigment_rgb_linear: tuple[float, float, float] | np.ndarray = CARBON_BLACK_RGB_LINEAR, *,
                       density_per_cm2: float | np.ndarray = 80.0,
                       needle_diameter_mm: float = DEFAULT_NEEDLE_MM, stage: str = "healed",
                       optics: SkinOptics = DEFAULT_OPTICS) -> np.ndarray:
    """Linear-RGB tone at viewing distance of a field of dots (``density_per_cm2``) on this skin.

    The renderer adds the dots' opacities, so the blurred field's opacity is the density (per mm^2)
    times one dot's integrated opacity (:attr:`DotLook.integrated_mm2`).

    Parameters
    ----------
    skin_rgb_linear : array_like, shape (..., 3)
    pigment_fraction : float or array_like, shape (...)
    depth_mm : float or array_like
    pigment_rgb_linear : array_like, shape (3,)
    density_per_cm2 : float or array_like
        Dots per cm^2 of scalp (domain.md §1: ~65-100).
    needle_diameter_mm : float
    stage : str
    optics : SkinOptics

    Returns
    -------
    ndarray, shape (..., 3)
        Linear RGB of the field at 2 mm blur (and beyond).

    Examples
    --------
    >>> import numpy as np
    >>> skin = np.array([0.6, 0.45, 0.36])
    >>> t80, t40 = (healed_tone_linear(skin, 1 / 9, density_per_cm2=n) for n in (80.0, 40.0))
    >>> bool(np.allclose(skin - t80, 2 * (skin - t40)))   # opacities add with the density
    True
    """
    look = dot_look(skin_rgb_linear, pigment_fraction, depth_mm, needle_diameter_mm, pigment_rgb_linear,
                    stage=stage, optics=optics)
    n = np.asarray(density_per_cm2, dtype=np.float64)[..., None] / 100.0
    skin = np.clip(np.asarray(skin_rgb_linear, dtype=np.float64), 0.0, 1.0)
    return np.asarray(skin * np.clip(1.0 - n * look.integrated_mm2, 0.0, 1.0))
