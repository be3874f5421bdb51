"""Every view of the client: one camera per photo, registered to the 3-D scalp model, and the one surface
pattern projected into each.

A view's camera is scaled orthographic (weak perspective, the landmarker's own model, and the head model's
:meth:`smpstudio.analysis.headmodel.HeadModel.head_to_px`): ``px = s * (R @ X)[:2] + t`` for a head point ``X``
(mm), with ``R`` the head -> camera rotation (its third row, in head coordinates, is the direction the camera
looks), ``s`` px/mm and ``t`` px. A photo with a face gets its camera from the analysis (landmarks and pose);
a top, back or side photo is registered from the points the artist marks on it (:data:`REFERENCE_POINTS`,
at least three) and, when it shows one, a scale sticker of known size: the six unknowns (rotation, scale,
offset) are fitted by least squares to the marks, starting from the view's nominal orientation.

A dot is drawn in a view when its surface faces the camera (the scalp is convex, so facing is unoccluded);
the dots keep their rank, so the sessions stay nested in every view.

References
----------
.. [1] Hartley, R., Zisserman, A. "Multiple View Geometry in Computer Vision", 2nd ed., 2004, §6.3.4
   (affine and weak-perspective cameras).
.. [2] Farkas, L. G. "Anthropometry of the Head and Face", 1994 (the ears' position on the average head).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.spatial.transform import Rotation

from smpstudio.errors import SMPError
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.zones import FRONTOTEMPORAL_ALPHA_DEG, WHORL_THETA_DEG

#: nominal view -> (forward: the direction the camera looks, image "up"), head coordinates (x to the client's
#: left, y down, z back); the same as the diagrams' (smpstudio.head3d.diagram.VIEWS)
NOMINAL_VIEWS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "front": ((0.0, 0.0, 1.0), (0.0, -1.0, 0.0)),
    "top": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
    "left": ((-1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),
    "right": ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),
    "back": ((0.0, 0.0, -1.0), (0.0, -1.0, 0.0)),
}
#: the ear's top, where the helix meets the head: polar angle and azimuth (deg) on the model [assumption, [2]:
#: the ear's top about level with the brows, its centre on the coronal plane through the head's centre]
EAR_TOP_POLAR_DEG, EAR_AZIMUTH_DEG = 100.0, 95.0
REFERENCE_POINTS = ("mfp", "whorl", "ft_left", "ft_right", "sideburn_left", "sideburn_right", "ear_left", "ear_right",
                    "nape")
SIDEBURN_AZIMUTH_DEG = 75.0  # the sideburn's top on the lower boundary (smpstudio.head3d.surface anchors)
MAX_RESIDUAL_MM = 10.0  # marks that miss the fitted model by more (RMS) are refused: a wrong mark or photo
#: a fit that turns the head further than this from the view's nominal orientation is refused (three marks
#: always fit exactly; marks given to the wrong points show as an implausible turn)
MAX_TURN_DEG = 60.0
FACING_COS = 0.05  # a dot is seen when its normal points at least this much toward the camera


@dataclass(frozen=True)
class Camera:
    """A scaled-orthographic camera: ``px = px_per_mm * (rotation @ X)[:2] + offset_px``.

    Examples
    --------
    >>> cam = Camera.nominal("top", px_per_mm=2.0, offset_px=(100.0, 100.0))
    >>> cam.project(np.array([[0.0, -90.0, -40.0]])).round(1).tolist()  # 40 mm in front of the vertex: up
    [[100.0, 20.0]]
    """

    rotation: np.ndarray  # (3, 3) head -> camera
    px_per_mm: float
    offset_px: np.ndarray  # (2,)

    @classmethod
    def nominal(cls, view: str, px_per_mm: float, offset_px: tuple[float, float] = (0.0, 0.0)) -> Camera:
        """The camera looking as the nominal ``view`` does (:data:`NOMINAL_VIEWS`)."""
        f, up = (np.array(v, dtype=np.float64) for v in NOMINAL_VIEWS[view])
        right = np.cross(f, up)
        return cls(np.stack([right, -up, f]), float(px_per_mm), np.asarray(offset_px, dtype=np.float64))

    @classmethod
    def from_head_model(cls, head: object) -> Camera:
        """The camera of the photo the head model was fitted on (:class:`smpstudio.analysis.headmodel.HeadModel`)."""
        return cls(np.asarray(head.rotation, dtype=np.float64),  # type: ignore[attr-defined]
                   float(head.px_per_mm),  # type: ignore[attr-defined]
                   np.asarray(head.origin_px, dtype=np.float64)[:2])  # type: ignore[attr-defined]

    @property
    def forward(self) -> np.ndarray:
        """The direction the camera looks, in head coordinates."""
        return np.asarray(self.rotation[2])

    def project(self, points_mm: np.ndarray) -> np.ndarray:
        """Head points (N, 3) mm -> image points (N, 2) px."""
        q = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
        return np.asarray(self.px_per_mm * (q @ self.rotation[:2].T) + self.offset_px)

    def back_project(self, surface: HeadSurface, px: np.ndarray) -> np.ndarray:
        """The surface point (N, 3) mm seen at each image point (N, 2) px: NaN off the head."""
        xy = (np.asarray(px, dtype=np.float64).reshape(-1, 2) - self.offset_px) / self.px_per_mm
        o = np.concatenate([xy, np.full((len(xy), 1), -1000.0)], axis=1) @ self.rotation
        return ray_hits(surface, o, self.forward)


def ray_hits(surface: HeadSurface, origins_mm: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """First hit (N, 3) mm of parallel rays with the surface's ellipsoid; NaN where a ray misses."""
    inv = 1.0 / surface.radii_mm**2
    d = np.asarray(direction, dtype=np.float64)
    q = np.asarray(origins_mm, dtype=np.float64) - surface.center_mm
    a = float(np.sum(d * d * inv))
    b = 2.0 * np.sum(q * d * inv, axis=-1)
    c = np.sum(q * q * inv, axis=-1) - 1.0
    disc = b * b - 4 * a * c
    t = (-b - np.sqrt(np.where(disc >= 0, disc, 0.0))) / (2 * a)
    hit = origins_mm + t[..., None] * d
    return np.where((disc >= 0)[..., None], hit, np.nan)


def reference_points(surface: HeadSurface) -> dict[str, np.ndarray]:
    """The named reference points on the model (mm): the mid-frontal point, the crown whorl, the frontotemporal
    points, the sideburns' tops (where the temple's hairline meets the sideburn), the ears' tops (client's left =
    +x) and the nape (the lower hairline on the back's midline).

    Examples
    --------
    >>> r = reference_points(HeadSurface.average())
    >>> sorted(r) == sorted(REFERENCE_POINTS), bool(r["ear_left"][0] > 0)
    (True, True)
    """
    ft = float(surface.boundary_theta_deg(np.array(FRONTOTEMPORAL_ALPHA_DEG)))
    pts = {"mfp": (surface.front_theta_deg, 0.0), "whorl": (WHORL_THETA_DEG, 180.0),
           "ft_left": (ft, FRONTOTEMPORAL_ALPHA_DEG), "ft_right": (ft, -FRONTOTEMPORAL_ALPHA_DEG),
           "ear_left": (EAR_TOP_POLAR_DEG, EAR_AZIMUTH_DEG), "ear_right": (EAR_TOP_POLAR_DEG, -EAR_AZIMUTH_DEG),
           "nape": (float(surface.boundary_theta_deg(np.array(180.0))), 180.0)}
    sb = float(surface.boundary_theta_deg(np.array(SIDEBURN_AZIMUTH_DEG)))
    pts.update({"sideburn_left": (sb, SIDEBURN_AZIMUTH_DEG), "sideburn_right": (sb, -SIDEBURN_AZIMUTH_DEG)})
    return {k: surface.point(np.array(t), np.array(a)) for k, (t, a) in pts.items()}


@dataclass(frozen=True)
class Sticker:
    """A scale sticker on the scalp: two image points (px) ``length_mm`` apart."""

    a_px: tuple[float, float]
    b_px: tuple[float, float]
    length_mm: float

    @property
    def px_per_mm(self) -> float:
        return float(np.hypot(self.b_px[0] - self.a_px[0], self.b_px[1] - self.a_px[1])) / self.length_mm


class RegistrationError(SMPError):
    """The marked points cannot register the view."""


@dataclass(frozen=True)
class Registration:
    camera: Camera
    residual_mm: float  # RMS distance (mm at the head) between the marks and the fitted model's points
    marks_px: dict[str, tuple[float, float]]


def register_view(surface: HeadSurface, view: str, marks_px: Mapping[str, tuple[float, float]],
                  sticker: Sticker | None = None) -> Registration:
    """Fit a view's camera to the reference points the artist marked on it.

    Parameters
    ----------
    surface : HeadSurface
        The client's model (its reference points, :func:`reference_points`).
    view : str
        The photo's nominal orientation (:data:`NOMINAL_VIEWS`), where the fit starts.
    marks_px : mapping
        Reference point name -> image point (px); at least three, not all on one line.
    sticker : Sticker, optional
        Fixes the scale (px/mm) when the photo shows one.

    Examples
    --------
    >>> s = HeadSurface.average()
    >>> truth = Camera.nominal("back", 3.0, (400.0, 300.0))
    >>> ref = reference_points(s)
    >>> marks = {k: tuple(truth.project(ref[k])[0]) for k in ("whorl", "ear_left", "ear_right")}
    >>> reg = register_view(s, "back", marks)
    >>> round(reg.camera.px_per_mm, 2), reg.residual_mm < 0.01
    (3.0, True)
    """
    if view not in NOMINAL_VIEWS:
        raise RegistrationError(f"unknown view {view!r}; choose one of {', '.join(NOMINAL_VIEWS)}")
    unknown = sorted(set(marks_px) - set(REFERENCE_POINTS))
    if unknown:
        raise RegistrationError(f"unknown reference point {unknown[0]!r}; mark any of {', '.join(REFERENCE_POINTS)}")
    if len(marks_px) < 3:
        raise RegistrationError(f"the {view} view needs at least three marked reference points "
                                f"({', '.join(REFERENCE_POINTS)}); {len(marks_px)} given")
    ref = reference_points(surface)
    names = sorted(marks_px)
    X = np.stack([ref[k] for k in names])
    P = np.array([marks_px[k] for k in names], dtype=np.float64)
    if not np.all(np.isfinite(P)):
        raise RegistrationError("marked points must be finite pixel coordinates")
    spread = P - P.mean(axis=0)
    if np.linalg.svd(spread, compute_uv=False)[-1] < 1e-3 * max(float(np.abs(spread).max()), 1.0):
        raise RegistrationError("the marked points lie on one line: mark a third point off it")
    cam0 = Camera.nominal(view, 1.0)
    proj0 = X @ cam0.rotation[:2].T
    s0 = float(np.linalg.norm(spread) / max(float(np.linalg.norm(proj0 - proj0.mean(axis=0))), 1e-9))
    if sticker is not None:
        s0 = sticker.px_per_mm
    t0 = P.mean(axis=0) - s0 * proj0.mean(axis=0)
    r0 = Rotation.from_matrix(cam0.rotation)

    def camera(v: np.ndarray) -> Camera:
        rot = (Rotation.from_rotvec(v[:3]) * r0).as_matrix()
        return Camera(rot, float(np.exp(v[3])), v[4:6])

    def residuals(v: np.ndarray) -> np.ndarray:
        c = camera(v)
        r = ((c.project(X) - P) / c.px_per_mm).ravel()  # mm at the head
        if sticker is not None:
            r = np.append(r, 100.0 * (v[3] - np.log(sticker.px_per_mm)))
        return r

    fit = least_squares(residuals, np.concatenate([np.zeros(3), [np.log(s0)], t0]), method="lm"
                        if len(names) * 2 + (sticker is not None) >= 6 else "trf")
    cam = camera(fit.x)
    res = float(np.sqrt(np.mean(np.sum(((cam.project(X) - P) / cam.px_per_mm) ** 2, axis=1))))
    turn = float(np.degrees((Rotation.from_matrix(cam.rotation) * r0.inv()).magnitude()))
    if turn > MAX_TURN_DEG:
        raise RegistrationError(f"the marks on the {view} view would turn the head {turn:.0f} deg from a {view} view: "
                                "check which point each mark is")
    if res > MAX_RESIDUAL_MM:
        raise RegistrationError(f"the marks on the {view} view miss the head model by {res:.0f} mm (RMS): "
                                "check which point each mark is")
    return Registration(cam, res, {k: (float(marks_px[k][0]), float(marks_px[k][1])) for k in names})


@dataclass(frozen=True)
class ProjectedDots:
    """The surface pattern in one view: image points (N, 2) px of every ranked dot and which are seen."""

    name: str
    camera: Camera
    px: np.ndarray
    visible: np.ndarray  # (N,) bool
    session: np.ndarray  # (N,) session (1-based) of each dot, as laid on the surface

    def up_to(self, session: int) -> np.ndarray:
        """Image points (M, 2) of the dots seen after ``session`` (nested: every earlier session's dots too)."""
        return np.asarray(self.px[self.visible & (self.session <= session)])


def project_dots(name: str, camera: Camera, surface: HeadSurface, points_mm: np.ndarray,
                 session: np.ndarray) -> ProjectedDots:
    """Project the one surface pattern into a view (dots facing the camera are seen).

    Examples
    --------
    >>> s = HeadSurface.average()
    >>> p = s.point(np.array([10.0, 10.0]), np.array([0.0, 180.0]))
    >>> v = project_dots("top", Camera.nominal("top", 2.0), s, p, np.array([1, 2]))
    >>> v.visible.tolist(), len(v.up_to(1))
    ([True, True], 1)
    """
    pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
    seen = (surface.normal(pts) @ camera.forward) < -FACING_COS if len(pts) else np.zeros(0, bool)
    return ProjectedDots(name, camera, camera.project(pts), np.asarray(seen), np.asarray(session))
