"""How one pigment impression looks in skin: colour and spot shape versus depth, needle, dilution and stage.

The model works in **linear RGB** (sRGB primaries, linear light, values in [0, 1]) and describes a dot
by the colour it shows at its centre and by the shape of its spot. The renderer composites it onto the
photo multiplicatively (as a transmittance ``dot colour / skin colour``), so the photo's own shading
survives: a dot in shadow is darker, a dot on a highlight is lifted.

Colour model (a two-flux simplification of light transport in skin, after Anderson & Parrish [1]_):
light that skin remits at wavelength channel ``c`` comes back from a range of depths; the fraction that
comes back from *above* depth ``d`` is ``a_c = 1 - exp(-d / delta_c)`` with ``delta_c`` the channel's
penetration depth (red penetrates deepest, blue least). A pigment layer at depth ``d`` absorbs a
fraction ``P`` of the light that would have returned from below it and reflects a little itself::

    dot_c = skin_c * (a_c + (1 - a_c) * (1 - P)) + P * pigment_c * (1 - a_c)
    P = 1 - exp(-k * pigment_fraction * load * retention)

Consequences, all in the direction the handbook states (domain.md §2): a deeper dot is lighter and
*cooler* (blue comes back from above the pigment, red from below it: the blue shift of carbon in fair
skin), a stronger dilution (more pigment) is darker, and a healed dot (part of the pigment leaves with
the epidermis) is lighter than a fresh one. The dot's spot widens with depth (lateral scattering of the
overlying tissue) and blows out (migrates) past ``blowout_depth_mm``.

Dilution is written water:pigment (domain.md §1 pigment), so ``pigment_fraction = 1 / (water + 1)``
(:func:`pigment_fraction`): 20:1 light ... 6:1 dark.

Stages (domain.md §1 dot size, §2 healing): ``"fresh"`` (hours after the session: larger, darker, with
a faint red halo; redness lasts 2-5 days), ``"healing"`` (days 3-10: scabs flake, the dot is patchy and
lighter), ``"healed"`` (about 4 weeks: smaller and lighter than fresh; fresh dots up to ~0.25 mm,
healed 0.10-0.15 mm).

The numeric constants below that are not in the handbook (penetration depths, the carbon absorption
constant, retention fractions, halo widths) are model choices: they are parameters of
:class:`SkinOptics` with documented defaults, not measurements.

References
----------
.. [1] R. R. Anderson, J. A. Parrish, "The optics of human skin", J. Invest. Dermatol. 77(1):13-19,
   1981 (penetration depth grows from ~0.1-0.2 mm in the blue to ~0.5-1 mm in the red).
.. [2] P. Kubelka, F. Munk, "Ein Beitrag zur Optik der Farbanstriche", Z. Tech. Phys. 12:593-601, 1931
   (two-flux layer model, simplified here).
.. [3] /work/shared/domain.md §1 (needles, dot sizes, depth, pigment dilution) and §2 (blow-out,
   blue shift, healing).

Examples
--------
>>> import numpy as np
>>> skin = np.array([0.55, 0.40, 0.32])          # a light skin, linear RGB
>>> c = healed_dot_color_linear(skin, pigment_fraction(8.0), depth_mm=0.15)
>>> bool(np.all(c < skin))
True
>>> deep = healed_dot_color_linear(skin, pigment_fraction(8.0), depth_mm=0.35)
>>> bool(deep[2] / deep[0] > c[2] / c[0])   # deeper = cooler
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

STAGES = ("fresh", "healing", "healed")

# Linear-RGB reflectance of dry carbon black as seen inside tissue (a dark, neutral grey). Model choice.
CARBON_BLACK_RGB_LINEAR: tuple[float, float, float] = (0.030, 0.030, 0.032)

# Needle groupings (domain.md §1 needles): 1RL #06 = 0.20 mm at the hairline, 3RL #08 = 0.25 mm elsewhere.
NEEDLE_DIAMETER_MM: dict[str, float] = {"1RL": 0.20, "3RL": 0.25}

# domain.md §1 target depth: upper (papillary) dermis below a 60-100 um epidermis.
EPIDERMIS_MM = 0.08
TARGET_DEPTH_MM = 0.15


@dataclass(frozen=True)
class SkinOptics:
    """Parameters of the dot model (defaults are model choices unless a domain.md section is cited).

    Attributes
    ----------
    penetration_mm_rgb : tuple of float
        Effective depth (mm) from which remitted light returns, per linear-RGB channel, red > green > blue
        [1]_. Scaled well below the optical penetration depths so that a healed carbon dot at the target
        depth reads grey, slightly cool, on fair skin (a wider spread tinted dots teal, which healed SMP
        is not); the shift grows with depth.
    absorption_k : float
        Optical thickness of a layer of undiluted pigment at load 1 (``P = 1 - exp(-k * fraction)``).
        With 10: 6:1 -> P = 0.63, 8:1 -> 0.54, 20:1 -> 0.28 (healed, after 70 % retention).
    retention_healed : float
        Fraction of the deposited pigment still in the dermis at ~4 weeks (the rest leaves with the
        epidermis and the scabs).
    retention_healing_range : tuple of float
        Per-dot retention while flaking (days 3-10), drawn uniformly: patchy.
    fresh_depth_factor : float
        A fresh dot's effective depth as a fraction of its final depth (pigment is still in the wound
        channel and the epidermis, so it shows darker and neutral).
    size_factor_fresh, size_factor_healing, size_factor_healed : float
        Visible core diameter (FWHM) as a multiple of the needle diameter (domain.md §1: fresh up to
        ~0.25 mm, healed 0.10-0.15 mm for 0.20-0.25 mm needles).
    depth_blur : float
        Extra core sigma per mm of depth (mm/mm): the overlying tissue blurs the spot.
    blowout_depth_mm : float
        Depth beyond which pigment migrates (domain.md §2 blow-out): the spot enlarges and fades.
    blowout_growth : float
        Extra sigma (mm) per mm of depth beyond ``blowout_depth_mm``.
    halo_sigma_mm : float
        Width (sigma, mm) of the diffuse shadow that a buried absorber casts through subsurface
        scattering (grows with depth by ``depth``); it is what makes a field of dots read as a grey tone.
    halo_strength : float
        Peak opacity of the diffuse shadow as a fraction of the core's.
    red_halo_sigma_mm, red_halo_opacity_gb : float
        Fresh erythema around each dot (domain.md §2: redness 2-5 days): a soft spot that absorbs green
        and blue.
    """

    penetration_mm_rgb: tuple[float, float, float] = (0.60, 0.38, 0.25)
    absorption_k: float = 10.0
    retention_healed: float = 0.70
    retention_healing_range: tuple[float, float] = (0.40, 0.95)
    fresh_depth_factor: float = 0.35
    size_factor_fresh: float = 1.05
    size_factor_healing: float = 0.80
    size_factor_healed: float = 0.60
    depth_blur: float = 0.45
    blowout_depth_mm: float = 0.35
    blowout_growth: float = 3.0
    halo_sigma_mm: float = 0.28
    halo_strength: float = 0.35
    red_halo_sigma_mm: float = 0.40
    red_halo_opacity_gb: float = 0.10

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


def pigment_opacity(
    pigment_fraction: float | np.ndarray,
    load: float | np.ndarray = 1.0,
    retention: float | np.ndarray = 1.0,
    optics: SkinOptics = DEFAULT_OPTICS,
) -> np.ndarray:
    """Fraction ``P`` of light the pigment layer absorbs (Beer-Lambert on the deposited amount)."""
    tau = optics.absorption_k * np.asarray(pigment_fraction, np.float64) * np.asarray(load) * np.asarray(retention)
    return 1.0 - np.exp(-np.maximum(tau, 0.0))


def dot_color_linear(
    skin_rgb_linear: np.ndarray,
    pigment_fraction: float | np.ndarray,
    depth_mm: float | np.ndarray,
    pigment_rgb_linear: tuple[float, float, float] | np.ndarray = CARBON_BLACK_RGB_LINEAR,
    *,
    stage: str = "healed",
    load: float | np.ndarray = 1.0,
    retention: float | np.ndarray | None = None,
    optics: SkinOptics = DEFAULT_OPTICS,
) -> np.ndarray:
    """Linear-RGB colour at the centre of a dot, for any stage.

    Parameters
    ----------
    skin_rgb_linear : array_like, shape (..., 3)
        The skin's colour around the dot, linear RGB in [0, 1].
    pigment_fraction : float or array_like, shape (...)
        Pigment volume fraction of the dilution (:func:`pigment_fraction`).
    depth_mm : float or array_like, shape (...)
        Depth of the pigment below the skin surface (mm); domain.md §1 target depth ~0.1-0.2 mm.
    pigment_rgb_linear : array_like, shape (3,) or (..., 3)
        The dry pigment's linear-RGB reflectance.
    stage : {"fresh", "healing", "healed"}
    load : float or array_like
        Relative amount of ink deposited (1 = nominal).
    retention : float or array_like, optional
        Fraction of the ink retained; default by stage (fresh 1, healing mid-range, healed
        ``optics.retention_healed``).
    optics : SkinOptics

    Returns
    -------
    ndarray, shape (..., 3)
        Linear RGB, never brighter than the skin in any channel.
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}")
    skin = np.clip(np.asarray(skin_rgb_linear, dtype=np.float64), 0.0, 1.0)
    depth = np.maximum(np.asarray(depth_mm, dtype=np.float64), 0.0)
    if retention is None:
        lo, hi = optics.retention_healing_range
        retention = {"fresh": 1.0, "healing": 0.5 * (lo + hi), "healed": optics.retention_healed}[stage]
    d_eff = depth * (optics.fresh_depth_factor if stage == "fresh" else 1.0)
    p = pigment_opacity(pigment_fraction, load, retention, optics)[..., None]
    delta = np.asarray(optics.penetration_mm_rgb, dtype=np.float64)
    above = 1.0 - np.exp(-d_eff[..., None] / delta)  # fraction of remitted light from above the pigment
    pig = np.asarray(pigment_rgb_linear, dtype=np.float64)
    out = skin * (above + (1.0 - above) * (1.0 - p)) + p * pig * (1.0 - above)
    return np.minimum(out, skin)


def healed_dot_color_linear(
    skin_rgb_linear: np.ndarray,
    pigment_fraction: float | np.ndarray,
    depth_mm: float | np.ndarray = TARGET_DEPTH_MM,
    pigment_rgb_linear: tuple[float, float, float] | np.ndarray = CARBON_BLACK_RGB_LINEAR,
) -> np.ndarray:
    """Linear-RGB colour at the centre of a healed (~4 weeks) dot: the stable public entry point.

    This is the function the plan uses to predict the healed shade of a dilution on a given skin
    (pigment matching). Vectorised over leading dimensions.

    Parameters
    ----------
    skin_rgb_linear : array_like, shape (..., 3)
        Skin colour, linear RGB in [0, 1].
    pigment_fraction : float or array_like
        ``1 / (water + 1)`` for a water:pigment dilution (:func:`pigment_fraction`).
    depth_mm : float or array_like
        Pigment depth (mm), default 0.15 (papillary dermis below a 60-100 um epidermis, domain.md §1).
    pigment_rgb_linear : array_like, shape (3,)
        Dry pigment reflectance, default carbon black.

    Returns
    -------
    ndarray, shape (..., 3)
        Linear RGB of the healed dot's centre.

    Examples
    --------
    >>> import numpy as np
    >>> skin = np.array([0.6, 0.45, 0.36])
    >>> light, dark = (healed_dot_color_linear(skin, pigment_fraction(w)) for w in (20.0, 6.0))
    >>> bool(np.all(dark < light))
    True
    """
    return dot_color_linear(skin_rgb_linear, pigment_fraction, depth_mm, pigment_rgb_linear, stage="healed")


@dataclass(frozen=True)
class SpotShape:
    """Spot geometry of one dot (mm), before projection onto the image.

    ``core_sigma_mm`` is the sigma of the visible spot along its short axis (the long axis is
    ``elongation`` times longer); ``halo_sigma_mm`` the diffuse shadow's; ``peak_scale`` scales the
    core's opacity down when the same pigment spreads over a larger (blown-out) area.
    """

    core_sigma_mm: np.ndarray
    halo_sigma_mm: np.ndarray
    peak_scale: np.ndarray


def spot_shape(
    needle_diameter_mm: np.ndarray | float,
    depth_mm: np.ndarray | float,
    stage: str = "healed",
    optics: SkinOptics = DEFAULT_OPTICS,
) -> SpotShape:
    """Sigma of a dot's core and halo (mm) from the needle diameter, depth and stage.

    The core's FWHM is the needle diameter times the stage's size factor, widened by the overlying
    tissue (``depth_blur * depth``) and, past ``blowout_depth_mm``, by pigment migration (domain.md §2).

    Examples
    --------
    >>> s = spot_shape(0.25, 0.15)
    >>> fresh = spot_shape(0.25, 0.15, "fresh")
    >>> bool(fresh.core_sigma_mm > s.core_sigma_mm)
    True
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}")
    nd = np.asarray(needle_diameter_mm, dtype=np.float64)
    depth = np.maximum(np.asarray(depth_mm, dtype=np.float64), 0.0)
    factor = {"fresh": optics.size_factor_fresh, "healing": optics.size_factor_healing,
              "healed": optics.size_factor_healed}[stage]
    d_eff = depth * (optics.fresh_depth_factor if stage == "fresh" else 1.0)
    base = nd * factor / 2.3548
    blur = optics.depth_blur * d_eff
    normal = np.sqrt(base**2 + blur**2)
    over = np.maximum(depth - optics.blowout_depth_mm, 0.0) * optics.blowout_growth
    core = np.sqrt(normal**2 + over**2)
    peak = (normal / core) ** 2
    halo = np.sqrt(optics.halo_sigma_mm**2 + d_eff**2 + over**2)
    return SpotShape(core_sigma_mm=core, halo_sigma_mm=halo, peak_scale=peak)
