"""Skin and hair colour measured on a photo: CIELAB (D65), ITA, Monk swatch, Fitzpatrick estimate, undertone.

The skin tone is the median CIELAB of the skin pixels left after removing, in this order, clipped pixels,
pixels next to hair (brows, hairline), shadows and highlights (L* outside ``k`` robust standard deviations
of the median) and redness (a* above the median by ``k`` robust standard deviations). The spread of the
kept pixels (inter-quartile ranges) is reported so a caller can tell a clean measurement from a noisy one.

ITA (individual typology angle, Chardon et al. 1991) is ``atan((L* - 50) / b*)`` in degrees. Its six
classic classes and the finer eight-class cut-offs are from domain.md §5. The Fitzpatrick type derived
from ITA is a heuristic only (ITA measures constitutive colour, Fitzpatrick measures sun reactivity).

References
----------
.. [1] A. Chardon, I. Cretois, C. Hourseau, "Skin colour typology and suntanning pathways",
   Int. J. Cosmet. Sci. 13(4):191-208, 1991.
.. [2] N. M. Kinyanjui et al., "Estimating skin tone and effects on classification performance in
   dermatology datasets", arXiv:1910.13268, 2019 (finer ITA cut-offs 55/48/41/34.5/28/19/10).
.. [3] E. Monk, Monk Skin Tone Scale (Google, 2022), swatches as listed in domain.md §5.
.. [4] CIE 160:2004 / colour-science: von Kries adaptation with the CAT02 matrix for white balance.

Examples
--------
>>> import numpy as np
>>> rgb = np.full((40, 40, 3), np.array([0.84, 0.72, 0.60]), dtype=np.float32)
>>> skin = np.ones((40, 40), bool)
>>> tone = measure_skin(rgb, skin)
>>> tone.ita_class, tone.monk, tone.fitzpatrick_is_heuristic
('light', 5, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import colour
import cv2
import numpy as np

from smpstudio.errors import SMPError
from smpstudio.optics.colour import (
    D65_XY,
    SRGB_COLOURSPACE,
    delta_e2000_many,
    hex_to_srgb,
    srgb_to_lab,
    srgb_to_linear,
)

# domain.md §5 (Chardon 1991): lower bounds of the six classic classes, lightest first.
ITA_CLASSES: tuple[tuple[str, float], ...] = (
    ("very light", 55.0),
    ("light", 41.0),
    ("intermediate", 28.0),
    ("tan", 10.0),
    ("brown", -30.0),
    ("dark", -np.inf),
)
# domain.md §5 (arXiv 1910.13268): finer cut-offs 55/48/41/34.5/28/19/10 -> eight classes.
ITA_FINE_CUTS: tuple[float, ...] = (55.0, 48.0, 41.0, 34.5, 28.0, 19.0, 10.0)
# domain.md §5: Monk Skin Tone scale, swatch 1 (lightest) to 10 (darkest).
MONK_HEX: tuple[str, ...] = (
    "#f6ede4", "#f3e7db", "#f7ead0", "#eadaba", "#d7bd96",
    "#a07e56", "#825c43", "#604134", "#3a312a", "#292420",
)
# Heuristic ITA class -> Fitzpatrick type (the common one-to-one reading of the six classes; domain.md §5
# says it is a heuristic only).
_FITZPATRICK_BY_CLASS = {"very light": 1, "light": 2, "intermediate": 3, "tan": 4, "brown": 5, "dark": 6}
# Undertone from the CIELAB hue angle h_ab (deg): redder (lower angle) reads cool/pink, yellower reads warm.
# Heuristic thresholds [model assumption], exposed as parameters of :func:`undertone_from_lab`.
UNDERTONE_COOL_BELOW_DEG = 52.0
UNDERTONE_WARM_ABOVE_DEG = 62.0
MAX_MEASURED_PIXELS = 200_000  # a mask larger than this is thinned to every k-th pixel for the statistics


@dataclass(frozen=True)
class SkinTone:
    """A measured skin tone.

    Attributes
    ----------
    lab : tuple of float
        Median CIELAB (D65) of the kept pixels.
    rgb_linear : tuple of float
        The same colour as linear sRGB (for the optics model).
    ita_deg : float
    ita_class : str
        Six-class name (``"very light"`` ... ``"dark"``).
    ita_class_fine : str
        Eight-class label: ``"F1 (>55)"`` ... ``"F8 (<10)"``.
    monk : int
        Nearest Monk swatch (1-10) by CIEDE2000.
    monk_delta_e : float
        CIEDE2000 to that swatch.
    fitzpatrick_estimate : int
        1-6, a heuristic from ITA (see :attr:`fitzpatrick_is_heuristic`).
    fitzpatrick_is_heuristic : bool
        Always True: ITA does not measure sun reactivity.
    undertone : str
        ``"cool"``, ``"neutral"`` or ``"warm"`` (from the hue angle).
    hue_deg : float
        CIELAB hue angle h_ab in degrees.
    spread : dict
        ``L_iqr``, ``a_iqr``, ``b_iqr``, ``ita_iqr_deg``, ``n_pixels``, ``kept_fraction`` and the number
        of pixels excluded per reason.
    """

    lab: tuple[float, float, float]
    rgb_linear: tuple[float, float, float]
    ita_deg: float
    ita_class: str
    ita_class_fine: str
    monk: int
    monk_delta_e: float
    fitzpatrick_estimate: int
    undertone: str
    hue_deg: float
    spread: dict[str, float] = field(default_factory=dict)
    fitzpatrick_is_heuristic: bool = True


@dataclass(frozen=True)
class HairTone:
    """Measured hair colour: median CIELAB of the hair pixels without highlights."""

    lab: tuple[float, float, float]
    n_pixels: int
    spread: dict[str, float] = field(default_factory=dict)


def ita_deg(lab: np.ndarray) -> np.ndarray | float:
    """Individual typology angle in degrees, ``atan((L* - 50) / b*) * 180 / pi`` (Chardon 1991).

    ``arctan2`` is used so that ``b* <= 0`` (never seen on real skin) still gives a finite angle.

    Examples
    --------
    >>> round(float(ita_deg(np.array([50.0, 10.0, 20.0]))), 6)
    0.0
    >>> round(float(ita_deg(np.array([60.0, 5.0, 10.0]))), 1)
    45.0
    """
    lab = np.asarray(lab, dtype=np.float64)
    out = np.degrees(np.arctan2(lab[..., 0] - 50.0, lab[..., 2]))
    return float(out) if out.ndim == 0 else out


def ita_class(ita: float) -> str:
    """Six-class name of an ITA value (domain.md §5)."""
    for name, lower in ITA_CLASSES:
        if ita > lower:
            return name
    return ITA_CLASSES[-1][0]


def ita_class_fine(ita: float) -> str:
    """Eight-class label from the finer cut-offs 55/48/41/34.5/28/19/10 (domain.md §5)."""
    cuts = ITA_FINE_CUTS
    for i, c in enumerate(cuts):
        if ita > c:
            upper = ">" + _fmt(c) if i == 0 else f"{_fmt(c)}-{_fmt(cuts[i - 1])}"
            return f"F{i + 1} ({upper})"
    return f"F{len(cuts) + 1} (<{_fmt(cuts[-1])})"


def _fmt(v: float) -> str:
    return f"{v:g}"


def monk_labs() -> np.ndarray:
    """CIELAB of the ten Monk swatches, shape (10, 3)."""
    return np.asarray(srgb_to_lab(np.stack([hex_to_srgb(h) for h in MONK_HEX])))


def nearest_monk(lab: np.ndarray) -> tuple[int, float]:
    """Nearest Monk swatch (1-10) to a CIELAB colour by CIEDE2000, and that difference."""
    d = delta_e2000_many(monk_labs(), np.asarray(lab, dtype=np.float64)[None, :])
    i = int(np.argmin(d))
    return i + 1, float(d[i])


def fitzpatrick_from_ita(ita: float) -> int:
    """Heuristic Fitzpatrick type (1-6) from the six ITA classes (domain.md §5: heuristic only)."""
    return _FITZPATRICK_BY_CLASS[ita_class(ita)]


def undertone_from_lab(lab: np.ndarray, *, cool_below_deg: float = UNDERTONE_COOL_BELOW_DEG,
                       warm_above_deg: float = UNDERTONE_WARM_ABOVE_DEG) -> tuple[str, float]:
    """Undertone (cool / neutral / warm) and the hue angle h_ab in degrees [heuristic].

    Examples
    --------
    >>> undertone_from_lab(np.array([60.0, 15.0, 10.0]))[0]
    'cool'
    >>> undertone_from_lab(np.array([60.0, 8.0, 25.0]))[0]
    'warm'
    """
    lab = np.asarray(lab, dtype=np.float64)
    hue = float(np.degrees(np.arctan2(lab[2], lab[1])) % 360.0)
    if hue < cool_below_deg or hue > 300.0:
        return "cool", hue
    if hue > warm_above_deg:
        return "warm", hue
    return "neutral", hue


def skin_tone_from_lab(lab: np.ndarray, spread: dict[str, float] | None = None) -> SkinTone:
    """Classify a CIELAB skin colour (ITA, classes, Monk, Fitzpatrick estimate, undertone)."""
    lab = np.asarray(lab, dtype=np.float64).reshape(3)
    from smpstudio.optics.colour import lab_to_linear

    ita = float(ita_deg(lab))
    monk, monk_de = nearest_monk(lab)
    tone, hue = undertone_from_lab(lab)
    lin = np.clip(lab_to_linear(lab), 0.0, 1.0)
    return SkinTone(
        lab=_t3(lab), rgb_linear=_t3(lin), ita_deg=ita, ita_class=ita_class(ita),
        ita_class_fine=ita_class_fine(ita), monk=monk, monk_delta_e=monk_de,
        fitzpatrick_estimate=fitzpatrick_from_ita(ita), undertone=tone, hue_deg=hue, spread=dict(spread or {}),
    )


def _t3(v: np.ndarray) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


def _robust_sigma(x: np.ndarray) -> float:
    mad = float(np.median(np.abs(x - np.median(x))))
    return max(1.4826 * mad, 1e-6)


def measure_skin(rgb: np.ndarray, skin_mask: np.ndarray, *, hair_mask: np.ndarray | None = None,
                 hair_margin_px: int = 3, k_sigma: float = 2.5, redness_k_sigma: float = 2.0,
                 clip_low: float = 0.004, clip_high: float = 0.996, min_pixels: int = 50,
                 max_clipped_share: float = 0.5, max_pixels: int = MAX_MEASURED_PIXELS) -> SkinTone:
    """Measure the skin tone of a photo robustly.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3)
        sRGB-encoded float image in [0, 1].
    skin_mask : ndarray of bool, shape (H, W)
        Bare-skin pixels (face, forehead, scalp).
    hair_mask : ndarray of bool, optional
        Hair pixels; skin within ``hair_margin_px`` of them is excluded (brows, hairline, stubble edge).
    hair_margin_px : int
        Width of that exclusion band in pixels.
    k_sigma : float
        Shadows and highlights: L* further than ``k_sigma`` robust sigmas from the median are excluded
        (this also removes brows and lashes that a skin mask let through).
    redness_k_sigma : float
        Redness: a* above the median by more than this many robust sigmas is excluded.
    clip_low, clip_high : float
        Pixels with any channel outside ``[clip_low, clip_high]`` are clipped and excluded.
    max_clipped_share : float
        More clipped skin than this share means an over- or under-exposed photo: :class:`SMPError`.
    min_pixels : int
        Fewer usable pixels than this raise :class:`SMPError`.
    max_pixels : int
        At most this many skin pixels are measured: a larger mask is thinned to every k-th pixel (in
        raster order, deterministic). The medians of 200,000 neighbouring pixels are those of millions.
        ``spread["sampled_every"]`` is k; the pixel counts in ``spread`` are of the measured pixels.

    Returns
    -------
    SkinTone

    Raises
    ------
    SMPError
        Not enough usable skin pixels, or most of them clipped.
    """
    rgb = np.asarray(rgb)
    skin = np.asarray(skin_mask, dtype=bool)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or skin.shape != rgb.shape[:2]:
        raise SMPError("skin mask and photo sizes differ")
    n_total = int(skin.sum())
    keep = skin.copy()
    reasons: dict[str, float] = {}
    if hair_mask is not None and hair_margin_px > 0 and np.any(hair_mask):
        # (the 4-connected dilation of scipy.ndimage.binary_dilation(iterations=n), by OpenCV: 10x faster)
        cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
        near = cv2.dilate(np.asarray(hair_mask, np.uint8), cross, iterations=int(hair_margin_px)).astype(bool)
        reasons["excluded_near_hair"] = float(np.sum(keep & near))
        keep &= ~near
    idx = np.flatnonzero(keep)
    step = max(1, -(-len(idx) // max(int(max_pixels), 1)))
    px = rgb.reshape(-1, 3)[idx[::step]].astype(np.float64)
    clipped = np.any((px < clip_low) | (px > clip_high), axis=1)
    reasons["excluded_clipped"] = float(clipped.sum())
    if len(px) and clipped.mean() > max_clipped_share:
        raise SMPError(f"{clipped.mean():.0%} of the skin pixels are clipped (over- or under-exposed); "
                       "retake the photo with even, softer light")
    px = px[~clipped]
    if len(px) < min_pixels:
        raise SMPError(f"only {len(px)} usable skin pixels (need {min_pixels}); use a better-lit photo")
    lab = srgb_to_lab(px)
    ok = np.ones(len(lab), bool)
    for _ in range(2):  # two passes: the first median can be pulled by brows or a strong highlight
        med = np.median(lab[ok], axis=0)
        s_l = _robust_sigma(lab[ok, 0])
        s_a = _robust_sigma(lab[ok, 1])
        shadow = lab[:, 0] < med[0] - k_sigma * s_l
        highlight = lab[:, 0] > med[0] + k_sigma * s_l
        red = lab[:, 1] > med[1] + redness_k_sigma * s_a
        ok = ~(shadow | highlight | red)
        if ok.sum() < min_pixels:
            raise SMPError(f"only {int(ok.sum())} usable skin pixels after removing shadows, highlights and "
                           f"redness (need {min_pixels})")
    reasons["excluded_shadow"] = float(shadow.sum())
    reasons["excluded_highlight"] = float((highlight & ~shadow).sum())
    reasons["excluded_redness"] = float((red & ~shadow & ~highlight).sum())
    kept = lab[ok]
    med = np.median(kept, axis=0)
    q = np.percentile(kept, [25, 75], axis=0)
    itas = np.asarray(ita_deg(kept))
    spread = {
        "L_iqr": float(q[1, 0] - q[0, 0]), "a_iqr": float(q[1, 1] - q[0, 1]), "b_iqr": float(q[1, 2] - q[0, 2]),
        "ita_iqr_deg": float(np.subtract(*np.percentile(itas, [75, 25]))),
        "n_pixels": float(len(kept)), "kept_fraction": float(min(1.0, len(kept) * step / max(n_total, 1))),
        "sampled_every": float(step), **reasons,
    }
    return skin_tone_from_lab(med, spread)


def measure_hair(rgb: np.ndarray, hair_mask: np.ndarray | None, *, highlight_percentile: float = 90.0,
                 min_pixels: int = 50, max_pixels: int = MAX_MEASURED_PIXELS) -> HairTone | None:
    """Hair colour: median CIELAB of hair pixels below the ``highlight_percentile`` of L* (shine removed).

    At most ``max_pixels`` hair pixels are measured (every k-th, as in :func:`measure_skin`).

    Returns None when fewer than ``min_pixels`` hair pixels exist (a fully bald or shaved scalp).

    Examples
    --------
    >>> rgb = np.full((20, 20, 3), 0.12, np.float32); hair = np.zeros((20, 20), bool); hair[:10] = True
    >>> h = measure_hair(rgb, hair); round(h.lab[0], 1), h.n_pixels
    (11.6, 200)
    >>> measure_hair(rgb, np.zeros((20, 20), bool)) is None
    True
    """
    if hair_mask is None:
        return None
    hm = np.asarray(hair_mask, dtype=bool)
    if int(hm.sum()) < min_pixels:
        return None
    idx = np.flatnonzero(hm)
    step = max(1, -(-len(idx) // max(int(max_pixels), 1)))
    lab = srgb_to_lab(np.asarray(rgb).reshape(-1, 3)[idx[::step]].astype(np.float64))
    cut = np.percentile(lab[:, 0], highlight_percentile)
    kept = lab[lab[:, 0] <= cut]
    med = np.median(kept, axis=0)
    q = np.percentile(kept, [25, 75], axis=0)
    spread = {"L_iqr": float(q[1, 0] - q[0, 0]), "a_iqr": float(q[1, 1] - q[0, 1]),
              "b_iqr": float(q[1, 2] - q[0, 2])}
    return HairTone(lab=_t3(med), n_pixels=int(hm.sum()), spread=spread)


def white_balance(rgb: np.ndarray, neutral_mask: np.ndarray, *, max_chroma: float = 40.0,
                  min_pixels: int = 20) -> np.ndarray:
    """Correct the white balance so that a grey card / neutral patch becomes neutral (D65).

    The patch's mean colour gives the scene white's chromaticity; a von Kries adaptation with the CAT02
    matrix (colour-science) maps it to D65 at the patch's own luminance, so exposure is unchanged.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3)
        sRGB-encoded float image in [0, 1].
    neutral_mask : ndarray of bool, shape (H, W)
        Pixels of the neutral patch.
    max_chroma : float
        A patch whose CIELAB chroma exceeds this is refused (it is not grey, even under coloured light).

    Returns
    -------
    ndarray, float32, same shape, sRGB-encoded in [0, 1].

    Examples
    --------
    >>> img = np.zeros((10, 10, 3), np.float32); img[...] = (0.55, 0.50, 0.40)  # warm cast
    >>> out = white_balance(img, np.ones((10, 10), bool))
    >>> bool(np.ptp(out[0, 0]) < 0.01)
    True
    """
    rgb = np.asarray(rgb)
    m = np.asarray(neutral_mask, dtype=bool)
    if m.shape != rgb.shape[:2]:
        raise SMPError("neutral patch and photo sizes differ")
    if int(m.sum()) < min_pixels:
        raise SMPError(f"the neutral patch has {int(m.sum())} pixels; it needs at least {min_pixels}")
    patch = srgb_to_linear(rgb[m].astype(np.float64)).mean(axis=0)
    if np.any(srgb_to_linear(rgb[m].astype(np.float64)).max(axis=0) >= 0.999) or patch.min() <= 1e-4:
        raise SMPError("the neutral patch is clipped (too bright or too dark) and cannot set the white balance")
    srgb_cs = SRGB_COLOURSPACE
    xyz_w = colour.RGB_to_XYZ(patch, srgb_cs, illuminant=D65_XY)
    lab_w = colour.XYZ_to_Lab(xyz_w, D65_XY)
    if float(np.hypot(lab_w[1], lab_w[2])) > max_chroma:
        raise SMPError("the neutral patch is too colourful to be a grey card")
    xyz_wr = colour.xy_to_XYZ(D65_XY) * xyz_w[1]
    lin = srgb_to_linear(rgb.astype(np.float64))
    xyz = colour.RGB_to_XYZ(lin, srgb_cs, illuminant=D65_XY)
    adapted = colour.adaptation.chromatic_adaptation_VonKries(xyz, xyz_w, xyz_wr, transform="CAT02")
    out_lin = colour.XYZ_to_RGB(adapted, srgb_cs, illuminant=D65_XY)
    out = colour.cctf_encoding(np.clip(out_lin, 0.0, 1.0), function="sRGB")
    return np.asarray(out, dtype=np.float32)
