"""Benchmark: server time of one preview update after a drag of the hairline, on a 12 MP photo.

Run: ``.venv/bin/python -m benchmarks.bench_drag``.

What the tablet app's server does for one drag step now: ``PATCH /api/consults/{id}`` (the move applied:
design from the cached proposal, pattern; the answer's view: hairline, control points, the plan in
words) and ``GET .../dots`` (the stage's splats, float32 bytes); the browser draws the dots over the
scene it fetched once (``static/dots.js``). Measured three ways, in this order, on the same
consultation (the photo cropped to the head at display size, ``consult_service.head_view``):

* **drag, browser draws**: the move as a draft + view (the plan beside with the new impressions and
  hours; shades, prices and checks from the last plan) + splats: what the app sends during a drag;
* **finger lifts, plan redone**: the move with the whole plan redone + view + splats (the app then
  fetches the server's own render, as before);
* **drag, server renders** (what it did before): draft move + view + the stage rendered and
  JPEG-encoded at display size.

Wall time and CPU time (all threads) are printed with the load average: on the shared 2-core machine
the wall time grows with the other processes' load.

Baseline in the same run, what a drag would cost by re-running the consultation: the same move through a
pipeline on the full 12 MP photo (analysis and scalp step cached, i.e. warm), the same stage rendered at
12 MP and JPEG-encoded; and once cold (a new pipeline: analysis included).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.photos import twelve_mp_photo

DRAGS = 40


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def _timed(drags: int, one: Callable[[int], int]) -> tuple[list[float], list[float], list[int]]:
    wall, cpu, dots = [], [], []
    for k in range(drags):
        t, c0 = time.perf_counter(), time.process_time()
        dots.append(one(k))
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c0)
    return wall, cpu, dots


def _line(name: str, wall: list[float], cpu: list[float], dots: list[int]) -> None:
    print(f"{name} ({len(wall)} drags, {min(dots)}-{max(dots)} dots): wall p50 {_p(wall, 50):.0f} ms, "
          f"p95 {_p(wall, 95):.0f} ms; CPU p50 {_p(cpu, 50):.0f} ms, p95 {_p(cpu, 95):.0f} ms")


def main() -> None:
    from smpstudio.imaging.intake import load_photo
    from smpstudio.pipeline import DesignInputs, Pipeline
    from smpstudio.web import consult_dots
    from smpstudio.web import consult_schemas as cs
    from smpstudio.web import consult_service as svc
    from smpstudio.web.consult_state import Consult

    _, src = twelve_mp_photo(Path(tempfile.mkdtemp()))
    photo = load_photo(src)
    pipe = Pipeline()
    today = dt.date(2026, 12, 1)
    t = time.perf_counter()
    display, crop, inputs = svc.open_view(photo, pipe, today)
    print(f"consultation opened (decode done; head crop {crop[2]}x{crop[3]} px -> {display.width}x{display.height}): "
          f"{time.perf_counter() - t:.2f} s")
    c = Consult(id=1, clinic_id=1, user_id=1, client_id=1, photo_id=1, photo_sha256="", source_size=(photo.width,
                photo.height), photo=display, pipe=pipe, inputs=inputs, crop_px=crop)
    stage = [n for n in svc.stage_names(svc.planned(c)) if n.endswith("-healed")][-1]
    svc.stage_jpeg(c, stage)  # warm: numba kernels, scene
    svc.base_png(c)  # fetched once by the browser
    mid = len(svc.planned(c).pattern_step.design.design.hairline.control_mm) // 2
    x0, y0 = svc.view(c, svc.planned(c)).control_points[mid]
    ppm = svc.planned(c).pattern_step.design.scalp.analysis.frame.px_per_mm  # display px per mm

    def move(k: int, draft: bool) -> cs.ConsultChange:
        # a finger moving the MFP down and up by up to 9 mm, a new position every step (never one seen before)
        dy = 9.0 * np.sin(k / 6.0) * ppm
        return cs.ConsultChange(move=cs.Move(index=mid, x=x0, y=y0 + dy + 0.01 * k + 0.003 * draft), draft=draft)

    def browser_draws(k: int) -> int:
        step = svc.apply(c, move(k, True))
        svc.view(c, step)
        consult_dots.stage_splats_bytes(c, stage)
        return len(step.pattern)

    def browser_draws_plan_too(k: int) -> int:
        step = svc.apply(c, move(k + 1000, False))
        svc.view(c, step)
        consult_dots.stage_splats_bytes(c, stage)
        return len(step.pattern)

    def server_renders(k: int) -> int:
        step = svc.apply(c, move(k + 2000, True))
        svc.view(c, step)
        svc.stage_jpeg(c, stage)
        return len(step.pattern)

    for fn in (browser_draws, browser_draws_plan_too, server_renders):
        _timed(3, fn)  # warm
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    results = {}
    for name, fn in (("drag, browser draws", browser_draws), ("finger lifts, plan redone", browser_draws_plan_too),
                     ("drag, server renders (before)", server_renders)):
        results[name] = _timed(DRAGS, fn)
        _line(name, *results[name])
    print(f"load average {os.getloadavg()[0]:.1f}; splats of one stage: "
          f"{len(consult_dots.stage_splats_bytes(c, stage)) / 1000:.0f} kB, the scene PNG (once): "
          f"{len(svc.base_png(c)[0]) / 1000:.0f} kB")

    # baseline: the same drags through the consultation on the full photo
    full = Pipeline(backend=pipe.backend)
    t = time.perf_counter()
    first = full.plan(photo, inputs)
    cold = time.perf_counter() - t
    hl = first.pattern_step.design.design.hairline
    base_times = []
    for k in range(5):
        mv = ((mid, (float(hl.control_mm[mid, 0]), float(hl.control_mm[mid, 1]) - 1.0 - k)),)
        t = time.perf_counter()
        step = full.plan(photo, dataclasses.replace(inputs, design=DesignInputs(moves=mv)))
        c_full = Consult(id=2, clinic_id=1, user_id=1, client_id=1, photo_id=1, photo_sha256="",
                         source_size=(photo.width, photo.height), photo=photo, pipe=full, inputs=inputs)
        svc.encode_jpeg(svc.stage_rgb8(c_full, step, stage))
        base_times.append(time.perf_counter() - t)
    b50, b95 = _p(base_times, 50), _p(base_times, 95)
    print(f"baseline, the consultation re-run on the 12 MP photo per drag (warm analysis): p50 {b50:.0f} ms, "
          f"p95 {b95:.0f} ms; cold (analysis included, no render): {cold:.2f} s")
    for name, (wall, _cpu, _dots) in results.items():
        print(f"ratio baseline / {name}: {b50 / _p(wall, 50):.1f}x at p50, {b95 / _p(wall, 95):.1f}x at p95 "
              f"(target p95 <= 100 ms: {'met' if _p(wall, 95) <= 100 else 'NOT met'})")


if __name__ == "__main__":
    main()
