"""Dots laid once on the scalp surface, by surface density, with a minimum spacing kept on the surface.

Candidates are thrown on the surface grid with probability proportional to cell area x local density
(dots/cm²), jittered inside their cell, each with a random priority. A parallel greedy elimination then
keeps a candidate when no kept neighbour of higher priority lies within ``max(r_i, r_j)`` of it (3-D
distance, which on a scalp of radius ~90 mm differs from the geodesic by < 1e-5 at 1 mm), where
``r = 10 sqrt(PACKING / n)`` mm for ``n`` dots/cm². The kept dots are ranked by priority, so the
sessions (the first ``f1``, then ``f2`` ... of the ranked dots) stay nested.

References
----------
.. [1] Gamito, M. N., Maddock, S. C. "Accurate multidimensional Poisson-disk sampling." ACM TOG 29(1),
   2009 (parallel elimination of conflicting darts).
.. [2] domain.md §1: triangular packing L = 10.7 / sqrt(n) mm; dots about 1 mm apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from smpstudio.head3d.surface import SurfaceGrid

#: points per r² that the elimination keeps (measured on uniform fields: tests/head3d); below the 0.69 of
#: a maximal Poisson-disk set because candidates are finite
PACKING = 0.55
OVERSAMPLE = 8.0  # candidates per expected dot
MIN_DENSITY_PER_CM2 = 5.0  # below it a cell's spacing is that of 5 dots/cm² (the faint end of a blend)


@dataclass(frozen=True)
class SurfaceDots:
    """Dots on the surface, ranked (rank 0 first laid)."""

    points_mm: np.ndarray  # (N, 3)
    cell: np.ndarray  # (N,) flat grid cell index of each dot
    radius_mm: np.ndarray  # (N,) local minimum spacing kept
    seed: int

    def __len__(self) -> int:
        return len(self.points_mm)


def spacing_mm(density_per_cm2: np.ndarray | float) -> np.ndarray:
    """Minimum spacing (mm) kept at a density (dots/cm²): ``10 sqrt(PACKING / n)``.

    Examples
    --------
    >>> round(float(spacing_mm(80.0)), 3)
    0.829
    """
    return np.asarray(10.0 * np.sqrt(PACKING / np.maximum(np.asarray(density_per_cm2, float), 1e-9)))


def lay_dots(grid: SurfaceGrid, density_per_cm2: np.ndarray, *, seed: int = 0,
             fixed_mm: np.ndarray | None = None) -> SurfaceDots:
    """Lay dots on the surface at the given density per grid cell (dots/cm², 0 = none).

    Parameters
    ----------
    grid : SurfaceGrid
    density_per_cm2 : (T, A) array
        Target density of each cell.
    seed : int
        Seed of the candidates and priorities (recorded in plan.json).
    fixed_mm : (F, 3) array, optional
        Dots that must be laid (e.g. one in every FUE scar): they rank first and the spacing is kept round them.

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> g = HeadSurface.average().grid(1.0)
    >>> dens = np.where(g.inside & (g.theta_deg[:, None] < 20), 80.0, 0.0)
    >>> d = lay_dots(g, dens, seed=1)
    >>> 0.85 < len(d) / (g.area_cm2[dens > 0].sum() * 80) < 1.15
    True
    """
    rng = np.random.default_rng(seed)
    dens = np.asarray(density_per_cm2, dtype=np.float64).reshape(-1)
    area = grid.area_cm2.reshape(-1)
    w = dens * area
    expected = float(w.sum())
    if expected <= 0:
        return SurfaceDots(np.zeros((0, 3)), np.zeros(0, np.int64), np.zeros(0), seed)
    n_cand = int(np.ceil(OVERSAMPLE * expected))
    cells = rng.choice(len(w), size=n_cand, p=w / expected)
    nt, na = grid.inside.shape
    ti, ai = np.divmod(cells, na)
    step = float(grid.theta_deg[1] - grid.theta_deg[0])
    th = grid.theta_deg[ti] + (rng.random(n_cand) - 0.5) * step
    al = grid.alpha_deg[ai] + (rng.random(n_cand) - 0.5) * step
    # cell centres' neighbours: bilinear on the stored points is enough at 0.25 deg; use the exact map
    p0 = grid.points_mm.reshape(-1, 3)
    # jitter as an offset along the local tangents (finite differences of the grid)
    t_next = np.minimum(ti + 1, nt - 1) * na + ai
    a_next = ti * na + (ai + 1) % na
    pts = (p0[cells] + (p0[t_next] - p0[cells]) * ((th - grid.theta_deg[ti]) / step)[:, None]
           + (p0[a_next] - p0[cells]) * ((al - grid.alpha_deg[ai]) / step)[:, None])
    prio = rng.permutation(n_cand)  # lower = higher priority
    if fixed_mm is not None and len(fixed_mm):
        fixed = np.asarray(fixed_mm, dtype=np.float64).reshape(-1, 3)
        _, fcell = cKDTree(p0).query(fixed)
        pts = np.concatenate([fixed, pts])
        cells = np.concatenate([fcell, cells])
        prio = np.concatenate([np.arange(len(fixed)), prio + len(fixed)])
        n_cand += len(fixed)
    r = spacing_mm(np.maximum(dens[cells], MIN_DENSITY_PER_CM2))
    # conflicts: j within r_i of i (each point's own radius, so a pair conflicts within max(r_i, r_j))
    res = cKDTree(pts).query_ball_point(pts, r=r, return_sorted=False)  # fixed dots: see the docstring
    lens = np.fromiter((len(x) for x in res), dtype=np.int64, count=n_cand)
    other = np.fromiter((j for x in res for j in x), dtype=np.int64, count=int(lens.sum()))
    pairs = np.stack([np.repeat(np.arange(n_cand), lens), other], axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    # orient each conflict from the higher-priority point to the lower-priority one
    swap = prio[pairs[:, 0]] > prio[pairs[:, 1]]
    pairs[swap] = pairs[swap][:, ::-1]
    state = np.zeros(n_cand, np.int8)  # 0 undecided, 1 kept, -1 removed
    while True:
        und = state == 0
        if not und.any():
            break
        live = pairs[und[pairs[:, 0]] & und[pairs[:, 1]]]
        blocked = np.zeros(n_cand, bool)
        blocked[live[:, 1]] = True  # an undecided higher-priority neighbour: wait
        accept = und & ~blocked
        state[accept] = 1
        hit = pairs[state[pairs[:, 0]] == 1, 1]
        state[hit[state[hit] == 0]] = -1
    keep = np.flatnonzero(state == 1)
    keep = keep[np.argsort(prio[keep], kind="stable")]
    return SurfaceDots(pts[keep], cells[keep], r[keep], seed)


def min_spacing_ratio(dots: SurfaceDots) -> float:
    """Smallest nearest-neighbour surface distance over the local target spacing (1 = exactly kept).

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> g = HeadSurface.average().grid(1.0)
    >>> d = lay_dots(g, np.where(g.theta_deg[:, None] < 15, 60.0, 0.0) + 0 * g.area_cm2, seed=2)
    >>> min_spacing_ratio(d) >= 0.85
    True
    """
    if len(dots) < 2:
        return float("inf")
    dist, idx = cKDTree(dots.points_mm).query(dots.points_mm, k=2)
    return float(np.min(dist[:, 1] / np.minimum(dots.radius_mm, dots.radius_mm[idx[:, 1]])))
