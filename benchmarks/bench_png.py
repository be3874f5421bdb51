"""Benchmark: writing a 12 MP preview image as PNG.

Run: ``.venv/bin/python -m benchmarks.bench_png``.

Ours: :func:`smpstudio.imaging.png.encode_png` (numpy "Up" filter + ISA-L deflate). Baselines in the same
run, what a user would otherwise pick: OpenCV's ``imencode`` at its fastest settings (compression 1, Sub
filter, Huffman only: what ``smp preview`` used before) and at its defaults, and Pillow's ``save`` at its
defaults. Also two images at once on two threads (a preview writes ~10 images in the background). Each
result is decoded again and compared with the input.
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from PIL import Image
from skimage import data

from smpstudio.imaging.png import encode_png


def _best(fn, repeat: int = 3) -> tuple[float, bytes]:
    out = b""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    img = cv2.resize(data.astronaut(), (3464, 3464), interpolation=cv2.INTER_CUBIC)
    print(f"image: {img.shape[1]}x{img.shape[0]} RGB uint8 ({img.nbytes / 1e6:.0f} MB); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    bgr = np.ascontiguousarray(img[..., ::-1])
    fast = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_SUB,
            cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY]

    def pil() -> bytes:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "PNG")
        return buf.getvalue()

    runs = {
        "ours (Up filter + ISA-L deflate)": lambda: encode_png(img),
        "OpenCV imencode, fastest settings": lambda: cv2.imencode(".png", bgr, fast)[1].tobytes(),
        "OpenCV imencode, defaults": lambda: cv2.imencode(".png", bgr)[1].tobytes(),
        "Pillow save, defaults": pil,
    }
    times = {}
    for name, fn in runs.items():
        dt, png = _best(fn, 3 if "defaults" not in name else 1)
        ok = np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), img)
        times[name] = dt
        print(f"{name:36s} {dt:6.3f} s  {len(png) / 1e6:5.1f} MB  lossless round trip: {ok}")
    ours = times["ours (Up filter + ISA-L deflate)"]
    for name, dt in times.items():
        if not name.startswith("ours"):
            print(f"ratio vs {name}: {dt / ours:.1f}x")
    with ThreadPoolExecutor(2) as pool:
        t = time.perf_counter()
        list(pool.map(lambda _: encode_png(img), range(4)))
        par = time.perf_counter() - t
        t = time.perf_counter()
        list(pool.map(lambda _: cv2.imencode(".png", bgr, fast), range(4)))
        par_cv = time.perf_counter() - t
    print(f"4 images on 2 threads: ours {par:.2f} s, OpenCV fastest {par_cv:.2f} s ({par_cv / par:.1f}x)")
    # a preview encodes in the background while the main thread renders: the encoder must not hold the GIL
    for name, fn in (("ours", lambda: encode_png(img)), ("OpenCV fastest", lambda: cv2.imencode(".png", bgr, fast))):
        with ThreadPoolExecutor(1) as pool:
            fut = pool.submit(lambda f=fn: [f() for _ in range(3)])
            worst, t_prev = 0.0, time.perf_counter()
            while not fut.done():
                sum(range(1000))  # a little Python work needing the GIL
                t_now = time.perf_counter()
                worst, t_prev = max(worst, t_now - t_prev), t_now
        print(f"longest main-thread stall while {name} encodes 3 images in the background: {worst * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
