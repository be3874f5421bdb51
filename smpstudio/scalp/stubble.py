"""Buzzed hair: the stubble a #0-#1 clipper leaves, over the client's own (modelled) scalp skin.

Each follicular unit (74.4 FU/cm², 1-3 hairs; domain.md §4, Guo 2017) is a point of a Poisson process
thinned by how much hair the photo shows there; each hair is a shaft of 70 µm (60-80 µm, domain.md §4)
seen twice:

* above the skin, cut to the clipper's length and lying at an angle, its projection a short dark
  streak pointing away from the crown (coverage of the pixel by the shaft's projected area);
* below the skin, the ~4 mm of shaft under the scalp (domain.md §4: why a shaved scalp looks grey),
  seen through the epidermis: a blurred, attenuated shadow of the same hair.

The colour is then ``skin * v * (1 - c_sub (1 - t)) * (1 - c_top) + hair * v_half * c_top`` per pixel
(linear light), with ``c_top``/``c_sub`` the coverages, ``t`` the hair's reflectance relative to the
skin's (white hair darkens nothing, black hair most) and ``v``/``v_half`` the diffuse light the stubble
leaves at the skin and at a shaft's middle (:func:`smpstudio.optics.stubble.stubble_shade`).

References
----------
.. [1] Guo, H. et al. (2017), follicular-unit density 74.4 +- 13.3 FU/cm² (domain.md §4).
.. [2] BioNumbers 114258: human scalp hair shaft diameter 60-80 µm (domain.md §4, §9).
"""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio.analysis.headmodel import MIN_FORESHORTENING
from smpstudio.optics.stubble import (  # noqa: F401  (expected_darkness: the expectation of buzz)
    CLIPPER_LENGTH_MM,
    EXIT_SIN,
    FU_PER_MM2,
    HAIRS_PER_FU_P,
    SHAFT_DIAMETER_MM,
    SKIN_BLUR_MM,
    SKIN_TRANSMITTANCE,
    SUB_ANGLE_SIN,
    SUBCUTANEOUS_MM,
    expected_darkness,
    hairs_per_mm2,
    stubble_shade,
)

HAIR_LUMINANCE_JITTER = 0.15  # relative hair-to-hair variation of the shaft's colour


def _segments(rng: np.random.Generator, density: np.ndarray, ppm: float, crown_px: tuple[float, float],
              foreshortening: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hair positions (px), unit directions and per-hair luminance factors, thinned by ``density`` in [0, 1].

    The units are a Poisson process on the scalp's surface: on the image, where a surface area ``A`` shows
    as ``A * foreshortening``, their density is ``FU_PER_MM2 / foreshortening``.
    """
    h, w = density.shape
    area_mm2 = h * w / ppm**2
    fs = None if foreshortening is None else np.clip(foreshortening, MIN_FORESHORTENING, 1.0)
    peak = 1.0 if fs is None else 1.0 / float(fs.min())
    n_fu = rng.poisson(FU_PER_MM2 * peak * area_mm2)
    x = rng.uniform(0, w, n_fu)
    y = rng.uniform(0, h, n_fu)
    iy, ix = np.minimum(y.astype(int), h - 1), np.minimum(x.astype(int), w - 1)
    p = density[iy, ix] if fs is None else density[iy, ix] / (fs[iy, ix] * peak)
    keep = rng.uniform(0, 1, n_fu) < p
    x, y = x[keep], y[keep]
    hairs = rng.choice(np.arange(1, 4), size=len(x), p=np.asarray(HAIRS_PER_FU_P) / sum(HAIRS_PER_FU_P))
    x, y = np.repeat(x, hairs), np.repeat(y, hairs)
    # direction: away from the crown, jittered (a unit's hairs fan out a little)
    ang = np.arctan2(y - crown_px[1], x - crown_px[0]) + rng.normal(0.0, 0.45, len(x))
    d = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    lum = np.clip(1.0 + rng.normal(0.0, HAIR_LUMINANCE_JITTER, len(x)), 0.5, 1.5)
    return x, y, d, lum


def _coverage(x: np.ndarray, y: np.ndarray, d: np.ndarray, weight: np.ndarray, length_px: float,
              width_px: float, shape: tuple[int, int]) -> np.ndarray:
    """Area coverage (0-1) of straight shafts starting at (x, y), drawn as sample points along their length."""
    h, w = shape
    k = max(2, int(np.ceil(2 * length_px)) + 1)
    t = (np.arange(k) + 0.5) / k * length_px
    px = (x[:, None] + d[:, :1] * t[None, :]).ravel()
    py = (y[:, None] + d[:, 1:] * t[None, :]).ravel()
    ok = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    acc = np.zeros(h * w, np.float64)
    per = np.repeat(weight * width_px * length_px / k, k)  # shaft area (px²) per sample
    np.add.at(acc, py[ok].astype(np.int64) * w + px[ok].astype(np.int64), per[ok])
    return acc.reshape(h, w).astype(np.float32)


def buzz(skin_lin: np.ndarray, hair_lin: np.ndarray, density: np.ndarray, ppm: float,
         crown_px: tuple[float, float], rng: np.random.Generator,
         foreshortening: np.ndarray | None = None, length_mm: float = CLIPPER_LENGTH_MM,
         blur_px: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Stubble over modelled skin, as blurred as the photo it goes into.

    Parameters
    ----------
    skin_lin : ndarray, shape (H, W, 3), float32
        The lit scalp skin, linear light.
    hair_lin : ndarray, shape (3,)
        The client's hair colour (linear light, as measured on the photo's hair).
    density : ndarray, shape (H, W), float32
        Share of the full follicle density present (1: full hair, 0: bald).
    ppm : float
        Pixels per millimetre of these arrays.
    crown_px : (x, y)
        Where the hair stream's directions radiate from (px).
    rng : Generator
    foreshortening : ndarray, shape (H, W), optional
        Image area per surface area (``|n_z|`` of the head model, :mod:`smpstudio.analysis.headmodel`):
        where the scalp turns away from the camera (the top of the head on a frontal photo) more hairs
        share each pixel, so a buzzed head reads darker there. None: the scalp faces the camera.
    length_mm : float
        The cut shafts' length (the clipper guard, :data:`smpstudio.optics.stubble.GUARDS_MM`).
    blur_px : float
        The photo's own blur (Gaussian sigma, px; :func:`smpstudio.imaging.blur.edge_blur_px`), added in
        quadrature to the shafts' anti-aliasing: stubble drawn sharper than the photo reads as a pasted
        speckle (biden.jpg's soft portrait, 0.8 px, showed its white stubble as frost).

    Returns
    -------
    rgb_lin : ndarray, shape (H, W, 3), float32
        The buzzed scalp, linear light.
    darkness : ndarray, shape (H, W), float32
        Mean fraction of the skin's light the stubble takes away (0: none), for tests and the report.
    """
    shape = density.shape
    x, y, d, lum = _segments(rng, density, ppm, crown_px, foreshortening)
    top = _coverage(x, y, d, lum, float(length_mm) * EXIT_SIN * ppm, SHAFT_DIAMETER_MM * ppm, shape)
    sub = _coverage(x, y, -d, np.ones_like(lum), SUBCUTANEOUS_MM * SUB_ANGLE_SIN * ppm,
                    SHAFT_DIAMETER_MM * ppm, shape)
    optics = float(blur_px) ** 2
    top = cv2.GaussianBlur(top, (0, 0), np.sqrt(0.25 + optics))  # anti-aliasing of the splatted samples (0.5 px)
    sub = cv2.GaussianBlur(sub, (0, 0), np.sqrt(max(0.5, SKIN_BLUR_MM * ppm) ** 2 + optics))
    c_top = 1.0 - np.exp(-top)
    c_sub = SKIN_TRANSMITTANCE * (1.0 - np.exp(-sub))
    lit = skin_lin.reshape(-1, 3)
    lit = lit[lit.sum(axis=1) > 0]
    skin_mean = np.maximum(np.median(lit, axis=0), 1e-4) if len(lit) else np.full(3, 0.5, np.float32)
    t = np.clip(np.asarray(hair_lin, np.float32) / skin_mean, 0.0, 1.0)
    # the hair is lit like the skin beside it (same relative shading)
    shade = skin_lin / skin_mean[None, None, :]
    # the stubble shades the skin between the shafts, and the shafts each other (optics.stubble.stubble_shade)
    v_skin, v_half = (v.astype(np.float32) for v in stubble_shade(hairs_per_mm2(density), 1.0 - t,
                                                                           length_mm))
    hair = np.asarray(hair_lin, np.float32)[None, None, :] * shade * v_half
    under = skin_lin * v_skin * (1.0 - c_sub[..., None] * (1.0 - t[None, None, :]))
    out = under * (1.0 - c_top[..., None]) + hair * c_top[..., None]
    darkness = 1.0 - out.mean(axis=2) / np.maximum(skin_lin.mean(axis=2), 1e-6)
    return out.astype(np.float32), darkness.astype(np.float32)
