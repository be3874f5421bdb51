"""The fast PNG encoder: any reader decodes exactly the input pixels; the file is a plain, valid PNG."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from smpstudio.imaging import png
from smpstudio.imaging.png import encode_png


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk, checking each CRC."""
    assert data[:8] == png.SIGNATURE
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + payload), kind
        out.append((kind, payload))
        pos += 12 + n
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 70), st.integers(1, 70), st.booleans(), st.integers(0, 2**32 - 1), st.integers(1, 9))
def test_any_image_round_trips_exactly(h, w, grey, seed, block_rows):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w) if grey else (h, w, 3), dtype=np.uint8)
    img[: h // 2] //= 7  # smooth and noisy parts
    old = png.BLOCK_ROWS
    png.BLOCK_ROWS = block_rows  # many blocks: block boundaries must not change a row's filter
    try:
        data = encode_png(img)
    finally:
        png.BLOCK_ROWS = old
    assert [k for k, _ in _chunks(data)] == [b"IHDR", b"IDAT", b"IEND"]  # no metadata of any kind
    pil = np.asarray(Image.open(io.BytesIO(data)))
    np.testing.assert_array_equal(pil, img)
    cv = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(cv if grey else cv[..., ::-1], img)


def test_header_describes_the_image():
    kinds = dict(_chunks(encode_png(np.zeros((5, 9, 3), np.uint8))))
    assert struct.unpack(">IIBBBBB", kinds[b"IHDR"]) == (9, 5, 8, 2, 0, 0, 0)


def test_a_photo_compresses_below_raw_and_round_trips(astronaut_rgb):
    data = encode_png(astronaut_rgb)
    assert len(data) < 0.8 * astronaut_rgb.nbytes
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), astronaut_rgb)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 4), np.uint8),
                                 np.zeros((0, 4, 3), np.uint8), np.zeros(5, np.uint8)])
def test_refuses_what_it_cannot_encode(bad):
    with pytest.raises(ValueError):
        encode_png(bad)
