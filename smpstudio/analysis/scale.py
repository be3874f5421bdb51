"""Millimetre scale of a portrait from the iris, cross-checked with the inter-pupillary distance.

The visible iris (corneal "white-to-white" diameter) is nearly constant between adults, 11.7 mm
(domain.md §5), so its size in pixels gives the photo's scale at the eyes' plane. The
inter-pupillary distance (IPD) varies more between people but is measured over many more pixels;
it confirms the iris estimate, refines it, or replaces it when the irises are unreliable.

References
----------
.. [1] Rüfer, F., Schröder, A., Erb, C. "White-to-white corneal diameter: normal values in healthy
   humans obtained with the Orbscan II topography system." Cornea 24(3):259-261, 2005
   (11.71 +- 0.42 mm).
.. [2] Dodgson, N. A. "Variation and extrema of human interpupillary distance." Proc. SPIE 5291, 2004
   (adult mean 63.4 mm, SD 3.8 mm).
"""

from __future__ import annotations

import math

import numpy as np

from smpstudio.analysis.landmarks import IDX_LEFT_IRIS, IDX_RIGHT_IRIS
from smpstudio.analysis.types import Scale

IRIS_DIAMETER_MM = 11.7  # domain.md §5 "the human iris is ~11.7 mm across"
IRIS_DIAMETER_SD_MM = 0.42  # Rüfer 2005
IPD_MEAN_MM = 63.4  # Dodgson 2004
IPD_SD_MM = 3.8  # Dodgson 2004
LANDMARK_NOISE_PX = 0.5  # 1-sigma error of one landmark distance, in px
MIN_IRIS_PX = 6.0  # below this the iris cannot be measured


def iris_diameters_px(points: np.ndarray, yaw_deg: float = 0.0) -> tuple[float, float]:
    """Horizontal iris diameters (image-left eye, image-right eye) in px, corrected for yaw.

    The horizontal diameter is used because eyelids cover the iris's top and bottom.
    """
    p = np.asarray(points, dtype=np.float64)[:, :2]
    c = max(math.cos(math.radians(yaw_deg)), 0.5)
    left = float(np.linalg.norm(p[IDX_LEFT_IRIS[1]] - p[IDX_LEFT_IRIS[3]])) / c
    right = float(np.linalg.norm(p[IDX_RIGHT_IRIS[1]] - p[IDX_RIGHT_IRIS[3]])) / c
    return left, right


def estimate_scale(points: np.ndarray, yaw_deg: float = 0.0) -> tuple[Scale, float, list[str]]:
    """Pixels per millimetre from the irises, checked against the inter-pupillary distance.

    Parameters
    ----------
    points : ndarray, shape (478, 2 or 3)
        Landmarks in pixels.
    yaw_deg : float
        Head yaw, to undo the horizontal foreshortening.

    Returns
    -------
    scale : Scale
    iris_px : float
        Mean horizontal iris diameter in px.
    warnings : list of str

    Examples
    --------
    >>> pts = np.zeros((478, 2)); pts[469] = (110, 0); pts[471] = (98, 0)
    >>> pts[474] = (182, 0); pts[476] = (170, 0); pts[468] = (104, 0); pts[473] = (176, 0)
    >>> s, iris, _ = estimate_scale(pts)
    >>> round(iris, 1), s.source
    (12.0, 'iris+ipd')
    """
    warnings: list[str] = []
    left, right = iris_diameters_px(points, yaw_deg)
    iris_px = 0.5 * (left + right)
    p = np.asarray(points, dtype=np.float64)[:, :2]
    c = max(math.cos(math.radians(yaw_deg)), 0.5)
    ipd_px = float(np.linalg.norm(p[IDX_LEFT_IRIS[0]] - p[IDX_RIGHT_IRIS[0]])) / c

    s_iris = iris_px / IRIS_DIAMETER_MM
    rel_iris = math.hypot(IRIS_DIAMETER_SD_MM / IRIS_DIAMETER_MM, LANDMARK_NOISE_PX / max(iris_px, 1e-6) / math.sqrt(2))
    s_ipd = ipd_px / IPD_MEAN_MM
    rel_ipd = math.hypot(IPD_SD_MM / IPD_MEAN_MM, LANDMARK_NOISE_PX / max(ipd_px, 1e-6))

    eyes_agree = abs(left - right) <= 0.2 * max(left, right)
    if not eyes_agree:
        warnings.append(
            f"the two irises measure {left:.1f} and {right:.1f} px; scale taken from the inter-pupillary "
            "distance instead"
        )
        return Scale(float(s_ipd), "ipd", float(rel_ipd)), iris_px, warnings

    z = abs(math.log(s_iris / s_ipd)) / math.hypot(rel_iris, rel_ipd)
    if z <= 2.5:
        w_iris, w_ipd = 1.0 / rel_iris**2, 1.0 / rel_ipd**2
        log_s = (w_iris * math.log(s_iris) + w_ipd * math.log(s_ipd)) / (w_iris + w_ipd)
        rel = 1.0 / math.sqrt(w_iris + w_ipd)
        return Scale(float(math.exp(log_s)), "iris+ipd", float(rel)), iris_px, warnings
    warnings.append(
        f"iris and inter-pupillary distance disagree (IPD would be {ipd_px / s_iris:.0f} mm); "
        "scale from the iris alone, check it with a ruler in the photo"
    )
    return Scale(float(s_iris), "iris", float(rel_iris)), iris_px, warnings
