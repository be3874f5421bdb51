"""Benchmark: peak memory of ``smp preview`` on a 24 MP photo (target <= 1.5 GB), vs the 12 MP photo.

The 24 MP photo is the real test photo ``biden.jpg`` enlarged (bicubic) to ~24 MP. The command runs in
a fresh process; its peak resident set is the kernel's (``getrusage(RUSAGE_CHILDREN)``, one child per
measurement: each measurement runs in its own wrapper process). The baseline a user would otherwise
pick is the same photo at 12 MP: a 24 MP preview should cost no more than it (the consultation
works at 12 MP, :mod:`smpstudio.imaging.working`). Before the working resolution (2026-12-02): 2.53 GB.

Run: ``.venv/bin/python -m benchmarks.bench_memory``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def _photo(folder: Path, megapixels: float) -> Path:
    from smpstudio.imaging.real_photos import photo_path

    im = np.asarray(Image.open(photo_path("biden.jpg")).convert("RGB"))
    s = (megapixels * 1e6 / (im.shape[0] * im.shape[1])) ** 0.5
    big = cv2.resize(im, (int(im.shape[1] * s), int(im.shape[0] * s)), interpolation=cv2.INTER_CUBIC)
    out = folder / f"{megapixels:g}mp.jpg"
    Image.fromarray(big).save(out, "JPEG", quality=92)
    return out


_PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_mb(argv: list[str]) -> tuple[float, float]:
    """(peak resident set in MB, wall seconds) of one fresh process running ``argv``."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *argv], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024, time.perf_counter() - t


def main() -> None:
    smp = [sys.executable, "-m", "smpstudio.cli", "preview"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        p24, p12 = _photo(folder, 24), _photo(folder, 12)
        big, t_big = peak_mb([*smp, str(p24), "--out", str(folder / "o24")])
        base, t_base = peak_mb([*smp, str(p12), "--out", str(folder / "o12")])
    verdict = "met" if big <= 1536 else "NOT met"
    print(f"smp preview 24 MP: peak {big:.0f} MB in {t_big:.1f} s (target <= 1536 MB: {verdict})")
    print(f"baseline smp preview 12 MP: peak {base:.0f} MB in {t_base:.1f} s; ratio 24/12 MP {big / base:.2f}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
