"""The whole hair-bearing scalp of one client as a surface in 3-D (mm).

The surface is the scalp ellipsoid of the analysis' head model (:class:`smpstudio.analysis.headmodel.
HeadModel`: centre and sagittal radius fitted tangent to the forehead at landmark 10), with its lateral
semi-axis taken from the head's silhouette (the ``head`` mask's width at the temples) when the photo shows
it, and extended over the vault, crown, sides and back. The hair-bearing part is the cap above a lower
boundary: the designed frontal hairline in front (the mid-frontal point at its surface height above the
glabella) and the anthropometric hairline over the temples, above the ears and at the nape behind.

Coordinates are the head model's (mm; x to image right, y down, z away from the camera: the face looks
toward -z). A surface point is named by its polar angle ``theta`` from the head's "up" (-y) and its
azimuth ``alpha`` around it (0 = front midline, +90 = image right side, 180 = back), both in degrees:

``P = C + R * (sin(theta) sin(alpha), -cos(theta), -sin(theta) cos(alpha))``

Areas are integrated on a fine (theta, alpha) grid with the exact area element ``|P_theta x P_alpha|``.

References
----------
.. [1] Farkas, L. G. "Anthropometry of the Head and Face", 2nd ed., Raven Press, 1994 (head breadth
   eu-eu ~143-151 mm, head length g-op ~187-196 mm, women-men means).
.. [2] Bernstein, R. M., Rassman, W. R. "The aesthetics of follicular transplantation." Dermatol Surg
   23(9):785-799, 1997 (hair-bearing scalp ~500 cm²; domain.md §4, §9: 516 cm², 492 +- 31 cm²).
.. [3] Garg, A. K., Garg, S. J Cutan Aesthet Surg 2017 (MFP 8 cm above the glabella; domain.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: [1] semi-axes (lateral, vertical, depth) of the average head, mm: half of breadth ~148 and length ~190
#: (men-women means); the vertical one is the head model's sagittal radius (SCALP_RADIUS_MM, 90 mm)
AVERAGE_RADII_MM = (74.0, 90.0, 95.0)
#: half head breadth the silhouette may give, mm ([1]: eu-eu 130-170 mm covers >99 % of adults)
HALF_BREADTH_RANGE_MM = (65.0, 85.0)
#: polar angle (deg from the head's up) of the mid-frontal point on the average head: MFP 80 mm above
#: the glabella along the surface ([3], domain.md §3) lands here on the head model [derived]
AVERAGE_FRONT_THETA_DEG = 50.0
#: lower boundary of the hair-bearing scalp, polar angle (deg) by azimuth (deg) behind the frontal hairline:
#: frontotemporal point (12 deg below the MFP's), then, fixed on the head whatever the designed front: sideburn
#: in front of the ear, over the ear, mastoid, nape. [calibration] read from Norwood's drawings (1975) and
#: set so the average head's cap is ~500 cm² ([2])
FRONTOTEMPORAL_DROP_DEG = (50.0, 12.0)
BOUNDARY_ANCHORS_DEG = ((75.0, 104.0), (95.0, 93.0), (130.0, 116.0), (180.0, 122.0))
GRID_DEG = 0.25  # integration grid: 0.25 deg cells (~0.4 mm on the vault)


@dataclass(frozen=True)
class SurfaceGrid:
    """The surface sampled at cell centres: points (mm), cell areas (cm²), angles (deg), inside mask."""

    theta_deg: np.ndarray  # (T,)
    alpha_deg: np.ndarray  # (A,)
    points_mm: np.ndarray  # (T, A, 3)
    area_cm2: np.ndarray  # (T, A)
    inside: np.ndarray  # (T, A) bool: hair-bearing scalp
    normals: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 3)))

    def total_cm2(self, mask: np.ndarray | None = None) -> float:
        """Surface area (cm²) of the cells in ``mask`` (default: the hair-bearing scalp)."""
        m = self.inside if mask is None else mask
        return float(self.area_cm2[m].sum())


@dataclass(frozen=True)
class HeadSurface:
    """An ellipsoidal scalp and the lower boundary of its hair-bearing part.

    Parameters
    ----------
    center_mm : (3,) array
        Ellipsoid centre in head coordinates (mm).
    radii_mm : (3,) array
        Semi-axes along x (lateral), y (vertical), z (depth), mm.
    front_theta_deg : float
        Polar angle of the frontal hairline at the midline (deg).
    boundary_deg : tuple of (alpha, theta offset) pairs
        The boundary behind the temples: (azimuth, polar angle) pairs, deg.
    sources : dict
        Which figure came from the photo and which is an anthropometric default.

    Examples
    --------
    >>> s = HeadSurface.average()
    >>> 450 < s.grid(1.0).total_cm2() < 560  # hair-bearing scalp, cm² (domain.md §4: ~500)
    True
    """

    center_mm: np.ndarray
    radii_mm: np.ndarray
    front_theta_deg: float = AVERAGE_FRONT_THETA_DEG
    boundary_deg: tuple[tuple[float, float], ...] = BOUNDARY_ANCHORS_DEG
    sources: dict[str, str] = field(default_factory=dict)

    # ---- construction ---------------------------------------------------------------------------------
    @classmethod
    def average(cls) -> HeadSurface:
        """The average adult head (anthropometric defaults, [1]) with an MFP 80 mm above the glabella.

        Examples
        --------
        >>> HeadSurface.average().radii_mm.tolist()
        [74.0, 90.0, 95.0]
        """
        return cls(np.zeros(3), np.array(AVERAGE_RADII_MM, dtype=np.float64),
                   sources={"radii": "average head (Farkas 1994)", "front": "MFP 80 mm (Garg 2017)"})

    @classmethod
    def fit(cls, head: object, *, mfp_height_mm: float, head_mask: np.ndarray | None = None,
            temple_y_px: float | None = None) -> HeadSurface:
        """Fit to the analysis' head model, the designed MFP height and the head's silhouette.

        Parameters
        ----------
        head : smpstudio.analysis.headmodel.HeadModel
            Centre and sagittal radius (fitted to the forehead's landmarks and the pose).
        mfp_height_mm : float
            The designed MFP's surface distance above the glabella (mm): the frontal hairline.
        head_mask : (H, W) bool array, optional
            The head's silhouette; its width at ``temple_y_px`` gives the lateral semi-axis.
        temple_y_px : float, optional
            Image row (px) of the temples.

        Examples
        --------
        >>> import numpy as np
        >>> from smpstudio.analysis.headmodel import HeadModel
        >>> pts = np.zeros((478, 3)); pts[9] = (0, -30, -10); pts[151] = (0, -40, -8)
        >>> pts[10] = (0, -50, -5); pts[127] = (-70, -20, 40); pts[356] = (70, -20, 40)
        >>> s = HeadSurface.fit(HeadModel.fit(pts, np.eye(3), 1.0), mfp_height_mm=80.0)
        >>> 20 < s.front_theta_deg < 70, s.sources["lateral"]
        (True, 'head model (face width at the temples)')
        """
        center = np.asarray(head.center_mm, dtype=np.float64).copy()  # type: ignore[attr-defined]
        radii = np.asarray(head.radii_mm, dtype=np.float64).copy()  # type: ignore[attr-defined]
        # the back of the head: the average head length ([1]); the centre moves back so the front stays put
        center[2] += AVERAGE_RADII_MM[2] - radii[2]
        radii[2] = AVERAGE_RADII_MM[2]
        sources = {"center": "head model (forehead landmarks, pose)",
                   "vertical": f"head model sagittal radius {radii[1]:.0f} mm (Farkas 1994 default)",
                   "depth": f"average head length {2 * radii[2]:.0f} mm (Farkas 1994), front on the forehead",
                   "lateral": "head model (face width at the temples)"}
        if head_mask is not None and temple_y_px is not None:
            row = int(np.clip(round(temple_y_px), 0, head_mask.shape[0] - 1))
            cols = np.flatnonzero(head_mask[row])
            if cols.size > 1:
                half = 0.5 * (cols[-1] - cols[0] + 1) / float(head.px_per_mm)  # type: ignore[attr-defined]
                if HALF_BREADTH_RANGE_MM[0] <= half <= HALF_BREADTH_RANGE_MM[1]:
                    radii[0] = half
                    sources["lateral"] = f"silhouette width at the temples ({2 * half:.0f} mm)"
        radii[0] = float(np.clip(radii[0], *HALF_BREADTH_RANGE_MM))
        q = np.asarray(head.midline_point(mfp_height_mm), dtype=np.float64)  # type: ignore[attr-defined]
        u = (q - center) / radii
        theta = float(np.degrees(np.arccos(np.clip(-u[1] / max(np.linalg.norm(u), 1e-9), -1, 1))))
        sources["front"] = f"designed MFP {mfp_height_mm:.0f} mm above the glabella"
        return cls(center, radii, front_theta_deg=float(np.clip(theta, 25.0, 75.0)), sources=sources)

    # ---- geometry -------------------------------------------------------------------------------------
    def boundary_theta_deg(self, alpha_deg: np.ndarray) -> np.ndarray:
        """Polar angle (deg) of the hair-bearing boundary at each azimuth (deg), symmetric left-right.

        Examples
        --------
        >>> s = HeadSurface.average()
        >>> s.boundary_theta_deg(np.array([0.0, 180.0])).tolist()
        [50.0, 122.0]
        """
        a = np.abs((np.asarray(alpha_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0)
        ft = FRONTOTEMPORAL_DROP_DEG
        xs = np.array([0.0, ft[0]] + [p[0] for p in self.boundary_deg])
        ys = np.array([self.front_theta_deg, self.front_theta_deg + ft[1]] + [p[1] for p in self.boundary_deg])
        # smooth between anchors: monotone-free cosine blend of the piecewise-linear profile
        i = np.clip(np.searchsorted(xs, a, side="right") - 1, 0, len(xs) - 2)
        f = (a - xs[i]) / (xs[i + 1] - xs[i])
        f = 0.5 - 0.5 * np.cos(np.pi * f)
        return ys[i] + f * (ys[i + 1] - ys[i])

    def point(self, theta_deg: np.ndarray, alpha_deg: np.ndarray) -> np.ndarray:
        """Surface points (..., 3) mm at polar angle and azimuth (deg, broadcast).

        Examples
        --------
        >>> HeadSurface.average().point(np.array(0.0), np.array(0.0)).round(1).tolist()
        [0.0, -90.0, 0.0]
        """
        t = np.radians(np.asarray(theta_deg, dtype=np.float64))
        a = np.radians(np.asarray(alpha_deg, dtype=np.float64))
        u = np.stack(np.broadcast_arrays(np.sin(t) * np.sin(a), -np.cos(t), -np.sin(t) * np.cos(a)), axis=-1)
        return self.center_mm + u * self.radii_mm

    def angles(self, p_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Polar angle and azimuth (deg) of points (..., 3) mm (radially projected on the surface).

        Examples
        --------
        >>> s = HeadSurface.average()
        >>> [float(v.round(3)) for v in s.angles(s.point(np.array(40.0), np.array(120.0)))]
        [40.0, 120.0]
        """
        u = (np.asarray(p_mm, dtype=np.float64) - self.center_mm) / self.radii_mm
        n = np.linalg.norm(u, axis=-1)
        theta = np.degrees(np.arccos(np.clip(-u[..., 1] / np.maximum(n, 1e-12), -1.0, 1.0)))
        alpha = np.degrees(np.arctan2(u[..., 0], -u[..., 2]))
        return theta, alpha

    def normal(self, p_mm: np.ndarray) -> np.ndarray:
        """Outward unit normals (..., 3) at surface points."""
        g = (np.asarray(p_mm, dtype=np.float64) - self.center_mm) / self.radii_mm**2
        return g / np.linalg.norm(g, axis=-1, keepdims=True)

    def grid(self, step_deg: float = GRID_DEG, theta_max_deg: float = 150.0) -> SurfaceGrid:
        """The surface on a (theta, alpha) grid of ``step_deg`` cells, with exact cell areas (cm²).

        The area element of the parametrisation is ``|P_theta x P_alpha| dtheta dalpha`` (mm²), evaluated
        at each cell centre (midpoint rule: error O(step²), < 0.01 % at the default step).

        Examples
        --------
        >>> g = HeadSurface(np.zeros(3), np.full(3, 100.0)).grid(0.5, theta_max_deg=180.0)
        >>> round(float(g.area_cm2.sum()) / (4 * np.pi * 100.0), 4)  # a sphere of 10 cm: 4 pi r² = 1256.6 cm²
        1.0
        """
        th = np.arange(step_deg / 2, theta_max_deg, step_deg)
        al = np.arange(-180.0 + step_deg / 2, 180.0, step_deg)
        t, a = np.meshgrid(np.radians(th), np.radians(al), indexing="ij")
        r = self.radii_mm
        d_t = np.stack([np.cos(t) * np.sin(a), np.sin(t), -np.cos(t) * np.cos(a)], axis=-1) * r
        d_a = np.stack([np.sin(t) * np.cos(a), np.zeros_like(t), np.sin(t) * np.sin(a)], axis=-1) * r
        da = np.linalg.norm(np.cross(d_t, d_a), axis=-1) * np.radians(step_deg) ** 2 / 100.0
        pts = self.point(np.degrees(t), np.degrees(a))
        inside = np.degrees(t) < self.boundary_theta_deg(np.degrees(a))
        return SurfaceGrid(th, al, pts, da, inside, self.normal(pts))

    def boundary_points(self, n: int = 720) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points (n, 3) mm along the hair-bearing boundary and their azimuths (deg)."""
        al = np.linspace(-180.0, 180.0, n, endpoint=False)
        return self.point(self.boundary_theta_deg(al), al), al
