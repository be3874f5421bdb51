"""Long-term fading of healed SMP dots and the touch-up date.

Model. Dermal pigment is cleared slowly (macrophages capture, die and release it again, a little is
carried away each cycle [1]_) and carbon is slowly degraded by sunlight [2]_, so the pigment left in a dot
decays first-order::

    p(t) = exp(-k t),     k = k0 * m_uv * m_skin * m_oily * m_flaky * m_exfoliation * m_smoking * m_alcohol

with ``t`` in years after the last session has healed. What the eye judges is the treatment's *contrast* to
the skin at viewing distance, ``C(t) = ΔE00(tone of healed dots with pigment f0 * p(t), skin)``, computed
through the same optics as the previews (:func:`smpstudio.optics.dot.healed_tone_linear`); because a dot's
core saturates with pigment load, contrast falls slower than pigment at first.
A touch-up is due when ``C(t) / C(0)`` drops below ``touch_up_threshold`` (on skin so dark that
the healed dot hardly shows, ``C(0) < min_contrast_delta_e``, the pigment left ``p(t)`` is used instead).

Defaults: ``k0`` is chosen so that a reference client (medium UV, Fitzpatrick III, no risk factor) is due at
about 3.5 years, inside the published 2-6 years (domain.md §2: touch-up at 2-6 years, quotes 1-6; 10-20 %
return at 2-3 years). The risk multipliers follow the directions of domain.md §2 (faster with UV, exfoliation,
oily or flaky scalp, alcohol-based products); their sizes are model choices, documented here, each a
parameter of :class:`FadingParams`:

========================  ================  ==========================================================
factor                    multiplier        why
========================  ================  ==========================================================
UV low / med / high       0.8 / 1.0 / 1.4   photodegradation of pigment [2]_; domain.md §2
Fitzpatrick I-II          1.1               less melanin shielding of the dermis from UV [3]_
Fitzpatrick V-VI          0.9               more melanin shielding [3]_
oily scalp                1.25              sebum and frequent washing; domain.md §2
flaky scalp               1.2               faster epidermal turnover / scaling; domain.md §2
exfoliation               1.3               mechanical removal of the upper layers; domain.md §2
smoking                   1.1               impaired dermal repair and inflammation [4]_
alcohol-based products    1.1               domain.md §2
========================  ================  ==========================================================

References
----------
.. [1] A. Baranska et al., "Unveiling skin macrophage dynamics explains both tattoo persistence and strenuous
   removal", J. Exp. Med. 215(4):1115-1133, 2018.
.. [2] E. Engel et al., "Photochemical cleavage of a tattoo pigment by UVB radiation or natural sunlight",
   J. Dtsch. Dermatol. Ges. 5(7):583-589, 2007.
.. [3] M. Brenner, V. J. Hearing, "The protective role of melanin against UV damage in human skin",
   Photochem. Photobiol. 84(3):539-549, 2008.
.. [4] L. T. Sørensen, "Wound healing and infection in surgery: the clinical impact of smoking and smoking
   cessation", Arch. Surg. 147(4):373-383, 2012.

Examples
--------
>>> p = FadingParams()
>>> round(pigment_remaining(0.0, FadingFactors(), p), 3), pigment_remaining(5.0, FadingFactors(), p) < 1
(1.0, True)
>>> fast = FadingFactors(uv="high", oily_scalp=True)
>>> fading_rate_per_year(fast, p) > fading_rate_per_year(FadingFactors(), p)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smpstudio.errors import OptionError
from smpstudio.optics.colour import delta_e2000_many, linear_to_lab
from smpstudio.optics.dot import CARBON_BLACK_RGB_LINEAR, healed_tone_linear
from smpstudio.optics.dot import TARGET_DEPTH_MM as DEFAULT_DEPTH_MM

UV_LEVELS = ("low", "med", "high")


@dataclass(frozen=True)
class FadingFactors:
    """What this client does to the pigment (all default to the reference client)."""

    uv: str = "med"
    fitzpatrick: int = 3
    oily_scalp: bool = False
    flaky_scalp: bool = False
    exfoliation: bool = False
    smoking: bool = False
    alcohol_products: bool = False

    def __post_init__(self) -> None:
        if self.uv not in UV_LEVELS:
            raise OptionError(f"--uv must be one of {', '.join(UV_LEVELS)} (got {self.uv!r})")
        if not 1 <= int(self.fitzpatrick) <= 6:
            raise OptionError(f"Fitzpatrick type must be 1-6 (got {self.fitzpatrick})")


@dataclass(frozen=True)
class FadingParams:
    """Rate constants and the touch-up rule (see the module docstring for the sources)."""

    base_rate_per_year: float = 0.087
    uv_multiplier: dict[str, float] = field(default_factory=lambda: {"low": 0.8, "med": 1.0, "high": 1.4})
    fitzpatrick_multiplier: dict[int, float] = field(
        default_factory=lambda: {1: 1.1, 2: 1.1, 3: 1.0, 4: 1.0, 5: 0.9, 6: 0.9})
    oily_multiplier: float = 1.25
    flaky_multiplier: float = 1.2
    exfoliation_multiplier: float = 1.3
    smoking_multiplier: float = 1.1
    alcohol_multiplier: float = 1.1
    touch_up_threshold: float = 0.75  # touch-up when contrast falls below this share of the healed contrast
    horizon_years: float = 8.0
    min_contrast_delta_e: float = 1.0  # below this the dot hardly shows: judge by pigment left instead


def fading_rate_per_year(factors: FadingFactors, params: FadingParams = FadingParams()) -> float:
    """First-order pigment loss rate ``k`` (1/year) for this client."""
    k = params.base_rate_per_year * params.uv_multiplier[factors.uv]
    k *= params.fitzpatrick_multiplier[int(factors.fitzpatrick)]
    for on, m in ((factors.oily_scalp, params.oily_multiplier), (factors.flaky_scalp, params.flaky_multiplier),
                  (factors.exfoliation, params.exfoliation_multiplier),
                  (factors.smoking, params.smoking_multiplier),
                  (factors.alcohol_products, params.alcohol_multiplier)):
        if on:
            k *= m
    return float(k)


def pigment_remaining(years: float | np.ndarray, factors: FadingFactors = FadingFactors(),
                      params: FadingParams = FadingParams()) -> np.ndarray | float:
    """Share of the healed pigment still in the dot after ``years`` (1 at 0)."""
    t = np.maximum(np.asarray(years, dtype=np.float64), 0.0)
    out = np.exp(-fading_rate_per_year(factors, params) * t)
    return float(out) if out.ndim == 0 else out


def faded_pigment_fraction(pigment_fraction: float, years: float | np.ndarray,
                           factors: FadingFactors = FadingFactors(),
                           params: FadingParams = FadingParams()) -> np.ndarray | float:
    """The pigment fraction to give the dot engine's optics to render a dot ``years`` after healing.

    Examples
    --------
    >>> f = faded_pigment_fraction(1 / 7, 3.0)
    >>> 0 < f < 1 / 7
    True
    """
    out = np.asarray(pigment_fraction, dtype=np.float64) * np.asarray(pigment_remaining(years, factors, params))
    return float(out) if out.ndim == 0 else out


def contrast_delta_e(skin_rgb_linear: np.ndarray, pigment_fraction: float, years: float | np.ndarray,
                     factors: FadingFactors = FadingFactors(), params: FadingParams = FadingParams(), *,
                     depth_mm: float = DEFAULT_DEPTH_MM,
                     pigment_rgb_linear: tuple[float, float, float] | None = None) -> np.ndarray:
    """CIEDE2000 between the (faded) healed treatment at viewing distance and the skin at ``years``.

    The tone of a field of dots at the default density (:func:`smpstudio.optics.dot.healed_tone_linear`).
    """
    t = np.atleast_1d(np.asarray(years, dtype=np.float64))
    f = np.asarray(faded_pigment_fraction(pigment_fraction, t, factors, params))
    skin = np.asarray(skin_rgb_linear, dtype=np.float64)
    pig = CARBON_BLACK_RGB_LINEAR if pigment_rgb_linear is None else np.asarray(pigment_rgb_linear)
    dots = healed_tone_linear(np.broadcast_to(skin, t.shape + (3,)), f, depth_mm, pig)
    return np.asarray(delta_e2000_many(linear_to_lab(dots), linear_to_lab(skin)[None, :]))


@dataclass(frozen=True)
class FadingResult:
    """The fading curve and the touch-up year.

    Attributes
    ----------
    years : ndarray
        Sample years 0 .. horizon.
    pigment_remaining : ndarray
        Share of the healed pigment left.
    contrast_delta_e : ndarray
        CIEDE2000 dot vs skin.
    contrast_relative : ndarray
        ``contrast_delta_e / contrast_delta_e[0]``.
    touch_up_years : float or None
        First year the relative contrast is below the threshold (None if not within the horizon).
    judged_by_contrast : bool
        False when the healed dot hardly shows on this skin (contrast below ``min_contrast_delta_e``); the
        relative curve and the touch-up then follow the pigment left instead.
    rate_per_year : float
    threshold : float
    """

    years: np.ndarray
    pigment_remaining: np.ndarray
    contrast_delta_e: np.ndarray
    contrast_relative: np.ndarray
    touch_up_years: float | None
    rate_per_year: float
    threshold: float
    judged_by_contrast: bool = True


def fading_curve(skin_rgb_linear: np.ndarray, pigment_fraction: float, factors: FadingFactors = FadingFactors(),
                 params: FadingParams = FadingParams(), *, depth_mm: float = DEFAULT_DEPTH_MM,
                 pigment_rgb_linear: tuple[float, float, float] | None = None, samples: int = 97) -> FadingResult:
    """Contrast over ``0 .. params.horizon_years`` and the touch-up year (bisection to 1e-3 years).

    Parameters
    ----------
    skin_rgb_linear : array_like, shape (3,)
        The client's skin, linear sRGB.
    pigment_fraction : float
        The final session's pigment fraction (``1 / (water + 1)``).
    factors, params
        Client factors and model parameters.
    depth_mm : float
        Pigment depth.
    pigment_rgb_linear : tuple, optional
        The pigment's reflectance (default: the optics' carbon black).
    samples : int
        Points on the curve.
    """
    if not 0.0 < pigment_fraction <= 1.0:
        raise OptionError(f"pigment fraction must be in (0, 1] (got {pigment_fraction})")
    years = np.linspace(0.0, params.horizon_years, samples)
    skin = np.asarray(skin_rgb_linear, dtype=np.float64)
    pig = pigment_rgb_linear

    def contrast(t: float | np.ndarray) -> np.ndarray:
        return contrast_delta_e(skin, pigment_fraction, t, factors, params, depth_mm=depth_mm,
                                pigment_rgb_linear=pig)

    c = contrast(years)
    c0 = float(c[0])
    by_contrast = c0 >= params.min_contrast_delta_e
    if by_contrast:
        rel = c / c0

        def rel_at(t: float) -> float:
            return float(contrast(t)[0]) / c0
    else:  # the dot hardly shows on this skin: the pigment left is the only meaningful measure
        rel = np.asarray(pigment_remaining(years, factors, params))

        def rel_at(t: float) -> float:
            return float(pigment_remaining(t, factors, params))
    due: float | None = None
    below = np.nonzero(rel < params.touch_up_threshold)[0]
    if below.size:
        lo, hi = float(years[below[0] - 1]), float(years[below[0]])
        while hi - lo > 1e-3:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if rel_at(mid) >= params.touch_up_threshold else (lo, mid)
        due = hi
    return FadingResult(years, np.asarray(pigment_remaining(years, factors, params)), c, np.asarray(rel), due,
                        fading_rate_per_year(factors, params), params.touch_up_threshold, by_contrast)


HEALING_YEARS = 28 / 365.25  # domain.md §2: the shade settles at ~4 weeks; fading counts from then


def factors_from_plan(fading_curve_block: Mapping[str, Any]) -> FadingFactors:
    """The client's :class:`FadingFactors` from the ``fading_curve`` block of ``plan.json``."""
    f = dict(fading_curve_block.get("factors", {}))
    return FadingFactors(uv=str(f.get("uv", "med")), fitzpatrick=int(f.get("fitzpatrick", 3)),
                         oily_scalp=bool(f.get("oily_scalp", False)), flaky_scalp=bool(f.get("flaky_scalp", False)),
                         exfoliation=bool(f.get("exfoliation", False)), smoking=bool(f.get("smoking", False)),
                         alcohol_products=bool(f.get("alcohol_products", False)))


def plan_pigment_fraction_at(plan: Mapping[str, Any], session_index: int, years_after_last_session: float,
                             params: FadingParams = FadingParams()) -> float:
    """Pigment fraction to render session ``session_index``'s dots ``years_after_last_session`` later.

    For the dot engine's ``years-1.png``, ``years-3.png`` and ``touch-up-due.png`` (use
    ``plan["touch_up"]["due_years"]``): the session's ``pigment_fraction`` faded by this client's rate.
    Before the dots have healed (~4 weeks) the healed fraction is returned unchanged.

    Examples
    --------
    >>> plan = {"sessions": [{"index": 1, "pigment_fraction": 0.125}], "fading_curve": {"factors": {"uv": "high"}}}
    >>> plan_pigment_fraction_at(plan, 1, 0.0)
    0.125
    >>> 0.0 < plan_pigment_fraction_at(plan, 1, 3.0) < 0.125
    True
    """
    sessions = [s for s in plan["sessions"] if int(s["index"]) == int(session_index)]
    if not sessions:
        raise OptionError(f"plan has no session {session_index}")
    f0 = float(sessions[0]["pigment_fraction"])
    t = max(0.0, float(years_after_last_session) - HEALING_YEARS)
    return float(faded_pigment_fraction(f0, t, factors_from_plan(plan.get("fading_curve", {})), params))
