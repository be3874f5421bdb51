"""Face landmarks behind a small interface, with MediaPipe's Face Landmarker as the default backend.

A backend turns an RGB image into zero or more faces, each 478 points (468 face-mesh points and
10 iris points, MediaPipe's topology) in image pixels plus a relative depth, and optionally the head's
rotation. Any other backend with the same topology can be swapped in through
:func:`set_default_backend`.

References
----------
.. [1] Kartynnik, Y. et al. "Real-time Facial Surface Geometry from Monocular Video on Mobile GPUs."
   CVPR Workshops, 2019 (the 468-point face mesh).
.. [2] Ablavatski, A. et al. "Real-time Pupil Tracking from Monocular Video for Digital Puppetry."
   arXiv:2006.11341, 2020 (the iris landmarks).
.. [3] MediaPipe Face Landmarker task guide, Google AI Edge (``face_landmarker.task``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

N_LANDMARKS = 478

# MediaPipe face-mesh indices of the named points ("left"/"right" are image-left/image-right).
IDX_GLABELLA = 9
IDX_NASION = 168
IDX_MENTON = 152
IDX_FOREHEAD_TOP = 10
IDX_FOREHEAD_MID = 151
IDX_SUBNASALE = 2
IDX_LEFT_LATERAL_CANTHUS = 33
IDX_RIGHT_LATERAL_CANTHUS = 263
IDX_LEFT_IRIS = (468, 469, 470, 471, 472)  # centre, then right, top, left, bottom edge points
IDX_RIGHT_IRIS = (473, 474, 475, 476, 477)
IDX_LEFT_BROW_UPPER = (70, 63, 105, 66, 107)
IDX_RIGHT_BROW_UPPER = (300, 293, 334, 296, 336)
IDX_LEFT_TEMPLE = 127
IDX_RIGHT_TEMPLE = 356
# The face oval, in order around the face.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
MIDLINE_FOREHEAD = (IDX_GLABELLA, IDX_FOREHEAD_MID, IDX_FOREHEAD_TOP)


@dataclass(frozen=True)
class FaceLandmarks:
    """One detected face.

    Attributes
    ----------
    points : ndarray, shape (478, 3), float32
        x, y in image pixels; z relative depth in pixel units (smaller = nearer the camera).
    rotation : ndarray, shape (3, 3) or None
        Rotation taking head coordinates (x right, y down, z away from the camera, in the image's axes)
        to image coordinates, if the backend estimates it.
    """

    points: np.ndarray
    rotation: np.ndarray | None


class LandmarkBackend(Protocol):
    """What a landmark backend provides."""

    name: str

    def detect(self, rgb_uint8: np.ndarray, max_faces: int = 2) -> list[FaceLandmarks]:
        """Detect up to ``max_faces`` faces in an (H, W, 3) uint8 RGB image."""
        ...


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ logging (glog / TFLite INFO lines) that MediaPipe prints on start-up."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class MediaPipeBackend:
    """MediaPipe Face Landmarker (Tasks API), model from the pinned PyPI wheel (see ``model_files``)."""

    name = "mediapipe-face-landmarker"

    def __init__(self, model_bytes: bytes | None = None) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        from mediapipe.tasks.python import BaseOptions, vision

        from smpstudio.analysis.model_files import load_model_bytes

        data = model_bytes if model_bytes is not None else load_model_bytes()
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=data),
            num_faces=2,
            min_face_detection_confidence=0.5,
            min_face_presence_confidence=0.5,
            output_facial_transformation_matrixes=True,
            running_mode=vision.RunningMode.IMAGE,
        )
        with _quiet_native_stderr():
            self._landmarker = vision.FaceLandmarker.create_from_options(options)
            # the first inference initialises the TFLite delegate, which logs too
            self._landmarker.detect(mp_image(np.zeros((64, 64, 3), np.uint8)))
        self._lock = threading.Lock()
        # MediaPipe closes through a thread pool that Python shuts down before ordinary atexit hooks
        # run; threading's own exit hooks run in reverse order of registration, so ours comes first.
        register = getattr(threading, "_register_atexit", atexit.register)
        register(self.close)

    def close(self) -> None:
        lm, self._landmarker = getattr(self, "_landmarker", None), None
        if lm is not None:
            try:
                lm.close()
            except RuntimeError:  # interpreter already shutting down: nothing left to free
                lm._handle = None

    def detect(self, rgb_uint8: np.ndarray, max_faces: int = 2) -> list[FaceLandmarks]:
        h, w = rgb_uint8.shape[:2]
        image = mp_image(rgb_uint8)
        with self._lock:
            if self._landmarker is None:
                raise RuntimeError("landmark backend is closed")
            result = self._landmarker.detect(image)
        faces = []
        flip = np.diag([1.0, -1.0, -1.0])  # MediaPipe's camera frame (y up, z to viewer) -> image axes
        for i, lms in enumerate(result.face_landmarks[:max_faces]):
            pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lms], dtype=np.float32)
            rot = None
            if result.facial_transformation_matrixes and i < len(result.facial_transformation_matrixes):
                m = np.asarray(result.facial_transformation_matrixes[i], dtype=np.float64)[:3, :3]
                u, _, vt = np.linalg.svd(m)  # strip any scale
                rot = flip @ (u @ vt) @ flip
            faces.append(FaceLandmarks(pts, rot))
        return faces


def mp_image(rgb_uint8: np.ndarray) -> Any:
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb_uint8))


_default: LandmarkBackend | None = None
_default_lock = threading.Lock()


def default_backend() -> LandmarkBackend:
    """The process-wide backend (created on first use; the model loads once, ~0.1 s)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = MediaPipeBackend()
        return _default


def set_default_backend(backend: LandmarkBackend | None) -> None:
    """Swap the landmark backend (``None`` restores MediaPipe on next use)."""
    global _default
    with _default_lock:
        _default = backend


def named_points(points: np.ndarray) -> dict[str, tuple[float, float]]:
    """Named anatomical points in pixels from the 478 landmarks ("left" = image left).

    Examples
    --------
    >>> pts = np.zeros((478, 3), np.float32); pts[9] = (5, 6, 0)
    >>> named_points(pts)["glabella"]
    (5.0, 6.0)
    """
    p = np.asarray(points, dtype=np.float64)[:, :2]

    def pt(i: int) -> tuple[float, float]:
        return (float(p[i, 0]), float(p[i, 1]))

    def brow_top(idx: tuple[int, ...]) -> tuple[float, float]:
        sub = p[list(idx)]
        j = int(np.argmin(sub[:, 1]))
        return (float(sub[j, 0]), float(sub[j, 1]))

    return {
        "glabella": pt(IDX_GLABELLA),
        "nasion": pt(IDX_NASION),
        "menton": pt(IDX_MENTON),
        "subnasale": pt(IDX_SUBNASALE),
        "forehead_top": pt(IDX_FOREHEAD_TOP),
        "left_lateral_canthus": pt(IDX_LEFT_LATERAL_CANTHUS),
        "right_lateral_canthus": pt(IDX_RIGHT_LATERAL_CANTHUS),
        "left_pupil": pt(IDX_LEFT_IRIS[0]),
        "right_pupil": pt(IDX_RIGHT_IRIS[0]),
        "left_brow_top": brow_top(IDX_LEFT_BROW_UPPER),
        "right_brow_top": brow_top(IDX_RIGHT_BROW_UPPER),
    }
