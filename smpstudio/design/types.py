"""Data objects of the hairline design and treatment zones."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smpstudio.analysis.types import FaceFrame

STYLES = ("soft", "broken", "defined")
ZONE_NAMES = ("hairline", "frontal", "mid_scalp", "crown", "temples")


@dataclass
class Hairline:
    """A designed hairline.

    Attributes
    ----------
    style : str
        ``"soft"``, ``"broken"`` or ``"defined"``.
    control_mm : ndarray, shape (K, 2)
        Control points on the face frame (mm, origin glabella, y up), ordered image-left to
        image-right: left temporal point, left frontotemporal point, (intermediate points), MFP, ...,
        right temporal point. The artist edits these.
    curve_mm : ndarray, shape (N, 2)
        The designed hairline: a smooth spline through the controls, left to right, on the face frame.
    edge_mm : ndarray, shape (N, 2)
        The edge as the pigment will draw it: ``curve_mm`` plus the style's irregularity.
    transition_mm : float
        Depth of the feathered transition zone behind the line (mm).
    mfp_height_mm : float
        Height of the mid-frontal point above the glabella measured along the forehead's surface (mm).
    mfp_height_image_mm : float
        The same height projected on the image plane (mm), shorter because the forehead slopes back.
    seed : int
        Seed of the style's irregularity.
    """

    style: str
    age: int
    control_mm: np.ndarray
    curve_mm: np.ndarray
    edge_mm: np.ndarray
    transition_mm: float
    mfp_height_mm: float
    mfp_height_image_mm: float
    seed: int


@dataclass
class Zone:
    """A treatment zone: a pixel mask of the photo and its area on the scalp's surface."""

    name: str
    mask: np.ndarray  # bool (H, W)
    area_cm2: float
    visible: bool = True
    note: str = ""


@dataclass
class Design:
    """Hairline + zones + the geometry the dot engine needs.

    Attributes
    ----------
    frame : FaceFrame
        px <-> face-plane mm mapping (carries the scale).
    hairline : Hairline
    zones : list of Zone
        Mutually exclusive zones; ``treatment`` (their union) is :attr:`treatment_mask`.
    treatment_mask : ndarray of bool, shape (H, W)
        Scalp to pigment: above the hairline, inside the head outline.
    behind_hairline_mm : ndarray of float32, shape (H, W)
        Signed distance on the face plane from the drawn hairline, in mm; positive behind (above)
        it. Use it for the transition-zone density gradient.
    foreshortening : ndarray of float32, shape (H, W)
        Image area per surface area (cosine of the surface's tilt from the camera, in (0, 1]) from the
        head model; surface density ``d`` appears on the image as ``d / foreshortening``.
    warnings : list of str
    """

    frame: FaceFrame
    hairline: Hairline
    zones: list[Zone]
    treatment_mask: np.ndarray
    behind_hairline_mm: np.ndarray
    foreshortening: np.ndarray
    warnings: list[str] = field(default_factory=list)

    def zone(self, name: str) -> Zone:
        for z in self.zones:
            if z.name == name:
                return z
        raise KeyError(name)
