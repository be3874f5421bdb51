"""Gradient-domain joining of a synthesised region to the photo.

Poisson image editing [1]_ with the synthesised image's own gradients as the guidance field is the
synthesised image plus a *membrane*: the harmonic function ``D`` (``ΔD = 0`` inside the region) equal
to ``photo - synthesis`` on the region's boundary. The membrane is smooth away from the boundary, so it
is solved on a coarse grid (~1 px/mm) with a sparse direct solver and scaled up; the fine grain of the
synthesis is kept. Only where the region borders the client's real skin is the boundary fixed
(Dirichlet); against the background or remaining hair the membrane is free (Neumann), so a silhouette
stays an edge.

References
----------
.. [1] Pérez, P., Gangnet, M., Blake, A. "Poisson image editing." ACM SIGGRAPH 2003, 313-318.
.. [2] Farbman, Z., Hoffer, G., Lipman, Y., Cohen-Or, D., Lischinski, D. "Coordinates for instant
   image cloning." ACM SIGGRAPH 2009 (the membrane view of seamless cloning).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

MEMBRANE_PX_PER_MM = 1.0  # the membrane's grid
MAX_LOG_OFFSET = 0.4  # the membrane corrects the lighting model by at most x/÷ 1.5 (stray hair is no skin)
DECAY = 1e-4  # weak pull of the membrane toward 0: a region with no fixed boundary gets none
SEAM_REACH_MM = 1.5  # the screened-Poisson seam correction decays over this distance from the boundary


def _normalized_blur(values: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    wb = cv2.GaussianBlur(weight.astype(np.float32), (0, 0), sigma)
    vb = cv2.GaussianBlur((values * weight[..., None]).astype(np.float32), (0, 0), sigma)
    return vb / np.maximum(wb, 1e-6)[..., None], wb


def membrane(region: np.ndarray, fixed: np.ndarray, values: np.ndarray, ppm: float) -> np.ndarray:
    """The harmonic membrane over ``region`` with ``values`` held on ``fixed`` pixels.

    Parameters
    ----------
    region : ndarray of bool, shape (H, W)
        Pixels the synthesis replaces.
    fixed : ndarray of bool, shape (H, W)
        Pixels outside ``region`` where the membrane is held (the real skin along the boundary).
    values : ndarray, shape (H, W, C), float32
        The difference to match there (read only on ``fixed``).
    ppm : float
        Pixels per millimetre of these arrays.

    Returns
    -------
    ndarray, shape (H, W, C), float32
        The membrane (0 where nothing holds it), defined on every pixel (smoothly continued outside).
    """
    h, w = region.shape
    c = values.shape[2]
    out = np.zeros((h, w, c), np.float32)
    if not region.any() or not fixed.any():
        return out
    f = min(1.0, MEMBRANE_PX_PER_MM / ppm)
    sw, sh = max(4, round(w * f)), max(4, round(h * f))
    reg_c = cv2.resize(region.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0.25
    fw = cv2.resize(fixed.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
    fv = cv2.resize((values * fixed[..., None]).astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
    fix_c = (fw > 0.05) & ~reg_c
    val_c = fv / np.maximum(fw, 1e-6)[..., None]
    unknown = reg_c
    idx = -np.ones((sh, sw), np.int64)
    ys, xs = np.nonzero(unknown)
    n = len(ys)
    idx[ys, xs] = np.arange(n)
    rows, cols, data = [], [], []
    diag = np.full(n, DECAY)
    rhs = np.zeros((n, c))
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < sh) & (nx >= 0) & (nx < sw)
        ny_c, nx_c = np.clip(ny, 0, sh - 1), np.clip(nx, 0, sw - 1)
        nb_unknown = inside & unknown[ny_c, nx_c]
        nb_fixed = inside & fix_c[ny_c, nx_c]
        diag += nb_unknown | nb_fixed
        rows.append(np.flatnonzero(nb_unknown))
        cols.append(idx[ny_c, nx_c][nb_unknown])
        data.append(-np.ones(int(nb_unknown.sum())))
        rhs[nb_fixed] += val_c[ny_c[nb_fixed], nx_c[nb_fixed]]
    a = coo_matrix((np.concatenate([diag, *data]),
                    (np.concatenate([np.arange(n), *rows]), np.concatenate([np.arange(n), *cols]))),
                   shape=(n, n)).tocsc()
    sol = np.asarray(spsolve(a, rhs)).reshape(n, c)
    grid = np.zeros((sh, sw, c), np.float32)
    grid[ys, xs] = sol
    grid[fix_c] = val_c[fix_c]
    known = unknown | fix_c
    # continue the membrane smoothly beyond the region so the bilinear scale-up does not fall to 0 at its edge
    cont, wgt = _normalized_blur(grid, known.astype(np.float32), 1.5)
    grid = np.where(known[..., None], grid, np.where(wgt[..., None] > 1e-3, cont, 0.0)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, c)


def skin_band_values(photo_lin: np.ndarray, model_lin: np.ndarray, band: np.ndarray, skin: np.ndarray,
                     ppm: float) -> np.ndarray:
    """Log ratio of the real skin to the lighting model on ``band``: the photo's skin low-passed over
    skin pixels only (~1.5 mm; grain and stray hairs averaged out), divided by the model there."""
    lp, _ = _normalized_blur(np.log(np.maximum(photo_lin, 1e-4)), skin, max(0.7, 1.5 * ppm))
    d = lp - np.log(np.maximum(model_lin, 1e-4))
    d[~band] = 0.0
    return np.clip(d, -MAX_LOG_OFFSET, MAX_LOG_OFFSET).astype(np.float32)


def feather(region: np.ndarray, ppm: float, width_mm: float = 0.5) -> np.ndarray:
    """Alpha (float32) rising from 0 at the region's edge to 1 inside it over ``width_mm``; 0 outside:
    the photo outside the region is never touched."""
    dist = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(dist / max(1.0, width_mm * ppm), 0.0, 1.0).astype(np.float32)


def fine_correction(region: np.ndarray, fixed: np.ndarray, residual: np.ndarray, ppm: float,
                    reach_mm: float = 1.5) -> np.ndarray:
    """What the coarse membrane misses along the boundary, carried ~``reach_mm`` into the region.

    ``residual`` (on ``fixed``) is the boundary difference left after :func:`membrane`; near the boundary a
    harmonic function follows it, and it decays over about the boundary detail's own scale: it is spread
    by a normalised Gaussian over the fixed pixels and faded out with the distance from them.
    """
    if not fixed.any():
        return np.zeros(residual.shape, np.float32)
    sigma = max(0.7, reach_mm * ppm)
    spread, wgt = _normalized_blur(residual * fixed[..., None], fixed.astype(np.float32), sigma)
    dist = cv2.distanceTransform((~fixed).astype(np.uint8), cv2.DIST_L2, 3)
    fade = np.exp(-dist / sigma) * (wgt > 1e-4)
    return (spread * fade[..., None] * region[..., None]).astype(np.float32)


def heal_seams(photo: np.ndarray, out: np.ndarray, changed: np.ndarray, ppm: float,
               reach_mm: float = SEAM_REACH_MM, *, in_place: bool = False) -> np.ndarray:
    """Join the changed pixels to the unchanged ones without a step: a screened-Poisson correction.

    On the changed pixels along the boundary the target is the unchanged neighbour's colour; the mismatch
    ``photo(q) - out(p)``, averaged along the boundary (normalised Gaussian of ``reach_mm``), is carried
    into the changed region and decays with the distance from the boundary as ``exp(-d / reach)`` — the
    Green's function of the screened Poisson equation ``ΔM = M / reach²`` [3]_, in one dimension. What is
    left at the boundary is the fine texture of both sides, not a step. Unchanged pixels stay as they are.

    References
    ----------
    .. [3] Bhat, P., Curless, B., Cohen, M., Zitnick, C. L. "Fourier analysis of the 2D screened Poisson
       equation for gradient domain problems." ECCV 2008.
    """
    if not changed.any() or changed.all():
        return out
    by, bx = _bbox_slices(changed, int(np.ceil(3 * reach_mm * ppm)) + 2)
    c = changed[by, bx]
    o, p = out[by, bx], photo[by, bx]
    h, w = c.shape
    inner = c & ~cv2.erode(c.astype(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE).astype(bool)
    ys, xs = np.nonzero(inner)  # changed pixels with an unchanged neighbour (or the 3x3 corner of one)
    acc = np.zeros((len(ys), 3), np.float32)
    cnt = np.zeros(len(ys), np.float32)
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        qy, qx = ys + dy, xs + dx
        ok = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
        ok[ok] &= ~c[qy[ok], qx[ok]]
        acc[ok] += p[qy[ok], qx[ok]] - o[ys[ok], xs[ok]]
        cnt[ok] += 1
    has = cnt > 0
    ring = np.zeros((h, w), bool)
    ring[ys[has], xs[has]] = True
    v = np.zeros((h, w, 3), np.float32)
    v[ys[has], xs[has]] = acc[has] / cnt[has, None]
    sigma = max(0.7, reach_mm * ppm)
    f = min(1.0, 3.0 / sigma)  # the correction is smooth: blurred at ~3 px per sigma and scaled back up
    if f < 1.0:
        sw, sh = max(4, round(w * f)), max(4, round(h * f))
        ring_s = cv2.resize(ring.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
        v_s = cv2.resize((v * ring[..., None]).astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
        v_s = v_s / np.maximum(ring_s, 1e-6)[..., None]
        spread_s, wgt_s = _normalized_blur(v_s, ring_s, sigma * f)
        spread = cv2.resize(spread_s, (w, h), interpolation=cv2.INTER_LINEAR)
        wgt = cv2.resize(wgt_s, (w, h), interpolation=cv2.INTER_LINEAR)
    else:
        spread, wgt = _normalized_blur(v, ring.astype(np.float32), sigma)
    dist = cv2.distanceTransform(c.astype(np.uint8), cv2.DIST_L2, 3)  # to the nearest unchanged pixel
    near = c & (dist < 5.0 * sigma) & (wgt > 1e-4)  # beyond, exp(-d / sigma) < 1 %: left as it is
    fade = np.exp(-np.maximum(dist[near] - 1.0, 0.0) / sigma)
    healed = out if in_place else out.copy()
    sub = healed[by, bx]
    sub[near] = np.clip(sub[near] + spread[near] * fade[:, None], 0.0, 1.0)
    return healed


def _bbox_slices(mask: np.ndarray, pad: int) -> tuple[slice, slice]:
    r, cc = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    h, w = mask.shape
    return slice(max(0, r[0] - pad), min(h, r[-1] + 1 + pad)), slice(max(0, cc[0] - pad), min(w, cc[-1] + 1 + pad))
