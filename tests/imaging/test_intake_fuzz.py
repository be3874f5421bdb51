"""A bounded fuzz of photo intake (issue 13): random bytes and mutated JPEG/PNG/WebP/TIFF files either
load as a sane Photo or are refused with a PhotoError, never another exception; and the upload path
(decode budget, JPEG and thumbnail re-encoding) only ever raises PhotoError. Hypothesis, derandomized,
a fixed number of cases (the count and time are printed with -s)."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from smpstudio.errors import PhotoError
from smpstudio.imaging.intake import load_photo

CASES = 400


def _seed_files() -> list[bytes]:
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
    files = []
    for fmt, kw in (("JPEG", {"quality": 80}), ("PNG", {}), ("WEBP", {}), ("TIFF", {})):
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, fmt, **kw)
        files.append(buf.getvalue())
    buf = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 4), np.uint8), "RGBA").save(buf, "PNG")
    files.append(buf.getvalue())
    buf = io.BytesIO()
    Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(buf, "PNG")
    files.append(buf.getvalue())
    return files


SEEDS = _seed_files()


def _png_with_size(w: int, h: int) -> bytes:
    """A PNG whose IHDR claims w x h (the pixel data is a few bytes: a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@st.composite
def photo_bytes(draw):
    kind = draw(st.sampled_from(["random", "flip", "truncate", "splice", "header"]))
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=2048))
    if kind == "header":
        return _png_with_size(draw(st.integers(0, 2**31 - 1)), draw(st.integers(0, 2**31 - 1)))
    data = bytearray(draw(st.sampled_from(SEEDS)))
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if kind == "splice":
        at = draw(st.integers(0, len(data)))
        return bytes(data[:at]) + draw(st.binary(max_size=64)) + bytes(data[at:])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


STATS = {"cases": 0, "loaded": 0, "refused": 0}


@given(data=photo_bytes())
@settings(max_examples=CASES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def _fuzz_once(data):
    from smpstudio.records.services_photos import DecodeBudget, _decode_within_budget

    STATS["cases"] += 1
    try:
        photo = load_photo(data, max_megapixels=25)
    except PhotoError as exc:
        assert str(exc) and "\n" not in str(exc)
        STATS["refused"] += 1
        return
    STATS["loaded"] += 1
    assert photo.rgb.dtype == np.float32 and photo.rgb.ndim == 3 and photo.rgb.shape[2] == 3
    assert np.isfinite(photo.rgb).all() and photo.rgb.min() >= 0 and photo.rgb.max() <= 1
    assert photo.width * photo.height <= 25e6
    jpeg, thumb, w, h = _decode_within_budget(DecodeBudget(), data)
    assert (w, h) == (photo.width, photo.height) and jpeg[:2] == b"\xff\xd8" and thumb[:2] == b"\xff\xd8"


def test_photo_intake_fuzz():
    t0 = time.process_time()
    _fuzz_once()
    cpu = time.process_time() - t0
    print(
        f"\nintake fuzz: {STATS['cases']} cases ({STATS['loaded']} loaded, {STATS['refused']} refused) "
        f"in {cpu:.1f} s CPU"
    )
    assert STATS["cases"] >= CASES // 2 and STATS["loaded"] > 0 and STATS["refused"] > 0


@pytest.mark.parametrize("w,h", [(7745, 7745), (100_000, 1000), (2**31 - 1, 2**31 - 1)])
def test_huge_headers_are_refused_before_decoding(w, h):
    with pytest.raises(PhotoError, match="MP limit|too large"):
        load_photo(_png_with_size(w, h), max_megapixels=25)
