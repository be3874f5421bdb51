"""Real portraits for the demo and the tests, taken from a pinned registry package at set-up time.

No photo is committed to the repository and none is downloaded at run time. The source archive of
``face_recognition==1.3.0`` on PyPI (MIT for the package; the portraits are official US-government
works) ships test images under ``tests/test_images/``. ``scripts/setup.sh`` runs
``python -m smpstudio.imaging.real_photos``, which fetches that archive with
``pip download --no-deps --no-binary :all:``, checks the archive's and each photo's sha256 and copies the
photos into ``<venv>/share/smpstudio/photos/`` (or ``$SMP_PHOTO_DIR``).

``biden.jpg``
    970x2204, a man with a receding hairline and thinning white hair, ~2 px/mm.
``obama.jpg``
    910x1137, a man with close-cropped dark hair.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PHOTO_PACKAGE = "face_recognition"
PHOTO_PACKAGE_VERSION = "1.3.0"
PHOTO_ARCHIVE_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
PHOTO_MEMBER_DIR = "face_recognition-1.3.0/tests/test_images/"

#: file name -> (sha256, what it shows)
PHOTOS: dict[str, tuple[str, str]] = {
    "biden.jpg": ("3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c",
                  "receding hairline, thinning white hair"),
    "obama.jpg": ("0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6",
                  "close-cropped dark hair"),
    "obama2.jpg": ("a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6",
                   "close-cropped dark hair, head turned and tilted (speaking at a lectern)"),
}

#: the photo ``make run`` shows: a representative SMP client (receding, thinning hair)
DEMO_PHOTO = "biden.jpg"


class PhotoMissingError(RuntimeError):
    """A real photo is not installed or fails its checksum."""


def photo_dir() -> Path:
    """Where the photos are installed: ``$SMP_PHOTO_DIR`` or ``<sys.prefix>/share/smpstudio/photos``."""
    env = os.environ.get("SMP_PHOTO_DIR")
    return Path(env) if env else Path(sys.prefix) / "share" / "smpstudio" / "photos"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def photo_path(name: str) -> Path:
    """Path of an installed photo, its sha256 verified.

    Raises
    ------
    PhotoMissingError
        If the name is unknown, the file is absent or its checksum differs from the pinned one.
    """
    if name not in PHOTOS:
        raise PhotoMissingError(f"unknown real photo {name!r}; known: {', '.join(PHOTOS)}")
    p = photo_dir() / name
    if not p.is_file():
        raise PhotoMissingError(f"real photo {name} not found at {p}; run ./scripts/setup.sh "
                                "(or python -m smpstudio.imaging.real_photos) to install it")
    if _sha256(p.read_bytes()) != PHOTOS[name][0]:
        raise PhotoMissingError(f"real photo at {p} fails its sha256 check; reinstall it with ./scripts/setup.sh")
    return p


def install_photos(dest: Path | None = None) -> Path:
    """Fetch the pinned source archive (no dependencies), verify it and install the photos."""
    dest = dest or photo_dir()
    if all((dest / n).is_file() and _sha256((dest / n).read_bytes()) == h for n, (h, _) in PHOTOS.items()):
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             "-d", tmp, f"{PHOTO_PACKAGE}=={PHOTO_PACKAGE_VERSION}"],
            check=True,
        )
        archives = list(Path(tmp).glob("*.tar.gz"))
        if len(archives) != 1:
            raise PhotoMissingError(f"expected one source archive for {PHOTO_PACKAGE}, got {archives}")
        if _sha256(archives[0].read_bytes()) != PHOTO_ARCHIVE_SHA256:
            raise PhotoMissingError(f"{archives[0].name} fails its pinned sha256")
        found: dict[str, bytes] = {}
        with tarfile.open(archives[0], "r:gz") as tf:
            for name in PHOTOS:
                member = tf.extractfile(PHOTO_MEMBER_DIR + name)
                if member is None:
                    raise PhotoMissingError(f"{name} missing from {archives[0].name}")
                found[name] = member.read()
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in found.items():
        if _sha256(data) != PHOTOS[name][0]:
            raise PhotoMissingError(f"{name} in the archive fails its pinned sha256")
        part = dest / (name + ".part")
        part.write_bytes(data)
        os.replace(part, dest / name)
    return dest


if __name__ == "__main__":
    if sys.argv[1:2] == ["--path"]:  # print an installed photo's path (the Makefile's demo)
        print(photo_path(sys.argv[2] if len(sys.argv) > 2 else DEMO_PHOTO))
    else:
        print(f"real photos: {install_photos()}")
