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

import cv2
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
    canthi_px: np.ndarray | tuple[tuple[float, ...], tuple[float, ...]],
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
    canthi_px : pair of (x, y) or (x, y, z)
        Image-left and image-right lateral canthi, px (with the landmarker's relative depth, px, when
        known: the widths are then measured on the turned head exactly).
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
    m = _maturity(age)
    control = controls_on_head(head, frame, canthi_px, float(mfp_height_mm), m)
    mfp_y = float(control[len(control) // 2, 1])
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


def _midline_depth(head: HeadModel) -> tuple[np.ndarray, np.ndarray]:
    """Height (head y, mm, increasing downwards) and depth z (mm) of the head model's midline, as
    far as the vault keeps rising, ordered by increasing y."""
    arcs = np.linspace(0.0, 220.0, 441)
    q = np.array([head.midline_point(float(a)) for a in arcs])
    top = int(np.argmin(q[:, 1]))
    q = q[: top + 1][::-1]
    return q[:, 1], q[:, 2]


def control_points_head(
    head: HeadModel,
    canthi_px: np.ndarray | tuple[tuple[float, ...], tuple[float, ...]],
    mfp_height_mm: float,
    maturity: float,
) -> np.ndarray:
    """The seven control points of :func:`build_controls` laid out on the head, head coordinates (mm).

    The layout (widths from the lateral canthi, rises above the MFP) is measured in head coordinates
    (the face turned to the camera: widths are not shortened by a yaw, the midline is the head's,
    not the glabella's image column); each point is put on the head's front surface: the midline's
    depth at its height plus the lateral fall-off of the scalp ellipsoid.

    Parameters
    ----------
    head : HeadModel
    canthi_px : array (2, 2) or (2, 3)
        Image-left and image-right lateral canthi, px (with the landmarker's relative depth, px,
        when known; else at the landmarks' mean depth).
    mfp_height_mm : float
        MFP height above the glabella along the forehead's surface, mm.
    maturity : float
        0 (young) to 1 (mature), see :func:`build_controls`.

    Returns
    -------
    ndarray, shape (7, 3)
    """
    q_mfp = head.midline_point(mfp_height_mm)
    c_img = np.asarray(canthi_px, dtype=np.float64).reshape(2, -1)
    if c_img.shape[1] == 2:
        c_img = np.concatenate([c_img, np.full((2, 1), head.origin_px[2])], axis=1)
    c_head = head.px_to_head(c_img[:, :3])
    half = 0.5 * abs(float(c_head[1, 0] - c_head[0, 0]))
    layout = build_controls(half, 0.0, maturity)  # x offsets from the midline, rises above the MFP
    ys_mid, zs_mid = _midline_depth(head)
    rx, rz = float(head.radii_mm[0]), float(head.radii_mm[2])
    pts = []
    for dx, rise in layout:
        y = float(q_mfp[1]) - float(rise)
        z_mid = float(np.interp(y, ys_mid, zs_mid))
        u = min(abs(float(dx)) / rx, 0.99)
        z = z_mid + rz * (1.0 - np.sqrt(1.0 - u * u))
        pts.append((float(q_mfp[0]) + float(dx), y, z))
    return np.array(pts)


def controls_on_head(
    head: HeadModel,
    frame: FaceFrame,
    canthi_px: np.ndarray | tuple[tuple[float, ...], tuple[float, ...]],
    mfp_height_mm: float,
    maturity: float,
) -> np.ndarray:
    """The control points of :func:`control_points_head` projected with the head's pose, on the face
    frame (mm). For a frontal pose this is the image-plane layout of :func:`build_controls`; for a
    turned head (|yaw| up to 35 deg) the line turns with the head."""
    mm = frame.to_mm(head.head_to_px(control_points_head(head, canthi_px, mfp_height_mm, maturity)))
    mid = len(mm) // 2
    # a point the turn carries behind its neighbour (far side, hidden by the head's curvature) is
    # kept just beside it, from the midline outwards, so the line stays ordered left to right;
    # the temporal points stay no lower than the MFP
    for i in range(mid + 1, len(mm)):
        mm[i, 0] = max(mm[i, 0], mm[i - 1, 0] + 1e-3)
    for i in range(mid - 1, -1, -1):
        mm[i, 0] = min(mm[i, 0], mm[i + 1, 0] - 1e-3)
    for i in (0, len(mm) - 1):
        mm[i, 1] = max(mm[i, 1], mm[mid, 1])
    return mm


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

    Mirroring is about the MFP's vertical (the head's midline); the MFP stays on it when mirrored.
    Temporal points are kept no lower than the MFP.

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
    x_mid = float(c[mid, 0])  # the head's midline (off the glabella's column when the head is turned)
    if mirror and index == mid:
        x = x_mid
    c[index] = (x, y)
    if mirror and index != mid:
        c[k - 1 - index] = (2.0 * x_mid - x, y)
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


ON_HEAD_MARGIN_MM = 3.0  # [calibration] the drawn edge keeps this far inside the head's outline
ON_HEAD_STEP_MM = 0.5
ON_HEAD_WORK_PX_PER_MM = 2.0


def keep_on_head(hairline: Hairline, frame: FaceFrame, head_mask: np.ndarray,
                 margin_mm: float = ON_HEAD_MARGIN_MM, max_steps: int = 400,
                 floor_mm: float | None = None) -> Hairline:
    """Move control points until the whole drawn edge lies inside the head's outline.

    Where the edge leaves the head (its lateral ends above a narrow or receded head, or the whole
    line above a head the photo shows short), the nearest control point is lowered towards the
    brows by ``ON_HEAD_STEP_MM`` at a time; where a temporal point would go below the MFP (domain.md
    §3: never below it) the whole line comes down with its shape kept, but not below ``floor_mm``, the
    client's own hair front: there the line narrows instead (its points drawn in toward the midline; the
    temporal points then sit less than domain.md §3's ~1 cm beside the canthus verticals). Without the
    floor a 14°-turned head's line came down from 75 to 32 mm above the glabella, onto the forehead below
    the hair the client has. The MFP is lowered like the others when it
    leaves the head itself; points move in mirrored pairs and the curve is rebuilt through them.

    Parameters
    ----------
    hairline : Hairline
    frame : FaceFrame
    head_mask : ndarray of bool, shape (H, W)
        The head's outline (head + hair) on the photo.
    margin_mm : float
        Distance the edge keeps inside the outline, mm on the face plane.
    floor_mm : float, optional
        Image height (face frame, mm) the whole line is not brought below: where the client's hair
        begins on the midline (:func:`smpstudio.design.recession.frontal_recession`). SMP rebuilds a
        receded hairline; it never draws one on the forehead below the hair the client has. A floor above
        the proposed MFP (the hair begins behind the line) binds nothing.

    Returns
    -------
    Hairline
        ``hairline`` itself when it already lies inside.
    """
    k = min(1.0, ON_HEAD_WORK_PX_PER_MM / frame.px_per_mm)  # work at <= 2 px/mm (0.5 mm cells)
    if k < 1.0:
        hh, ww = head_mask.shape
        w, h = max(1, round(ww * k)), max(1, round(hh * k))
        head_mask = cv2.resize(head_mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0
        frame = FaceFrame((frame.origin_px[0] * w / ww, frame.origin_px[1] * h / hh), frame.px_per_mm * w / ww,
                          frame.roll_deg)
    h, w = head_mask.shape
    r = max(1, round(margin_mm * frame.px_per_mm))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    inside = cv2.erode(head_mask.astype(np.uint8), disk) > 0
    if not inside.any():
        return hairline
    c = hairline.control_mm.copy()
    k = len(c)
    mid = k // 2
    if floor_mm is not None and floor_mm > c[mid, 1]:
        floor_mm = None  # the hair begins behind the proposed line (a receded hairline): nothing to keep above
    moved = False
    for _ in range(max_steps):
        edge = irregular_edge(smooth_curve(c), hairline.style, hairline.seed)
        px = np.round(frame.to_px(edge) - 0.5).astype(np.int64)
        ok = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)
        ok[ok] = inside[px[ok, 1], px[ok, 0]]
        if ok.all():
            break
        moved = True
        bad = np.unique(np.argmin(np.abs(edge[~ok, 0][:, None] - c[None, :, 0]), axis=1))
        bad = np.unique(np.minimum(bad, k - 1 - bad))  # moved in mirrored pairs: the line stays symmetric
        for i in bad:
            if i in (0, k - 1) and c[i, 1] - ON_HEAD_STEP_MM < c[mid, 1]:
                # a temporal point may not go below the MFP: the whole line comes down, its shape kept, but
                # not below the client's own hair front; there it narrows instead (a head the photo shows
                # narrow or turned away at that height)
                if floor_mm is None or c[mid, 1] - ON_HEAD_STEP_MM >= floor_mm:
                    c[:, 1] -= ON_HEAD_STEP_MM
                    break
                half = max(abs(c[0, 0] - c[mid, 0]), abs(c[k - 1, 0] - c[mid, 0]))
                if half <= 2 * ON_HEAD_STEP_MM:
                    break
                c[:, 0] = c[mid, 0] + (c[:, 0] - c[mid, 0]) * (1.0 - ON_HEAD_STEP_MM / half)  # narrower
                break
            c[i, 1] -= ON_HEAD_STEP_MM
            if i != mid:
                c[k - 1 - i, 1] -= ON_HEAD_STEP_MM
            if i == mid:
                for t in (0, k - 1):
                    c[t, 1] = max(c[t, 1], c[mid, 1])
    if not moved:
        return hairline
    curve = smooth_curve(c)
    return replace(
        hairline,
        control_mm=c,
        curve_mm=curve,
        edge_mm=irregular_edge(curve, hairline.style, hairline.seed),
        mfp_height_image_mm=float(c[mid, 1]),
        mfp_height_mm=float(hairline.mfp_height_mm + (c[mid, 1] - hairline.control_mm[mid, 1])),
    )
