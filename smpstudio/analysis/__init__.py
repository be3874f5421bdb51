"""Photo analysis: landmarks, scale, pose, head model, hair/skin/background masks."""

from smpstudio.analysis.analyze import analyze
from smpstudio.analysis.types import Analysis, FaceFrame, HeadPose, Masks, Scale

__all__ = ["Analysis", "FaceFrame", "HeadPose", "Masks", "Scale", "analyze"]
