"""The scalp ellipsoid fitted to the head's outline on the photo, so the model (and every dot on it) lies on
the head the photo shows.

The head model (:class:`smpstudio.analysis.headmodel.HeadModel`) places the vault from the forehead's
landmarks and a default sagittal radius; on a real head the vault's top and sides can sit several mm inside
or outside it. Under the photo's scaled-orthographic camera an ellipsoid's outline is an ellipse,
``(u - u_c)^T (s^2 P D^2 P^T)^-1 (u - u_c) = 1`` (``P`` the camera's first two rows, ``D`` the semi-axes,
``u_c`` the projected centre; [1]), so the centre and the lateral and vertical semi-axes are fitted by least
squares to the head mask's outline above the temples, with the forehead's top landmark kept on the surface.

Hair: the outline is the hair's, not the skull's. Outline points farther than
:data:`smpstudio.scalp.outline.HAIR_REACH_MM` outside the model are hair volume and are left out (long hair
says nothing of the skull); close-cropped hair is allowed :data:`smpstudio.scalp.outline.HAIR_ALLOWANCE_MM`
above the scalp. The scalp step fits its skull outline to the same points (:mod:`smpstudio.scalp.outline`).

References
----------
.. [1] Hartley, R., Zisserman, A. "Multiple View Geometry in Computer Vision", 2nd ed., 2004, §8.3 (the
   outline of a quadric under an affine camera).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from smpstudio.head3d.surface import HALF_BREADTH_RANGE_MM, HeadSurface
from smpstudio.scalp.outline import HAIR_ALLOWANCE_MM, HAIR_REACH_MM, MIN_OUTLINE_POINTS, outline_points

VERTICAL_RANGE_MM = (78.0, 100.0)  # [derived] half the head height above the ears (Farkas 1994)


def _radial_mm(surface_c: np.ndarray, radii: np.ndarray, camera: object, pts_px: np.ndarray) -> np.ndarray:
    """Signed distance (mm at the head, + outside) of image points from the ellipsoid's projected outline."""
    s = float(camera.px_per_mm)  # type: ignore[attr-defined]
    P = np.asarray(camera.rotation)[:2]  # type: ignore[attr-defined]
    M = P @ np.diag(radii**2) @ P.T  # outline ellipse (mm²)
    uc = np.asarray(camera.project(surface_c[None]))[0]  # type: ignore[attr-defined]
    d = (pts_px - uc) / s
    q = np.einsum("ni,ij,nj->n", d, np.linalg.inv(M), d)
    r = np.linalg.norm(d, axis=1)
    return np.asarray(r * (1.0 - 1.0 / np.sqrt(np.maximum(q, 1e-12))))


def fit_to_outline(surface: HeadSurface, camera: object, head_mask: np.ndarray, above_y_px: float,
                   keep_mm: np.ndarray) -> tuple[HeadSurface, str]:
    """The surface with its centre and lateral / vertical semi-axes fitted to the head's outline.

    Parameters
    ----------
    surface : HeadSurface
        The starting model (the head model's, :meth:`HeadSurface.fit`).
    camera : smpstudio.head3d.views.Camera
        The photo's camera.
    head_mask : (H, W) bool array
        The head's silhouette on the photo as taken.
    above_y_px : float
        Only the outline above this row (the temples) is the scalp's.
    keep_mm : (3,) array
        A head point that stays on the surface (the forehead's top landmark).

    Returns
    -------
    surface, note : HeadSurface, str
        The fitted surface (or the input, when the outline is too short) and what was done, in words.
    """
    pts = outline_points(head_mask, above_y_px)
    if len(pts) < MIN_OUTLINE_POINTS:
        return surface, "outline not used (too little of it above the temples)"
    c0, r0 = surface.center_mm.astype(np.float64), surface.radii_mm.astype(np.float64)
    d0 = _radial_mm(c0, r0, camera, pts)
    use = d0 < HAIR_REACH_MM  # farther out is hair volume
    if use.sum() < MIN_OUTLINE_POINTS:
        return surface, "outline not used (hair volume all round)"
    pts = pts[use]
    keep = np.asarray(keep_mm, dtype=np.float64)

    def unpack(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return c0 + np.array([v[0], v[1], v[2]]), np.array([v[3], v[4], r0[2]])

    def residuals(v: np.ndarray) -> np.ndarray:
        c, r = unpack(v)
        out = _radial_mm(c, r, camera, pts) - HAIR_ALLOWANCE_MM
        on = (np.linalg.norm((keep - c) / r) - 1.0) * float(np.mean(r))
        prior = 0.05 * (v - np.concatenate([[0.0, 0.0, 0.0], r0[:2]]))
        return np.concatenate([out / np.sqrt(len(pts)), [10.0 * on], prior])

    lo = [-15.0, -15.0, -15.0, HALF_BREADTH_RANGE_MM[0], VERTICAL_RANGE_MM[0]]
    hi = [15.0, 15.0, 15.0, HALF_BREADTH_RANGE_MM[1], VERTICAL_RANGE_MM[1]]
    x0 = np.clip(np.array([0.0, 0.0, 0.0, r0[0], r0[1]]), lo, hi)
    fit = least_squares(residuals, x0, bounds=(lo, hi))
    c, r = unpack(fit.x)
    rms = float(np.sqrt(np.mean((_radial_mm(c, r, camera, pts) - HAIR_ALLOWANCE_MM) ** 2)))
    note = (f"fitted to the head's outline above the temples ({len(pts)} points, RMS {rms:.1f} mm; "
            f"semi-axes {r[0]:.0f} x {r[1]:.0f} mm)")
    sources = dict(surface.sources, outline=note)
    return HeadSurface(c, r, surface.front_theta_deg, surface.boundary_deg, sources), note
