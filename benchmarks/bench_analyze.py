"""Benchmark: ``smp analyze`` on a 12 MP photo, cold and warm, and where the time goes.

Run: ``.venv/bin/python -m benchmarks.bench_analyze``.

The 12 MP photo is the sample portrait enlarged (bicubic) to 3464 x 3464. "Cold" is a fresh
``smp analyze`` process (imports, model load, analysis, design, writing the outputs); "warm" is the
same analysis repeated in one process. Baseline, in the same run: what a user would otherwise do
for the hair/skin masks, OpenCV's GrabCut on the whole photo (reduced to 1 MP, since at 12 MP it
takes minutes) initialised with the face's bounding box.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.photos import twelve_mp_photo


def main() -> None:
    from smpstudio.analysis import analyze
    from smpstudio.analysis.headmodel import HeadModel
    from smpstudio.analysis.landmarks import default_backend
    from smpstudio.analysis.segmentation import segment
    from smpstudio.design import propose_hairline
    from smpstudio.imaging.intake import load_photo

    tmp = Path(tempfile.mkdtemp())
    big, src = twelve_mp_photo(tmp)

    exe = Path(sys.executable).with_name("smp")
    t = time.perf_counter()
    subprocess.run([str(exe), "analyze", str(src), "--out", str(tmp / "out")], check=True, capture_output=True)
    cold = time.perf_counter() - t
    print(f"smp analyze cold (new process, imports + model load + run + write): {cold:.2f} s")

    photo = load_photo(src)
    backend = default_backend()
    analyze(photo)  # warm up
    phases: dict[str, list[float]] = {"decode": [], "landmarks": [], "segmentation": [], "design": [], "total": []}
    for _ in range(5):
        t0 = time.perf_counter()
        photo = load_photo(src)
        t1 = time.perf_counter()
        k = 1536 / max(photo.width, photo.height)
        small = cv2.resize(photo.to_uint8(), None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        faces = backend.detect(small)
        t2 = time.perf_counter()
        a = analyze(photo)
        t3 = time.perf_counter()
        pts3 = a.landmarks_3d.astype(np.float64)
        head = HeadModel.fit(pts3, np.eye(3) if faces[0].rotation is None else faces[0].rotation, a.scale.px_per_mm)
        t4 = time.perf_counter()
        segment(photo.rgb, pts3, head)
        t5 = time.perf_counter()
        propose_hairline(a, age=40)
        t6 = time.perf_counter()
        phases["decode"].append(t1 - t0)
        phases["landmarks"].append(t2 - t1)
        phases["segmentation"].append(t5 - t4)
        phases["design"].append(t6 - t5)
        phases["total"].append((t1 - t0) + (t3 - t2) + (t6 - t5))  # decode + analyze + design
    med = {k: statistics.median(v) for k, v in phases.items()}
    print(f"warm, median of 5: decode+analyze+design {med['total']:.3f} s")
    for k in ("decode", "landmarks", "segmentation", "design"):
        print(f"  {k:13s} {med[k]:.3f} s  ({100 * med[k] / med['total']:.0f}%)")

    # baseline: GrabCut on the whole photo at 1 MP, rect = face box enlarged
    k = 1000 / big.shape[0]
    img = cv2.cvtColor(cv2.resize(big, None, fx=k, fy=k, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR)
    ov = a.landmarks_px * k
    x0, y0 = ov.min(axis=0)
    x1, y1 = ov.max(axis=0)
    w, h = x1 - x0, y1 - y0
    rect = (int(max(0, x0 - 0.7 * w)), int(max(0, y0 - h)), int(2.4 * w), int(2.1 * h))
    mask = np.zeros(img.shape[:2], np.uint8)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    t = time.perf_counter()
    cv2.grabCut(img, mask, rect, bgd, fgd, 5, cv2.GC_INIT_WITH_RECT)
    base = time.perf_counter() - t
    print(f"baseline GrabCut on the photo at 1 MP (one foreground mask, no hair/skin split): {base:.3f} s")
    print(f"ratio: our segmentation is {base / med['segmentation']:.1f}x faster than the baseline")
    print(f"target warm < 1 s: {'met' if med['total'] < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
