"""Ranked (progressive) blue-noise placement of impressions in millimetres, following a density field.

Every point carries a **rank** ``s >= 1``: the radius scale at which it was inserted. The sampler is
dart throwing with a slowly *decreasing* radius (continuous within geometric levels of ratio <= 1.8, then
a saturation pass at ``s = 1`` with several candidates per empty cell), accelerated by a grid whose cell
(side ``s * r_min / sqrt(2)`` for the level's smallest ``s``) holds at most one point.

**Variable radius.** A candidate's exclusion radius is ``s * r_min * sqrt(D_max / b)``, with ``b`` the
*base density* at its position: the target density, but at least ``D_max / max_radius_scale**2``. Where
the target density is half, the final set is a saturated blue-noise set of its own at 1.41 times the
spacing (not a thinned-out full-density set), as even as full density. Below ``D_max / max_radius_scale**2``
the radius stops growing and the target is reached by selection. Regions of lower density get
proportionally fewer candidates (one in ``g**2`` cells), so every region is a scaled copy of full density.

**Order, threads.** Cells are visited in tiles (4 colours; tiles of one colour lie a tile apart) and,
inside a tile, in sub-phases whose cells lie farther apart than any radius (after Wei 2008). Tiles of one
colour never conflict, so they run in parallel on large grids; every candidate's position comes from a
counter-based hash of (seed, step, cell), so the result does not depend on the number of threads (and the
serial and parallel paths agree). A point keeps its own radius from every point of an earlier step. In the
rank-1 pass, a rejected candidate closes the quadrants of its cell that lie inside the rejecting disc, and
the cell's next candidates go to the open quadrants only (early rejection after Ebeida et al. 2011).

Each point also gets a **level** in (0, 1]: the density, as a fraction of its base density, from which on
it is selected (:func:`select`). Levels are calibrated on the set itself (the share of points ranked at
least as high), so selecting at density ``n`` gives ``n`` dots per cm^2, with a local minimum distance that
:func:`local_min_distance_mm` states. Densities that grow everywhere select nested sets. That is how
sessions are layered: session ``k`` is a subset of session ``k+1``, and a dot that session ``k+1`` adds
keeps, from every earlier dot, at least the smaller of the two dots' local minimum distances (it was
inserted at a radius no smaller than its own threshold, or the earlier dot was).

Density is in dots per cm^2 (domain.md §1 spacing/density: about 1 mm apart, natural follicular
density 65-85 FU/cm^2, triangular packing spacing ``L = 10.7 / sqrt(n)`` mm). The minimum distance of a
density is ``r = 10 * sqrt(PACKING / n)`` mm, with ``PACKING`` the number of points per ``r_min^2`` this
sampler reaches when saturated (measured; maximal Poisson-disk sampling reaches ~0.69). The final set's
min / mean nearest-neighbour ratio (normalised by the local target) is ~0.90 at full density, at half
density and over a whole variable-density pattern (scipy's Poisson disk: ~0.91); intermediate selections
(earlier sessions) are ~0.78-0.80: still blue noise, less tightly packed.

References
----------
.. [1] M. McCool, E. Fiume, "Hierarchical Poisson disk sampling distributions", Graphics Interface 1992
   (dart throwing with a decreasing radius gives a progressive, ranked point set).
.. [2] L.-Y. Wei, "Parallel Poisson disk sampling", ACM SIGGRAPH 2008 (grid of cell size r/sqrt(2)).
.. [3] M. S. Ebeida, A. A. Davidson, A. Patney, P. M. Knupp, S. A. Mitchell, J. D. Owens, "Efficient
   maximal Poisson-disk sampling", ACM SIGGRAPH 2011 (covered cells get no more darts).
.. [4] /work/shared/domain.md §1 (spacing, density).

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
        Positions in mm, in row-major order of the final sampler grid (spatially coherent; insertion order
        is ``step``).
    rank : ndarray (N,) float64
        Radius scale at insertion (>= 1); larger = earlier = kept at lower density.
    level : ndarray (N,) float64
        Density, as a fraction of the point's base density ``base_density_per_cm2``, from which on the
        point is selected: spread over ``(0, q]`` by rank for the points of the levels and over ``(q, 1]``
        (in insertion order) for the points of the final saturation passes. ``q`` is the share of points
        that the levels place (measured on the set itself), which calibrates selection so that the selected
        density equals the requested one.
    q : float
    r_min_mm : float
        Minimum distance at ``max_density_per_cm2`` (rank 1, base density = maximum).
    max_density_per_cm2 : float
        The density that rank 1 stands for where the radius scale is 1.
    seed : int
    base_density_per_cm2 : ndarray (N,) float64
        The base density at each point: the target density, but at least ``min_base_density_per_cm2``.
        The point's exclusion radius is ``rank * r_min * sqrt(max_density / base)`` (variable radius).
    step : ndarray (N,) int64
        Insertion step: a point keeps its radius from every point of an earlier step; points of one step
        keep it from each other (their cells are farther apart than the largest radius).
    min_base_density_per_cm2 : float
        Below this density the radius stops growing (``max_density / max_radius_scale**2``); there the
        target density is reached by selection (a lower level) instead.
    density : DensityGrid or None
        The field the set was placed for (base density at any position).
    """

    xy_mm: np.ndarray
    rank: np.ndarray
    level: np.ndarray
    q: float
    r_min_mm: float
    max_density_per_cm2: float
    seed: int
    base_density_per_cm2: np.ndarray
    step: np.ndarray
    min_base_density_per_cm2: float
    density: DensityGrid | None = None

    def __len__(self) -> int:
        return int(self.rank.shape[0])

    def subset(self, keep: np.ndarray) -> RankedPoints:
        return RankedPoints(self.xy_mm[keep], self.rank[keep], self.level[keep], self.q, self.r_min_mm,
                            self.max_density_per_cm2, self.seed, self.base_density_per_cm2[keep], self.step[keep],
                            self.min_base_density_per_cm2, self.density)

    def base_at(self, xy_mm: np.ndarray) -> np.ndarray:
        """Base density (dots/cm^2) at arbitrary positions (N, 2) mm."""
        if self.density is None:
            return np.full(np.asarray(xy_mm).reshape(-1, 2).shape[0], self.max_density_per_cm2)
        return np.maximum(self.density.at(xy_mm), self.min_base_density_per_cm2)


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


# coordinates of an empty cell: far from everything (finite, so distances stay finite), so neighbour tests need
# no occupancy branch
EMPTY_MM = 1e30


def _offset_table(k_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell offsets within ``k_max`` cells, sorted by the smallest possible squared distance (in cells) between
    a point of the centre cell and a point of the offset cell: a search stops at the first offset whose
    cells lie beyond the radius, and conflicts are found early in the inner ring."""
    r = np.arange(-k_max, k_max + 1)
    dy, dx = (a.ravel() for a in np.meshgrid(r, r, indexing="ij"))
    d2 = np.maximum(np.abs(dx) - 1, 0) ** 2 + np.maximum(np.abs(dy) - 1, 0) ** 2
    order = np.lexsort((np.abs(dx) + np.abs(dy), d2))
    return (np.ascontiguousarray(np.stack([dx[order], dy[order]], axis=1).astype(np.int64)),
            d2[order].astype(np.float64))


@numba.njit(cache=True, inline="always")
def _free(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, ncx: int, ncy: int, cx: int, cy: int,
          px: float, py: float, rr: float, rr_cells: float, offs: np.ndarray, offd2: np.ndarray) -> int:
    """The cell of a point closer than the radius, or -1."""
    for k in range(offs.shape[0]):
        if offd2[k] >= rr_cells:  # this cell and all further ones lie beyond the radius
            break
        xx = cx + offs[k, 0]
        yy = cy + offs[k, 1]
        if xx < 0 or yy < 0 or xx >= ncx or yy >= ncy:
            continue
        c = yy * ncx + xx
        ex = cell_x[c] - px  # an empty cell holds EMPTY_MM: never within the radius
        ey = cell_y[c] - py
        if ex * ex + ey * ey < rr:
            return c
    return -1


@numba.njit(cache=True, inline="always")
def _free_inner(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, ncx: int, cx: int, cy: int,
                px: float, py: float, rr: float, rr_cells: float, offs: np.ndarray, offd2: np.ndarray) -> int:
    """:func:`_free` for cells at least ``k_max`` cells from the border (no bounds checks)."""
    c0 = cy * ncx + cx
    for k in range(offs.shape[0]):
        if offd2[k] >= rr_cells:
            break
        c = c0 + offs[k, 1] * ncx + offs[k, 0]
        ex = cell_x[c] - px  # no occupancy test: an empty cell's EMPTY_MM is never within the radius
        ey = cell_y[c] - py
        if ex * ex + ey * ey < rr:
            return c
    return -1


@numba.njit(cache=True, inline="always")
def _row(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, cell_m: np.ndarray,
         ncx: int, ncy: int, cy: int, x_first: int,
         x_end: int, stride: int, a: float, s: float, r_min: float, vals: np.ndarray, x0: float, y0: float,
         cell: float, width: float, height: float, d_max: float, b_min: float, prune: float, key: np.uint64,
         tries: int, step: int, offs: np.ndarray, offd2: np.ndarray) -> None:
    """One candidate (or ``tries``) in every empty cell ``x_first, x_first + stride, ... < x_end`` of row cy."""
    ss = s * s
    rr_full = ss * r_min * r_min
    inv_a2 = 1.0 / (a * a)
    inv_cell = 1.0 / cell
    inv_24 = 1.0 / 16777216.0
    ny, nx = vals.shape
    k_max = stride - 1
    inner = cy >= k_max and cy < ncy - k_max
    learn = s == 1.0
    for cx in range(x_first, x_end, stride):
        c = cy * ncx + cx
        if cell_k[c] >= 0:  # occupied
            continue
        m = cell_m[c]
        if m == 0:  # every quadrant lies inside one disc: no candidate can be placed
            continue
        ck = key ^ (np.uint64(c) * np.uint64(0xD1B54A32D192ED03))
        for t in range(tries):
            z = _mix(ck + np.uint64(t) * np.uint64(0x9E3779B97F4A7C15))
            # signed conversions (one instruction each; the values fit in 24 bits)
            ux = float(np.int64(z >> np.uint64(40))) * inv_24
            uy = float(np.int64((z >> np.uint64(16)) & np.uint64(0xFFFFFF))) * inv_24
            if m == 15:
                px = (cx + ux) * a
                py = (cy + uy) * a
            else:  # uniform in one of the quadrants not yet known to be covered
                cnt = (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) + ((m >> 3) & 1)
                pick = int(np.int64(_mix(z) >> np.uint64(33)) % cnt)
                q = 0
                for bit in range(4):
                    if (m >> bit) & 1:
                        if pick == 0:
                            q = bit
                            break
                        pick -= 1
                px = (cx + 0.5 * ((q & 1) + ux)) * a
                py = (cy + 0.5 * ((q >> 1) + uy)) * a
            if px > width or py > height:
                continue
            # bilinear density (the sampler's frame starts at the grid's first node; px <= width, py <= height)
            fx = px * inv_cell
            fy = py * inv_cell
            j = min(int(fx), nx - 2) if nx > 1 else 0
            i = min(int(fy), ny - 2) if ny > 1 else 0
            if nx > 1 and ny > 1:
                tx = fx - j
                ty = fy - i
                n = ((1 - ty) * ((1 - tx) * vals[i, j] + tx * vals[i, j + 1])
                     + ty * ((1 - tx) * vals[i + 1, j] + tx * vals[i + 1, j + 1]))
            else:
                n = vals[i, j]
            if n <= 0.0:
                continue
            b = max(n, b_min)
            if n * ss < prune * b:  # rank s below the local threshold: never selected
                continue
            # where the radius is g = sqrt(d_max / b) times larger, throw 1/g^2 of the candidates, so that
            # every region sees the same number of candidates per disc area (a scaled copy of full density)
            if b < d_max and float(np.int64(z & np.uint64(0xFFFF))) * (1.0 / 65536.0) * d_max >= b:
                continue
            rr = rr_full * (d_max / b)
            if inner and cx >= k_max and cx < ncx - k_max:
                hit = _free_inner(cell_x, cell_y, cell_k, ncx, cx, cy, px, py, rr, rr * inv_a2, offs, offd2)
            else:
                hit = _free(cell_x, cell_y, cell_k, ncx, ncy, cx, cy, px, py, rr, rr * inv_a2, offs, offd2)
            if hit < 0:
                cell_x[c] = px
                cell_y[c] = py
                cell_k[c] = step
                break
            if learn:
                # early rejection: close the quadrants of this cell that lie inside the disc that rejected the
                # candidate (all four corners inside it): at the fixed rank-1 radius they stay covered
                qx = cell_x[hit]
                qy = cell_y[hit]
                inside = 0  # bit i + 3 j: corner (i, j) of the 3 x 3 lattice of half-cell corners
                for jj in range(3):
                    ey = (cy + 0.5 * jj) * a - qy
                    for ii in range(3):
                        ex = (cx + 0.5 * ii) * a - qx
                        if ex * ex + ey * ey < rr:
                            inside |= 1 << (ii + 3 * jj)
                closed = 0
                for q4 in range(4):
                    b0 = (q4 & 1) + 3 * (q4 >> 1)
                    need = (1 << b0) | (1 << (b0 + 1)) | (1 << (b0 + 3)) | (1 << (b0 + 4))
                    if inside & need == need:
                        closed |= 1 << q4
                m = np.uint8(m & ~closed & 15)
                cell_m[c] = m
                if m == 0:
                    break


@numba.njit(cache=True)
def _tile(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, cell_m: np.ndarray,
          ncx: int, ncy: int, t: int, colour: int,
          off_x: int, off_y: int, tile: int, stride: int, st0: int, n_sub: int, oxs: np.ndarray, oys: np.ndarray,
          ss: np.ndarray, keys: np.ndarray, a: float, r_min: float, vals: np.ndarray, x0: float, y0: float,
          cell: float, width: float, height: float, d_max: float, b_min: float, prune: float, tries: np.ndarray,
          offs: np.ndarray, offd2: np.ndarray) -> None:
    """Tile number ``t`` of a colour: its sub-phases (cells ``stride`` apart) one after the other."""
    ntx = (ncx + off_x + tile - 1) // tile
    ntx_c = (ntx - colour % 2 + 1) // 2
    ix = 2 * (t % ntx_c) + colour % 2
    iy = 2 * (t // ntx_c) + colour // 2
    tx0 = ix * tile - off_x
    ty0 = iy * tile - off_y
    x_end = min(tx0 + tile, ncx)
    y_end = min(ty0 + tile, ncy)
    for k in range(st0, st0 + n_sub):
        x_first = tx0 + oxs[k]
        y_first = ty0 + oys[k]
        if x_first < 0:
            x_first += ((-x_first + stride - 1) // stride) * stride
        if y_first < 0:
            y_first += ((-y_first + stride - 1) // stride) * stride
        for cy in range(y_first, y_end, stride):
            _row(cell_x, cell_y, cell_k, cell_m,
                 ncx, ncy, cy, x_first, x_end, stride, a, ss[k], r_min, vals, x0, y0, cell,
                 width, height, d_max, b_min, prune, keys[k], tries[k], k, offs, offd2)


@numba.njit(cache=True, inline="always")
def _n_tiles(ncx: int, ncy: int, off_x: int, off_y: int, tile: int, colour: int) -> int:
    ntx = (ncx + off_x + tile - 1) // tile
    nty = (ncy + off_y + tile - 1) // tile
    return ((ntx - colour % 2 + 1) // 2) * ((nty - colour // 2 + 1) // 2)


@numba.njit(cache=True, parallel=True)
def _passes_parallel(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, cell_m: np.ndarray,
                     ncx: int, ncy: int, p0: int, p1: int,
                     pass_off: np.ndarray, tile: int, stride: int, n_sub: int, oxs: np.ndarray, oys: np.ndarray,
                     ss: np.ndarray, keys: np.ndarray, a: float, r_min: float, vals: np.ndarray, x0: float, y0: float,
                     cell: float, width: float, height: float, d_max: float, b_min: float, prune: float,
                     tries: np.ndarray,
                     offs: np.ndarray, offd2: np.ndarray) -> None:
    """Passes ``p0 .. p1 - 1``: per pass four colours of tiles; the tiles of one colour lie a tile apart
    (farther than any radius), so they run in parallel, and each tile runs its sub-phases in order."""
    for p in range(p0, p1):
        for colour in range(4):
            st0 = (p * 4 + colour) * n_sub
            m = _n_tiles(ncx, ncy, pass_off[p, 0], pass_off[p, 1], tile, colour)
            for t in numba.prange(m):
                _tile(cell_x, cell_y, cell_k, cell_m,
                      ncx, ncy, t, colour, pass_off[p, 0], pass_off[p, 1], tile, stride, st0,
                      n_sub, oxs, oys, ss, keys, a, r_min, vals, x0, y0, cell, width, height, d_max, b_min, prune,
                      tries, offs, offd2)


@numba.njit(cache=True)
def _passes_serial(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, cell_m: np.ndarray,
                   ncx: int, ncy: int, p0: int, p1: int,
                   pass_off: np.ndarray, tile: int, stride: int, n_sub: int, oxs: np.ndarray, oys: np.ndarray,
                   ss: np.ndarray, keys: np.ndarray, a: float, r_min: float, vals: np.ndarray, x0: float, y0: float,
                   cell: float, width: float, height: float, d_max: float, b_min: float, prune: float,
                   tries: np.ndarray,
                   offs: np.ndarray, offd2: np.ndarray) -> None:
    """The same as :func:`_passes_parallel`, one tile after the other (no parallel launch on small grids)."""
    for p in range(p0, p1):
        for colour in range(4):
            st0 = (p * 4 + colour) * n_sub
            m = _n_tiles(ncx, ncy, pass_off[p, 0], pass_off[p, 1], tile, colour)
            for t in range(m):
                _tile(cell_x, cell_y, cell_k, cell_m,
                      ncx, ncy, t, colour, pass_off[p, 0], pass_off[p, 1], tile, stride, st0,
                      n_sub, oxs, oys, ss, keys, a, r_min, vals, x0, y0, cell, width, height, d_max, b_min, prune,
                      tries, offs, offd2)


# grids with fewer cells run their passes serially (the same result as the parallel tiles): below this the
# threads' start-up costs more than they share (measured on 2 cores, load ~2: a 113k-dot pattern 0.92 -> 1.28 M
# dots/s and a 951k-dot one 0.89 -> 1.4-1.6 M dots/s in parallel; on an oversubscribed machine parallel can lose)
SERIAL_CELLS = 100_000
# tile side in sub-phase strides: the tiles' cells stay in cache while their sub-phases run
TILE_STRIDES = 24


@numba.njit(cache=True)
def _regrid(old_x: np.ndarray, old_y: np.ndarray, old_k: np.ndarray, a: float, ncx: int, ncy: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The next level's grid (finer cells) holding the points placed so far. Every point stands at least
    the previous level's smallest radius (> this level's cell diagonal) from the others: one per cell."""
    m = ncx * ncy
    cell_x = np.full(m, EMPTY_MM)
    cell_y = np.full(m, EMPTY_MM)
    cell_k = np.full(m, -1, dtype=np.int32)
    for c in range(old_k.shape[0]):
        k = old_k[c]
        if k >= 0:
            x = old_x[c]
            y = old_y[c]
            cc = min(int(y / a), ncy - 1) * ncx + min(int(x / a), ncx - 1)
            cell_x[cc] = x
            cell_y[cc] = y
            cell_k[cc] = k
    return cell_x, cell_y, cell_k


@numba.njit(cache=True)
def _emit(cell_x: np.ndarray, cell_y: np.ndarray, cell_k: np.ndarray, x0: float, y0: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points of the final grid in row-major cell order (spatially coherent for later look-ups)."""
    n = 0
    for c in range(cell_k.shape[0]):
        if cell_k[c] >= 0:
            n += 1
    xs = np.empty(n)
    ys = np.empty(n)
    ks = np.empty(n, dtype=np.int64)
    j = 0
    for c in range(cell_k.shape[0]):
        if cell_k[c] >= 0:
            xs[j] = cell_x[c] + x0
            ys[j] = cell_y[c] + y0
            ks[j] = cell_k[c]
            j += 1
    return xs, ys, ks


def _ranked_dart_throw(vals: np.ndarray, x0: float, y0: float, cell: float, width: float, height: float,
                       d_max: float, b_min: float, prune: float, r_min: float, levels: np.ndarray,
                       passes_per_level: int, saturation_passes: int, seed: int, tries: int,
                       saturation_tries: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions (mm, grid order), insertion steps, and the radius scale (rank) of every step."""
    rng = np.random.default_rng(seed)
    n_lv = levels.shape[0]
    g_max = math.sqrt(d_max / b_min)
    # largest radius, in cells of its level's grid: s_hi * g_max * r_min / (s_lo * r_min / sqrt(2))
    ratio = max(float(levels[i] / levels[i + 1]) for i in range(n_lv - 1))
    k_max = int(math.ceil(ratio * g_max * math.sqrt(2.0) - 1e-9))
    stride = k_max + 1  # cells of one sub-phase lie farther apart than any radius
    tile = TILE_STRIDES * stride  # tiles of one colour lie a tile apart
    offs, offd2 = _offset_table(k_max)
    n_sub = stride * stride
    # steps: (level, pass, colour, sub-phase); within a pass every colour sweeps the radius from s_hi to s_lo
    ss: list[float] = []
    sub: list[int] = []
    offsets: list[tuple[int, int]] = []
    plan = []
    for lv in range(n_lv - 1):
        s_hi, s_lo = float(levels[lv]), float(levels[lv + 1])
        p0 = len(offsets)
        n_pass = passes_per_level + (saturation_passes if lv == n_lv - 2 else 0)
        for p in range(n_pass):
            offsets.append((int(rng.integers(tile)), int(rng.integers(tile))))
            for _ in range(4):
                perm = rng.permutation(n_sub)
                sub.extend(int(v) for v in perm)
                if p < passes_per_level:
                    ss.extend(s_hi * math.exp(math.log(s_lo / s_hi) * (p * n_sub + k) / (passes_per_level * n_sub))
                              for k in range(n_sub))
                else:  # saturation at rank 1, on the last level's grid
                    ss.extend([1.0] * n_sub)
        plan.append((s_lo, p0, len(offsets)))
    ss_a = np.array(ss)
    sub_a = np.array(sub, dtype=np.int64)
    oys_a, oxs_a = sub_a // stride, sub_a % stride
    pass_off = np.array(offsets, dtype=np.int64).reshape(-1, 2)
    keys = rng.integers(0, 2**63, size=len(ss), dtype=np.int64).astype(np.uint64)
    tries_a = np.where(ss_a > 1.0, tries, saturation_tries).astype(np.int64)  # candidates per cell and step
    cell_x = np.empty(0)
    cell_y = np.empty(0)
    cell_k = np.empty(0, dtype=np.int32)
    for s_lo, p0, p1 in plan:
        a = s_lo * r_min / math.sqrt(2.0)
        ncx = int(width / a) + 1
        ncy = int(height / a) + 1
        cell_x, cell_y, cell_k = _regrid(cell_x, cell_y, cell_k, a, ncx, ncy)
        cell_m = np.full(ncx * ncy, 15, dtype=np.uint8)
        run = _passes_serial if ncx * ncy < SERIAL_CELLS else _passes_parallel
        run(cell_x, cell_y, cell_k, cell_m, ncx, ncy, p0, p1, pass_off, tile, stride, n_sub, oxs_a, oys_a, ss_a, keys,
            a, r_min, vals, x0, y0, cell, width, height, d_max, b_min, prune, tries_a, offs, offd2)
    xs, ys, ks = _emit(cell_x, cell_y, cell_k, x0, y0)
    return xs, ys, ks, ss_a


def ranked_blue_noise(
    density: DensityGrid,
    seed: int,
    *,
    max_density_per_cm2: float | None = None,
    max_rank: float = 6.0,
    level_ratio: float = 1.8,
    passes_per_level: int = 1,
    saturation_passes: int = 1,
    tries: int = 1,
    saturation_tries: int = 3,
    max_radius_scale: float = 2.0,
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
        Highest rank (radius scale); a selection keeps at least ``q / max_rank**2`` of the base density.
    level_ratio : float
        Largest radius ratio of one level (1 < ratio <= 2): one grid (of the level's smallest radius) per level.
    passes_per_level : int
        Passes (one candidate per empty cell each) per level.
    saturation_passes : int
        Passes at the final radius that fill the remaining gaps.
    tries : int
        Candidates per empty cell and pass of the levels.
    saturation_tries : int
        Candidates per empty cell and saturation pass, thrown one after the other while the cell is visited
        (each rejection closes the cell's quadrants inside the rejecting disc, so later candidates go to
        the open ones).
    max_radius_scale : float
        Variable radius: the exclusion radius follows the local density, ``r_min * sqrt(max_density / n)``,
        down to densities of ``max_density / max_radius_scale**2``, so that lower-density regions are as
        even as full density (1 = one radius everywhere, lower densities by selection only).

    Returns
    -------
    RankedPoints
    """
    if not (1.0 < level_ratio <= 2.0):
        raise ValueError("level_ratio must be in (1, 2]")
    if max_rank < 1.0:
        raise ValueError("max_rank must be >= 1")
    if not (1.0 <= max_radius_scale <= 4.0):
        raise ValueError("max_radius_scale must be in [1, 4]")
    vals = np.ascontiguousarray(density.values, dtype=np.float64)
    if not np.all(np.isfinite(vals)) or np.any(vals < 0):
        raise ValueError("density must be finite and non-negative")
    d_max = float(max_density_per_cm2 if max_density_per_cm2 is not None else vals.max())
    if d_max <= 0:
        return RankedPoints(np.empty((0, 2)), np.empty(0), np.empty(0), Q_DEFAULT, float("inf"), 0.0, int(seed),
                            np.empty(0), np.empty(0, dtype=np.int64), 0.0, density)
    if vals.max() > d_max * (1 + 1e-9):
        raise ValueError("max_density_per_cm2 is below the field's maximum")
    r_min = float(min_distance_mm(d_max))
    b_min = d_max / max_radius_scale**2
    n_lv = max(2, int(math.ceil(math.log(max_rank) / math.log(level_ratio) - 1e-9)) + 1)
    levels = np.exp(np.linspace(math.log(max_rank), 0.0, n_lv))  # last level = saturation at rank 1
    xs, ys, steps, step_rank = _ranked_dart_throw(
        vals, float(density.x0_mm), float(density.y0_mm), float(density.cell_mm), float(density.width_mm),
        float(density.height_mm), d_max, b_min, PRUNE_Q, r_min, levels, int(passes_per_level), int(saturation_passes),
        int(seed), int(tries), int(saturation_tries))
    rk = step_rank[steps]
    xy = np.stack([xs, ys], axis=1)
    n_at = density.at(xy)
    base = np.maximum(n_at, b_min)
    sat = rk <= 1.0
    # calibration on the points whose radius follows the density (there, a selection of a fraction f of the
    # base density keeps f of the points: every such region is a scaled copy of full density)
    calib = n_at >= b_min * (1 - 1e-9)
    n_cal = int(calib.sum())
    n_steps = len(step_rank)
    # steps sharing a rank form a group; groups in descending rank (insertion order of the radius sweep)
    uniq, group_of_step = np.unique(-step_rank, return_inverse=True)
    group = group_of_step[steps]
    ranked_group = -uniq > 1.0
    cal_per_group = np.bincount(group[calib & ~sat], minlength=len(uniq)).astype(np.float64)
    u = np.random.default_rng([int(seed), 2]).random(len(rk))
    if n_cal >= 200 and cal_per_group.sum() > 0:
        # level of a ranked point: the share of calibration points ranked at least as high as it (an
        # empirical calibration: selecting a fraction f keeps f of the points), spread uniformly over its
        # group's share (any subset of a group keeps the group's minimum distance), so the selected density
        # follows the request continuously instead of in steps; the same rank -> level map applies everywhere
        hi = np.cumsum(cal_per_group) / n_cal
        lo = hi - cal_per_group / n_cal
        q = float(hi[ranked_group][-1]) if ranked_group.any() else 0.0
        level = lo[group] + u * (hi[group] - lo[group])
    else:
        q = Q_DEFAULT
        level = q / rk**2
    n_sat = int(sat.sum())
    if n_sat:
        # the final passes' points join between q and 1, in insertion order (uniform within a step)
        per_step = np.bincount(steps[sat], minlength=n_steps).astype(np.float64)
        start = np.cumsum(per_step) - per_step
        st = steps[sat]
        level[sat] = q + (1.0 - q) * (start[st] + u[sat] * per_step[st]) / n_sat
        level[sat] = np.maximum(level[sat], np.nextafter(q, 1.0))
    return RankedPoints(xy, rk, level, q, r_min, d_max, int(seed), base, steps, b_min, density)


def select(points: RankedPoints, density_per_cm2: np.ndarray) -> np.ndarray:
    """Boolean mask of the points kept at a (per-point) target density.

    A point is kept when the requested density reaches its level times its base density. Densities that
    grow from one session to the next select nested sets (each a superset of the previous one).

    Parameters
    ----------
    points : RankedPoints
    density_per_cm2 : ndarray (N,)
        Target density at each point (e.g. ``grid.at(points.xy_mm)``), at most the set's density there.
    """
    n = np.asarray(density_per_cm2, dtype=np.float64)
    return (n > 0) & (points.level * points.base_density_per_cm2 <= n * (1 + 1e-12))


def local_min_distance_mm(points: RankedPoints, density_per_cm2: np.ndarray,
                          xy_mm: np.ndarray | None = None) -> np.ndarray:
    """The minimum distance (mm) the selection at a density keeps around each point.

    A selected point of rank ``s`` is at least ``s * r_min * sqrt(max_density / base)`` from every point
    inserted before it (``base``: its base density); the selection at density ``n`` keeps only the points
    whose level is at most ``n / base``, whose ranks are at least the smallest rank among those levels.

    Parameters
    ----------
    points : RankedPoints
    density_per_cm2 : ndarray
        Selected density at each position.
    xy_mm : ndarray (M, 2), optional
        The positions (any, e.g. detected dots). Without it, ``density_per_cm2`` is taken at the points
        themselves when it has one value per point, else at full base density (a lower bound where the
        base density is lower, exact up to the level calibration).
    """
    n = np.asarray(density_per_cm2, dtype=np.float64)
    if xy_mm is not None:
        base = points.base_at(xy_mm)
    elif n.shape == (len(points),):
        base = points.base_density_per_cm2
    else:
        base = np.full(n.shape, points.max_density_per_cm2)
    f = np.maximum(n, 1e-12) / base
    scale = np.sqrt(points.max_density_per_cm2 / base)
    ranked = points.rank > 1.0
    if not ranked.any():
        return points.r_min_mm * scale * np.ones(f.shape)
    lv = points.level[ranked]
    rk = points.rank[ranked]
    order = np.argsort(lv, kind="stable")
    lv_sorted = lv[order]
    min_rank = np.minimum.accumulate(rk[order])  # smallest rank among the points with level <= lv_sorted
    idx = np.searchsorted(lv_sorted, f, side="right") - 1
    s = np.where(idx >= 0, min_rank[np.clip(idx, 0, None)], rk.max())
    s = np.where(f >= points.q, 1.0, s)
    return points.r_min_mm * np.maximum(s, 1.0) * scale


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
