"""The client's hair front across the forehead, on the head model, against the juvenile hairline.

Clinicians classify hair loss by where the hair front lies (Norwood 1975, Hamilton 1951; domain.md §4):
how deep it recedes at the temples (frontotemporal recession) and at the centre (midline recession).
Both are measured here on the photo *as taken* (before any buzz or shave) and on the head model
(:class:`smpstudio.analysis.headmodel.HeadModel`), in surface mm, not in the image plane (domain.md §3).

Method. The reference is the juvenile hairline of Norwood's type I: the MFP at
:data:`~smpstudio.design.hairline.MFP_DEFAULT_MM` above the glabella (Garg 2017, domain.md §3) with the
young shape of :func:`~smpstudio.design.hairline.build_controls` (frontotemporal points on the lateral
canthi's verticals, raised :data:`~smpstudio.design.hairline.RECESSION_YOUNG_MM`). Across the front, at
every lateral offset from the head's midline out to the temporal points, a meridian runs up the head's
front surface from the brows (the midline's depth plus the scalp ellipsoid's lateral fall-off, as the
hairline's own control points are placed); walking up it, the hair front is the first point from which
the hair mask holds for :data:`HOLD_MM`. Its recession is its surface distance along the meridian behind
the reference line (+ = behind). The temple recession of a side is the deepest recession over the
lateral part of the front (:data:`TEMPLE_FROM` outwards), the midline recession the one at the centre.

References
----------
.. [1] Norwood, O. T. "Male pattern baldness: classification and incidence." South Med J 68(11):1359-1365,
   1975.
.. [2] Hamilton, J. B. "Patterned loss of hair in man: types and incidence." Ann N Y Acad Sci 53:708-728,
   1951.
.. [3] /work/shared/domain.md §3 (MFP 7-10 cm above the glabella along the surface; Garg 2017: 8 cm;
   frontotemporal points on the canthus verticals), §4 (classes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.design.hairline import MFP_DEFAULT_MM, build_controls

STEP_MM = 1.0
HOLD_MM = 8.0  # [calibration] as recession.HOLD_MM: hair for this long along a meridian is the hair front
START_ARC_MM = 35.0  # meridians start this far (surface) above the glabella: mid-forehead, below any hair front
N_COLUMNS = 29  # meridians across the front (every ~4-5 mm on an average head)
LATERAL_REACH = 0.92  # [model choice] meridians reach this share of the scalp ellipsoid's half-breadth
#: [model choice] the lateral part of the front (from this share of the half-width to the temporal point
#: out to the meridians' reach) where the temple recession is looked for: Norwood's triangular
#: frontotemporal areas (1975, types II-III) lie there
TEMPLE_FROM = 0.45
FRONT_BAND_MM = 15.0  # [model choice] the front edge's hair density is read over this much behind the front
HIDDEN_WITHIN_MM = 5.0  # [model choice] hair this close to the meridians' start (mid-forehead) is a fringe
MIDLINE_BAND = 0.12  # |offset| / half-width within which a meridian counts as the midline


@dataclass(frozen=True)
class Meridian:
    """One meridian: its lateral offset, where the reference line and the hair front lie on it."""

    offset_mm: float  # head x from the midline, mm (image-left negative)
    reference_arc_mm: float  # surface mm from the meridian's start to the reference (juvenile) line
    front_arc_mm: float | None  # surface mm to the hair front; None: no hair seen up to ``seen_arc_mm``
    seen_arc_mm: float  # how far up the photo shows this meridian (in the image, facing the camera)
    front_px: tuple[float, float] | None  # the hair front on the photo (px), for drawing
    reference_px: tuple[float, float]
    path_px: tuple[tuple[float, float], ...] = ()  # the meridian on the photo as far as it is seen (px)
    front_skin_share: float | None = None  # skin showing through the hair over FRONT_BAND_MM behind the front

    @property
    def recession_mm(self) -> float | None:
        """Hair front behind the reference line (surface mm, + = behind); a meridian bare as far as it is seen
        counts as receded at least that far; None when it is not seen past the reference line."""
        if self.front_arc_mm is not None:
            return self.front_arc_mm - self.reference_arc_mm
        if self.seen_arc_mm > self.reference_arc_mm:
            return self.seen_arc_mm - self.reference_arc_mm
        return None


@dataclass(frozen=True)
class HairFront:
    """The hair front across the forehead and its recession at the temples and the midline."""

    meridians: tuple[Meridian, ...]
    half_width_mm: float  # midline to the temporal point of the reference line, head mm
    mfp_mm: float = MFP_DEFAULT_MM  # the reference line's MFP, surface mm above the glabella

    def _band(self, lo: float, hi: float, side: int) -> list[Meridian]:
        return [m for m in self.meridians
                if lo <= abs(m.offset_mm) / self.half_width_mm <= hi and np.sign(m.offset_mm) == side]

    def temple_mm(self, side: int) -> float | None:
        """Deepest recession over the lateral band of one side (-1 image-left, +1 image-right), mm."""
        r = [m.recession_mm for m in self._band(TEMPLE_FROM, np.inf, side) if m.recession_mm is not None]
        return max(r) if r else None

    def temple_skin_share(self, side: int) -> float | None:
        """Median skin share at the front edge over the lateral band of one side (:attr:`Meridian.front_skin_share`)."""
        r = [m.front_skin_share for m in self._band(TEMPLE_FROM, np.inf, side) if m.front_skin_share is not None]
        return float(np.median(r)) if r else None

    @property
    def midline_skin_share(self) -> float | None:
        """Median skin share at the front edge over the central meridians."""
        r = [m.front_skin_share for m in self.meridians
             if abs(m.offset_mm) <= MIDLINE_BAND * self.half_width_mm and m.front_skin_share is not None]
        return float(np.median(r)) if r else None

    @property
    def midline_front_mm(self) -> float | None:
        """Where the hair begins on the midline, surface mm above the glabella (median of the central meridians;
        the central meridian follows the midline, so its arc adds to :data:`START_ARC_MM`)."""
        r = [m.front_arc_mm for m in self.meridians
             if abs(m.offset_mm) <= MIDLINE_BAND * self.half_width_mm and m.front_arc_mm is not None]
        return START_ARC_MM + float(np.median(r)) if r else None

    @property
    def front_hidden(self) -> bool:
        """Hair from the meridians' start (the brows' height) on the midline: a fringe over the forehead hides
        the front edge, whose recession cannot be seen."""
        mid = [m for m in self.meridians if abs(m.offset_mm) <= MIDLINE_BAND * self.half_width_mm]
        return bool(mid) and all(m.front_arc_mm is not None and m.front_arc_mm <= HIDDEN_WITHIN_MM for m in mid)

    @property
    def midline_mm(self) -> float | None:
        """Recession at the centre of the front (median over the central meridians), mm."""
        r = [m.recession_mm for m in self.meridians
             if abs(m.offset_mm) <= MIDLINE_BAND * self.half_width_mm and m.recession_mm is not None]
        return float(np.median(r)) if r else None


def _front(hair: np.ndarray, hold: int) -> int | None:
    """First index from which ``hair`` holds for ``hold`` samples, or to the end of what is seen when that is at
    least half of it (hair beginning just before the head turns away from the camera)."""
    n = len(hair)
    for i in range(n):
        run = hair[i:i + hold]
        if run.all() and (len(run) == hold or len(run) >= max(1, hold // 2)):
            return i
    return None


def reference_controls(head: HeadModel, half_canthi_mm: float, mfp_mm: float = MFP_DEFAULT_MM) -> np.ndarray:
    """The juvenile reference line's seven control points (MFP ``mfp_mm`` above the glabella along the
    surface), head coordinates (x, y), mm."""
    q = head.midline_point(mfp_mm)
    c = build_controls(half_canthi_mm, 0.0, 0.0)  # young: flat, frontotemporal points 8 mm up
    return np.stack([q[0] + c[:, 0], q[1] - c[:, 1]], axis=1)


def measure_hair_front(head: HeadModel, canthi_px: np.ndarray, hair_mask: np.ndarray,
                       head_mask: np.ndarray | None = None, cover: np.ndarray | None = None,
                       mfp_mm: float = MFP_DEFAULT_MM) -> HairFront:
    """The hair front on every meridian of the front (see the module's notes).

    Parameters
    ----------
    head : HeadModel
    canthi_px : array (2, 2) or (2, 3)
        Image-left and image-right lateral canthi, px (with the landmarker's relative depth when known).
    hair_mask : ndarray of bool, shape (H, W)
        The hair of the photo as taken (or only its dense part: the front where hair covers the skin).
    head_mask : ndarray of bool, shape (H, W), optional
        The head's outline: a meridian is seen only as far as it stays inside it (beyond, the photo shows
        background, not a bare scalp).
    cover : ndarray of float (H, W), optional
        Hair cover 0-1 by colour (:func:`smpstudio.design.hair_cover.hair_cover`): the share of skin showing
        through the hair is read over :data:`FRONT_BAND_MM` behind each front.
    mfp_mm : float
        The reference line's MFP, surface mm above the glabella (Garg's 80 mm by default).
    """
    c_img = np.asarray(canthi_px, dtype=np.float64).reshape(2, -1)
    if c_img.shape[1] == 2:
        c_img = np.concatenate([c_img, np.full((2, 1), head.origin_px[2])], axis=1)
    c_head = head.px_to_head(c_img[:, :3])
    half_canthi = 0.5 * abs(float(c_head[1, 0] - c_head[0, 0]))
    ref = reference_controls(head, half_canthi, mfp_mm)
    x_mid = float(ref[3, 0])
    ref_y = PchipInterpolator(ref[:, 0] - x_mid, ref[:, 1])
    half = float(ref[-1, 0] - x_mid)
    # the midline's depth by height, as the hairline's control points are placed (design.hairline)
    arcs = np.linspace(0.0, 220.0, 441)
    q_mid = head.midline_points(arcs)
    top = int(np.argmin(q_mid[:, 1]))
    ys_mid, zs_mid = q_mid[: top + 1, 1][::-1], q_mid[: top + 1, 2][::-1]
    rx, rz = float(head.radii_mm[0]), float(head.radii_mm[2])
    rot = np.asarray(head.rotation)
    h, w = hair_mask.shape
    win = max(1, int(round(0.75 * head.px_per_mm)))  # ~1.5 mm across
    hold = int(round(HOLD_MM / STEP_MM))
    y_start = float(head.midline_point(START_ARC_MM)[1])
    out = []
    reach = max(half, LATERAL_REACH * rx)
    for dx in np.linspace(-reach, reach, N_COLUMNS):
        u = min(abs(float(dx)) / rx, 0.99)
        # dense heights from the brows to the vault's top, then resampled every STEP_MM of surface
        ys = np.linspace(y_start, float(ys_mid[0]), 600)
        zs = np.interp(ys, ys_mid, zs_mid) + rz * (1.0 - np.sqrt(1.0 - u * u))
        pts = np.stack([np.full_like(ys, x_mid + dx), ys, zs], axis=1)
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
        a = np.arange(0.0, s[-1], STEP_MM)
        q = np.stack([np.interp(a, s, pts[:, k]) for k in range(3)], axis=1)
        px = head.head_to_px(q)
        g = (q - head.center_mm) / head.radii_mm**2
        facing = (g @ rot[2]) < 0
        below_vault = q[:, 1] > head.center_mm[1] - 0.9 * head.radii_mm[1]
        inside = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h) & (facing | below_vault)
        if head_mask is not None:
            ij = np.clip(np.round(px).astype(int), 0, [w - 1, h - 1])
            inside &= head_mask[ij[:, 1], ij[:, 0]]
        last = int(np.flatnonzero(~inside)[0]) if (~inside).any() else len(a)
        a, px = a[:last], px[:last]
        y_ref = float(ref_y(np.clip(dx, -half, half)))  # beyond the temporal points: held at their height
        a_ref = float(np.interp(-y_ref, -ys, s))  # ys decrease upwards
        p_ref = head.head_to_px(np.array([[x_mid + dx, y_ref, float(np.interp(-y_ref, -ys, zs))]]))[0]
        hair = np.zeros(len(a), bool)
        for i, (x, y) in enumerate(np.round(px).astype(int)):
            hair[i] = hair_mask[max(0, y - win):y + win + 1, max(0, x - win):x + win + 1].mean() > 0.5
        i0 = _front(hair, hold)
        seen = float(a[-1]) if len(a) else 0.0
        skin = None
        if cover is not None and i0 is not None:
            band = np.round(px[i0:i0 + int(round(FRONT_BAND_MM / STEP_MM))]).astype(int)
            v = cover[band[:, 1], band[:, 0]]
            v = v[np.isfinite(v)]
            skin = float(1.0 - v.mean()) if v.size else None
        out.append(Meridian(float(dx), a_ref, None if i0 is None else float(a[i0]), seen,
                            None if i0 is None else (float(px[i0, 0]), float(px[i0, 1])),
                            (float(p_ref[0]), float(p_ref[1])),
                            tuple((float(x), float(y)) for x, y in px[::4]), skin))
    return HairFront(tuple(out), half, float(mfp_mm))
