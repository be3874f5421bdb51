"""Benchmark: placement of a variable-density, 3-session layered dot pattern.

Run: ``.venv/bin/python -m benchmarks.bench_sampling``.

Ours: :func:`smpstudio.pattern.sampling.ranked_blue_noise` on a density field shaped like a plan's: full
density (80 dots/cm^2) behind a feathered, irregular hairline gradient, and a disc at half density (dots
among existing hair); then three nested sessions selected by rank (0.4, 0.75, 1 of the density, the
first with the line 3 mm higher). Throughput counts the final dots. Quality is reported per region
(full density, half density, and the whole pattern including the gradient) and, stricter, for the whole
pattern after each session (the earlier sessions are subsets selected by rank).
Baseline in the same run, what a user would otherwise pick: ``scipy.stats.qmc.PoissonDisk`` (uniform
only, one layer) at the same number of points. Quality: min / mean nearest-neighbour distance, interior
points, normalised by the local target spacing for the variable-density pattern (the minimum distance the
sampler states at each dot's position, which follows the local density: a pair keeps the smaller of its two
targets). Wall-clock rates on the shared 2-core machine fall with the load: the load average is printed
with every figure.
"""

from __future__ import annotations

import os
import time

import numpy as np


def field(width_mm: float, height_mm: float, cell_mm: float = 1.0, offset_mm: float = 0.0, frac: float = 1.0):
    from smpstudio.pattern.density import smooth_noise, smoothstep
    from smpstudio.pattern.sampling import DensityGrid

    nx, ny = int(width_mm / cell_mm) + 1, int(height_mm / cell_mm) + 1
    y = np.arange(ny)[:, None] * cell_mm
    noise = smooth_noise((ny, nx), 3.0 / cell_mm, np.random.default_rng(0))
    ramp = smoothstep((y - 10.0 - offset_mm + 1.5 * noise) / 8.0)
    x = np.arange(nx)[None, :] * cell_mm
    r = np.hypot(x - 0.5 * width_mm, y - 0.6 * height_mm)
    hair = 1.0 - 0.5 * smoothstep((0.25 * width_mm - r) / 10.0)  # half density among existing hair
    vals = 80.0 * frac * ramp * hair
    return DensityGrid(np.maximum(vals, 0.0), 0.0, 0.0, cell_mm)


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def quality(pts, xy: np.ndarray, density: np.ndarray, w: float, h: float, masks: dict) -> str:
    """min / mean nearest-neighbour distance, normalised by the local target, per region."""
    from scipy.spatial import cKDTree

    from smpstudio.pattern.sampling import local_min_distance_mm

    d, nn = cKDTree(xy).query(xy, k=2)
    d, nn = d[:, 1], nn[:, 1]
    local = local_min_distance_mm(pts, density, xy_mm=xy)
    rel = d / np.minimum(local, local[nn])  # a pair keeps the smaller of its two targets
    inner = (xy[:, 0] > 5) & (xy[:, 0] < w - 5) & (xy[:, 1] > 5) & (xy[:, 1] < h - 5)
    return ", ".join(f"{k} {rel[m & inner].min() / rel[m & inner].mean():.3f}" for k, m in masks.items()
                     if (m & inner).sum() > 100)


def place(width_mm: float, height_mm: float, seed: int) -> tuple[float, np.ndarray, np.ndarray, object]:
    from smpstudio.pattern.sampling import ranked_blue_noise, select

    final = field(width_mm, height_mm)
    grids = [field(width_mm, height_mm, offset_mm=3.0, frac=0.4), field(width_mm, height_mm, frac=0.75), final]
    t = time.perf_counter()
    pts = ranked_blue_noise(final, seed)
    sessions = np.full(len(pts), 0)
    for k in range(len(grids) - 1, -1, -1):
        sessions[select(pts, np.minimum(grids[k].at(pts.xy_mm), final.at(pts.xy_mm)))] = k + 1
    dt = time.perf_counter() - t
    keep = sessions > 0
    return dt, pts.xy_mm[keep], sessions[keep], pts.subset(keep)


def main() -> None:
    from scipy.stats import qmc

    from smpstudio.pattern.sampling import nn_distances_mm

    place(50.0, 50.0, 0)  # compile / load the cached kernels
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine: wall-clock "
          "rates fall with the load; the ratio is measured in the same run)")
    for w, h in ((400.0, 400.0), (1150.0, 1150.0)):
        runs = []
        for s in (1, 2, 3):
            la = load()
            runs.append(place(w, h, s) + (la,))
        best = min(range(3), key=lambda i: runs[i][0])
        dt = runs[best][0]
        _, xy, sess, pts, _ = runs[0]
        n = len(xy)
        final = field(w, h)
        dens = final.at(xy)
        regions = {"full density": dens >= 79.9, "half density": np.abs(dens - 40) < 0.1,
                   "whole pattern": np.ones(n, dtype=bool)}
        q = quality(pts, xy, dens, w, h, regions)
        session_fields = (field(w, h, offset_mm=3.0, frac=0.4), field(w, h, frac=0.75))
        qs = []
        for k, g in enumerate(session_fields, start=1):
            m = sess <= k
            qs.append(f"session {k} " + quality(pts.subset(m), xy[m], np.minimum(g.at(xy[m]), dens[m]), w, h,
                                                  {"": np.ones(int(m.sum()), dtype=bool)}).strip())
        print(f"ours: {n:,} dots in 3 nested sessions ({np.bincount(sess)[1:].tolist()} new per session) "
              f"in {dt:.3f} s = {n / dt:,.0f} dots/s (best of 3; {runs[best][4]} before it; all runs "
              f"{', '.join(f'{r[0]:.3f}' for r in runs)} s)\n  min/mean NN (normalised by the local target): {q}; "
              f"{'; '.join(qs)}")
    ours_rate = n / dt
    ours_load = runs[best][4]
    # baseline at the same number of points as a head-sized pattern (scipy is ~3,000 points/s: a 1M-point
    # run would take minutes, so it runs at N ~ 60,000 and we rerun ours at that N too)
    n_small = 60_000
    side = float(np.sqrt(n_small / 80.0 * 100.0))
    xs = None
    base_load = load()
    t = time.perf_counter()
    eng = qmc.PoissonDisk(d=2, radius=0.93 / side, seed=0)
    xs = eng.random(n_small)
    base_dt = time.perf_counter() - t
    m = len(xs)
    ds = nn_distances_mm(xs)
    inner_s = np.all((xs > 0.01) & (xs < 0.99), axis=1)
    print(f"baseline scipy.stats.qmc.PoissonDisk (uniform, one layer): {m:,} points in {base_dt:.2f} s = "
          f"{m / base_dt:,.0f} points/s; min/mean NN {ds[inner_s].min() / ds[inner_s].mean():.3f} ({base_load} "
          f"before it, {load()} after)")
    small_load = load()
    runs = [place(side, side + 20.0, s) for s in (1, 2, 3)]
    dt_small = min(r[0] for r in runs)
    n_s = len(runs[0][1])
    print(f"ours at the same size: {n_s:,} dots in {dt_small:.3f} s = {n_s / dt_small:,.0f} dots/s ({small_load})")
    print(f"ratio vs scipy at the same point count: {(n_s / dt_small) / (m / base_dt):,.0f}x "
          f"(target >= 300x); large-pattern throughput {ours_rate:,.0f} dots/s (target >= 1,000,000; {ours_load})")


if __name__ == "__main__":
    main()
