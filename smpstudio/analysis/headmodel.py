"""A head model over the forehead and scalp, to measure on the head instead of on the image.

The face mesh stops at the upper forehead (landmark 10). Hairline distances are measured along the
head's surface (domain.md §3: Garg et al. build the forehead's curvature into the method), and a
frontal photo foreshortens the forehead as it slopes back. The model here:

* the forehead's midline profile is the measured 3-D polyline glabella (9) -> 151 -> 10, in head
  coordinates (the landmarks rotated by the inverse head pose, in mm);
* above landmark 10 the profile continues as a circle of radius ``scalp_radius_mm`` tangent to the
  forehead there (sagittal curvature of the vault);
* across the head, the scalp is the ellipsoid with that circle as its sagittal section and a lateral
  semi-axis from the face's width at the temples.

From it: the image position of a point at a given surface distance above the glabella, the surface
distance ("arc") of any visible scalp pixel from the glabella, and the foreshortening (image area per
surface area) of each pixel. Projection is orthographic at the photo's scale, the weak-perspective
model of the landmarker itself.

References
----------
.. [1] Garg, A. K., Garg, S. "Complications of hair transplant procedures - causes and management."
   / Garg et al., J Cutan Aesthet Surg 2017 (431 cases; MFP 8 cm above the glabella).
.. [2] Farkas, L. G. "Anthropometry of the Head and Face", 2nd ed., Raven Press, 1994 (head breadth
   and length, used for the defaults).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smpstudio.analysis.landmarks import (
    IDX_FOREHEAD_MID,
    IDX_FOREHEAD_TOP,
    IDX_GLABELLA,
    IDX_LEFT_TEMPLE,
    IDX_RIGHT_TEMPLE,
)

MIN_FORESHORTENING = 0.2  # grazing pixels count at most 5x their image area (model choice: the ellipsoid's rim)
SCALP_RADIUS_MM = 90.0  # [derived] half the glabella-opisthocranion length (~180-195 mm, Farkas 1994)
MIN_HALF_BREADTH_MM = 65.0  # [derived] half the head breadth, ~140-155 mm (Farkas 1994)


@dataclass(frozen=True)
class HeadModel:
    """Head geometry in head coordinates (mm; x right, y down, z away from the camera).

    Attributes
    ----------
    origin_px : ndarray, shape (3,)
        Image-space (px) position of head-coordinate origin.
    rotation : ndarray, shape (3, 3)
        Head -> image rotation.
    px_per_mm : float
    profile_mm : ndarray, shape (3, 3)
        Glabella, mid-forehead and forehead-top points (head coordinates, mm).
    center_mm : ndarray, shape (3,)
        Centre of the scalp ellipsoid.
    radii_mm : ndarray, shape (3,)
        Semi-axes (lateral, vertical, depth) of the scalp ellipsoid.
    """

    origin_px: np.ndarray
    rotation: np.ndarray
    px_per_mm: float
    profile_mm: np.ndarray
    center_mm: np.ndarray
    radii_mm: np.ndarray

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        landmarks_3d: np.ndarray,
        rotation: np.ndarray,
        px_per_mm: float,
        scalp_radius_mm: float = SCALP_RADIUS_MM,
    ) -> HeadModel:
        """Fit the model to 478 landmarks (px, with relative depth) and the head rotation.

        Examples
        --------
        >>> pts = np.zeros((478, 3)); pts[9] = (0, -30, -10); pts[151] = (0, -40, -8)
        >>> pts[10] = (0, -50, -5); pts[127] = (-70, -20, 40); pts[356] = (70, -20, 40)
        >>> m = HeadModel.fit(pts, np.eye(3), 1.0)
        >>> round(m.arc_of_profile_point(2), 1)  # glabella -> landmark 10 along the forehead, mm
        20.6
        """
        pts = np.asarray(landmarks_3d, dtype=np.float64)
        origin = pts.mean(axis=0)
        rot = np.asarray(rotation, dtype=np.float64)
        head = (pts - origin) @ rot / px_per_mm  # rows: R^T (p - o), in mm
        profile = head[[IDX_GLABELLA, IDX_FOREHEAD_MID, IDX_FOREHEAD_TOP]]
        # tangent of the forehead at its top (upwards: y decreasing), in the sagittal (y, z) plane
        t = profile[2, 1:] - profile[1, 1:]
        t = t / max(np.linalg.norm(t), 1e-9)
        n = np.array([t[1], -t[0]])  # normal pointing into the head (z increasing)
        if n[1] < 0:
            n = -n
        c_yz = profile[2, 1:] + scalp_radius_mm * n
        half_breadth = 0.5 * abs(head[IDX_RIGHT_TEMPLE, 0] - head[IDX_LEFT_TEMPLE, 0]) * 1.1
        center = np.array([profile[:, 0].mean(), c_yz[0], c_yz[1]])
        radii = np.array([max(half_breadth, MIN_HALF_BREADTH_MM), scalp_radius_mm, scalp_radius_mm])
        return cls(origin, rot, float(px_per_mm), profile, center, radii)

    # ---- coordinates --------------------------------------------------------------------------
    def head_to_px(self, q_mm: np.ndarray) -> np.ndarray:
        """Head coordinates (N, 3) mm -> image (N, 2) px (orthographic)."""
        q = np.asarray(q_mm, dtype=np.float64).reshape(-1, 3)
        return (q * self.px_per_mm @ self.rotation.T + self.origin_px)[:, :2]

    def px_to_head(self, p_px: np.ndarray) -> np.ndarray:
        """Image points (N, 3) px with relative depth -> head coordinates (N, 3) mm; inverse of
        :meth:`head_to_px` with depth."""
        p = np.asarray(p_px, dtype=np.float64).reshape(-1, 3)
        return (p - self.origin_px) @ self.rotation / self.px_per_mm

    def _phi(self, q_mm: np.ndarray) -> np.ndarray:
        u = np.asarray(q_mm, dtype=np.float64).reshape(-1, 3)[:, 1:] - self.center_mm[1:]
        return np.arctan2(-u[:, 0], -u[:, 1])

    def arc_of_profile_point(self, i: int) -> float:
        """Surface distance (mm) from the glabella to profile point ``i`` along the forehead."""
        seg = np.linalg.norm(np.diff(self.profile_mm, axis=0), axis=1)
        return float(np.concatenate([[0.0], np.cumsum(seg)])[i])

    def midline_points(self, arcs_mm: np.ndarray) -> np.ndarray:
        """:meth:`midline_point` of each of ``arcs_mm`` (N,) at once: (N, 3) head coordinates."""
        a = np.asarray(arcs_mm, dtype=np.float64).reshape(-1)
        seg = np.linalg.norm(np.diff(self.profile_mm, axis=0), axis=1)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        i = np.clip(np.searchsorted(cum, a) - 1, 0, len(seg) - 1)
        f = (a - cum[i]) / np.maximum(seg[i], 1e-9)
        on_profile = self.profile_mm[i] + f[:, None] * (self.profile_mm[i + 1] - self.profile_mm[i])
        r = self.radii_mm[1]
        phi = float(self._phi(self.profile_mm[2])[0]) + (a - cum[-1]) / r
        vault = np.stack([np.full_like(a, self.profile_mm[2, 0]), self.center_mm[1] - r * np.sin(phi),
                          self.center_mm[2] - r * np.cos(phi)], axis=1)
        return np.where((a <= cum[-1])[:, None], on_profile, vault)

    def midline_point(self, arc_mm: float) -> np.ndarray:
        """Head-coordinate point on the midline at surface distance ``arc_mm`` above the glabella."""
        seg = np.linalg.norm(np.diff(self.profile_mm, axis=0), axis=1)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        if arc_mm <= cum[-1]:
            i = int(np.clip(np.searchsorted(cum, arc_mm) - 1, 0, len(seg) - 1))
            f = (arc_mm - cum[i]) / max(seg[i], 1e-9)
            return self.profile_mm[i] + f * (self.profile_mm[i + 1] - self.profile_mm[i])
        r = self.radii_mm[1]
        phi = float(self._phi(self.profile_mm[2])[0]) + (arc_mm - cum[-1]) / r
        y = self.center_mm[1] - r * math.sin(phi)
        z = self.center_mm[2] - r * math.cos(phi)
        return np.array([self.profile_mm[2, 0], y, z])

    def surface_arc_mm(self, q_mm: np.ndarray) -> np.ndarray:
        """Sagittal surface distance (mm) from the glabella of scalp points (N, 3), above landmark 10."""
        top_arc = self.arc_of_profile_point(2)
        phi_top = float(self._phi(self.profile_mm[2])[0])
        return top_arc + self.radii_mm[1] * (self._phi(q_mm) - phi_top)

    def surface_at_px(self, xy_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Front surface point (head coordinates, mm) under each pixel and its foreshortening.

        Returns
        -------
        q_mm : ndarray, shape (N, 3)
            NaN where the pixel is outside the head's silhouette.
        foreshortening : ndarray, shape (N,)
            Image area per surface area (|n_z|), 0 outside the silhouette.
        """
        xy = np.asarray(xy_px, dtype=np.float64).reshape(-1, 2)
        r = self.rotation
        s = self.px_per_mm
        # q(t) = q0 + t * d with d the camera ray direction in head coordinates
        p0 = np.concatenate([xy - self.origin_px[:2], np.zeros((len(xy), 1)) - self.origin_px[2]], axis=1) / s
        q0 = p0 @ r  # R^T p
        d = r[2, :]  # R^T e_z
        inv = 1.0 / self.radii_mm**2
        a = float(np.sum(d * d * inv))
        u = q0 - self.center_mm
        b = 2.0 * np.sum(u * d * inv, axis=1)
        c = np.sum(u * u * inv, axis=1) - 1.0
        disc = b * b - 4 * a * c
        inside = disc >= 0
        t = (-b - np.sqrt(np.where(inside, disc, 0.0))) / (2 * a)  # nearest the camera
        q = q0 + t[:, None] * d
        grad = (q - self.center_mm) * inv
        fs = np.abs(grad @ d) / np.maximum(np.linalg.norm(grad, axis=1), 1e-12)
        q[~inside] = np.nan
        return q, np.where(inside, fs, 0.0)

    def surface_maps(self, width: int, height: int, step: int = 4) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel sagittal arc from the glabella (mm, NaN off the head) and foreshortening, float32.

        Computed on a grid every ``step`` px and interpolated bilinearly.
        """
        import cv2

        gx = np.arange(0, width + step, step, dtype=np.float64)
        gy = np.arange(0, height + step, step, dtype=np.float64)
        xx, yy = np.meshgrid(gx + 0.5, gy + 0.5)
        q, fs = self.surface_at_px(np.stack([xx.ravel(), yy.ravel()], axis=1))
        arc = self.surface_arc_mm(q).reshape(xx.shape)
        fs = fs.reshape(xx.shape)
        arc_f = np.nan_to_num(arc, nan=-1e4).astype(np.float32)
        big_arc = cv2.resize(arc_f, (len(gx) * step, len(gy) * step), interpolation=cv2.INTER_LINEAR)
        big_fs = cv2.resize(fs.astype(np.float32), (len(gx) * step, len(gy) * step), interpolation=cv2.INTER_LINEAR)
        off = step // 2
        big_arc = big_arc[off : off + height, off : off + width]
        big_fs = big_fs[off : off + height, off : off + width]
        big_arc = np.where(big_arc < -1e3, np.nan, big_arc).astype(np.float32)
        return big_arc, np.clip(big_fs, 0.0, 1.0).astype(np.float32)
