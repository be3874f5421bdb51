"""The skull's outline on the photo fitted to the head's silhouette above the temples.

The head model's ellipsoid (:mod:`smpstudio.analysis.headmodel`) is placed from the face's landmarks; on a
real head, and most in a turned one, its outline can sit 10-25 mm inside the hair on one side and in the
background on the other (obama2, yaw about 20 deg: 8-26 mm inside the hair beside the right ear, up to
10 mm out in the background at the left top). Under the photo's scaled-orthographic camera the
ellipsoid's outline is an ellipse ([1]_), so the outline is refitted in the image: its centre and its two
semi-axes (the orientation kept), by least squares to the head mask's outline above the temples, as
:func:`smpstudio.head3d.silhouette.fit_to_outline` fits the design's surface. Outline points farther than
:data:`HAIR_REACH_MM` outside are hair volume and are left out; close-cropped hair stands
:data:`HAIR_ALLOWANCE_MM` above the scalp.

The fit is an :class:`Outline`; :meth:`Outline.to` gives the affine map between it and the model's, by which
:func:`smpstudio.scalp.regions.find_regions` moves the model's silhouette onto the head (the normals stay the
model's, extended to the widened outline from the nearest one inside).

References
----------
.. [1] Hartley, R., Zisserman, A. "Multiple View Geometry in Computer Vision", 2nd ed., 2004, §8.3 (the
   outline of a quadric under an affine camera).

Examples
--------
>>> import numpy as np, cv2
>>> model = np.zeros((200, 200), np.uint8); _ = cv2.ellipse(model, (94, 100), (50, 60), 0, 0, 360, 1, -1)
>>> head = np.zeros((200, 200), np.uint8); _ = cv2.ellipse(head, (100, 100), (52, 60), 0, 0, 360, 1, -1)
>>> fit = fit_outline(Outline.of_mask(model), head.astype(bool), above_y_px=120.0, px_per_mm=1.0,
...                   allowance_mm=0.0)
>>> [round(float(v)) for v in (fit.center_px[0], fit.semi_axes_px[0])]
[100, 52]
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import least_squares

HAIR_REACH_MM = 12.0  # short hair stands out at most this far beyond the skull (smpstudio.scalp.regions)
HAIR_ALLOWANCE_MM = 3.0  # [assumption] close-cropped hair over the scalp on the outline
MAX_SHIFT_MM = 15.0  # the fit moves the outline's centre at most this far
SCALE_RANGE = (0.93, 1.05)  # and scales each semi-axis within this range (calibration choice)
MIN_OUTLINE_POINTS = 30


def outline_points(head_mask: np.ndarray, above_y_px: float) -> np.ndarray:
    """The head mask's outer outline (N, 2) px above an image row, without the photo's border."""
    cnts, _ = cv2.findContours(head_mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not cnts:
        return np.zeros((0, 2))
    c = max(cnts, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    h, w = head_mask.shape
    inner = (c[:, 0] > 0) & (c[:, 0] < w - 1) & (c[:, 1] > 0) & (c[:, 1] < h - 1)
    return np.asarray(c[inner & (c[:, 1] < above_y_px)])


@dataclass(frozen=True)
class Outline:
    """An ellipse on the image: centre (px), semi-axes (px) along its axes, axes as the columns of ``axes``."""

    center_px: np.ndarray
    semi_axes_px: np.ndarray
    axes: np.ndarray  # (2, 2) rotation: column k is semi-axis k's direction

    @classmethod
    def of_mask(cls, mask: np.ndarray) -> Outline:
        """The ellipse with the mask's area moments (exact for a filled ellipse)."""
        mo = cv2.moments(mask.astype(np.uint8), binaryImage=True)
        c = np.array([mo["m10"], mo["m01"]]) / mo["m00"]
        cov = np.array([[mo["mu20"], mo["mu11"]], [mo["mu11"], mo["mu02"]]]) / mo["m00"]
        var, vec = np.linalg.eigh(cov)
        return cls(c, 2.0 * np.sqrt(np.maximum(var, 1e-9)), vec)

    def radial_px(self, pts: np.ndarray) -> np.ndarray:
        """Signed distance (px, + outside) of points from the ellipse along the ray from its centre."""
        d = (pts - self.center_px) @ self.axes
        q = ((d / self.semi_axes_px) ** 2).sum(axis=1)
        return np.asarray(np.linalg.norm(d, axis=1) * (1.0 - 1.0 / np.sqrt(np.maximum(q, 1e-12))))

    def to(self, other: Outline) -> np.ndarray:
        """The 2x3 affine map taking this ellipse's points onto ``other``'s (same axes)."""
        a = other.axes @ np.diag(other.semi_axes_px / self.semi_axes_px) @ self.axes.T
        return np.hstack([a, (other.center_px - a @ self.center_px)[:, None]])


def fit_outline(model: Outline, head_mask: np.ndarray, above_y_px: float, px_per_mm: float,
                allowance_mm: float = HAIR_ALLOWANCE_MM) -> Outline:
    """The model's outline ellipse with its centre and semi-axes fitted to the head's outline.

    Parameters
    ----------
    model : Outline
        The head model's outline (:meth:`Outline.of_mask` of its silhouette).
    head_mask : (H, W) bool array
        The head on the photo (hair, skin, face).
    above_y_px : float
        Only the outline above this row (the temples) is the skull's.
    px_per_mm : float
        The photo's scale at the head.
    allowance_mm : float
        How far the outline stands out of the skull (close-cropped hair).

    Returns
    -------
    Outline
        The fitted ellipse; the model's own when too little outline is left to fit it to.
    """
    pts = outline_points(head_mask, above_y_px)
    if len(pts) < MIN_OUTLINE_POINTS:
        return model
    pts = pts[model.radial_px(pts) < HAIR_REACH_MM * px_per_mm]  # farther out: hair volume
    if len(pts) < MIN_OUTLINE_POINTS:
        return model
    allowance_px = allowance_mm * px_per_mm
    shift = MAX_SHIFT_MM * px_per_mm

    def outline(v: np.ndarray) -> Outline:
        return Outline(model.center_px + v[:2], model.semi_axes_px * v[2:], model.axes)

    def residuals(v: np.ndarray) -> np.ndarray:
        out = (outline(v).radial_px(pts) - allowance_px) / px_per_mm
        prior = 0.05 * np.concatenate([v[:2] / px_per_mm, 100.0 * (v[2:] - 1.0)])
        return np.concatenate([out / np.sqrt(len(pts)), prior])

    lo = [-shift, -shift, SCALE_RANGE[0], SCALE_RANGE[0]]
    hi = [shift, shift, SCALE_RANGE[1], SCALE_RANGE[1]]
    fit = least_squares(residuals, np.array([0.0, 0.0, 1.0, 1.0]), bounds=(lo, hi))
    return outline(fit.x)
