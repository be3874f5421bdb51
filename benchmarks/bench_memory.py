"""Benchmark: peak memory of whole ``smp`` runs on 24 MP and 60 MP photos (budget <= 1.5 GB per run).

The photos are the real test photo ``biden.jpg`` enlarged (bicubic) to ~12, ~24 and ~60 MP (60 MP is
the intake's maximum). Each command (``smp analyze``, ``plan``, ``preview``, ``pack``) runs in a fresh
process; its peak resident set is the kernel's (``getrusage(RUSAGE_CHILDREN)``, one child per
measurement: each measurement runs in its own wrapper process). The baseline a user would otherwise
pick is the same photo reduced to 12 MP by hand: a 24 or 60 MP run should cost about as much (the
consultation works at 12 MP, :mod:`smpstudio.imaging.working`), so each row prints its ratio to the
12 MP run of the same command. Before the working resolution (2026-12-02): ``smp preview`` 24 MP 2.53 GB;
before the fixed mmap threshold (:mod:`smpstudio.imaging.heap`, 2026-12-04): 1.55-1.58 GB.

Run: ``.venv/bin/python -m benchmarks.bench_memory [COMMAND ...]`` (default: all four).
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

BUDGET_MB = 1536
COMMANDS = ("analyze", "plan", "preview", "pack")
EXTRA = {"pack": ["--client-name", "Bench Client"]}  # the pack is printed for one named client
SIZES = (24.0, 60.0)
BASELINE = 12.0


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


def main(argv: list[str] | None = None) -> None:
    commands = (sys.argv[1:] if argv is None else argv) or list(COMMANDS)
    over = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photos = {mp: _photo(folder, mp) for mp in (BASELINE, *SIZES)}
        smp = [sys.executable, "-m", "smpstudio.cli"]
        for cmd in commands:  # warm-up, not measured: numba's kernels compiled and cached (a first run after
            # an install compiles them, which costs time and memory that no later run pays)
            subprocess.run([*smp, cmd, *EXTRA.get(cmd, []), "--out", str(folder / f"warm-{cmd}")],
                           check=True, capture_output=True)
        print(f"budget {BUDGET_MB} MB per run; baseline: the same command on the photo at {BASELINE:g} MP")
        print(f"{'command':12s} {'MP':>4s} {'peak MB':>8s} {'wall s':>7s} {'budget':>7s} {'vs 12 MP':>9s}")
        for cmd in commands:
            peaks = {}
            for mp in (BASELINE, *SIZES):
                argv_ = [*smp, cmd, str(photos[mp]), *EXTRA.get(cmd, []), "--out", str(folder / f"{cmd}{mp:g}")]
                peaks[mp], wall = peak_mb(argv_)
                ok = peaks[mp] <= BUDGET_MB
                if not ok:
                    over.append(f"smp {cmd} {mp:g} MP ({peaks[mp]:.0f} MB)")
                print(f"smp {cmd:8s} {mp:4g} {peaks[mp]:8.0f} {wall:7.1f} {'ok' if ok else 'OVER':>7s} "
                      f"{peaks[mp] / peaks[BASELINE]:9.2f}", flush=True)
            if cmd == "preview":
                print(f"ratio smp preview 24/12 MP: {peaks[24.0] / peaks[BASELINE]:.2f}; "
                      f"60/12 MP: {peaks[60.0] / peaks[BASELINE]:.2f}")
    print(f"over the {BUDGET_MB} MB budget: {', '.join(over) if over else 'none'}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
