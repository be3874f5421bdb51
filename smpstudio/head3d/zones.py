"""Treatment zones on the whole scalp surface, with their true surface areas (cm²).

Zones (mutually exclusive; their union is the hair-bearing scalp of :class:`HeadSurface`):

* ``hairline``: the first ``HAIRLINE_BAND_MM`` behind the frontal hairline (domain.md §3: a 2-4 cm
  hairline region), between the frontotemporal points;
* ``frontal``: the next ``FRONTAL_DEPTH_MM`` behind it, between the same points;
* ``temples``: lateral of the frontal zones, in front of the ears and above the side fringe;
* ``mid-scalp``: the top between the frontal zone and the crown;
* ``crown``: the vertex: a disc of ``CROWN_RADIUS_MM`` round the whorl and the top behind it;
* ``parietal``: the fringe above and behind the ears (the sides of Norwood's horseshoe);
* ``occipital``: the fringe at the back.

The fringe is the band within ``fringe_width_mm(alpha)`` above the lower boundary, measured along meridians
(so its top is as smooth as the boundary), the hair Norwood VI keeps (Norwood 1975, "the hair on the sides
remains relatively high"); Norwood VII keeps a narrower band (``fringe_scale``). The top region (hairline,
frontal, mid-scalp) is bounded at the sides by the head's outline seen from above, scaled through the
frontotemporal points; the crown is an oval round the whorl opening toward the back. Other distances are
surface distances: chords converted to arcs on the mean radius, ``s = 2 R asin(d / 2R)``.

References
----------
.. [1] Norwood, O. T. South Med J 68(11):1359-1365, 1975 (the classes' drawings).
.. [2] Shapiro, R. "Principles and techniques used to create a natural hairline in surgical hair
   restoration." Facial Plast Surg Clin N Am 12(2):201-217, 2004 (hairline region 2-4 cm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from smpstudio.head3d.surface import HeadSurface, SurfaceGrid

ZONES = ("hairline", "frontal", "temples", "mid-scalp", "crown", "parietal", "occipital")
HAIRLINE_BAND_MM = 30.0  # domain.md §3: hairline region 2-4 cm (Shapiro)
FRONTAL_DEPTH_MM = 50.0  # [derived] the frontal scalp to ~8 cm behind the hairline (as smpstudio.design.zones)
FRONTOTEMPORAL_ALPHA_DEG = 50.0  # azimuth of the frontotemporal point (Garg 2017: ~8 cm lateral of the MFP)
CROWN_RADIUS_MM = 45.0  # [calibration] vertex disc ~64 cm² (Norwood III-vertex drawing)
WHORL_THETA_DEG = 45.0  # [calibration] the crown whorl sits behind the vertex, ~45 deg down the back
#: fringe width above the lower boundary (mm) by azimuth (deg): none in front, the temporal fringe in front
#: of the ear, the sides, the back. [calibration] read from Norwood's VI drawing
#: of the ear the fringe's top runs about level (at ~75-80 deg polar), as in the drawing
FRINGE_WIDTH_MM = ((55.0, 0.0), (75.0, 36.0), (95.0, 30.0), (115.0, 49.0), (135.0, 62.0), (180.0, 70.0))
#: the crown reaches further behind the whorl and to the sides than in front of it (Norwood's vertex drawings:
#: an oval opening toward the back of the head) [calibration]: distances behind / lateral of the whorl count
#: these shares
CROWN_BACK_SHARE, CROWN_LATERAL_SHARE = 0.5, 0.8
OCCIPITAL_ALPHA_DEG = 135.0  # fringe behind this azimuth is occipital, in front parietal

ZONE_COLOURS = {  # RGB, for the diagram and its legend
    "hairline": (230, 97, 1), "frontal": (253, 184, 99), "temples": (178, 171, 210),
    "mid-scalp": (94, 160, 220), "crown": (231, 41, 138), "parietal": (102, 166, 30),
    "occipital": (27, 120, 80),
}


@dataclass(frozen=True)
class ZoneMap:
    """Zone label of every grid cell (index into :data:`ZONES`, -1 off the scalp) and the areas (cm²)."""

    grid: SurfaceGrid
    labels: np.ndarray
    areas_cm2: dict[str, float]
    surface: HeadSurface | None = None  # the surface labelled (to relabel it with another fringe)
    fringe_scale: float = 1.0

    def mask(self, name: str) -> np.ndarray:
        return self.labels == ZONES.index(name)


def _cosine_profile(alpha_deg: np.ndarray, anchors: tuple[tuple[float, float], ...]) -> np.ndarray:
    """A profile by |azimuth| (deg) through anchors, cosine-blended between them (C1, no kinks)."""
    a = np.abs((np.asarray(alpha_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0)
    xs = np.array([p[0] for p in anchors])
    ys = np.array([p[1] for p in anchors])
    i = np.clip(np.searchsorted(xs, a, side="right") - 1, 0, len(xs) - 2)
    f = np.clip((a - xs[i]) / (xs[i + 1] - xs[i]), 0.0, 1.0)
    f = 0.5 - 0.5 * np.cos(np.pi * f)
    return np.where(a <= xs[0], ys[0], ys[i] + f * (ys[i + 1] - ys[i]))


def fringe_width_mm(alpha_deg: np.ndarray) -> np.ndarray:
    """Fringe width (mm) above the lower boundary at each azimuth (deg), cosine-blended between anchors.

    Examples
    --------
    >>> fringe_width_mm(np.array([0.0, 180.0, -95.0])).tolist()
    [0.0, 70.0, 30.0]
    """
    return _cosine_profile(alpha_deg, FRINGE_WIDTH_MM)


def fringe_top_deg(surface: HeadSurface, alpha_deg: np.ndarray, fringe_scale: float = 1.0) -> np.ndarray:
    """Polar angle (deg) of the fringe's upper edge: the boundary raised by the fringe width (as an arc on the
    mean radius), times ``fringe_scale`` (Norwood VII's narrower band, :data:`smpstudio.head3d.stages.FRINGE_SCALE`).

    Measured along meridians from a smooth boundary, so the edge is smooth too (a distance to the boundary's
    sideburn bend made a notch in the temples).
    """
    r_mean = float(np.mean(surface.radii_mm))
    return surface.boundary_theta_deg(alpha_deg) - np.degrees(fringe_scale * fringe_width_mm(alpha_deg) / r_mean)


def top_half_width_mm(surface: HeadSurface, z_mm: np.ndarray) -> np.ndarray:
    """Half width (mm, from the midline) of the top region (hairline, frontal, mid-scalp) at depth ``z_mm``.

    The region's sides follow the head's outline seen from above, scaled to pass through the frontotemporal
    points (the temporal lines of the skull run so), so seen from above it is rounded, not a box.
    """
    rx, _, rz = surface.radii_mm
    cz = surface.center_mm[2]
    p_ft = surface.point(surface.boundary_theta_deg(np.array(FRONTOTEMPORAL_ALPHA_DEG)),
                         np.array(FRONTOTEMPORAL_ALPHA_DEG))
    def outline(z: np.ndarray) -> np.ndarray:
        return rx * np.sqrt(np.clip(1.0 - ((z - cz) / rz) ** 2, 0.0, 1.0))
    k = abs(float(p_ft[0] - surface.center_mm[0])) / max(float(outline(np.array(p_ft[2]))), 1e-9)
    return k * outline(np.asarray(z_mm, dtype=np.float64))


def _arc(chord_mm: np.ndarray, radius_mm: float) -> np.ndarray:
    return 2.0 * radius_mm * np.arcsin(np.clip(chord_mm / (2.0 * radius_mm), 0.0, 1.0))


def label_points(surface: HeadSurface, p_mm: np.ndarray, inside: np.ndarray, fringe_scale: float = 1.0
                 ) -> np.ndarray:
    """Zone index (into :data:`ZONES`) of surface points (N, 3) mm; -1 where not ``inside``.

    Examples
    --------
    >>> s = HeadSurface.average()
    >>> p = s.point(np.array([48.0, 15.0, 8.0, 60.0]), np.array([0.0, 0.0, 180.0, 180.0]))
    >>> [ZONES[i] for i in label_points(s, p, np.ones(4, bool))]
    ['hairline', 'frontal', 'mid-scalp', 'crown']
    """
    p = np.asarray(p_mm, dtype=np.float64).reshape(-1, 3)
    theta, alpha = surface.angles(p)
    r_mean = float(np.mean(surface.radii_mm))
    bpts, bal = surface.boundary_points(1440)
    front = np.abs(bal) <= FRONTOTEMPORAL_ALPHA_DEG
    d_front = _arc(cKDTree(bpts[front]).query(p)[0], r_mean)
    lateral = np.abs(p[:, 0] - surface.center_mm[0]) > top_half_width_mm(surface, p[:, 2])
    whorl = surface.point(np.array(WHORL_THETA_DEG), np.array(180.0))
    off = p - whorl
    off[:, 0] *= CROWN_LATERAL_SHARE
    off[:, 2] *= np.where(off[:, 2] > 0, CROWN_BACK_SHARE, 1.0)
    d_whorl = _arc(np.linalg.norm(off, axis=1), r_mean)
    fringe = (theta > fringe_top_deg(surface, alpha, fringe_scale)) & (np.abs(alpha) > FRONTOTEMPORAL_ALPHA_DEG)
    z_ear = surface.center_mm[2]  # the ears sit on the coronal plane through the centre [assumption]

    lab = np.full(len(p), ZONES.index("mid-scalp"), dtype=np.int8)
    lab[d_whorl < CROWN_RADIUS_MM] = ZONES.index("crown")
    lab[lateral & (p[:, 2] < z_ear) & (d_front < HAIRLINE_BAND_MM + FRONTAL_DEPTH_MM + 20.0)] = ZONES.index("temples")
    lab[~lateral & (d_front < HAIRLINE_BAND_MM + FRONTAL_DEPTH_MM)] = ZONES.index("frontal")
    lab[~lateral & (d_front < HAIRLINE_BAND_MM)] = ZONES.index("hairline")
    back = np.abs(alpha) >= OCCIPITAL_ALPHA_DEG
    lab[fringe & ~back] = ZONES.index("parietal")
    lab[fringe & back] = ZONES.index("occipital")
    lab[~np.asarray(inside, bool).reshape(-1)] = -1
    return lab


def zone_map(surface: HeadSurface, step_deg: float = 0.25, fringe_scale: float = 1.0) -> ZoneMap:
    """Label the surface grid and sum each zone's true surface area (cm²).

    Examples
    --------
    >>> zm = zone_map(HeadSurface.average(), step_deg=1.0)
    >>> sorted(zm.areas_cm2) == sorted(ZONES), abs(sum(zm.areas_cm2.values()) - zm.grid.total_cm2()) < 1e-6
    (True, True)
    """
    g = surface.grid(step_deg)
    lab = label_points(surface, g.points_mm.reshape(-1, 3), g.inside.reshape(-1),
                       fringe_scale).reshape(g.inside.shape)
    areas = {z: float(g.area_cm2[lab == i].sum()) for i, z in enumerate(ZONES)}
    return ZoneMap(g, lab, areas, surface, fringe_scale)
