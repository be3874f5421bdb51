"""Hairline design from the face's structure, in millimetres on the face frame.

Rules (domain.md §3):

* the **mid-frontal point** (MFP) sits 70 mm (aggressive) to 100 mm (conservative) above the glabella,
  measured along the forehead's surface; 80 mm by default (Garg et al. 2017, 431 cases);
* mature hairlines sit 10-20 mm higher at the centre and recede more at the temples; when in doubt,
  higher; the shape goes from concave/flat (young) to convex (mature);
* the **frontotemporal points** lie on the verticals through the lateral canthi; the **temporal
  points** sit ~10 mm lateral of those verticals and never lower than the MFP;
* the line is a smooth curve with micro- and macro-irregularity, never straight (Shapiro); the
  transition zone is 5-10 mm deep (soft), irregular and staggered (broken) or narrow (defined).

Heights above the glabella are placed on the head model (surface distance) and then expressed on the
face frame (image-plane mm); both are reported.

References
----------
.. [1] Garg, A. K. et al. "Hairline design: a study of 431 cases." J Cutan Aesthet Surg, 2017.
.. [2] Shapiro, R. "Principles and techniques used to create a natural hairline in surgical hair
   restoration." Facial Plast Surg Clin N Am 12(2):201-217, 2004.
.. [3] Nusbaum, B. P., Fuentefria, S. "Naturally occurring female hairline patterns." Dermatol Surg
   35(6):907-913, 2009 (widow's peak in 81%).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.interpolate import PchipInterpolator

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.analysis.types import FaceFrame
from smpstudio.design.types import STYLES, Hairline
from smpstudio.errors import OptionError

MFP_DEFAULT_MM = 80.0  # domain.md §3 (Garg 2017: MFP at 8 cm)
MFP_MIN_MM = 70.0  # domain.md §3 (7 cm, aggressive)
MFP_MAX_MM = 100.0  # domain.md §3 (10 cm, conservative)
AGE_RAISE_MAX_MM = 15.0  # domain.md §3 "mature hairlines are 1-2 cm higher at the centre"
AGE_YOUNG, AGE_MATURE = 25, 55  # age over which the raise and the shape change are spread
CONSERVATIVE_RAISE_MM = 10.0  # "when in doubt, higher" (domain.md §3)
TEMPORAL_OFFSET_MM = 10.0  # domain.md §3: temporal point ~1 cm from the canthus vertical
RECESSION_YOUNG_MM, RECESSION_MATURE_MM = 8.0, 22.0  # frontotemporal rise above the MFP (image plane)
TRANSITION_MM = {"soft": 8.0, "broken": 10.0, "defined": 2.0}  # domain.md §3 transition 0.5-1 cm
# irregularity of the drawn edge: (macro amplitude mm, macro wavelength mm, micro amplitude mm)
IRREGULARITY = {"soft": (0.0, 12.0, 0.5), "broken": (1.0, 9.0, 0.6), "defined": (0.0, 12.0, 0.0)}
CURVE_SAMPLES = 241


def _maturity(age: int) -> float:
    return float(np.clip((age - AGE_YOUNG) / (AGE_MATURE - AGE_YOUNG), 0.0, 1.0))


def mfp_height_for(age: int, conservative: bool = False, base_mm: float = MFP_DEFAULT_MM) -> float:
    """MFP surface height above the glabella (mm) for an age, clamped to 70-100 mm.

    Examples
    --------
    >>> mfp_height_for(25), mfp_height_for(60), mfp_height_for(60, conservative=True)
    (80.0, 95.0, 100.0)
    """
    h = base_mm + AGE_RAISE_MAX_MM * _maturity(age) + (CONSERVATIVE_RAISE_MM if conservative else 0.0)
    return float(np.clip(h, MFP_MIN_MM, MFP_MAX_MM))


def smooth_curve(control_mm: np.ndarray, n: int = CURVE_SAMPLES) -> np.ndarray:
    """Smooth curve through the control points, ``n`` points evenly spaced along it.

    A shape-preserving piecewise-cubic (PCHIP) spline of height over width: it passes through every
    control point and never overshoots them, so the line never dips below the MFP or above the
    frontotemporal points between controls (a natural cubic spline does both).

    Examples
    --------
    >>> c = np.array([[-50.0, 70.0], [-40.0, 78.0], [0.0, 60.0], [40.0, 78.0], [50.0, 70.0]])
    >>> curve = smooth_curve(c)
    >>> bool(curve[:, 1].min() >= 60.0)
    True
    """
    c = np.asarray(control_mm, dtype=np.float64)
    if np.any(np.diff(c[:, 0]) <= 0):
        raise ValueError("control points must be ordered left to right with increasing x")
    f = PchipInterpolator(c[:, 0], c[:, 1])
    xs = np.linspace(c[0, 0], c[-1, 0], 4 * n)
    dense = np.stack([xs, f(xs)], axis=1)
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(dense, axis=0), axis=1))])
    t = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(t, s, dense[:, 0]), np.interp(t, s, dense[:, 1])], axis=1)


def irregular_edge(curve_mm: np.ndarray, style: str, seed: int) -> np.ndarray:
    """The drawn edge: the smooth curve displaced along its normal by the style's irregularity.

    Displacements fade to zero at both ends; ``defined`` returns the curve unchanged.
    """
    macro_amp, macro_wl, micro_amp = IRREGULARITY[style]
    if macro_amp == 0.0 and micro_amp == 0.0:
        return curve_mm.copy()
    rng = np.random.default_rng(seed)
    seg = np.linalg.norm(np.diff(curve_mm, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    total = s[-1]
    disp = np.zeros_like(s)
    # macro: a few sinusoids of random phase around the wavelength (staggered, not periodic)
    for k in range(3):
        wl = macro_wl * (0.7 + 0.6 * rng.random())
        disp += macro_amp / 3 * np.sin(2 * np.pi * s / wl + 2 * np.pi * rng.random()) * (1.0 if k == 0 else 0.8)
    # micro: smoothed white noise at ~1.5 mm correlation length
    noise = rng.standard_normal(len(s))
    width = max(1, int(round(1.5 / max(total / len(s), 1e-6))))
    kernel = np.hanning(2 * width + 1)
    kernel /= kernel.sum()
    micro = np.convolve(noise, kernel, mode="same")
    micro /= max(np.abs(micro).max(), 1e-9)
    disp += micro_amp * micro
    taper = np.clip(np.minimum(s, total - s) / 10.0, 0.0, 1.0)
    disp *= taper
    tangent = np.gradient(curve_mm, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)  # left of travel = up for left->right
    return curve_mm + disp[:, None] * normal


def design_hairline(
    head: HeadModel,
    frame: FaceFrame,
    canthi_px: tuple[tuple[float, float], tuple[float, float]],
    *,
    age: int = 35,
    style: str = "soft",
    mfp_height_mm: float | None = None,
    conservative: bool = False,
    seed: int = 0,
) -> Hairline:
    """Propose a hairline.

    Parameters
    ----------
    head : HeadModel
        Head model of the photo (for surface heights).
    frame : FaceFrame
        Face frame (mm, origin glabella).
    canthi_px : pair of (x, y)
        Image-left and image-right lateral canthi, px.
    age : int
        Client's age in years (18-90).
    style : {"soft", "broken", "defined"}
    mfp_height_mm : float, optional
        MFP height along the surface (70-100 mm); by default from the age.
    conservative : bool
        Raise the line by 10 mm.
    seed : int
        Seed of the edge's irregularity.

    Returns
    -------
    Hairline
    """
    if style not in STYLES:
        raise OptionError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    if not 16 <= age <= 100:
        raise OptionError(f"age {age} is outside 16-100 years")
    if mfp_height_mm is None:
        mfp_height_mm = mfp_height_for(age, conservative)
    elif not MFP_MIN_MM <= mfp_height_mm <= MFP_MAX_MM:
        raise OptionError(f"MFP height {mfp_height_mm:g} mm is outside {MFP_MIN_MM:g}-{MFP_MAX_MM:g} mm")
    mfp_px = head.head_to_px(head.midline_point(mfp_height_mm))
    mfp_mm = frame.to_mm(mfp_px)[0]
    canthi_mm = frame.to_mm(np.asarray(canthi_px, dtype=np.float64))
    half = 0.5 * abs(canthi_mm[1, 0] - canthi_mm[0, 0])
    m = _maturity(age)
    mfp_y = float(mfp_mm[1])
    control = build_controls(half, mfp_y, m)
    curve = smooth_curve(control)
    return Hairline(
        style=style,
        age=int(age),
        control_mm=control,
        curve_mm=curve,
        edge_mm=irregular_edge(curve, style, seed),
        transition_mm=TRANSITION_MM[style],
        mfp_height_mm=float(mfp_height_mm),
        mfp_height_image_mm=mfp_y,
        seed=int(seed),
    )


def build_controls(half_width_mm: float, mfp_y_mm: float, maturity: float) -> np.ndarray:
    """Seven symmetric control points: temporal, frontotemporal, mid, MFP, mid, frontotemporal, temporal.

    ``maturity`` in [0, 1] moves the shape from flat/concave (young: exponent 2) to convex
    (mature: exponent 0.9) and deepens the temporal recession.
    """
    rise = RECESSION_YOUNG_MM + (RECESSION_MATURE_MM - RECESSION_YOUNG_MM) * maturity
    p = 2.0 - 1.1 * maturity
    ftp_y = mfp_y_mm + rise
    mid_y = mfp_y_mm + rise * 0.5**p
    tp_y = max(mfp_y_mm, ftp_y - 12.0)
    xs = np.array([-(half_width_mm + TEMPORAL_OFFSET_MM), -half_width_mm, -0.5 * half_width_mm, 0.0,
                   0.5 * half_width_mm, half_width_mm, half_width_mm + TEMPORAL_OFFSET_MM])
    ys = np.array([tp_y, ftp_y, mid_y, mfp_y_mm, mid_y, ftp_y, tp_y])
    return np.stack([xs, ys], axis=1)


def edit_hairline(hairline: Hairline, index: int, new_xy_mm: tuple[float, float], *, mirror: bool = True) -> Hairline:
    """Move one control point; the curve follows. With ``mirror`` the opposite point moves symmetrically.

    The MFP (the middle point) stays on the midline when mirrored. Temporal points are kept no lower
    than the MFP.

    Examples
    --------
    >>> c = build_controls(45.0, 60.0, 0.0)
    >>> h = Hairline("soft", 30, c, smooth_curve(c), smooth_curve(c), 8.0, 80.0, 60.0, 0)
    >>> e = edit_hairline(h, 1, (-50.0, 75.0))
    >>> e.control_mm[5].tolist()
    [50.0, 75.0]
    """
    c = hairline.control_mm.copy()
    k = len(c)
    if not 0 <= index < k:
        raise OptionError(f"control point {index} does not exist (0-{k - 1})")
    x, y = float(new_xy_mm[0]), float(new_xy_mm[1])
    mid = k // 2
    if mirror and index == mid:
        x = 0.0
    c[index] = (x, y)
    if mirror and index != mid:
        c[k - 1 - index] = (-x, y)
    mfp_y = c[mid, 1]
    for i in (0, k - 1):
        c[i, 1] = max(c[i, 1], mfp_y)
    if np.any(np.diff(c[:, 0]) <= 0):
        raise OptionError("control points must stay ordered left to right")
    curve = smooth_curve(c)
    dy = float(c[mid, 1] - hairline.control_mm[mid, 1])
    return replace(
        hairline,
        control_mm=c,
        curve_mm=curve,
        edge_mm=irregular_edge(curve, hairline.style, hairline.seed),
        mfp_height_image_mm=float(c[mid, 1]),
        mfp_height_mm=float(hairline.mfp_height_mm + dy),  # first-order: surface ~ image near the MFP
    )
