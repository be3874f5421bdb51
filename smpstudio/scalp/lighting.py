"""The scene's light on the client's skin, fitted to the client's own face.

The face mesh (the landmarker's 468 points in 3-D) gives a surface normal at every face pixel; the
photo gives the skin's colour there. A low-order spherical-harmonic (SH) irradiance model,
``I_c(n) = sum_k L_ck Y_k(n)`` per channel (order 1: 4 coefficients, order 2: 9), is fitted by robust
least squares to the face's skin in linear light [1]_. The albedo enters the coefficients; the
forehead's own albedo (the skin nearest the scalp) rescales them per channel, and the forehead's sheen
is a specular lobe about the half vector of the fitted light direction and the camera. The scalp is then
shaded with the same light at the head model's normals.

Normals are in image axes: x right, y down, z away from the camera, so a surface facing the camera has
``n_z < 0`` (the head model's and MediaPipe's convention).

References
----------
.. [1] Ramamoorthi, R., Hanrahan, P. "An efficient representation for irradiance environment maps."
   SIGGRAPH 2001, 497-500 (9 SH coefficients capture Lambertian irradiance to ~1 %).
.. [2] Blinn, J. F. "Models of light reflection for computer synthesized pictures." SIGGRAPH 1977
   (the half-vector specular lobe used for the sheen).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from smpstudio.analysis.types import Analysis

SH_ORDER = 2  # order of the irradiance model (1: ambient + directional; 2: also its quadratic terms)
SH2_RIDGE = 0.05  # ridge weight on order-2 terms, relative to the data term: the face covers few normals
AMBIENT_FLOOR = 0.6  # surfaces facing away from the key light get at least this share of the face's median
# colour (calibration choice: soft indoor/studio portrait light; the scalp's normals lie beyond the face's)
MAX_ALBEDO_RATIO = 1.25  # the forehead's albedo differs from the face's by at most this factor
SHEEN_EXPONENT = 24.0  # Blinn-Phong exponent of the skin's sheen (calibration choice: a broad highlight)
MESH_POINTS = 468  # the face mesh without the iris points
MAX_FIT_PIXELS = 6000  # skin pixels the fit reads (every k-th)
VIEW_DIR = np.array([0.0, 0.0, -1.0])  # toward the camera


def sh_basis(n: np.ndarray, order: int = SH_ORDER) -> np.ndarray:
    """Real SH basis (unnormalised constants folded into the coefficients) at unit normals (N, 3).

    Examples
    --------
    >>> sh_basis(np.array([[0.0, 0.0, -1.0]]), order=1).tolist()
    [[1.0, 0.0, 0.0, -1.0]]
    """
    x, y, z = n[:, 0], n[:, 1], n[:, 2]
    cols = [np.ones_like(x), x, y, z]
    if order >= 2:
        cols += [x * y, x * z, y * z, x * x - y * y, 3 * z * z - 1]
    return np.stack(cols, axis=1)


def mesh_normals(analysis: Analysis) -> tuple[Delaunay, np.ndarray]:
    """Per-vertex unit normals of the face mesh (area-weighted over a Delaunay triangulation of the image
    points, oriented toward the camera) and the triangulation itself."""
    p3 = np.asarray(analysis.landmarks_3d[:MESH_POINTS], np.float64)
    tri = Delaunay(p3[:, :2])
    a, b, c = (p3[tri.simplices[:, i]] for i in range(3))
    fn = np.cross(b - a, c - a)
    fn[fn[:, 2] > 0] *= -1  # every visible triangle faces the camera (n_z < 0)
    vn = np.zeros_like(p3)
    for i in range(3):
        np.add.at(vn, tri.simplices[:, i], fn)
    vn /= np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-12)
    return tri, vn


def _simplex_at(tri: Delaunay, xy: np.ndarray) -> np.ndarray:
    """Index of the triangle under each point (-1 outside): the triangles rasterised into an index image
    (qhull's walk is slow on the mesh's slivers)."""
    x0, y0 = np.floor(tri.points.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(tri.points.max(axis=0)).astype(int) + 2
    ids = np.full((y1 - y0, x1 - x0), -1, np.int32)
    for i, simplex in enumerate(tri.simplices):
        cv2.fillConvexPoly(ids, np.round(tri.points[simplex] - (x0, y0)).astype(np.int32), int(i))
    cx = np.clip(np.floor(xy[:, 0]).astype(int) - x0, 0, x1 - x0 - 1)
    cy = np.clip(np.floor(xy[:, 1]).astype(int) - y0, 0, y1 - y0 - 1)
    return ids[cy, cx]


def face_normals_at(analysis: Analysis, xy_px: np.ndarray) -> np.ndarray:
    """Unit normals (N, 3) of the face mesh at pixel positions, interpolated linearly (NaN off the mesh)."""
    tri, vn = mesh_normals(analysis)
    xy = np.asarray(xy_px, np.float64)
    s = _simplex_at(tri, xy)
    corners = tri.points[tri.simplices[np.maximum(s, 0)]]  # (N, 3, 2)
    e1, e2, d = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0], xy - corners[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    u = (d[:, 0] * e2[:, 1] - d[:, 1] * e2[:, 0]) / det
    v = (e1[:, 0] * d[:, 1] - e1[:, 1] * d[:, 0]) / det
    bary = np.stack([1.0 - u - v, u, v], axis=1)  # barycentric coordinates in the triangle
    n = np.einsum("ni,nic->nc", bary, vn[tri.simplices[np.maximum(s, 0)]])
    n[s < 0] = np.nan
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    return n


@dataclass(frozen=True)
class Lighting:
    """SH irradiance x albedo of the forehead skin, linear RGB, and its sheen.

    Attributes
    ----------
    coeffs : ndarray, shape (K, 3)
        SH coefficients per channel (albedo of the forehead included).
    order : int
    sheen : float
        Linear-light amplitude of the specular lobe (0: matte).
    light_dir : ndarray, shape (3,)
        Dominant light direction (unit, toward the light) from the order-1 terms.
    residual : float
        Relative robust residual of the fit on the face's skin (0.1 = 10 %).
    """

    coeffs: np.ndarray
    order: int
    sheen: float
    light_dir: np.ndarray
    residual: float
    ceiling: np.ndarray | None = None  # brightest diffuse colour seen on the face (extrapolation cap)
    floor: np.ndarray | None = None  # the ambient share of the face's median colour (extrapolation floor)
    sheen_cap: float = 0.0  # the forehead's strongest highlight above the diffuse fit (linear)

    def diffuse(self, n: np.ndarray) -> np.ndarray:
        """Linear RGB (N, 3) of forehead-albedo skin at unit normals ``n`` (N, 3), without sheen."""
        out = sh_basis(n, self.order) @ self.coeffs
        if self.floor is not None:
            out = np.maximum(out, self.floor[None, :])
        return out if self.ceiling is None else np.minimum(out, self.ceiling[None, :])

    def specular(self, n: np.ndarray) -> np.ndarray:
        """Sheen lobe (N,) at unit normals, in [0, 1] before scaling by ``sheen``."""
        h = self.light_dir + VIEW_DIR
        h = h / max(float(np.linalg.norm(h)), 1e-9)
        return np.clip(n @ h, 0.0, None) ** SHEEN_EXPONENT

    def shade(self, n: np.ndarray) -> np.ndarray:
        """Linear RGB (N, 3): diffuse plus the forehead's sheen (white), never brighter than the forehead's own
        highlight."""
        return self.diffuse(n) + np.minimum(self.sheen * self.specular(n), self.sheen_cap)[:, None]


def fit_lighting(lin_samples: np.ndarray, normals: np.ndarray, forehead: np.ndarray, *,
                 order: int = SH_ORDER) -> Lighting:
    """Fit :class:`Lighting` to skin samples.

    Parameters
    ----------
    lin_samples : ndarray, shape (N, 3)
        Linear-light colours of skin pixels of the face.
    normals : ndarray, shape (N, 3)
        The face mesh's unit normals there.
    forehead : ndarray of bool, shape (N,)
        Which samples lie on the forehead (their albedo and sheen are the scalp's).
    order : int
        1 or 2.

    Returns
    -------
    Lighting
        Fitted by iteratively trimmed least squares (samples beyond 2 robust sigmas of the luminance
        residual are left out: eyebrows, freckles, shadows of the nose and highlights do not pull the light).
    """
    ok = np.isfinite(normals).all(axis=1)
    x, n, fore = lin_samples[ok].astype(np.float64), normals[ok], forehead[ok]
    basis = sh_basis(n, order)
    k = basis.shape[1]
    ridge = np.zeros(k)
    ridge[4:] = SH2_RIDGE * len(x)
    lum = x.mean(axis=1)
    lo, hi = np.percentile(lum, [20, 97])
    w = ((lum >= lo) & (lum <= hi)).astype(np.float64)  # start without shadows (brows, nostrils) and glints
    coeffs = np.zeros((k, 3))
    for _ in range(5):
        bw = basis * w[:, None]
        coeffs = np.linalg.solve(bw.T @ basis + np.diag(ridge), bw.T @ x)
        pred = np.maximum(basis @ coeffs, 1e-4)
        r = (x / pred - 1.0).mean(axis=1)
        s = max(1.4826 * float(np.median(np.abs(r[w > 0]))), 1e-3)
        w = (np.abs(r) < 2.0 * s).astype(np.float64)  # trimmed least squares
    pred = np.maximum(basis @ coeffs, 1e-4)
    ratio = x / pred
    residual = 1.4826 * float(np.median(np.abs(ratio.mean(axis=1) - 1.0)))
    # the forehead's albedo: its median colour relative to the fit (highlights excluded: they are the sheen)
    lum_r = ratio.mean(axis=1)
    matte = fore & (lum_r < 1.0 + 2.0 * residual)
    albedo = np.median(ratio[matte], axis=0) if matte.sum() >= 20 else np.ones(3)
    # relative to the face's skin as a whole: a forehead in a fringe's shadow is no measure of the albedo
    albedo = np.clip(albedo / np.median(ratio[w > 0.5], axis=0), 1.0 / MAX_ALBEDO_RATIO, MAX_ALBEDO_RATIO)
    coeffs = coeffs * albedo[None, :]
    d = coeffs[1:4].mean(axis=1)
    light_dir = d / max(float(np.linalg.norm(d)), 1e-9) if np.linalg.norm(d) > 1e-9 else VIEW_DIR.copy()
    # the diffuse fit is extrapolated to the scalp's normals, which the face does not have: it is capped at
    # the brightest matte skin seen on the face
    ceiling = np.percentile(x[w > 0.5], 98, axis=0) if (w > 0.5).sum() >= 20 else None
    floor = AMBIENT_FLOOR * np.median(x[w > 0.5], axis=0) * albedo if (w > 0.5).sum() >= 20 else None
    lit = Lighting(coeffs, order, 0.0, light_dir, residual, ceiling, floor)
    sheen, cap = 0.0, 0.0
    if fore.sum() >= 20:
        spec = lit.specular(n[fore])
        extra = (x[fore] - lit.diffuse(n[fore])).mean(axis=1)
        if float(spec @ spec) > 1e-9:
            sheen = max(0.0, float(spec @ extra) / float(spec @ spec))
        cap = max(0.0, float(np.percentile(extra, 98)))
    return Lighting(coeffs, order, sheen, light_dir, residual, ceiling, floor, cap)
