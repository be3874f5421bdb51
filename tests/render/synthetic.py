"""Synthetic flat-skin scenes with a known scale for measuring rendered dots."""

from __future__ import annotations

import numpy as np

from smpstudio.analysis.types import FaceFrame
from smpstudio.pattern.density import DensityParams
from smpstudio.pattern.dots import DotParams
from smpstudio.pattern.layout import Pattern, layout_pattern

FAIR_SKIN_LINEAR = np.array([0.62, 0.46, 0.37])
HAIRLINE_Y_MM = 8.0


def flat_scene(px_per_mm: float, width_mm: float = 60.0, height_mm: float = 40.0
               ) -> tuple[FaceFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frame (origin at the bottom centre, y up), treatment mask, behind-hairline distance (mm),
    foreshortening (1) and a hairline-zone mask, for an image of the given size."""
    w = int(round(width_mm * px_per_mm))
    h = int(round(height_mm * px_per_mm))
    frame = FaceFrame(origin_px=(w / 2.0, float(h)), px_per_mm=px_per_mm, roll_deg=0.0)
    yy = (h - (np.arange(h) + 0.5)) / px_per_mm  # face-plane y of each row's centre
    behind = np.repeat((yy - HAIRLINE_Y_MM)[:, None], w, axis=1).astype(np.float32)
    treatment = behind > -4.0
    fore = np.ones((h, w), np.float32)
    hairline_zone = (behind > -4.0) & (behind < 10.0)
    return frame, treatment, behind, fore, hairline_zone


def flat_pattern(px_per_mm: float = 16.0, *, n_sessions: int = 3, style: str = "defined", seed: int = 1,
                 transition_mm: float = 8.0, dots: DotParams = DotParams(), density: float = 80.0,
                 width_mm: float = 60.0, height_mm: float = 40.0) -> Pattern:
    frame, treatment, behind, fore, hz = flat_scene(px_per_mm, width_mm, height_mm)
    return layout_pattern(frame, treatment, behind, fore, style=style, transition_mm=transition_mm,
                          n_sessions=n_sessions, interval_days=14, seed=seed, hairline_zone=hz, ita_deg=45.0,
                          density=DensityParams(full_density_per_cm2=density), dots=dots)


def flat_photo_linear(px_per_mm: float, width_mm: float = 60.0, height_mm: float = 40.0,
                      skin: np.ndarray = FAIR_SKIN_LINEAR) -> np.ndarray:
    w = int(round(width_mm * px_per_mm))
    h = int(round(height_mm * px_per_mm))
    return np.broadcast_to(np.asarray(skin, np.float32), (h, w, 3)).copy()
