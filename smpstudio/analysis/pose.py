"""Head pose (yaw, pitch, roll) from the landmark backend's rotation, or from the landmarks alone.

References
----------
.. [1] Slabaugh, G. G. "Computing Euler angles from a rotation matrix." 1999.
"""

from __future__ import annotations

import math

import numpy as np

from smpstudio.analysis.landmarks import IDX_LEFT_LATERAL_CANTHUS, IDX_RIGHT_LATERAL_CANTHUS
from smpstudio.analysis.types import HeadPose

MAX_FRONTAL_YAW_DEG = 15.0
MAX_FRONTAL_PITCH_DEG = 25.0


def pose_from_rotation(rotation: np.ndarray) -> HeadPose:
    """Euler angles (degrees) of a head->image rotation (image axes: x right, y down, z away).

    ``roll`` is positive when the head is tilted clockwise on the image, ``yaw`` positive when the face
    turns toward image left, ``pitch`` positive when the chin is raised.

    Examples
    --------
    >>> pose_from_rotation(np.eye(3))
    HeadPose(yaw=0.0, pitch=0.0, roll=0.0)
    """
    r = np.asarray(rotation, dtype=np.float64)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, r[2, 0]))))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return HeadPose(yaw=yaw + 0.0, pitch=pitch + 0.0, roll=roll + 0.0)


def roll_from_landmarks(points: np.ndarray) -> float:
    """Roll (degrees, clockwise positive on the image) of the line through the lateral canthi."""
    p = np.asarray(points, dtype=np.float64)
    d = p[IDX_RIGHT_LATERAL_CANTHUS, :2] - p[IDX_LEFT_LATERAL_CANTHUS, :2]
    return math.degrees(math.atan2(d[1], d[0]))


def rotation_from_landmarks(points: np.ndarray) -> np.ndarray:
    """A head->image rotation with roll only, for backends that give no rotation."""
    a = math.radians(roll_from_landmarks(points))
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def pose_warnings(pose: HeadPose) -> list[str]:
    """Warnings for poses too far from frontal for reliable measurement."""
    out = []
    if abs(pose.yaw) > MAX_FRONTAL_YAW_DEG:
        out.append(
            f"head turned {pose.yaw:+.0f} deg (more than {MAX_FRONTAL_YAW_DEG:.0f}); measurements are unreliable, "
            "take a frontal photo"
        )
    if abs(pose.pitch) > MAX_FRONTAL_PITCH_DEG:
        out.append(f"head tilted {pose.pitch:+.0f} deg up/down; the forehead heights are unreliable")
    return out
