"""Benchmark: peak memory of photo uploads under the decode budget (issue 13 item 4).

Each measurement runs in a fresh process and reads its own peak resident set (``ru_maxrss``):

* ``base``: the records' upload code imported, nothing decoded;
* ``one``: one upload decode (load_photo + JPEG + thumbnail) of the largest photo the budget admits,
  a 25 MP all-zero PNG (a few hundred kB on the wire) and a 24 MP camera-like JPEG;
* ``N at once``: N threads uploading at once through one :class:`DecodeBudget` with 2 slots: the
  peak stays near base + 2 decodes whatever N is;
* ``consult starts``: N consultations started at once (``POST /api/clients/{id}/consults``) of a 24.5 MP
  JPEG of a real face (``biden.jpg`` of ``smpstudio.imaging.real_photos``, 970x2204, scaled to 4082x6000), on the
  app itself (SQLite, its 8 request threads, 2 decode slots): each start decodes the upload and its stored
  form in one slot, then plans at display size outside it. With the default queue (2 waiting) the starts
  beyond 2 decoding + 2 waiting are refused at once (503); ``queue N`` lets every start wait its turn.
  The base is the app after one warm-up consult of a small photo (the face model loaded).

The 60 MP PNG the issue found (7745x7745, 175 kB) is refused from its header now; before the budget it
raised the server by ~1.5 GB per upload.

Run: ``.venv/bin/python -m benchmarks.bench_upload_memory``

Measured 2026-12-04 on the shared 2-core machine (peak MB, over base in brackets): uploads, 2 slots: one
1,059 (+648 PNG, +641 JPEG), 4 at once 1,782 (+1,371 PNG) and 1,664 (+1,246 JPEG); 4 slots 2,969 (+2,558).
Consult starts, 24.5 MP, base 590-592 with the face model: one 1,032 (+440); 8 at once 1,570 (+977; 4
started, 4 refused with 503; 1,458, 1,605 and 1,611 in three more runs), with a queue of 8 (all 8 started)
1,929 (+1,337) and 1,975 (+1,385).
The same 8 starts before every decode of a start was in the slot (HEAD 4abb6cb: the stored form decoded
again outside the slots, then the upload a third time): 3,279 (+2,681), one start 1,265 (+666).
"""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import io, resource, sys, threading
import numpy as np
from PIL import Image
from smpstudio.records.services_photos import DecodeBudget, prepare_upload
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
budget = DecodeBudget(max_megapixels=25.0, slots=slots, queue=n)  # every upload waits its turn
threads = [threading.Thread(target=prepare_upload, args=(budget, data)) for _ in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{base:.0f} {peak:.0f} {len(data)}")
"""


CONSULT_CHILD = r"""
import io, resource, sys, tempfile, threading, warnings
from collections import Counter
from pathlib import Path
from PIL import Image
from smpstudio.imaging.real_photos import photo_path
from smpstudio.imaging.samples import sample_photo
from smpstudio.records.settings import Settings
from smpstudio.records.testing import PASSWORD, _seed
from smpstudio.web.app import create_app
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
n, slots, queue = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
face = Image.open(photo_path("biden.jpg")).convert("RGB")
w = 6000 * face.width // face.height
buf = io.BytesIO()
face.resize((w, 6000), Image.Resampling.BICUBIC).save(buf, "JPEG", quality=90)  # 4082x6000: 24.5 MP
data = buf.getvalue()
tmp = Path(tempfile.mkdtemp())
url = f"sqlite:///{tmp / 'records.sqlite3'}"
accounts = _seed(url)
settings = Settings(data_dir=tmp / "data", database_url=url, env="dev", hash_processes=False,
                    decode_slots=slots, decode_queue=queue, db_threads=max(8, slots + queue + 1),
                    decode_wait_s=60.0 if queue >= n else 10.0)  # a queue for all: long enough for every turn
app = create_app(settings)
codes = Counter()
with TestClient(app) as tc:
    r = tc.post("/api/auth/login", json={"email": accounts["a_owner"].email, "password": PASSWORD})
    tc.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    cid = tc.post("/api/clients", json={"first_name": "Mem", "last_name": "Bench"}).json()["id"]
    def start(body):
        codes[tc.post(f"/api/clients/{cid}/consults", files={"file": ("f.jpg", body, "image/jpeg")}).status_code] += 1
    start(sample_photo().to_jpeg_bytes())  # warm-up: the face model loaded, one small consult
    assert codes == {201: 1}, codes
    codes.clear()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    threads = [threading.Thread(target=start, args=(data,)) for _ in range(n)]
    [t.start() for t in threads]; [t.join() for t in threads]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{base:.0f} {peak:.0f} {len(data)} {codes[201]} {sum(codes.values()) - codes[201]}")
"""


def measure_consults(n: int, slots: int, queue: int) -> tuple[float, float, int, int, int]:
    out = subprocess.run([sys.executable, "-c", CONSULT_CHILD, str(n), str(slots), str(queue)], capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    base, peak, size, ok, refused = out.stdout.split()
    return float(base), float(peak), int(size), int(ok), int(refused)


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
    print()
    print("consult starts at once, 24 MP face JPEG  starts  slots  queue  file kB  base MB  peak MB  over base MB"
          "  201  503")
    for n, slots, queue in ((1, 2, 2), (8, 2, 2), (8, 2, 8)):
        base, peak, size, ok, refused = measure_consults(n, slots, queue)
        print(f"{'':40s} {n:6d} {slots:6d} {queue:6d} {size / 1e3:8.0f} {base:8.0f} {peak:8.0f} {peak - base:13.0f}"
              f"  {ok:3d}  {refused:3d}")


if __name__ == "__main__":
    main()
