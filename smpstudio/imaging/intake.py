"""Photo intake: any JPEG, PNG, WebP or TIFF a phone or camera produces, as a float32 sRGB image.

What it does, in order:

1. Reads only the header first and refuses images over ``max_megapixels`` (default 60 MP), or with a
   side over 65,500 px (JPEG's limit, [3]_), *before* decoding a pixel, so a decompression bomb is
   never decoded in full.
2. Decodes (a truncated or corrupt file is refused), applies the EXIF orientation, converts an
   embedded ICC profile to sRGB (Little CMS through Pillow's ``ImageCms``), keeps 16-bit precision
   (decoded with OpenCV) where no ICC conversion is needed, expands grayscale to RGB and composites
   alpha over white.
3. Returns a :class:`Photo` whose pixels are float32 sRGB-encoded values in [0, 1]. Metadata (EXIF,
   GPS, XMP, maker notes) is dropped: anything the system writes is re-encoded from pixels only.

References
----------
.. [1] IEC 61966-2-1:1999, Multimedia systems - Colour measurement and management - Default RGB colour
   space - sRGB.
.. [2] Pillow handbook, "Image file formats" and ``PIL.ImageCms``.
.. [3] Independent JPEG Group, libjpeg ``jmorecfg.h``: ``JPEG_MAX_DIMENSION 65500L``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from smpstudio.errors import PhotoError

ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "TIFF": "TIFF"}
MAX_MEGAPIXELS_DEFAULT = 60.0
MAX_SIDE_PX = 65500  # libjpeg's JPEG_MAX_DIMENSION: a longer side cannot be stored (the records keep JPEGs)
_SRGB_PROFILE = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Photo:
    """A decoded photo.

    Attributes
    ----------
    rgb : ndarray, shape (H, W, 3), float32
        sRGB-encoded values in [0, 1], orientation already applied.
    source_format : str
        ``"JPEG"``, ``"PNG"``, ``"WebP"`` or ``"TIFF"`` (``"array"`` for in-memory images).
    bit_depth : int
        Bits per channel of the source (8 or 16).
    notes : tuple of str
        What intake did (orientation applied, ICC converted, alpha composited, ...).
    """

    rgb: np.ndarray
    source_format: str = "array"
    bit_depth: int = 8
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @classmethod
    def from_array(cls, image: np.ndarray) -> Photo:
        """Wrap an in-memory image (uint8, uint16 or float in [0, 1]; gray, RGB or RGBA)."""
        return cls(rgb=_to_float_rgb(np.asarray(image)), source_format="array")

    def to_uint8(self) -> np.ndarray:
        """The pixels as uint8 RGB (rounded); made once per photo and read-only (copy it to draw on it).

        A consultation asks for it several times (the photo as taken, its digest, the before image): at
        12 MP each conversion costs ~0.1 s.
        """
        cached = self.__dict__.get("_uint8")
        if cached is None:
            cached = to_uint8(self.rgb)
            cached.flags.writeable = False
            self.__dict__["_uint8"] = cached  # a frozen dataclass: the cache is no field (not compared)
        return cached

    def to_jpeg_bytes(self, quality: int = 92) -> bytes:
        """Re-encode as baseline JPEG with no metadata at all (no EXIF, GPS, XMP, ICC)."""
        buf = io.BytesIO()
        Image.fromarray(self.to_uint8(), "RGB").save(buf, "JPEG", quality=quality)
        return buf.getvalue()

    def to_png_bytes(self) -> bytes:
        """Re-encode as 8-bit PNG with no metadata chunks."""
        buf = io.BytesIO()
        Image.fromarray(self.to_uint8(), "RGB").save(buf, "PNG")
        return buf.getvalue()

    def thumbnail(self, max_side_px: int) -> Photo:
        """A copy scaled down (area-averaged) so that its longer side is at most ``max_side_px``."""
        if max_side_px <= 0:
            raise ValueError("max_side_px must be positive")
        scale = max_side_px / max(self.width, self.height)
        if scale >= 1:
            return self
        size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
        chans = [
            np.asarray(Image.fromarray(self.rgb[..., c], "F").resize(size, Image.Resampling.BOX))
            for c in range(3)
        ]
        return Photo(np.stack(chans, axis=-1).astype(np.float32), self.source_format, self.bit_depth, self.notes)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """float [0, 1] -> uint8 with rounding and saturation (OpenCV: ~10x faster than numpy at 12 MP).

    Examples
    --------
    >>> to_uint8(np.array([[[-0.2, 0.5, 1.3]]], np.float32)).tolist()
    [[[0, 128, 255]]]
    """
    import cv2

    f = np.ascontiguousarray(rgb, dtype=np.float32)
    return np.asarray(cv2.convertScaleAbs(cv2.max(f, 0.0), alpha=255.0), dtype=np.uint8)


def load_photo(source: bytes | str | Path, *, max_megapixels: float = MAX_MEGAPIXELS_DEFAULT) -> Photo:
    """Read a photo from a path or from bytes.

    Parameters
    ----------
    source : bytes or path
        The encoded file.
    max_megapixels : float
        Largest accepted image, in millions of pixels, checked from the header before decoding.

    Returns
    -------
    Photo

    Raises
    ------
    PhotoError
        Missing or empty file, not an image, unsupported format, too large, truncated or corrupt.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (4, 3), (255, 0, 0)).save(buf, "PNG")
    >>> p = load_photo(buf.getvalue())
    >>> p.rgb.shape, p.rgb.dtype.name, float(p.rgb[0, 0, 0])
    ((3, 4, 3), 'float32', 1.0)
    """
    data = _read_source(source)
    name = str(source) if not isinstance(source, bytes) else "the image"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise PhotoError(f"{name} is not an image this program can read (JPEG, PNG, WebP or TIFF)") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoError(f"{name} is too large to decode safely") from None
    except Exception as exc:  # Pillow raises many types for corrupt headers
        raise PhotoError(f"{name} cannot be read: {exc}") from None
    fmt = ACCEPTED_FORMATS.get(img.format or "")
    if fmt is None:
        raise PhotoError(f"{name} is a {img.format} image; accepted are JPEG, PNG, WebP and TIFF")
    w, h = img.size
    mp = w * h / 1e6
    if mp > max_megapixels:
        raise PhotoError(
            f"{name} is {w}x{h} ({mp:.0f} MP), over the {max_megapixels:g} MP limit; resize it first"
        )
    if w < 1 or h < 1:
        raise PhotoError(f"{name} has no pixels")
    if max(w, h) > MAX_SIDE_PX:
        raise PhotoError(f"{name} is {w}x{h}: a side over {MAX_SIDE_PX} px cannot be stored as JPEG; crop or resize it")
    try:
        return _decode(img, data, fmt)
    except PhotoError:
        raise
    except Exception as exc:
        raise PhotoError(f"{name} is truncated or corrupt ({exc})") from None


def _read_source(source: bytes | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        p = Path(source)
        if not p.exists():
            raise PhotoError(f"file not found: {p}")
        if not p.is_file():
            raise PhotoError(f"not a file: {p}")
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise PhotoError(f"cannot read {p}: {exc.strerror}") from None
    if not data:
        raise PhotoError(f"{source if not isinstance(source, bytes) else 'the image'} is empty (0 bytes)")
    return data


def _decode(img: Image.Image, data: bytes, fmt: str) -> Photo:
    notes: list[str] = []
    img.load()  # raises on truncated / corrupt data
    orientation = img.getexif().get(0x0112, 1)
    icc = img.info.get("icc_profile")
    sixteen = img.mode in ("I;16", "I;16B", "I;16L", "I") or _is_16bit_rgb(data, fmt)
    if sixteen and not icc:
        arr = _decode_16bit(data)
        if arr is not None:
            rgb = _to_float_rgb(arr, notes)
            rgb = _apply_orientation(rgb, orientation)
            if orientation != 1:
                notes.append(f"EXIF orientation {orientation} applied")
            return Photo(np.ascontiguousarray(rgb), fmt, 16, tuple(notes))
    if orientation != 1:
        transposed = ImageOps.exif_transpose(img)
        if transposed is not None:
            img = transposed
        notes.append(f"EXIF orientation {orientation} applied")
    if sixteen:
        notes.append("16-bit converted to 8-bit for the ICC conversion")
    img = _flatten_alpha(img, notes)
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            desc = ImageCms.getProfileDescription(src).strip()
            if img.mode not in ("RGB", "CMYK", "L"):
                img = img.convert("RGB")
            if "srgb" not in desc.lower():
                converted = ImageCms.profileToProfile(img, src, _SRGB_PROFILE, outputMode="RGB")
                if converted is not None:
                    img = converted
                notes.append(f"ICC profile '{desc}' converted to sRGB")
        except (ImageCms.PyCMSError, OSError) as exc:
            notes.append(f"embedded ICC profile ignored ({exc})")
    if img.mode != "RGB":
        img = img.convert("RGB")
    rgb = np.asarray(img, dtype=np.float32) / np.float32(255.0)
    return Photo(np.ascontiguousarray(rgb), fmt, 16 if sixteen else 8, tuple(notes))


def _flatten_alpha(img: Image.Image, notes: list[str]) -> Image.Image:
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, rgba).convert("RGB")
        notes.append("alpha composited over white")
    return img


def _is_16bit_rgb(data: bytes, fmt: str) -> bool:
    if fmt == "PNG" and len(data) > 25:
        return data[24] == 16  # IHDR bit depth
    if fmt == "TIFF":
        with Image.open(io.BytesIO(data)) as t:
            bps = t.tag_v2.get(258) if hasattr(t, "tag_v2") else None
            if isinstance(bps, tuple):
                return max(bps) == 16
            return bps == 16
    return False


def _decode_16bit(data: bytes) -> np.ndarray | None:
    import cv2

    buf = np.frombuffer(data, dtype=np.uint8)
    arr = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_IGNORE_ORIENTATION)
    if arr is None:
        return None
    if arr.ndim == 3:
        if arr.shape[2] == 4:
            arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA)
        else:
            arr = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    return arr


def _apply_orientation(rgb: np.ndarray, orientation: int) -> np.ndarray:
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.rot90(a, 1)[::-1, :],
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(int(orientation))
    return op(rgb) if op else rgb


def _to_float_rgb(arr: np.ndarray, notes: list[str] | None = None) -> np.ndarray:
    if arr.dtype == np.uint8:
        f = arr.astype(np.float32) / np.float32(255.0)
    elif arr.dtype == np.uint16:
        f = arr.astype(np.float32) / np.float32(65535.0)
    elif arr.dtype in (np.int32, np.int64):
        f = np.clip(arr, 0, 65535).astype(np.float32) / np.float32(65535.0)
    else:
        f = np.clip(arr.astype(np.float32), 0.0, 1.0)
    if f.ndim == 2:
        f = np.repeat(f[..., None], 3, axis=2)
    elif f.shape[2] == 2:
        a = f[..., 1:2]
        f = np.repeat(f[..., :1] * a + (1 - a), 3, axis=2)
        if notes is not None:
            notes.append("alpha composited over white")
    elif f.shape[2] == 4:
        a = f[..., 3:4]
        f = f[..., :3] * a + (1 - a)
        if notes is not None:
            notes.append("alpha composited over white")
    elif f.shape[2] == 1:
        f = np.repeat(f, 3, axis=2)
    return np.ascontiguousarray(f, dtype=np.float32)
