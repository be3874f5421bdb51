"""How much of the scalp the hair covers, pixel by pixel, from colour: thin hair is not skin.

A pixel of sparse hair records a mix of hair and the skin between the hairs. Light adds linearly, so in
linear RGB a pixel's colour is ``cover * hair + (1 - cover) * skin``, where ``cover`` is the share of the
pixel the hair hides. With the client's own skin (the forehead) and dense hair (the hair mask's pixels
farthest from the skin's colour) as the two ends, ``cover`` is the pixel's position between them: white
hair over pale skin is thin hair (part way from skin to white), not skin, and a dark buzz with skin showing
through sits part way from skin to black. ``1 - cover`` is the share of skin showing through the hair,
the thinning clinicians look at (Norwood 1975: "sparse" hair; Sinclair 2004 rates density by how much
scalp shows).

References
----------
.. [1] Norwood, O. T. South Med J 68(11):1359-1365, 1975 (bare or sparsely covered areas).
.. [2] Sinclair, R. et al. "Hair density grading scale." Br J Dermatol 151(5), 2004 (visible scalp).
.. [3] /work/shared/domain.md §4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.optics.colour import srgb_to_linear

DENSE_PERCENTILE = 90.0  # [calibration] the hair mask's dense hair: this percentile of its pixels' distance
#: from the skin's colour along the skin -> hair axis (thin strands and skin showing lie below it)
#: [calibration] cover is judged over patches of a few follicular units (one per ~1.2 mm, domain.md §1):
#: the photo is smoothed with a Gaussian of this sigma (mm) first, so the figures do not depend on the resolution
PATCH_SIGMA_MM = 0.5
MIN_CONTRAST = 0.02  # [calibration] skin and hair closer than this (linear RGB) are not told apart by colour


@dataclass(frozen=True)
class HairCover:
    """Per-pixel hair cover (0 skin ... 1 dense hair) and the two colours it is measured between."""

    cover: np.ndarray  # float32 (H, W); NaN where colour cannot tell (no contrast, no references) and outside
    # the box around the skin and hair masks
    skin_linear: tuple[float, ...]  # (r, g, b) linear
    hair_linear: tuple[float, ...]


def hair_cover(rgb: np.ndarray, skin_mask: np.ndarray, hair_mask: np.ndarray,
               px_per_mm: float | None = None) -> HairCover:
    """Unmix every pixel between the client's skin and dense hair (see the module's notes).

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3)
        The photo as taken, sRGB (float 0-1 or uint8).
    skin_mask : ndarray of bool
        Bare skin of the same client (the forehead).
    hair_mask : ndarray of bool
        The photo's hair.
    px_per_mm : float, optional
        The photo's scale: the linear image is smoothed over :data:`PATCH_SIGMA_MM` first (not without it).

    Examples
    --------
    >>> img = np.zeros((10, 10, 3)); img[:, :5] = (0.8, 0.6, 0.5); img[:, 5:] = 0.1
    >>> skin = np.zeros((10, 10), bool); skin[:, :5] = True
    >>> c = hair_cover(img, skin, ~skin).cover
    >>> float(c[0, 0]), float(c[0, 9])
    (0.0, 1.0)
    """
    h_img, w_img = skin_mask.shape
    out = np.full((h_img, w_img), np.nan, np.float32)
    if skin_mask.sum() < 20 or hair_mask.sum() < 20:
        return HairCover(out, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    # only the head's box is unmixed (a 24 MP portrait's body and background are not)
    ys, xs = np.nonzero(skin_mask | hair_mask)
    pad = 0 if px_per_mm is None else int(np.ceil(3 * PATCH_SIGMA_MM * px_per_mm))
    y0, y1 = max(0, int(ys.min()) - pad), min(h_img, int(ys.max()) + 1 + pad)
    x0, x1 = max(0, int(xs.min()) - pad), min(w_img, int(xs.max()) + 1 + pad)
    lin = _linear(np.asarray(rgb)[y0:y1, x0:x1], px_per_mm)
    sm, hm = skin_mask[y0:y1, x0:x1], hair_mask[y0:y1, x0:x1]
    skin = np.median(lin[sm], axis=0)
    h = lin[hm]
    axis = np.median(h, axis=0) - skin
    norm2 = float(axis @ axis)
    if norm2 < MIN_CONTRAST**2:
        return HairCover(out, tuple(map(float, skin)), tuple(map(float, skin)))
    t_hair = (h - skin) @ axis / norm2
    dense = float(np.percentile(t_hair, DENSE_PERCENTILE))
    hair = skin + dense * axis
    out[y0:y1, x0:x1] = _unmix(lin, skin, hair)
    return HairCover(out, tuple(map(float, skin)), tuple(map(float, hair)))


def cover_between(rgb: np.ndarray, skin_linear: tuple[float, ...], hair_linear: tuple[float, ...],
                  px_per_mm: float | None = None) -> np.ndarray:
    """Hair cover (0 skin ... 1 dense hair) of every pixel between two given colours (linear RGB).

    The unmixing of :func:`hair_cover` with its two ends measured elsewhere: another photo of the same
    client in the same light (a top view unmixed between the front photo's forehead skin and dense hair,
    :mod:`smpstudio.head3d.crown`).

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3)
        sRGB (float 0-1 or uint8).
    skin_linear, hair_linear : (r, g, b)
        The two ends, linear RGB (:attr:`HairCover.skin_linear`, :attr:`HairCover.hair_linear`).
    px_per_mm : float, optional
        The photo's scale: smoothed over :data:`PATCH_SIGMA_MM` first (not without it).

    Returns
    -------
    ndarray float32 (H, W)
        NaN everywhere when the two ends are closer than :data:`MIN_CONTRAST`.

    Examples
    --------
    >>> img = np.zeros((4, 4, 3)); img[:, :2] = (0.8, 0.6, 0.5); img[:, 2:] = 0.1
    >>> skin, hair = tuple(srgb_to_linear(np.array([0.8, 0.6, 0.5]))), tuple(srgb_to_linear(np.full(3, 0.1)))
    >>> cover_between(img, skin, hair)[0].round(2).tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    skin, hair = np.asarray(skin_linear, np.float32), np.asarray(hair_linear, np.float32)
    d = hair - skin
    if float(d @ d) < MIN_CONTRAST**2:
        return np.full(np.asarray(rgb).shape[:2], np.nan, np.float32)
    return _unmix(_linear(np.asarray(rgb), px_per_mm), skin, hair)


def _linear(x: np.ndarray, px_per_mm: float | None) -> np.ndarray:
    """sRGB -> linear float32, smoothed over :data:`PATCH_SIGMA_MM` when the scale is known."""
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    lin = srgb_to_linear(np.clip(x, 0.0, 1.0)).astype(np.float32)
    if px_per_mm is not None and PATCH_SIGMA_MM * px_per_mm >= 0.3:
        import cv2

        lin = np.asarray(cv2.GaussianBlur(lin, (0, 0), PATCH_SIGMA_MM * px_per_mm), dtype=np.float32)
    return lin


def _unmix(lin: np.ndarray, skin: np.ndarray, hair: np.ndarray) -> np.ndarray:
    """Each linear pixel's position from ``skin`` (0) to ``hair`` (1) along their axis, clipped to 0-1."""
    axis = np.asarray(hair - skin, np.float32)
    t = ((lin - skin) @ axis / float(axis @ axis)).astype(np.float32)
    return np.asarray(np.clip(t, 0.0, 1.0), np.float32)
