"""Frontal recession: where the client's hair begins on the midline, against the proposed hairline.

Walking up the head model's midline from the glabella (:meth:`smpstudio.analysis.headmodel.HeadModel.
midline_points`, surface distances), the hair front is the first point from which the photo's hair mask
holds for :data:`HOLD_MM`; the recession is its height above the glabella minus the designed MFP's (both
along the surface, domain.md §3). A positive recession says the hair begins behind the proposed hairline:
the hairline band is bare or sparse there, whatever share of its pixels carry hair.

References
----------
.. [1] /work/shared/domain.md §3 (MFP 7-10 cm above the glabella along the forehead; transition zone
   0.5-1 cm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.analysis.types import Analysis

START_MM = 40.0  # below this the midline is the forehead's lower part (brows, glabella): never hair
STEP_MM = 1.0
HOLD_MM = 8.0  # [calibration] hair for this long on the midline is the hair front (not a stray hair)
HALF_WIDTH_PX = 2  # the midline sampled over 5 px across
#: [calibration] recession past which the hairline band counts as sparse / bare: the transition zone's width
#: (0.5-1 cm, domain.md §3) and twice it
THINNING_RECESSION_MM, BALD_RECESSION_MM = 8.0, 20.0


@dataclass(frozen=True)
class Recession:
    """The hair front on the midline (surface mm above the glabella) and its distance behind the MFP."""

    hair_front_mm: float | None  # None: no hair seen on the midline up to ``seen_up_to_mm``
    seen_up_to_mm: float  # how far up the midline the photo shows the head
    mfp_height_mm: float

    @property
    def recession_mm(self) -> float | None:
        """Hair front minus the proposed MFP (mm, + = behind it); None when no hair front is seen."""
        return None if self.hair_front_mm is None else self.hair_front_mm - self.mfp_height_mm

    def words(self) -> str:
        """The measurement in one sentence."""
        if self.hair_front_mm is None:
            return (f"no hair on the midline up to {self.seen_up_to_mm:.0f} mm above the glabella (the proposed "
                    f"MFP is at {self.mfp_height_mm:.0f} mm)")
        r = self.recession_mm
        assert r is not None
        where = f"{abs(r):.0f} mm {'behind' if r > 0 else 'in front of'} the proposed hairline"
        return f"the hair begins {self.hair_front_mm:.0f} mm above the glabella, {where}"


def frontal_recession(analysis: Analysis, hair_mask: np.ndarray, mfp_height_mm: float) -> Recession | None:
    """Measure the hair front on the midline (``None`` without a head model).

    Examples
    --------
    >>> r = Recession(112.0, 150.0, 85.0)
    >>> r.recession_mm, r.words()
    (27.0, 'the hair begins 112 mm above the glabella, 27 mm behind the proposed hairline')
    """
    head = analysis.head
    if head is None:
        return None
    h, w = hair_mask.shape
    arcs = np.arange(START_MM, 260.0, STEP_MM)
    q = head.midline_points(arcs)
    px = head.head_to_px(q)
    # seen: inside the photo and on the part of the vault facing the camera
    g = (q - head.center_mm) / head.radii_mm**2
    facing = (g @ np.asarray(head.rotation)[2]) < 0
    inside = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h) & facing
    if not inside.any():
        return Recession(None, START_MM, mfp_height_mm)
    last = int(np.flatnonzero(~inside)[0]) if (~inside).any() else len(arcs)
    arcs, px = arcs[:last], px[:last]
    hair = np.zeros(len(arcs), bool)
    for i, (x, y) in enumerate(np.round(px).astype(int)):
        x0, x1 = max(0, x - HALF_WIDTH_PX), min(w, x + HALF_WIDTH_PX + 1)
        hair[i] = hair_mask[y, x0:x1].mean() > 0.5
    hold = int(round(HOLD_MM / STEP_MM))
    seen = float(arcs[-1]) if len(arcs) else START_MM
    for i in range(len(hair) - hold + 1):
        if hair[i:i + hold].all():
            return Recession(float(arcs[i]), seen, mfp_height_mm)
    return Recession(None, seen, mfp_height_mm)


def coverage_with_recession(coverage: dict[str, float], rec: Recession | None) -> dict[str, float]:
    """The hairline zone's hair share, capped by the measured recession (a hair front far behind the proposed
    hairline leaves the band bare or sparse, though its back part may show hair).

    Examples
    --------
    >>> coverage_with_recession({"hairline": 0.7}, Recession(110.0, 150.0, 85.0))
    {'hairline': 0.1}
    """
    out = dict(coverage)
    if rec is None or "hairline" not in out:
        return out
    r = rec.recession_mm
    if r is None and rec.seen_up_to_mm > rec.mfp_height_mm + BALD_RECESSION_MM:
        out["hairline"] = min(out["hairline"], 0.1)
    elif r is not None and r >= BALD_RECESSION_MM:
        out["hairline"] = min(out["hairline"], 0.1)
    elif r is not None and r >= THINNING_RECESSION_MM:
        out["hairline"] = min(out["hairline"], 0.4)
    return out
