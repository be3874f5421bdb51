"""The analysis step: photo -> landmarks, scale, pose, head model and masks."""

from __future__ import annotations

import math

import cv2
import numpy as np

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.analysis.landmarks import LandmarkBackend, default_backend, named_points
from smpstudio.analysis.pose import pose_from_rotation, pose_warnings, rotation_from_landmarks
from smpstudio.analysis.scale import MIN_IRIS_PX, estimate_scale
from smpstudio.analysis.segmentation import segment
from smpstudio.analysis.types import Analysis, FaceFrame
from smpstudio.errors import PhotoError
from smpstudio.imaging.intake import Photo, to_uint8

DETECT_MAX_SIDE_PX = 1536  # the landmarker crops and resizes the face itself; larger inputs add nothing


def faces_in_parts(backend: LandmarkBackend, img8: np.ndarray) -> int:
    """How many distinct faces the landmarker finds in overlapping halves of the photo (left/right and
    top/bottom, 60 % each). Run only when the whole photo shows none: MediaPipe's detector finds no face
    at all in a photo of two people side by side, so "no face" would be the wrong message."""
    h, w = img8.shape[:2]
    parts = [
        (0, 0, h, int(w * 0.6)), (0, int(w * 0.4), h, w),
        (0, 0, int(h * 0.6), w), (int(h * 0.4), 0, h, w),
    ]
    centres: list[np.ndarray] = []
    sizes: list[float] = []
    for y0, x0, y1, x1 in parts:
        for face in backend.detect(np.ascontiguousarray(img8[y0:y1, x0:x1]), max_faces=2):
            pts = face.points[:, :2].astype(np.float64) + (x0, y0)
            centre, size = pts.mean(axis=0), float(np.ptp(pts[:, 0]))
            if all(np.hypot(*(centre - c)) > 0.5 * max(size, s) for c, s in zip(centres, sizes, strict=True)):
                centres.append(centre)
                sizes.append(size)
    return len(centres)


def analyze(photo: Photo | np.ndarray, *, backend: LandmarkBackend | None = None) -> Analysis:
    """Analyse a frontal portrait.

    Parameters
    ----------
    photo : Photo or ndarray
        The client's photo (a :class:`~smpstudio.imaging.intake.Photo`, or an RGB array).
    backend : LandmarkBackend, optional
        Landmark backend; MediaPipe's Face Landmarker by default.

    Returns
    -------
    Analysis

    Raises
    ------
    PhotoError
        No face, more than one face, or a face too small to measure.

    Examples
    --------
    >>> from skimage import data
    >>> a = analyze(data.astronaut())
    >>> 0.4 < a.scale.px_per_mm < 1.2, a.scale.source in ("iris", "iris+ipd", "ipd")
    (True, True)
    """
    if not isinstance(photo, Photo):
        photo = Photo.from_array(np.asarray(photo))
    rgb = photo.rgb
    h, w = rgb.shape[:2]
    k = min(1.0, DETECT_MAX_SIDE_PX / max(w, h))
    small = cv2.resize(rgb, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA) if k < 1.0 else rgb
    img8 = to_uint8(small)
    backend = backend or default_backend()
    faces = backend.detect(img8, max_faces=2)
    if not faces:
        in_parts = faces_in_parts(backend, img8)
        if in_parts >= 2:  # the landmarker finds none when two faces share the frame
            raise PhotoError(f"{in_parts} faces found in the photo; crop it to the client's face")
        if in_parts == 1:
            raise PhotoError("no face found in the whole photo (one was found in a part of it); "
                             "crop the photo to the client's face")
        raise PhotoError("no face found in the photo; use a frontal portrait with the whole face visible")
    if len(faces) > 1:
        raise PhotoError(f"{len(faces)} faces found in the photo; crop it to the client's face")
    face = faces[0]
    pts3 = face.points.astype(np.float64)
    if k < 1.0:
        pts3[:, 0] *= w / img8.shape[1]
        pts3[:, 1] *= h / img8.shape[0]
        pts3[:, 2] *= w / img8.shape[1]
    rotation = face.rotation if face.rotation is not None else rotation_from_landmarks(pts3)
    pose = pose_from_rotation(rotation)
    warnings = pose_warnings(pose)
    scale, iris_px, scale_warnings = estimate_scale(pts3, pose.yaw)
    warnings += scale_warnings
    if iris_px < MIN_IRIS_PX:
        raise PhotoError(
            f"the face is too small to measure (iris {iris_px:.1f} px across, at least {MIN_IRIS_PX:.0f} px "
            "needed); take the photo closer or at a higher resolution"
        )
    points = named_points(pts3)
    frame = FaceFrame(origin_px=points["glabella"], px_per_mm=scale.px_per_mm, roll_deg=pose.roll)
    head = HeadModel.fit(pts3, rotation, scale.px_per_mm)
    masks = segment(rgb, pts3, head)
    if math.isnan(scale.px_per_mm):
        raise PhotoError("the face's scale could not be measured")
    return Analysis(
        image_size=(w, h),
        landmarks_px=pts3[:, :2].astype(np.float32),
        landmarks_3d=pts3.astype(np.float32),
        points_px=points,
        scale=scale,
        pose=pose,
        frame=frame,
        masks=masks,
        iris_diameter_px=float(iris_px),
        warnings=warnings,
        head=head,
    )
