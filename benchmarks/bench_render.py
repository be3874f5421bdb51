"""Benchmark: rendering 1,000,000 dots into a 4000 x 3000 float32 image.

Run: ``.venv/bin/python -m benchmarks.bench_render``.

Ours: :func:`smpstudio.render.render.render_opacity` (band-parallel, anti-aliased, exact pixel
integration) for 1M blue-noise dots at ~3.1 px/mm (80 dots/cm^2 filling the image), three splat sets:

* ``core only``: each dot an oval core of sigma ~0.3 px (1 splat per dot);
* ``core + halo``: plus its diffuse halo, sigma 0.28 mm (2 splats per dot);
* ``product, healed``: the splats the product itself draws, built by
  :func:`smpstudio.render.preview.dot_splats` (used by ``smp preview`` and ``smp plan`` through
  ``render_on_photo``) from a pattern of the same dots with the product's default per-dot attributes and
  optics: main core + off-centre satellite lobe + diffuse halo (3 splats per dot); ``product, fresh``
  adds the red halo (4 splats per dot).

Then the multiplicative composite onto the photo. Baseline in the same run, what a user would otherwise
write: a loop of ``cv2.ellipse(..., cv2.LINE_AA)`` + alpha blending of the dot's neighbourhood (timed on
a subset and reported per dot; it draws one ellipse per dot, no halo); OpenCV drops anti-aliasing on
float images, so the baseline draws on uint8. The machine is shared: every rate is printed with the load
average at that moment, and each figure is the best of several runs.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from smpstudio.render.render import Splats


def dots(n: int, w: int, h: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    from smpstudio.pattern.sampling import DensityGrid, ranked_blue_noise

    ppm = np.sqrt(n / (0.8 * w * h)) ** -1  # px per mm so that n dots at 80 /cm^2 fill the image
    pts = ranked_blue_noise(DensityGrid.uniform(80.0, w / ppm, h / ppm, cell_mm=10.0), seed)
    xy = pts.xy_mm[:n] * ppm
    rng = np.random.default_rng(seed)
    m = len(xy)
    core = 0.098 * ppm  # healed core sigma (mm -> px)
    major = core * rng.uniform(1.0, 1.3, m)
    angle = rng.uniform(0, np.pi, m)
    amp = np.tile(np.array([[0.55, 0.50, 0.45]], np.float32), (m, 1))
    return xy[:, 0], xy[:, 1], major, np.full(m, core), angle, amp, ppm


def product_splats(x_px: np.ndarray, y_px: np.ndarray, ppm: float, stage: str, seed: int = 0) -> Splats:
    """The splats ``smp preview`` draws for these dots (preview.dot_splats with the product's defaults)."""
    from smpstudio.analysis.types import FaceFrame
    from smpstudio.optics.dot import STAGES
    from smpstudio.pattern.dots import dot_attributes
    from smpstudio.pattern.layout import Pattern
    from smpstudio.render import preview as pv

    n = len(x_px)
    frame = FaceFrame(origin_px=(0.0, 0.0), px_per_mm=float(ppm), roll_deg=0.0)
    xy_px = np.stack([x_px, y_px], axis=1)
    xy_mm = frame.to_mm(xy_px)
    attrs = dot_attributes(xy_mm, np.zeros(n, bool), seed)
    pattern = Pattern(xy_mm=xy_mm, xy_px=xy_px, session=np.ones(n, np.int64), attrs=attrs,
                      foreshortening=np.ones(n), water_parts=(8.0,), sessions=[], frame=frame, seed=seed)
    skin = np.array([0.62, 0.46, 0.37])  # fair skin, linear RGB
    return pv.dot_splats(pattern, np.ones(n, bool), np.full(n, STAGES.index(stage)), skin,
                         pv.View.photo(pattern), seed=seed)


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> None:
    from smpstudio.render.render import Splats, composite, render_opacity

    w, h, n = 4000, 3000, 1_000_000
    reps = int(os.environ.get("BENCH_REPS", "5"))
    x, y, major, minor, angle, amp, ppm = dots(n, w, h)
    n = len(x)
    core = Splats.elliptical(x, y, major, minor, angle, amp)
    halo = Splats.isotropic(x, y, 0.28 * ppm, amp * 0.25)
    t = time.perf_counter()
    healed = product_splats(x, y, float(ppm), "healed")
    setup = time.perf_counter() - t
    fresh = product_splats(x, y, float(ppm), "fresh")
    sets = {"core only": core, "core + halo": Splats.concat([core, halo]), "product, healed": healed,
            "product, fresh": fresh}
    photo = np.full((h, w, 3), 0.5, np.float32)
    render_opacity(Splats.isotropic(x[:10], y[:10], 1.0, amp[:10]), h, w)  # load kernels
    composite(photo[:8, :8], np.zeros((8, 8, 3), np.float32))
    print(f"{n:,} dots at {ppm:.2f} px/mm into {w}x{h} float32, {os.cpu_count()} cores, numba threads "
          f"{os.environ.get('NUMBA_NUM_THREADS', 'default')}; best of {reps} runs each, {load()} at start")
    print(f"product splats per dot: healed {len(healed) / n:.2f}, fresh {len(fresh) / n:.2f}; building them "
          f"(preview.dot_splats, numpy): {setup:.2f} s ({load()})")
    best = {}
    for name, s in sets.items():
        times, cpu = [], []
        for _ in range(reps):
            t, c = time.perf_counter(), time.process_time()
            op = render_opacity(s, h, w)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        best[name] = min(times)
        print(f"ours, {name} ({len(s) / n:.0f} splats/dot): {min(times):.3f} s = {n / min(times):,.0f} dots/s, "
              f"median {np.median(times):.3f} s ({n / min(cpu):,.0f} dots per CPU-second, all threads; {load()})")
    t = time.perf_counter()
    composite(photo, op)
    comp = time.perf_counter() - t
    print(f"ours, composite onto the photo (linear light, multiplicative): {comp:.3f} s")

    # baseline: cv2.ellipse(LINE_AA) + alpha blend per dot, on uint8 (float images lose AA in OpenCV)
    img = np.full((h, w, 3), 200, np.uint8)
    k = 30_000
    t = time.perf_counter()
    for i in range(k):
        cx, cy = int(round(x[i] * 16)), int(round(y[i] * 16))  # 4 bits of sub-pixel shift
        ax = (max(int(round(2 * major[i] * 16)), 1), max(int(round(2 * minor[i] * 16)), 1))
        x0, y0 = max(int(x[i]) - 3, 0), max(int(y[i]) - 3, 0)
        x1, y1 = min(int(x[i]) + 4, w), min(int(y[i]) + 4, h)
        roi = img[y0:y1, x0:x1]
        over = roi.copy()
        cv2.ellipse(over, ((cx - x0 * 16), (cy - y0 * 16)), ax, float(np.degrees(angle[i])), 0, 360, (60, 60, 60),
                    -1, cv2.LINE_AA, 4)
        cv2.addWeighted(over, 0.55, roi, 0.45, 0, dst=roi)
    base = (time.perf_counter() - t) / k
    print(f"baseline cv2.ellipse(LINE_AA) + alpha blend: {1 / base:,.0f} dots/s (timed on {k:,} dots; {load()})")
    for name, dt in best.items():
        print(f"ratio, {name}: {(n / dt) * base:.1f}x the baseline (target >= 15x); "
              f"{n / dt:,.0f} dots/s (target >= 3,000,000)")


if __name__ == "__main__":
    main()
