"""Anti-aliased anisotropic Gaussian splats into a float32 image, and the compositing of dots onto a photo.

A *splat* is a Gaussian spot ``amp * exp(-0.5 * d^T C^-1 d)`` (peak opacity ``amp`` per channel,
covariance ``C`` in px^2). :func:`render_opacity` writes, for every pixel, the **mean** opacity of all
splats over the pixel's area, so the same plan renders honestly at any resolution: a dot smaller than a
pixel adds exactly its integrated mass, and a low-resolution render equals the high-resolution render
box-downsampled (up to the 3.5-sigma truncation).

Pixel integration:

* axis-aligned splats use the exact box integral (a product of error-function differences per
  column and row); rotated splats narrower than ``0.7`` px integrate the y marginal exactly per row
  and, within each row, the x distribution conditioned on y lying in that row (a Gaussian with the
  truncated row's conditional mean and variance);
* wider correlated (rotated) splats are point-sampled after convolving ``C`` with the pixel box's
  variance ``1/12 px^2`` (mass-preserving), which is exact to ~1e-5 at that width.

Parallelism: the image is cut into fixed bands of ``BAND_ROWS`` rows; each band draws the part of every
splat that falls into it, in a fixed order (by 64-px column tile, then by index). Splats are sorted into
bands by a parallel counting sort over fixed index ranges (not over threads), and each band gathers its
splats into local arrays before drawing them. The partition and the order do not depend on the number of
threads, so the output is bit-identical for any ``NUMBA_NUM_THREADS``.

Compositing (:func:`composite`) multiplies the photo in linear light by the transmittance
``1 - opacity`` (per channel), so the photo's shading, highlights and shadows stay on top of the dots.

References
----------
.. [1] P. S. Heckbert, "Fundamentals of texture mapping and image warping", MSc thesis, UC Berkeley
   1989 (elliptical Gaussian filters, pixel prefiltering).
.. [2] IEC 61966-2-1:1999 (sRGB transfer function, :mod:`smpstudio.optics.colour`).

Examples
--------
>>> import numpy as np
>>> s = Splats.isotropic(np.array([10.3]), np.array([7.6]), sigma_px=0.3, amp_rgb=np.array([[0.5, 0.5, 0.5]]))
>>> img = render_opacity(s, 16, 20)
>>> round(float(img[..., 0].sum()), 4) == round(0.5 * 2 * np.pi * 0.3**2, 4)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from smpstudio.optics.colour import encode_lut

BAND_ROWS = 32
TRUNCATE_SIGMA = 3.5  # point-sampled (wide, rotated) splats
TRUNCATE_SIGMA_SEPARABLE = 3.0  # box-integrated splats: renormalised over the footprint, so no mass is lost
POINT_SAMPLE_MIN_SIGMA_PX = 0.7
_BIN_CHUNKS = 16  # fixed index ranges of the parallel counting sort (not the thread count: same order always)


def _band_order(n_bands: int) -> np.ndarray:
    """Bands in bit-reversed order: any contiguous share of the parallel loop spreads over the whole image,
    so threads get similar work when the dots cover only part of it (the output does not depend on it)."""
    bits = max(int(n_bands - 1).bit_length(), 1)
    rev = np.array([int(format(k, f"0{bits}b")[::-1], 2) for k in range(1 << bits)], dtype=np.int64)
    return rev[rev < n_bands]


@dataclass(frozen=True)
class Splats:
    """Gaussian spots in image pixels (origin at the top-left pixel's corner, y down).

    Attributes
    ----------
    x_px, y_px : ndarray (N,) float64
        Centres.
    cxx, cxy, cyy : ndarray (N,) float64
        Covariance (px^2).
    amp : ndarray (N, 3) float32
        Peak opacity per linear-RGB channel (the fraction of light removed at the centre).
    """

    x_px: np.ndarray
    y_px: np.ndarray
    cxx: np.ndarray
    cxy: np.ndarray
    cyy: np.ndarray
    amp: np.ndarray

    def __len__(self) -> int:
        return int(self.x_px.shape[0])

    @classmethod
    def isotropic(cls, x_px: np.ndarray, y_px: np.ndarray, sigma_px: float | np.ndarray, amp_rgb: np.ndarray) -> Splats:
        n = len(x_px)
        s2 = np.broadcast_to(np.asarray(sigma_px, dtype=np.float64) ** 2, (n,)).copy()
        return cls(np.asarray(x_px, np.float64), np.asarray(y_px, np.float64), s2, np.zeros(n), s2.copy(),
                   np.broadcast_to(np.asarray(amp_rgb, np.float32), (n, 3)).copy())

    @classmethod
    def elliptical(cls, x_px: np.ndarray, y_px: np.ndarray, sigma_major_px: np.ndarray, sigma_minor_px: np.ndarray,
                   angle_rad: np.ndarray, amp_rgb: np.ndarray) -> Splats:
        """Splats from axes and the major axis' angle (radians from the image x axis, y down)."""
        c, s = np.cos(angle_rad), np.sin(angle_rad)
        a2, b2 = np.asarray(sigma_major_px) ** 2, np.asarray(sigma_minor_px) ** 2
        return cls(np.asarray(x_px, np.float64), np.asarray(y_px, np.float64), a2 * c * c + b2 * s * s,
                   (a2 - b2) * c * s, a2 * s * s + b2 * c * c, np.asarray(amp_rgb, np.float32).reshape(-1, 3))

    @staticmethod
    def concat(parts: list[Splats]) -> Splats:
        return Splats(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("x_px", "y_px", "cxx", "cxy", "cyy", "amp")))

    def transformed(self, scale: float, dx: float = 0.0, dy: float = 0.0) -> Splats:
        """The same splats on an image scaled by ``scale`` and shifted by ``(dx, dy)`` px (after scaling)."""
        s2 = scale * scale
        return Splats(self.x_px * scale + dx, self.y_px * scale + dy, self.cxx * s2, self.cxy * s2, self.cyy * s2,
                      self.amp)


@numba.njit(cache=True, inline="always")
def _separable(a: float, bb: float, c: float) -> bool:
    """Whether a splat is drawn by box integration (axis-aligned, or narrower than the point-sampling limit)."""
    det = a * c - bb * bb
    tr = 0.5 * (a + c)
    lam_min = tr - math.sqrt(max(tr * tr - det, 0.0))
    return abs(bb) <= 1e-3 * math.sqrt(a * c) or lam_min < POINT_SAMPLE_MIN_SIGMA_PX * POINT_SAMPLE_MIN_SIGMA_PX


@numba.njit(cache=True, inline="always")
def _extent(mu: float, s: float, t: float) -> tuple[int, int]:
    """Unclipped footprint [lo, hi) of pixels within t * s of mu."""
    return int(math.floor(mu - t * s)), int(math.floor(mu + t * s)) + 1


@numba.njit(cache=True, inline="always")
def _footprint(x: float, y: float, a: float, bb: float, c: float, h: int, w: int) -> tuple[int, int, int, int]:
    """Pixel footprint [x0, x1) x [y0, y1) of a splat, clipped to the image."""
    sx = math.sqrt(a + 1.0 / 12.0)
    sy = math.sqrt(c + 1.0 / 12.0)
    t = TRUNCATE_SIGMA_SEPARABLE if _separable(a, bb, c) else TRUNCATE_SIGMA
    lo, hi = _extent(x, sx, t)
    x0, x1 = max(lo, 0), min(hi, w)
    lo, hi = _extent(y, sy, t)
    return x0, x1, max(lo, 0), min(hi, h)


@numba.njit(cache=True, inline="always")
def _drawable(a: float, bb: float, c: float) -> bool:
    """A valid covariance (positive definite; NaN compares false)."""
    return a > 0.0 and c > 0.0 and a * c - bb * bb > 0.0


@numba.njit(cache=True, inline="always")
def _bin_key(x: float, y: float, a: float, bb: float, c: float, h: int, w: int, band_rows: int,
             n_tiles: int) -> tuple[int, int, int]:
    """A splat's x tile (64 px) and the bands it touches, ``[b0, b1)``; an empty range if it draws nothing."""
    if not _drawable(a, bb, c):
        return 0, 0, 0
    x0, x1, y0, y1 = _footprint(x, y, a, bb, c, h, w)
    if x0 >= x1 or y0 >= y1:
        return 0, 0, 0
    return min(max(int(x) // 64, 0), n_tiles - 1), y0 // band_rows, (y1 - 1) // band_rows + 1


@numba.njit(cache=True, parallel=True)
def _bin(x: np.ndarray, y: np.ndarray, cxx: np.ndarray, cxy: np.ndarray, cyy: np.ndarray, h: int, w: int,
         band_rows: int, n_chunks: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort the splats into bands: the index of every (splat, band it touches), band by band (CSR).

    Within a band the splats are ordered by (x tile of 64 px, index): a fixed order, independent of the
    thread count (a counting sort over ``n_chunks`` fixed index ranges), and cache-friendly for drawing.
    """
    n = x.shape[0]
    n_bands = (h + band_rows - 1) // band_rows
    n_tiles = w // 64 + 1
    n_keys = n_bands * n_tiles
    hist = np.zeros((n_chunks, n_keys), dtype=np.int64)
    for ch in numba.prange(n_chunks):
        for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
            t, b0, b1 = _bin_key(x[i], y[i], cxx[i], cxy[i], cyy[i], h, w, band_rows, n_tiles)
            for b in range(b0, b1):
                hist[ch, b * n_tiles + t] += 1
    start = np.empty(n_bands + 1, dtype=np.int64)
    pos = 0
    for k in range(n_keys):
        if k % n_tiles == 0:
            start[k // n_tiles] = pos
        for ch in range(n_chunks):
            cnt = hist[ch, k]
            hist[ch, k] = pos
            pos += cnt
    start[n_bands] = pos
    lists = np.empty(pos, dtype=np.int32)
    for ch in numba.prange(n_chunks):
        for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
            t, b0, b1 = _bin_key(x[i], y[i], cxx[i], cxy[i], cyy[i], h, w, band_rows, n_tiles)
            for b in range(b0, b1):
                k = hist[ch, b * n_tiles + t]
                hist[ch, b * n_tiles + t] = k + 1
                lists[k] = i
    return start, lists


_PHI_N = 8192
_PHI_LO = -7.0
_PHI_HI = 7.0


def _make_phi_lut() -> np.ndarray:
    from scipy.special import ndtr

    z = np.linspace(_PHI_LO, _PHI_HI, _PHI_N + 1)
    return np.stack([ndtr(z), np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)], axis=1).astype(np.float64)


_PHI_LUT = _make_phi_lut()  # columns: the standard normal CDF and density at _PHI_N + 1 nodes


@numba.njit(cache=True, inline="always")
def _phi_lut(lut: np.ndarray, z: float) -> float:
    """Standard normal CDF by linear interpolation in a table (|error| < 3e-7)."""
    f = (z - _PHI_LO) * (_PHI_N / (_PHI_HI - _PHI_LO))
    if f <= 0.0:
        return 0.0
    if f >= _PHI_N:
        return 1.0
    k = int(f)
    t = f - k
    return lut[k, 0] + t * (lut[k + 1, 0] - lut[k, 0])


@numba.njit(cache=True, inline="always")
def _phi_pdf_lut(lut: np.ndarray, z: float) -> tuple[float, float]:
    """Standard normal CDF and density by linear interpolation in a table (|errors| < 3e-7)."""
    f = (z - _PHI_LO) * (_PHI_N / (_PHI_HI - _PHI_LO))
    if f <= 0.0:
        return 0.0, 0.0
    if f >= _PHI_N:
        return 1.0, 0.0
    k = int(f)
    t = f - k
    return lut[k, 0] + t * (lut[k + 1, 0] - lut[k, 0]), lut[k, 1] + t * (lut[k + 1, 1] - lut[k, 1])


@numba.njit(cache=True, parallel=True)
def _draw(out: np.ndarray, x: np.ndarray, y: np.ndarray, cxx: np.ndarray, cxy: np.ndarray, cyy: np.ndarray,
          amp: np.ndarray, start: np.ndarray, lists: np.ndarray, order: np.ndarray, band_rows: int,
          lut: np.ndarray, n_slots: int) -> None:
    """Draw the binned splats band by band (each band writes only its own rows)."""
    h, w = out.shape[0], out.shape[1]
    flat = out.reshape(-1)
    m_max = 0
    for b in range(start.shape[0] - 1):
        m_max = max(m_max, start[b + 1] - start[b])
    # one gather buffer per thread, allocated here: large allocations inside the parallel loop (mmap,
    # page faults, munmap) serialise the threads
    geo_t = np.empty((n_slots, m_max, 5))
    opa_t = np.empty((n_slots, m_max, 3), dtype=np.float32)
    for j in numba.prange(order.shape[0]):
        b = order[j]
        r0 = b * band_rows
        r1 = min(r0 + band_rows, h)
        k0 = start[b]
        m = start[b + 1] - k0
        # gather the band's splats into sequential scratch arrays first (independent loads: fast)
        tid = numba.get_thread_id()
        geo = geo_t[tid]
        opa = opa_t[tid]
        for k in range(m):
            i = lists[k0 + k]
            geo[k, 0] = x[i]
            geo[k, 1] = y[i]
            geo[k, 2] = cxx[i]
            geo[k, 3] = cxy[i]
            geo[k, 4] = cyy[i]
            opa[k, 0] = amp[i, 0]
            opa[k, 1] = amp[i, 1]
            opa[k, 2] = amp[i, 2]
        py = np.empty(64)
        qx = np.empty(65)
        qy = np.empty(65)
        zy = np.empty(65)
        fy = np.empty(65)
        e = np.empty(192, dtype=np.float32)
        for k in range(m):
            xi = geo[k, 0]
            yi = geo[k, 1]
            a = geo[k, 2]
            bb = geo[k, 3]
            c = geo[k, 4]
            x0, x1, y0, y1 = _footprint(xi, yi, a, bb, c, h, w)
            y0 = max(y0, r0)
            y1 = min(y1, r1)
            nx = x1 - x0
            ny = y1 - y0
            det = a * c - bb * bb
            a0 = opa[k, 0]
            a1 = opa[k, 1]
            a2 = opa[k, 2]
            if nx >= qx.shape[0]:
                qx = np.empty(2 * nx + 1)
                e = np.empty(6 * nx, dtype=np.float32)
            if ny >= qy.shape[0]:
                py = np.empty(2 * ny)
                qy = np.empty(2 * ny + 1)
                zy = np.empty(2 * ny + 1)
                fy = np.empty(2 * ny + 1)
            if _separable(a, bb, c):
                # exact box integral of the y marginal per row; within a row, the x distribution
                # conditioned on y lying in that row (exact for axis-aligned splats); both renormalised over
                # the (unclipped) footprint so that the splat's whole mass is drawn. The normal CDF at each
                # pixel edge is evaluated once and shared by the two pixels of the edge.
                axis_aligned = abs(bb) <= 1e-3 * math.sqrt(a * c)
                sy = math.sqrt(c)
                isy = 1.0 / sy
                ux0, ux1 = _extent(xi, math.sqrt(a + 1.0 / 12.0), TRUNCATE_SIGMA_SEPARABLE)
                uy0, uy1 = _extent(yi, math.sqrt(c + 1.0 / 12.0), TRUNCATE_SIGMA_SEPARABLE)
                for v in range(ny + 1):
                    z = (y0 + v - yi) * isy
                    zy[v] = z
                    qy[v], fy[v] = _phi_pdf_lut(lut, z)
                if y0 == uy0 and y1 == uy1:
                    ny_norm = qy[ny] - qy[0]
                else:
                    ny_norm = _phi_lut(lut, (uy1 - yi) * isy) - _phi_lut(lut, (uy0 - yi) * isy)
                mass = 2.0 * math.pi * math.sqrt(det) / max(ny_norm, 1e-12)
                for v in range(ny):
                    py[v] = (qy[v + 1] - qy[v]) * mass
                x_whole = x0 == ux0 and x1 == ux1
                if axis_aligned:
                    isx = 1.0 / math.sqrt(a)
                    for u in range(nx + 1):
                        qx[u] = _phi_lut(lut, (x0 + u - xi) * isx)
                    if x_whole:
                        dn = qx[nx] - qx[0]
                    else:
                        dn = _phi_lut(lut, (ux1 - xi) * isx) - _phi_lut(lut, (ux0 - xi) * isx)
                    nrm = 1.0 / max(dn, 1e-12)
                    for u in range(nx):
                        pu = (qx[u + 1] - qx[u]) * nrm
                        e[3 * u] = np.float32(pu * a0)
                        e[3 * u + 1] = np.float32(pu * a1)
                        e[3 * u + 2] = np.float32(pu * a2)
                    for v in range(ny):
                        wy = np.float32(py[v])
                        base = ((y0 + v) * w + x0) * 3
                        dst = flat[base:base + 3 * nx]
                        for q in range(3 * nx):
                            dst[q] += wy * e[q]
                else:
                    beta = bb / c
                    cond_var = max(a - bb * beta, 1e-12)
                    for v in range(ny):
                        wy = py[v]
                        pr = qy[v + 1] - qy[v]
                        if wy <= 1e-12 * mass or pr <= 1e-12:
                            continue
                        za = zy[v]
                        zb = zy[v + 1]
                        fa = fy[v]
                        fb = fy[v + 1]
                        ipr = 1.0 / pr
                        dm = (fa - fb) * ipr
                        m_y = yi + sy * dm
                        var_y = c * max(1.0 + (za * fa - zb * fb) * ipr - dm * dm, 0.0)
                        mx = xi + beta * (m_y - yi)
                        isxr = 1.0 / math.sqrt(cond_var + beta * beta * var_y)
                        for u in range(nx + 1):
                            qx[u] = _phi_lut(lut, (x0 + u - mx) * isxr)
                        if x_whole:
                            dn = qx[nx] - qx[0]
                        else:
                            dn = _phi_lut(lut, (ux1 - mx) * isxr) - _phi_lut(lut, (ux0 - mx) * isxr)
                        nrm = wy / max(dn, 1e-12)
                        for u in range(nx):
                            pu = (qx[u + 1] - qx[u]) * nrm
                            e[3 * u] = np.float32(pu * a0)
                            e[3 * u + 1] = np.float32(pu * a1)
                            e[3 * u + 2] = np.float32(pu * a2)
                        base = ((y0 + v) * w + x0) * 3
                        dst = flat[base:base + 3 * nx]
                        for q in range(3 * nx):
                            dst[q] += e[q]
            else:
                # point-sample the Gaussian convolved with the pixel box (variance 1/12 px^2 per axis)
                ap = a + 1.0 / 12.0
                cp = c + 1.0 / 12.0
                detp = ap * cp - bb * bb
                norm = math.sqrt(det / detp)
                ia = cp / detp
                ic = ap / detp
                ib = -bb / detp
                for yy in range(y0, y1):
                    dy = yy + 0.5 - yi
                    base = (yy * w + x0) * 3
                    dst = flat[base:base + 3 * nx]
                    for u in range(nx):
                        dx = x0 + u + 0.5 - xi
                        q = ia * dx * dx + 2.0 * ib * dx * dy + ic * dy * dy
                        if q > 2.0 * TRUNCATE_SIGMA * TRUNCATE_SIGMA:
                            continue
                        wgt = norm * math.exp(-0.5 * q)
                        dst[3 * u] += np.float32(wgt * a0)
                        dst[3 * u + 1] += np.float32(wgt * a1)
                        dst[3 * u + 2] += np.float32(wgt * a2)


def render_opacity(splats: Splats, height: int, width: int, out: np.ndarray | None = None) -> np.ndarray:
    """Pixel-mean opacity of all splats, float32 (H, W, 3) (added to ``out`` if given).

    Parameters
    ----------
    splats : Splats
    height, width : int
        Image size in pixels.
    out : ndarray (H, W, 3) float32, optional
        Accumulate into this array.

    Returns
    -------
    ndarray (H, W, 3) float32
    """
    if out is None:
        out = np.zeros((height, width, 3), dtype=np.float32)
    if out.shape != (height, width, 3) or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float32 (H, W, 3) array")
    if len(splats) == 0:
        return out
    x = np.ascontiguousarray(splats.x_px, dtype=np.float64)
    y = np.ascontiguousarray(splats.y_px, dtype=np.float64)
    cxx = np.ascontiguousarray(splats.cxx, dtype=np.float64)
    cxy = np.ascontiguousarray(splats.cxy, dtype=np.float64)
    cyy = np.ascontiguousarray(splats.cyy, dtype=np.float64)
    amp = np.ascontiguousarray(splats.amp, dtype=np.float32)
    n_chunks = max(1, min(_BIN_CHUNKS, len(splats) // 4096))
    start, lists = _bin(x, y, cxx, cxy, cyy, height, width, BAND_ROWS, n_chunks)
    _draw(out, x, y, cxx, cxy, cyy, amp, start, lists, _band_order(len(start) - 1), BAND_ROWS, _PHI_LUT,
          numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    return out


_ENC_LUT = encode_lut()


@numba.njit(cache=True, parallel=True)
def _composite_u8(photo_lin: np.ndarray, opacity: np.ndarray, visibility: np.ndarray, lut: np.ndarray,
                  out: np.ndarray) -> None:
    h, w = photo_lin.shape[0], photo_lin.shape[1]
    top = lut.shape[0] - 1
    for yy in numba.prange(h):
        for xx in range(w):
            vis = visibility[yy, xx]
            for c in range(3):
                t = 1.0 - opacity[yy, xx, c] * vis
                if t < 0.0:
                    t = 0.0
                v = photo_lin[yy, xx, c] * t
                if v < 0.0:
                    v = 0.0
                elif v > 1.0:
                    v = 1.0
                out[yy, xx, c] = lut[int(v * top + 0.5)]


@numba.njit(cache=True, parallel=True)
def _composite_f32(photo_lin: np.ndarray, opacity: np.ndarray, visibility: np.ndarray, out: np.ndarray) -> None:
    h, w = photo_lin.shape[0], photo_lin.shape[1]
    for yy in numba.prange(h):
        for xx in range(w):
            vis = visibility[yy, xx]
            for c in range(3):
                t = 1.0 - opacity[yy, xx, c] * vis
                out[yy, xx, c] = photo_lin[yy, xx, c] * max(t, 0.0)


def composite(photo_linear: np.ndarray, opacity: np.ndarray, visibility: np.ndarray | None = None,
              to_srgb8: bool = False) -> np.ndarray:
    """Multiply a linear photo by the dots' transmittance ``1 - opacity * visibility``.

    Parameters
    ----------
    photo_linear : ndarray (H, W, 3) float32
        The photo in linear light.
    opacity : ndarray (H, W, 3) float32
        From :func:`render_opacity`.
    visibility : ndarray (H, W) float32, optional
        How much of the skin shows (1 on bare skin, lower under existing hair).
    to_srgb8 : bool
        Return sRGB-encoded uint8 (for writing) instead of linear float32.
    """
    h, w = photo_linear.shape[:2]
    vis = np.ones((h, w), np.float32) if visibility is None else np.ascontiguousarray(visibility, np.float32)
    p = np.ascontiguousarray(photo_linear, np.float32)
    o = np.ascontiguousarray(opacity, np.float32)
    if to_srgb8:
        out8 = np.empty((h, w, 3), np.uint8)
        _composite_u8(p, o, vis, _ENC_LUT, out8)
        return out8
    out = np.empty((h, w, 3), np.float32)
    _composite_f32(p, o, vis, out)
    return out


def linear_to_srgb8(img_linear: np.ndarray) -> np.ndarray:
    """Linear float32 -> sRGB uint8."""
    h, w = img_linear.shape[:2]
    return composite(img_linear, np.zeros((h, w, 3), np.float32), to_srgb8=True)
