"""The one colour stack of SMP Studio: sRGB <-> linear light <-> CIELAB D65, CIEDE2000.

Every layer converts through this module: sRGB-encoded values in [0, 1] (IEC 61966-2-1), linear sRGB,
CIE XYZ (Y in [0, 1]) and CIELAB under the CIE 1931 2 degree D65 white. The conversions are thin wrappers
over colour-science (float64, exact); whole photos take the float32 fast path
(:func:`srgb_to_linear_image`, :func:`encode_lut`), the same IEC 61966-2-1 transfer function through
16-bit tables (tested against colour-science to < 2e-5 in linear light).

References
----------
.. [1] IEC 61966-2-1:1999, sRGB.
.. [2] G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes,
   supplementary test data, and mathematical observations", Color Res. Appl. 30(1):21-30, 2005.

Examples
--------
>>> import numpy as np
>>> lab = srgb_to_lab(np.array([1.0, 1.0, 1.0]))
>>> [round(float(v), 6) + 0.0 for v in lab]
[100.0, 0.0, 0.0]
>>> round(delta_e2000(np.array([50.0, 2.6772, -79.7751]), np.array([50.0, 0.0, -82.7485])), 4)
2.0425
"""

from __future__ import annotations

import colour
import numba
import numpy as np

D65_XY = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
# sRGB with matrices derived from its primaries and D65 (the IEC-rounded published pair is not an exact
# inverse: a round trip through it drifts by ~3e-4 L*).
_SRGB = colour.RGB_COLOURSPACES["sRGB"].copy()
_SRGB.use_derived_transformation_matrices(True)
SRGB_COLOURSPACE = _SRGB


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded [0, 1] -> linear-light sRGB (same shape, float64)."""
    return np.asarray(colour.cctf_decoding(np.asarray(rgb, dtype=np.float64), function="sRGB"))


def linear_to_srgb(rgb_linear: np.ndarray) -> np.ndarray:
    """Linear-light sRGB -> sRGB-encoded values (not clipped)."""
    return np.asarray(colour.cctf_encoding(np.asarray(rgb_linear, dtype=np.float64), function="sRGB"))


def linear_to_lab(rgb_linear: np.ndarray) -> np.ndarray:
    """Linear sRGB (..., 3) -> CIELAB D65 (..., 3)."""
    xyz = colour.RGB_to_XYZ(np.asarray(rgb_linear, dtype=np.float64), _SRGB, illuminant=D65_XY)
    return np.asarray(colour.XYZ_to_Lab(xyz, D65_XY))


def lab_to_linear(lab: np.ndarray) -> np.ndarray:
    """CIELAB D65 (..., 3) -> linear sRGB (..., 3) (not clipped: out-of-gamut values stay visible)."""
    xyz = colour.Lab_to_XYZ(np.asarray(lab, dtype=np.float64), D65_XY)
    return np.asarray(colour.XYZ_to_RGB(xyz, _SRGB, illuminant=D65_XY))


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded [0, 1] (..., 3) -> CIELAB D65."""
    return linear_to_lab(srgb_to_linear(rgb))


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB D65 -> sRGB-encoded, clipped to [0, 1]."""
    return np.clip(linear_to_srgb(np.clip(lab_to_linear(lab), 0.0, None)), 0.0, 1.0)


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1)."""
    return float(colour.delta_E(np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64),
                                method="CIE 2000"))


def delta_e2000_many(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """Vectorised CIEDE2000 over broadcastable (..., 3) arrays."""
    return np.asarray(colour.delta_E(np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64),
                                     method="CIE 2000"))


def hex_to_srgb(hex_code: str) -> np.ndarray:
    """``"#a07e56"`` or ``"a07e56"`` -> sRGB-encoded floats in [0, 1].

    Raises
    ------
    ValueError
        Not six hexadecimal digits.
    """
    h = hex_code.strip().lstrip("#")
    if len(h) != 6 or any(c not in "0123456789abcdefABCDEF" for c in h):
        raise ValueError(f"not a hex colour: {hex_code!r}")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float64) / 255.0


def srgb_to_hex(rgb: np.ndarray) -> str:
    """sRGB-encoded floats -> ``"#rrggbb"`` (rounded, clipped)."""
    v = np.clip(np.rint(np.asarray(rgb, dtype=np.float64) * 255.0), 0, 255).astype(int)
    return "#{:02x}{:02x}{:02x}".format(*v.tolist())


_DEC_LUT = np.where(np.arange(65536) / 65535.0 <= 0.04045, np.arange(65536) / 65535.0 / 12.92,
                    ((np.arange(65536) / 65535.0 + 0.055) / 1.055) ** 2.4).astype(np.float32)


@numba.njit(cache=True, parallel=True)
def _srgb_to_linear_lut(img: np.ndarray, out: np.ndarray, lut: np.ndarray) -> None:
    flat = img.reshape(-1)
    o = out.reshape(-1)
    for k in numba.prange(flat.shape[0]):
        v = flat[k]
        v = min(max(v, np.float32(0.0)), np.float32(1.0))
        o[k] = lut[int(v * np.float32(65535.0) + np.float32(0.5))]


def srgb_to_linear_image(img: np.ndarray) -> np.ndarray:
    """sRGB-encoded float32 image in [0, 1] -> linear float32 (IEC 61966-2-1), through a 16-bit table.

    The fast path of :func:`srgb_to_linear` for whole photos (values clipped to [0, 1]).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(srgb_to_linear_image(np.full((1, 1, 3), 0.5, np.float32))[0, 0, 0]), 4)
    0.214
    """
    src = np.ascontiguousarray(img, dtype=np.float32)
    out = np.empty_like(src)
    _srgb_to_linear_lut(src, out, _DEC_LUT)
    return out


ENCODE_LUT_SIZE = 1 << 16


def encode_lut() -> np.ndarray:
    """Linear light in [0, 1] at ``ENCODE_LUT_SIZE`` nodes -> sRGB-encoded uint8 (IEC 61966-2-1), a table."""
    v = np.linspace(0.0, 1.0, ENCODE_LUT_SIZE)
    enc = np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1 / 2.4) - 0.055)
    return np.clip(np.round(enc * 255.0), 0, 255).astype(np.uint8)
