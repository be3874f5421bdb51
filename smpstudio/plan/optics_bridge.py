"""How a pigment dilution at a given depth looks in a given skin: one model shared with the dot engine.

The dot engine (issue 3) owns the optics in :mod:`smpstudio.render.optics` and exposes
``healed_dot_color_linear(skin_rgb_linear, pigment_fraction, depth_mm, pigment_rgb_linear=...)``.
:func:`healed_dot_color_linear` here calls that function when it is importable, so the plan's predicted
colours and the rendered previews come from the same model. Until it exists (or if its signature
changes) a local stand-in with the same signature is used and :data:`optics_source` says so.

The stand-in is a two-flux sketch, documented so it can be checked:

* the ink's pigment volume fraction ``f`` (``1 / (water + 1)`` for a ``water:1`` dilution) keeps a share
  ``healed_retention`` after healing (macrophages and the scab carry the rest away, domain.md §2); the
  healed layer's opacity is ``1 - exp(-k_abs * f_healed)`` (Beer-Lambert);
* light scattered back by the tissue above the pigment never reaches it. That share grows with depth and
  is larger at short wavelengths, ``s_c = 1 - exp(-depth_mm / l_c)`` with ``l_c`` shortest for blue, so a
  deep, dark dot looks cooler (the Tyndall blue shift of domain.md §2), most of all on fair skin;
* the seen colour is ``skin - (1 - s) * opacity * (skin - pigment)`` per linear-RGB channel, never
  lighter than the skin itself (on very dark skin, carbon adds nothing).

References
----------
.. [1] R. R. Anderson, J. A. Parrish, "The optics of human skin", J. Invest. Dermatol. 77(1):13-19, 1981
   (scattering in dermis falls with wavelength: blue penetrates least).
.. [2] domain.md §1 (target depth: upper dermis, epidermis 60-100 um) and §2 (blue/green shift).

Examples
--------
>>> import numpy as np
>>> skin = np.array([0.60, 0.45, 0.35])
>>> dot = healed_dot_color_linear(skin, 1 / 21, 0.15)
>>> bool(np.all(dot < skin))
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

CARBON_BLACK_RGB_LINEAR = (0.03, 0.03, 0.03)  # carbon black reflects ~3 % [model assumption]
K_ABS = 10.0  # optical thickness of neat pigment (same default as render.optics.SkinOptics) [model choice]
HEALED_RETENTION = 0.7  # share of implanted pigment left after healing [model assumption, domain.md §2]
SCATTER_LENGTH_MM = (0.75, 0.36, 0.20)  # R, G, B penetration depths, as render.optics [model choice]
DEFAULT_DEPTH_MM = 0.15  # upper dermis under a 60-100 um scalp epidermis (domain.md §1)


def fallback_healed_dot_color_linear(skin_rgb_linear: Any, pigment_fraction: Any, depth_mm: Any,
                                     pigment_rgb_linear: Any = CARBON_BLACK_RGB_LINEAR, *,
                                     healed_retention: float = HEALED_RETENTION) -> np.ndarray:
    """Stand-in for the dot engine's optics (same signature), see the module docstring.

    Parameters
    ----------
    skin_rgb_linear : array_like, shape (..., 3)
        Skin colour, linear sRGB.
    pigment_fraction : float or array_like
        Pigment volume fraction of the ink as implanted, in [0, 1] (``1 / (water + 1)``); layers add.
    depth_mm : float or array_like
        Depth of the pigment below the surface in mm.
    pigment_rgb_linear : array_like, shape (3,)
        Reflectance of the neat pigment, linear sRGB.

    Returns
    -------
    ndarray, shape (..., 3)
        Healed dot colour, linear sRGB.
    """
    skin = np.asarray(skin_rgb_linear, dtype=np.float64)
    f = np.clip(np.asarray(pigment_fraction, dtype=np.float64), 0.0, 1.0)[..., None]
    d = np.maximum(np.asarray(depth_mm, dtype=np.float64), 0.0)[..., None]
    pig = np.asarray(pigment_rgb_linear, dtype=np.float64)
    opacity = 1.0 - np.exp(-K_ABS * healed_retention * f)
    scattered = 1.0 - np.exp(-d / np.asarray(SCATTER_LENGTH_MM))
    return np.minimum(skin - (1.0 - scattered) * opacity * (skin - pig), skin)  # a dot never lightens skin


def _resolve() -> tuple[Callable[..., Any], str]:
    try:
        from smpstudio.render import optics  # type: ignore[attr-defined]

        fn = optics.healed_dot_color_linear
        params = list(inspect.signature(fn).parameters)
        if params[:3] == ["skin_rgb_linear", "pigment_fraction", "depth_mm"] and "pigment_rgb_linear" in params:
            return fn, "smpstudio.render.optics.healed_dot_color_linear"
    except (ImportError, AttributeError, ValueError, TypeError):
        pass
    return fallback_healed_dot_color_linear, "smpstudio.plan.optics_bridge (stand-in until render.optics)"


def optics_source() -> str:
    """Which optics model :func:`healed_dot_color_linear` uses."""
    return _resolve()[1]


def healed_dot_color_linear(skin_rgb_linear: Any, pigment_fraction: Any, depth_mm: Any = DEFAULT_DEPTH_MM,
                            pigment_rgb_linear: Any = CARBON_BLACK_RGB_LINEAR) -> np.ndarray:
    """Healed dot colour (linear sRGB) of ink with ``pigment_fraction`` at ``depth_mm`` in this skin.

    Delegates to the dot engine's model when available (see :func:`optics_source`).
    """
    fn, _ = _resolve()
    out = fn(np.asarray(skin_rgb_linear, dtype=np.float64), pigment_fraction, depth_mm,
             pigment_rgb_linear=np.asarray(pigment_rgb_linear, dtype=np.float64))
    return np.asarray(out, dtype=np.float64)
