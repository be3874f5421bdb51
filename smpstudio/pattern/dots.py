"""Per-dot attributes: needle and diameter, elongation and angle along the hair's growth, depth, ink load.

* Needle (domain.md §1 needles): 1-needle round liner (1RL, #06 = 0.20 mm) in the hairline zone,
  3-needle (3RL, #08 = 0.25 mm) elsewhere, with a small log-normal jitter of the impression.
* Elongation and angle: a needle entering at a slant along the hair's direction leaves a slightly
  oval impression. The direction follows a plausible growth field on the face plane: forward (down on
  the face) at the front, fanning outwards toward the temples, turning into a whorl around the crown.
* Depth (domain.md §1 target depth): upper dermis below a 60-100 um epidermis, ~0.15 mm with a small
  spread; an optional share of too-deep impressions (blow-outs, domain.md §2) for "what goes wrong".
* Ink load: relative amount deposited (log-normal around 1).

All random choices come from a numpy Generator seeded by the plan's seed.

References
----------
.. [1] /work/shared/domain.md §1 (needles, depth), §2 (blow-out), §4 (hair growth).
.. [2] W. Montagna, "The structure and function of skin", 3rd ed., 1974 (parietal whorl, frontal
   hair stream pointing forward).

Examples
--------
>>> import numpy as np
>>> xy = np.array([[0.0, 80.0], [30.0, 150.0]])
>>> d = dot_attributes(xy, in_hairline_zone=np.array([True, False]), seed=1)
>>> d.needle.tolist()
['1RL', '3RL']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.optics.dot import NEEDLE_DIAMETER_MM, TARGET_DEPTH_MM


@dataclass(frozen=True)
class GrowthField:
    """Hair growth direction on the face plane (mm, origin glabella, y up).

    Attributes
    ----------
    crown_mm : tuple of float
        Centre of the parietal whorl (on a frontal photo it lies above the visible scalp).
    crown_radius_mm : float
        How far the whorl's influence reaches (Gaussian sigma).
    whorl_deg : float
        Angle between the whorl's stream and the radial direction (clockwise whorl > 0).
    fan : float
        Outward fanning of the frontal stream per 100 mm from the midline.
    """

    crown_mm: tuple[float, float] = (8.0, 190.0)
    crown_radius_mm: float = 45.0
    whorl_deg: float = 65.0
    fan: float = 0.9

    def angle_rad(self, xy_mm: np.ndarray) -> np.ndarray:
        """Direction of growth at points (N, 2), radians on the face plane (x right, y up)."""
        xy = np.asarray(xy_mm, dtype=np.float64).reshape(-1, 2)
        front = np.stack([self.fan * xy[:, 0] / 100.0, -np.ones(len(xy))], axis=1)
        d = xy - np.asarray(self.crown_mm)
        r = np.hypot(d[:, 0], d[:, 1]) + 1e-9
        a = np.deg2rad(self.whorl_deg)
        radial = d / r[:, None]
        whorl = np.stack([radial[:, 0] * np.cos(a) + radial[:, 1] * np.sin(a),
                          -radial[:, 0] * np.sin(a) + radial[:, 1] * np.cos(a)], axis=1)
        w = np.exp(-0.5 * (r / self.crown_radius_mm) ** 2)[:, None]
        front /= np.linalg.norm(front, axis=1, keepdims=True)
        v = (1 - w) * front + w * whorl
        return np.arctan2(v[:, 1], v[:, 0])


@dataclass(frozen=True)
class DotParams:
    """Per-dot parameters (defaults from domain.md §1 unless marked as model choices).

    Attributes
    ----------
    hairline_needle, density_needle : str
        Needle groupings (keys of :data:`smpstudio.optics.dot.NEEDLE_DIAMETER_MM`).
    diameter_jitter : float
        Log-normal sigma of the impression size (model choice).
    elongation_mean, elongation_sd, elongation_max : float
        Oval impressions (long / short axis) (model choice).
    angle_jitter_deg : float
        Scatter of the dot's axis around the growth direction (model choice).
    depth_mm, depth_sd_mm : float
        Target depth and spread (domain.md §1: upper dermis, epidermis 60-100 um).
    blowout_share : float
        Share of impressions placed too deep (0 by default; > 0 to show blow-outs, domain.md §2).
    blowout_depth_mm : tuple of float
        Depth range of those impressions.
    load_sd : float
        Log-normal sigma of the ink load (model choice).
    """

    hairline_needle: str = "1RL"
    density_needle: str = "3RL"
    diameter_jitter: float = 0.08
    elongation_mean: float = 1.08
    elongation_sd: float = 0.05
    elongation_max: float = 1.4
    angle_jitter_deg: float = 25.0
    depth_mm: float = TARGET_DEPTH_MM
    depth_sd_mm: float = 0.02
    blowout_share: float = 0.0
    blowout_depth_mm: tuple[float, float] = (0.45, 0.65)
    load_sd: float = 0.2


@dataclass(frozen=True)
class DotAttributes:
    """Attributes of N dots (arrays of length N)."""

    needle: np.ndarray  # str
    diameter_mm: np.ndarray
    elongation: np.ndarray
    angle_rad: np.ndarray  # on the face plane, x right, y up
    depth_mm: np.ndarray
    load: np.ndarray

    def __len__(self) -> int:
        return int(self.diameter_mm.shape[0])

    def subset(self, keep: np.ndarray) -> DotAttributes:
        return DotAttributes(self.needle[keep], self.diameter_mm[keep], self.elongation[keep],
                             self.angle_rad[keep], self.depth_mm[keep], self.load[keep])


def dot_attributes(xy_mm: np.ndarray, in_hairline_zone: np.ndarray, seed: int, params: DotParams = DotParams(),
                   growth: GrowthField = GrowthField()) -> DotAttributes:
    """Draw the attributes of dots at face-plane positions ``xy_mm`` (N, 2).

    Parameters
    ----------
    xy_mm : ndarray (N, 2)
        Dot positions on the face plane (mm).
    in_hairline_zone : ndarray of bool (N,)
        Dots of the hairline zone get the fine needle.
    seed : int
    params : DotParams
    growth : GrowthField

    Returns
    -------
    DotAttributes
    """
    xy = np.asarray(xy_mm, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    rng = np.random.default_rng([int(seed), 3])
    for name in (params.hairline_needle, params.density_needle):
        if name not in NEEDLE_DIAMETER_MM:
            raise ValueError(f"unknown needle {name!r}; known: {', '.join(NEEDLE_DIAMETER_MM)}")
    hl = np.asarray(in_hairline_zone, dtype=bool)
    needle = np.where(hl, params.hairline_needle, params.density_needle)
    base = np.where(hl, NEEDLE_DIAMETER_MM[params.hairline_needle], NEEDLE_DIAMETER_MM[params.density_needle])
    diameter = base * np.exp(rng.normal(0.0, params.diameter_jitter, n))
    elong = np.clip(rng.normal(params.elongation_mean, params.elongation_sd, n), 1.0, params.elongation_max)
    angle = growth.angle_rad(xy) + np.deg2rad(rng.normal(0.0, params.angle_jitter_deg, n))
    depth = np.clip(rng.normal(params.depth_mm, params.depth_sd_mm, n), 0.06, None)
    if params.blowout_share > 0:
        deep = rng.random(n) < params.blowout_share
        depth = np.where(deep, rng.uniform(*params.blowout_depth_mm, n), depth)
    load = np.exp(rng.normal(0.0, params.load_sd, n))
    return DotAttributes(needle, diameter, elong, angle, depth, load)
