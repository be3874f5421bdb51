"""Data objects produced by photo analysis.

Coordinates: image pixels ``(x, y)`` with ``x`` to the right and ``y`` down, origin at the top-left
pixel's corner. The *face frame* is a plane in millimetres centred on the glabella with ``x_mm`` to
the client's left on the image (image right) and ``y_mm`` upwards along the face's midline; it is
rotated with the head's roll. :class:`FaceFrame` converts between the two and carries the photo's
scale, computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from smpstudio.analysis.headmodel import HeadModel

NAMED_POINTS = (
    "glabella",
    "nasion",
    "menton",
    "left_lateral_canthus",
    "right_lateral_canthus",
    "left_pupil",
    "right_pupil",
    "left_brow_top",
    "right_brow_top",
    "forehead_top",
)


@dataclass(frozen=True)
class Scale:
    """Millimetre scale of the photo at the face plane.

    Attributes
    ----------
    px_per_mm : float
        Pixels per millimetre.
    source : str
        ``"iris"`` (mean iris diameter = 11.7 mm), ``"ipd"`` (inter-pupillary distance) or
        ``"iris+ipd"`` (iris, confirmed by the IPD within its tolerance).
    uncertainty_rel : float
        Relative 1-sigma uncertainty of ``px_per_mm``.
    """

    px_per_mm: float
    source: str
    uncertainty_rel: float


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees: yaw (turn, + = client turns to image left), pitch (+ = chin up),
    roll (+ = head tilted clockwise on the image)."""

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class FaceFrame:
    """Mapping between image pixels and the face plane in mm (origin glabella, y up, roll removed).

    Examples
    --------
    >>> f = FaceFrame(origin_px=(100.0, 200.0), px_per_mm=2.0, roll_deg=0.0)
    >>> f.to_px(np.array([[0.0, 10.0]])).tolist()
    [[100.0, 180.0]]
    >>> f.to_mm(np.array([[100.0, 180.0]])).tolist()
    [[0.0, 10.0]]
    """

    origin_px: tuple[float, float]
    px_per_mm: float
    roll_deg: float

    def _rot(self) -> np.ndarray:
        a = np.deg2rad(self.roll_deg)
        return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    def to_px(self, xy_mm: np.ndarray) -> np.ndarray:
        """Face-plane mm (N, 2) -> image px (N, 2)."""
        xy = np.asarray(xy_mm, dtype=np.float64).reshape(-1, 2)
        d = np.stack([xy[:, 0], -xy[:, 1]], axis=1) * self.px_per_mm
        return d @ self._rot().T + np.asarray(self.origin_px)

    def to_mm(self, xy_px: np.ndarray) -> np.ndarray:
        """Image px (N, 2) -> face-plane mm (N, 2)."""
        xy = np.asarray(xy_px, dtype=np.float64).reshape(-1, 2) - np.asarray(self.origin_px)
        d = xy @ self._rot() / self.px_per_mm
        return np.stack([d[:, 0], -d[:, 1]], axis=1)


@dataclass
class Masks:
    """Per-pixel labels (bool, shape (H, W)), mutually exclusive.

    ``hair``: existing hair; ``skin``: bare skin of the face, forehead and scalp; ``background``:
    everything else. ``face``: the face mesh's outline (a subset of skin/hair pixels) and ``head``:
    the head's outline (face + scalp + hair) as estimated from the segmentation. ``scalp``: the
    visible bald scalp skin above the forehead (a subset of ``skin``; empty with an intact hairline)
    and ``forehead``: the forehead's skin from the brows to its top (a subset of ``skin``); ``None``
    when a producer does not compute them.
    """

    hair: np.ndarray
    skin: np.ndarray
    background: np.ndarray
    face: np.ndarray
    head: np.ndarray
    scalp: np.ndarray | None = None
    forehead: np.ndarray | None = None


@dataclass
class Analysis:
    """Everything measured on one photo."""

    image_size: tuple[int, int]  # (width, height) px
    landmarks_px: np.ndarray  # (478, 2) float32
    landmarks_3d: np.ndarray  # (478, 3) float32, x/y px, z px (relative depth, mediapipe convention)
    points_px: dict[str, tuple[float, float]]
    scale: Scale
    pose: HeadPose
    frame: FaceFrame
    masks: Masks
    iris_diameter_px: float
    warnings: list[str] = field(default_factory=list)
    head: HeadModel | None = None  # head model over forehead and scalp (mm)
