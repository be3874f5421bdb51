"""Benchmark: peak memory of photo uploads under the decode budget (issue 13 item 4).

Each measurement runs in a fresh process and reads its own peak resident set (``ru_maxrss``):

* ``base``: the records' upload code imported, nothing decoded;
* ``one``: one upload decode (load_photo + JPEG + thumbnail) of the largest photo the budget admits,
  a 25 MP all-zero PNG (a few hundred kB on the wire) and a 24 MP camera-like JPEG;
* ``N at once``: N threads uploading at once through one :class:`DecodeBudget` with 2 slots: the
  peak stays near base + 2 decodes whatever N is.

The 60 MP PNG the issue found (7745x7745, 175 kB) is refused from its header now; before the budget it
raised the server by ~1.5 GB per upload.

Run: ``.venv/bin/python -m benchmarks.bench_upload_memory``
"""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import io, resource, sys, threading
import numpy as np
from PIL import Image
from smpstudio.records.services_photos import DecodeBudget, _decode_within_budget
kind, n, slots = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buf = io.BytesIO()
if kind == "png":
    Image.new("RGB", (6124, 4082)).save(buf, "PNG")  # 25.0 MP of zeros
else:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (400, 600, 3), dtype=np.uint8)
    Image.fromarray(small).resize((6000, 4000), Image.Resampling.BICUBIC).save(buf, "JPEG", quality=90)
data = buf.getvalue()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
budget = DecodeBudget(max_megapixels=25.0, slots=slots)
threads = [threading.Thread(target=_decode_within_budget, args=(budget, data)) for _ in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{base:.0f} {peak:.0f} {len(data)}")
"""


def measure(kind: str, n: int, slots: int) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(n), str(slots)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    base, peak, size = out.stdout.split()
    return float(base), float(peak), int(size)


def main() -> None:
    print("photo                      uploads  slots  file kB  base MB  peak MB  over base MB")
    for kind, label in (("png", "25 MP zero PNG"), ("jpeg", "24 MP JPEG")):
        for n, slots in ((1, 2), (4, 2), (4, 4)):
            base, peak, size = measure(kind, n, slots)
            print(f"{label:26s} {n:7d} {slots:6d} {size / 1e3:8.0f} {base:8.0f} {peak:8.0f} {peak - base:13.0f}")


if __name__ == "__main__":
    main()
