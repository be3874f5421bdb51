"""Ranked (progressive) blue-noise placement of impressions in millimetres, following a density field.

Every point carries a **rank** ``s >= 1``: the radius scale at which it was inserted. The sampler is
dart throwing with a slowly *decreasing* radius ``s * r_min`` (continuous within geometric levels of
ratio <= 1.4, then a few saturation passes at ``s = 1``), accelerated by a grid whose cell (side
``s * r_min / sqrt(2)``) holds at most one point. Cells are visited in 3 x 3 interleaved phases (Wei
2008): cells of one phase never conflict, so a phase runs in parallel, and every candidate's position
comes from a counter-based hash of (seed, level, pass, cell), so the result does not depend on the number
of threads. Two points always stand at least ``min(rank) * r_min`` apart.

Each point also gets a **level** in (0, 1]: the density, as a fraction of ``D_max``, from which on it
is selected (:func:`select`). Levels are calibrated on the set itself (the share of points ranked at least
as high where the field is at full density), so selecting at density ``n`` gives ``n`` dots per cm^2,
with a local minimum distance that :func:`local_min_distance_mm` states exactly. Densities that grow
everywhere select nested sets. That is how sessions are layered: session ``k`` is a subset of session
``k+1``, and a dot that session ``k+1`` adds keeps, from every earlier dot, at least the smaller of the
two dots' local minimum distances (it was inserted at a radius no smaller than its own threshold, or the
earlier dot was).

Density is in dots per cm^2 (domain.md §1 spacing/density: about 1 mm apart, natural follicular
density 65-85 FU/cm^2, triangular packing spacing ``L = 10.7 / sqrt(n)`` mm). The minimum distance of a
density is ``r = 10 * sqrt(PACKING / n)`` mm, with ``PACKING`` the number of points per ``r_min^2`` this
sampler reaches when saturated (measured; maximal Poisson-disk sampling reaches ~0.69). At full density
the min / mean nearest-neighbour ratio is ~0.89 (scipy's Poisson disk: ~0.91); intermediate selections
(earlier sessions, reduced density among hair) are ~0.79: still blue noise, less tightly packed.

References
----------
.. [1] M. McCool, E. Fiume, "Hierarchical Poisson disk sampling distributions", Graphics Interface 1992
   (dart throwing with a decreasing radius gives a progressive, ranked point set).
.. [2] L.-Y. Wei, "Parallel Poisson disk sampling", ACM SIGGRAPH 2008 (grid of cell size r/sqrt(2)).
.. [3] /work/shared/domain.md §1 (spacing, density).

Examples
--------
>>> import numpy as np
>>> grid = DensityGrid.uniform(80.0, width_mm=20.0, height_mm=20.0)
>>> pts = ranked_blue_noise(grid, seed=1)
>>> 0.85 < len(pts) / (80.0 * 4.0) < 1.15
True
>>> half = select(pts, np.full(len(pts), 40.0))
>>> bool(half.sum() < len(pts))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

# Points per r_min^2 of the saturated sampler with the default settings (measured on uniform fields, see
# tests/pattern); maximal Poisson-disk sampling reaches ~0.69.
PACKING = 0.57
# Share of a saturated set that the levels (rank > 1) place; the rest comes from the final passes.
Q_DEFAULT = 0.72
# Candidates are only thrown where a point of that rank could ever be selected: n * s^2 >= PRUNE_Q * D_max
# (PRUNE_Q below any measured q).
PRUNE_Q = 0.55


def min_distance_mm(density_per_cm2: float | np.ndarray) -> float | np.ndarray:
    """Minimum distance (mm) this sampler keeps at a density (dots/cm^2)."""
    d = np.asarray(density_per_cm2, dtype=np.float64)
    out = 10.0 * np.sqrt(PACKING / np.maximum(d, 1e-12))
    return float(out) if out.ndim == 0 else out


def triangular_spacing_mm(density_per_cm2: float | np.ndarray) -> float | np.ndarray:
    """Triangular-packing spacing ``L = 10.7 / sqrt(n)`` mm (domain.md §1 spacing)."""
    d = np.asarray(density_per_cm2, dtype=np.float64)
    out = 10.7 / np.sqrt(np.maximum(d, 1e-12))
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class DensityGrid:
    """A density field (dots/cm^2) on a regular grid in millimetres.

    ``values[i, j]`` is the density at ``(x0_mm + j * cell_mm, y0_mm + i * cell_mm)``; between nodes it
    is bilinear; outside the grid it is 0. The sampled region is the grid's extent.
    """

    values: np.ndarray  # float64 (ny, nx), dots/cm^2
    x0_mm: float
    y0_mm: float
    cell_mm: float

    @property
    def width_mm(self) -> float:
        return (self.values.shape[1] - 1) * self.cell_mm

    @property
    def height_mm(self) -> float:
        return (self.values.shape[0] - 1) * self.cell_mm

    @classmethod
    def uniform(cls, density_per_cm2: float, width_mm: float, height_mm: float, cell_mm: float = 1.0) -> DensityGrid:
        nx = int(math.ceil(width_mm / cell_mm)) + 1
        ny = int(math.ceil(height_mm / cell_mm)) + 1
        return cls(np.full((ny, nx), float(density_per_cm2)), 0.0, 0.0, width_mm / (nx - 1) if nx > 1 else cell_mm)

    def at(self, xy_mm: np.ndarray) -> np.ndarray:
        """Density (dots/cm^2) at points (N, 2) mm, bilinear, 0 outside."""
        xy = np.asarray(xy_mm, dtype=np.float64).reshape(-1, 2)
        return _lookup_many(np.ascontiguousarray(self.values, dtype=np.float64), self.x0_mm, self.y0_mm,
                            self.cell_mm, np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))

    def area_cm2(self) -> float:
        """Area (cm^2) where the density is positive (node-weighted)."""
        return float((self.values > 0).sum() * self.cell_mm**2 / 100.0)

    def expected_count(self) -> float:
        """Integral of the density over the grid (dots)."""
        return float(self.values.sum() * self.cell_mm**2 / 100.0)


@dataclass(frozen=True)
class RankedPoints:
    """A ranked blue-noise point set.

    Attributes
    ----------
    xy_mm : ndarray (N, 2) float64
        Positions in mm, in insertion order.
    rank : ndarray (N,) float64
        Radius scale at insertion (>= 1); larger = earlier = kept at lower density.
    level : ndarray (N,) float64
        Density (as a fraction of ``max_density_per_cm2``) from which on the point is selected:
        ``q / rank**2`` for points of the levels, spread over ``(q, 1]`` (in insertion order) for the
        points of the final saturation passes. ``q`` is the share of points that the levels place where
        the density is full (measured on the set itself), which calibrates selection so that the
        selected density equals the requested one.
    q : float
    r_min_mm : float
        Minimum distance at ``max_density_per_cm2`` (rank 1).
    max_density_per_cm2 : float
        The density that rank 1 stands for.
    seed : int
    """

    xy_mm: np.ndarray
    rank: np.ndarray
    level: np.ndarray
    q: float
    r_min_mm: float
    max_density_per_cm2: float
    seed: int

    def __len__(self) -> int:
        return int(self.rank.shape[0])

    def subset(self, keep: np.ndarray) -> RankedPoints:
        return RankedPoints(self.xy_mm[keep], self.rank[keep], self.level[keep], self.q, self.r_min_mm,
                            self.max_density_per_cm2, self.seed)


@numba.njit(cache=True, inline="always")
def _lookup(vals: np.ndarray, x0: float, y0: float, cell: float, x: float, y: float) -> float:
    fx = (x - x0) / cell
    fy = (y - y0) / cell
    ny, nx = vals.shape
    if fx < 0.0 or fy < 0.0 or fx > nx - 1 or fy > ny - 1:
        return 0.0
    j = min(int(fx), nx - 2) if nx > 1 else 0
    i = min(int(fy), ny - 2) if ny > 1 else 0
    tx = fx - j
    ty = fy - i
    if nx == 1 or ny == 1:
        return vals[i, j]
    return ((1 - ty) * ((1 - tx) * vals[i, j] + tx * vals[i, j + 1])
            + ty * ((1 - tx) * vals[i + 1, j] + tx * vals[i + 1, j + 1]))


@numba.njit(cache=True)
def _lookup_many(vals: np.ndarray, x0: float, y0: float, cell: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    out = np.empty(xs.shape[0])
    for k in range(xs.shape[0]):
        out[k] = _lookup(vals, x0, y0, cell, xs[k], ys[k])
    return out


@numba.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    """splitmix64 finaliser: a counter-based random stream (independent of thread scheduling)."""
    z = (z + np.uint64(0x9E3779B97F4A7C15))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


# neighbour offsets within 2 cells, nearest first (most conflicts are found in the inner ring)
_OFFSETS = np.array([(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1),
                     (-2, 0), (2, 0), (0, -2), (0, 2), (-2, -1), (2, -1), (-2, 1), (2, 1),
                     (-1, -2), (1, -2), (-1, 2), (1, 2), (-2, -2), (2, -2), (-2, 2), (2, 2)], dtype=np.int64)


@numba.njit(cache=True, inline="always")
def _free(cell_x: np.ndarray, cell_y: np.ndarray, ncx: int, ncy: int, cx: int, cy: int,
          px: float, py: float, rr: float, offsets: np.ndarray) -> bool:
    interior = cx >= 2 and cy >= 2 and cx < ncx - 2 and cy < ncy - 2
    for k in range(offsets.shape[0]):
        xx = cx + offsets[k, 0]
        yy = cy + offsets[k, 1]
        if not interior and (xx < 0 or xx >= ncx or yy < 0 or yy >= ncy):
            continue
        c = yy * ncx + xx
        qx = cell_x[c]
        if qx == qx:  # not NaN: occupied
            ex = qx - px
            ey = cell_y[c] - py
            if ex * ex + ey * ey < rr:
                return False
    return True


@numba.njit(cache=True)
def _cell_bounds(vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of the bilinear density over each grid cell (its four nodes bound it exactly)."""
    ny, nx = vals.shape
    lo = np.empty((max(ny - 1, 1), max(nx - 1, 1)))
    hi = np.empty((max(ny - 1, 1), max(nx - 1, 1)))
    for i in numba.prange(lo.shape[0]):
        for j in range(lo.shape[1]):
            i1 = min(i + 1, ny - 1)
            j1 = min(j + 1, nx - 1)
            a = vals[i, j]
            b = vals[i, j1]
            c = vals[i1, j]
            d = vals[i1, j1]
            lo[i, j] = min(min(a, b), min(c, d))
            hi[i, j] = max(max(a, b), max(c, d))
    return lo, hi


@numba.njit(cache=True)
def _mark_cells(cell_f: np.ndarray, ncx: int, ncy: int, a: float, s_hi: float, s_lo: float, lo_b: np.ndarray,
                hi_b: np.ndarray, cell: float, d_max: float) -> None:
    """Per cell and level: 2 = dead (the density is too low for rank s_hi anywhere in the cell), 1 = the
    density admits rank s_lo everywhere in it (no lookup needed), 0 = look the density up per candidate.
    Bounds come from the density grid cells the sampler cell overlaps (exact for bilinear fields)."""
    gy, gx = lo_b.shape
    for cy in numba.prange(ncy):
        i0 = int(cy * a / cell)
        i1 = int((cy + 1) * a / cell)
        for cx in range(ncx):
            c = cy * ncx + cx
            j0 = int(cx * a / cell)
            j1 = int((cx + 1) * a / cell)
            hi = 0.0
            lo = np.inf
            outside = i0 >= gy or j0 >= gx or i1 >= gy or j1 >= gx
            for i in range(i0, min(i1, gy - 1) + 1):
                for j in range(j0, min(j1, gx - 1) + 1):
                    hi = max(hi, hi_b[i, j])
                    lo = min(lo, lo_b[i, j])
            if outside:
                lo = 0.0
            if hi * s_hi * s_hi < d_max:
                cell_f[c] = 2
            elif lo > 0 and lo * s_lo * s_lo >= d_max:
                cell_f[c] = 1
            else:
                cell_f[c] = 0


@numba.njit(cache=True, inline="always")
def _phase_row(cell_x: np.ndarray, cell_y: np.ndarray, cell_s: np.ndarray, cell_o: np.ndarray, cell_f: np.ndarray,
               ncx: int, cy: int, ox: int, a: float, s: float, rr: float, vals: np.ndarray, x0: float, y0: float,
               cell: float, width: float, height: float, d_max: float, key: np.uint64, tries: int, step: int,
               offsets: np.ndarray, ncy: int) -> None:
    for cx in range(ox, ncx, 3):
        c = cy * ncx + cx
        if cell_x[c] == cell_x[c] or cell_f[c] == 2:  # occupied, or dead for this level
            continue
        check = cell_f[c] == 0
        ck = key ^ (np.uint64(c) * np.uint64(0xD1B54A32D192ED03))
        for t in range(tries):
            z = _mix(ck ^ _mix(np.uint64(t)))
            px = (cx + float(z >> np.uint64(40)) * (1.0 / 16777216.0)) * a
            py = (cy + float((z >> np.uint64(16)) & np.uint64(0xFFFFFF)) * (1.0 / 16777216.0)) * a
            if px > width or py > height:
                continue
            if check:
                dens = _lookup(vals, x0, y0, cell, px + x0, py + y0)
                if dens * s * s < d_max:  # rank s below the local threshold: never selected
                    continue
            if _free(cell_x, cell_y, ncx, ncy, cx, cy, px, py, rr, offsets):
                cell_x[c] = px
                cell_y[c] = py
                cell_s[c] = s
                cell_o[c] = step
                break


@numba.njit(cache=True, parallel=True)
def _phase(cell_x: np.ndarray, cell_y: np.ndarray, cell_s: np.ndarray, cell_o: np.ndarray, cell_f: np.ndarray,
           ncx: int, ncy: int, ox: int, oy: int,
           a: float, s: float, r_min: float, vals: np.ndarray, x0: float, y0: float, cell: float,
           width: float, height: float, d_max: float, key: np.uint64, tries: int, step: int,
           offsets: np.ndarray) -> None:
    """One phase over a large grid: its rows (3 apart) in parallel."""
    rr = (s * r_min) * (s * r_min)
    n_rows = (ncy - oy + 2) // 3
    for ri in numba.prange(n_rows):
        _phase_row(cell_x, cell_y, cell_s, cell_o, cell_f, ncx, oy + 3 * ri, ox, a, s, rr, vals, x0, y0, cell,
                   width, height, d_max, key, tries, step, offsets, ncy)


@numba.njit(cache=True)
def _phases_serial(cell_x: np.ndarray, cell_y: np.ndarray, cell_s: np.ndarray, cell_o: np.ndarray,
                   cell_f: np.ndarray, ncx: int, ncy: int, oxs: np.ndarray, oys: np.ndarray, ss: np.ndarray,
                   keys: np.ndarray, a: float, r_min: float, vals: np.ndarray, x0: float, y0: float, cell: float,
                   width: float, height: float, d_max: float, tries: int, offsets: np.ndarray) -> None:
    """All phases of a level on a small grid, in one call (the same result as :func:`_phase` per phase)."""
    for k in range(ss.shape[0]):
        s = ss[k]
        rr = (s * r_min) * (s * r_min)
        oy = oys[k]
        for cy in range(oy, ncy, 3):
            _phase_row(cell_x, cell_y, cell_s, cell_o, cell_f, ncx, cy, oxs[k], a, s, rr, vals, x0, y0, cell,
                       width, height, d_max, keys[k], tries, k, offsets, ncy)


# grids with fewer cells run their phases serially: on the 2-core machines measured, a parallel launch per
# phase cost more than it saved up to ~1M dots (3.3M cells); the parallel path stays for larger patterns
SERIAL_CELLS = 10_000_000


@numba.njit(cache=True)
def _level_grid(xs: np.ndarray, ys: np.ndarray, n: int, a: float, ncx: int, ncy: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = ncx * ncy
    cell_x = np.empty(m)
    cell_y = np.empty(m)
    cell_s = np.empty(m)
    for c in numba.prange(m):
        cell_x[c] = np.nan
        cell_y[c] = np.nan
        cell_s[c] = 0.0
    # every existing point is at least s_lo * r_min = sqrt(2) a from the others: one per cell, no races
    for k in numba.prange(n):
        cx = min(int(xs[k] / a), ncx - 1)
        cy = min(int(ys[k] / a), ncy - 1)
        c = cy * ncx + cx
        cell_x[c] = xs[k]
        cell_y[c] = ys[k]
        cell_s[c] = -1.0  # old point
    return cell_x, cell_y, cell_s


@numba.njit(cache=True)
def _collect(cell_x: np.ndarray, cell_y: np.ndarray, cell_s: np.ndarray, cell_o: np.ndarray, xs: np.ndarray,
             ys: np.ndarray, rk: np.ndarray, st: np.ndarray, n: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Append the level's new points in insertion-step order (rank descending), then cell order."""
    m = cell_x.shape[0]
    n_new = 0
    for c in range(m):
        if cell_s[c] > 0.0:
            n_new += 1
    if n + n_new > xs.shape[0]:
        cap = max(2 * xs.shape[0], n + n_new)
        xs2 = np.empty(cap)
        ys2 = np.empty(cap)
        rk2 = np.empty(cap)
        st2 = np.empty(cap, dtype=np.int64)
        xs2[:n] = xs[:n]
        ys2[:n] = ys[:n]
        rk2[:n] = rk[:n]
        st2[:n] = st[:n]
        xs, ys, rk, st = xs2, ys2, rk2, st2
    # stable counting sort of the new points by insertion step
    n_steps = 0
    for c in range(m):
        if cell_s[c] > 0.0 and cell_o[c] + 1 > n_steps:
            n_steps = cell_o[c] + 1
    start = np.zeros(n_steps + 1, dtype=np.int64)
    for c in range(m):
        if cell_s[c] > 0.0:
            start[cell_o[c] + 1] += 1
    for k in range(n_steps):
        start[k + 1] += start[k]
    idx = np.empty(n_new, dtype=np.int64)
    for c in range(m):
        if cell_s[c] > 0.0:
            idx[start[cell_o[c]]] = c
            start[cell_o[c]] += 1
    for j in range(n_new):
        c = idx[j]
        xs[n] = cell_x[c]
        ys[n] = cell_y[c]
        rk[n] = cell_s[c]
        st[n] = cell_o[c]
        n += 1
    return xs, ys, rk, st, n


def _ranked_dart_throw(vals: np.ndarray, x0: float, y0: float, cell: float, width: float, height: float,
                       d_max: float, r_min: float, levels: np.ndarray, passes_per_level: int,
                       saturation_passes: int, seed: int, tries: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lo_b, hi_b = _cell_bounds(vals)
    cap = int(1.2 * width * height / (r_min * r_min)) + 64
    xs = np.empty(cap)
    ys = np.empty(cap)
    rk = np.empty(cap)
    st = np.empty(cap, dtype=np.int64)
    n = 0
    n_lv = levels.shape[0]
    for lv in range(n_lv):
        s_hi = levels[lv]
        s_lo = levels[lv + 1] if lv + 1 < n_lv else s_hi
        n_pass = passes_per_level if lv + 1 < n_lv else saturation_passes
        a = s_lo * r_min / math.sqrt(2.0)
        ncx = int(width / a) + 1
        ncy = int(height / a) + 1
        cell_x, cell_y, cell_s = _level_grid(xs, ys, n, a, ncx, ncy)
        cell_f = np.empty(ncx * ncy, dtype=np.int8)
        cell_o = np.zeros(ncx * ncy, dtype=np.int64)
        _mark_cells(cell_f, ncx, ncy, a, s_hi, s_lo, lo_b, hi_b, cell, d_max)
        steps = n_pass * 9
        oxs = np.empty(steps, dtype=np.int64)
        oys = np.empty(steps, dtype=np.int64)
        ss = np.empty(steps)
        keys = np.empty(steps, dtype=np.uint64)
        for p in range(n_pass):
            phases = rng.permutation(9)
            for k in range(9):
                j = p * 9 + k
                ss[j] = s_hi * math.exp(math.log(s_lo / s_hi) * j / steps)
                keys[j] = np.uint64(rng.integers(0, 2**63))
                oys[j], oxs[j] = divmod(int(phases[k]), 3)
        if ncx * ncy < SERIAL_CELLS:
            _phases_serial(cell_x, cell_y, cell_s, cell_o, cell_f, ncx, ncy, oxs, oys, ss, keys, a, r_min, vals,
                           x0, y0, cell, width, height, d_max, tries, _OFFSETS)
        else:
            for j in range(steps):
                _phase(cell_x, cell_y, cell_s, cell_o, cell_f, ncx, ncy, int(oxs[j]), int(oys[j]), a, float(ss[j]),
                       r_min, vals, x0, y0, cell, width, height, d_max, keys[j], tries, j, _OFFSETS)
        xs, ys, rk, st, n = _collect(cell_x, cell_y, cell_s, cell_o, xs, ys, rk, st, n)
    return xs[:n] + x0, ys[:n] + y0, rk[:n], st[:n]


def ranked_blue_noise(
    density: DensityGrid,
    seed: int,
    *,
    max_density_per_cm2: float | None = None,
    max_rank: float = 6.0,
    level_ratio: float = 1.4,
    passes_per_level: int = 1,
    saturation_passes: int = 4,
    tries: int = 1,
) -> RankedPoints:
    """Place a ranked blue-noise point set whose top-ranked subset follows ``density``.

    Parameters
    ----------
    density : DensityGrid
        Target density (dots/cm^2) of the densest selection that will be made (the final session).
    seed : int
        Seed of the numpy Generator that drives every random choice.
    max_density_per_cm2 : float, optional
        Density of rank 1 (default: the grid's maximum). Sessions select lower densities by rank.
    max_rank : float
        Highest rank (radius scale); densities below ``max_density / max_rank**2`` get no points.
    level_ratio : float
        Radius ratio of one level (1 < ratio <= 1.4: cells of one phase then never conflict).
    saturation_passes : int
        Passes at the final radius that fill the remaining gaps.

    Returns
    -------
    RankedPoints
    """
    if not (1.0 < level_ratio <= 1.4):
        raise ValueError("level_ratio must be in (1, 1.4]")
    if max_rank < 1.0:
        raise ValueError("max_rank must be >= 1")
    vals = np.ascontiguousarray(density.values, dtype=np.float64)
    if not np.all(np.isfinite(vals)) or np.any(vals < 0):
        raise ValueError("density must be finite and non-negative")
    d_max = float(max_density_per_cm2 if max_density_per_cm2 is not None else vals.max())
    if d_max <= 0:
        return RankedPoints(np.empty((0, 2)), np.empty(0), np.empty(0), Q_DEFAULT, float("inf"), 0.0, seed)
    if vals.max() > d_max * (1 + 1e-9):
        raise ValueError("max_density_per_cm2 is below the field's maximum")
    r_min = float(min_distance_mm(d_max))
    n_lv = max(2, int(math.ceil(math.log(max_rank) / math.log(level_ratio))) + 1)
    levels = np.exp(np.linspace(math.log(max_rank), 0.0, n_lv))  # last level = saturation at rank 1
    xs, ys, rk, steps = _ranked_dart_throw(vals, float(density.x0_mm), float(density.y0_mm), float(density.cell_mm),
                                    float(density.width_mm), float(density.height_mm), d_max * PRUNE_Q, r_min, levels,
                                    int(passes_per_level), int(saturation_passes), int(seed), int(tries))
    xy = np.stack([xs, ys], axis=1)
    sat = rk <= 1.0
    full = density.at(xy) >= d_max * (1 - 1e-9)
    n_full = int(full.sum())
    q = float((full & ~sat).sum() / n_full) if n_full >= 200 else Q_DEFAULT
    # level of the ranked points: where the density is full, the share of those points whose rank is at
    # least theirs (an empirical calibration: selecting a fraction f there keeps f of the points); the
    # same rank -> level map applies everywhere. Without a full-density region: q / rank^2.
    if n_full >= 200 and (full & ~sat).any():
        lv_ranks, lv_levels = _rank_level_map(rk[full & ~sat], n_full)
        level = np.interp(-rk, -lv_ranks, lv_levels, left=float(lv_levels[0]), right=q)
        # points of one insertion step share a rank: spread their levels over the step's share (any subset
        # of a step keeps the step's minimum distance), so the selected density follows the request
        # continuously instead of in steps
        g = np.searchsorted(-lv_ranks, -rk)
        exact = (g < len(lv_ranks)) & (lv_ranks[np.minimum(g, len(lv_ranks) - 1)] == rk) & ~sat
        lo = np.where(g > 0, lv_levels[np.maximum(g - 1, 0)], 0.0)
        u = np.random.default_rng([int(seed), 2]).random(len(rk))
        level = np.where(exact, lo + u * (level - lo), level)
    else:
        level = q / rk**2
    n_sat = int(sat.sum())
    if n_sat:
        # the final passes' points join between q and 1, in insertion order (random within a step)
        keys = steps[sat] + np.random.default_rng([int(seed), 1]).random(n_sat)
        order = np.argsort(keys, kind="stable")
        lv = np.empty(n_sat)
        lv[order] = q + (1.0 - q) * (np.arange(1, n_sat + 1)) / n_sat
        level[sat] = lv
    return RankedPoints(xy, rk, level, q, r_min, d_max, int(seed))


def _rank_level_map(ranks: np.ndarray, n_full: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ranks (descending) and the share of full-density points ranked at least as high."""
    r = np.sort(ranks)[::-1]
    uniq, first = np.unique(-r, return_index=True)
    # points with rank >= uniq[g] = index of the last occurrence + 1
    last = np.append(first[1:], len(r))
    return -uniq, last / float(n_full)


def select(points: RankedPoints, density_per_cm2: np.ndarray) -> np.ndarray:
    """Boolean mask of the points kept at a (per-point) target density.

    A point is kept when the requested density reaches its level. Densities that grow from one
    session to the next select nested sets (each a superset of the previous one).

    Parameters
    ----------
    points : RankedPoints
    density_per_cm2 : ndarray (N,)
        Target density at each point (e.g. ``grid.at(points.xy_mm)``), at most the set's maximum.
    """
    n = np.asarray(density_per_cm2, dtype=np.float64)
    return (n > 0) & (points.level * points.max_density_per_cm2 <= n * (1 + 1e-12))


def local_min_distance_mm(points: RankedPoints, density_per_cm2: np.ndarray) -> np.ndarray:
    """The minimum distance (mm) the selection at a density keeps around each point.

    A selected point of rank ``s`` is at least ``s * r_min`` from every point inserted before it; the
    selection at density ``n`` keeps only the points whose level is at most ``n / D_max``, whose ranks
    are at least the smallest rank among those levels.
    """
    f = np.maximum(np.asarray(density_per_cm2, dtype=np.float64), 1e-12) / points.max_density_per_cm2
    ranked = points.rank > 1.0
    if not ranked.any():
        return np.full(f.shape, points.r_min_mm)
    lv = points.level[ranked]
    rk = points.rank[ranked]
    order = np.argsort(lv, kind="stable")
    lv_sorted = lv[order]
    min_rank = np.minimum.accumulate(rk[order])  # smallest rank among the points with level <= lv_sorted
    idx = np.searchsorted(lv_sorted, f, side="right") - 1
    s = np.where(idx >= 0, min_rank[np.clip(idx, 0, None)], rk.max())
    s = np.where(f >= points.q, 1.0, s)
    return points.r_min_mm * np.maximum(s, 1.0)


def nn_distances_mm(xy_mm: np.ndarray) -> np.ndarray:
    """Distance from each point to its nearest neighbour (mm)."""
    xy = np.asarray(xy_mm, dtype=np.float64)
    if len(xy) < 2:
        return np.full(len(xy), np.inf)
    d, _ = cKDTree(xy).query(xy, k=2)
    return d[:, 1]


def nn_ratio(xy_mm: np.ndarray, local_scale: np.ndarray | None = None, interior: np.ndarray | None = None) -> float:
    """min / mean nearest-neighbour distance (optionally normalised by a local scale per point).

    The usual blue-noise quality figure: 1 for a perfect lattice, ~0.9 for good Poisson-disk sets,
    much lower for random or clumped points. ``interior`` restricts the statistic to points away from
    the boundary (whose neighbours are cut off).
    """
    d = nn_distances_mm(xy_mm)
    if local_scale is not None:
        d = d / np.asarray(local_scale)
    if interior is not None:
        d = d[interior]
    return float(d.min() / d.mean())
