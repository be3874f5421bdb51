"""Photo intake: formats, orientation, bit depth, alpha, metadata, bombs and broken files."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from smpstudio.errors import PhotoError
from smpstudio.imaging.intake import load_photo


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture()
def gradient() -> np.ndarray:
    y, x = np.mgrid[0:30, 0:40]
    return np.stack([x * 6, y * 8, np.full_like(x, 100)], axis=-1).astype(np.uint8)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_lossless_formats_round_trip(gradient, fmt):
    kw = {"lossless": True} if fmt == "WEBP" else {}
    p = load_photo(_encode(Image.fromarray(gradient), fmt, **kw))
    assert p.rgb.dtype == np.float32 and p.rgb.shape == (30, 40, 3)
    np.testing.assert_array_equal(p.to_uint8(), gradient)


def test_jpeg_is_read_close_to_source(gradient):
    p = load_photo(_encode(Image.fromarray(gradient), "JPEG", quality=95))
    assert np.abs(p.to_uint8().astype(int) - gradient.astype(int)).mean() < 3


def test_exif_orientation_is_applied(gradient):
    img = Image.fromarray(gradient)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    p = load_photo(_encode(img, "PNG", exif=exif.tobytes()))
    assert p.rgb.shape == (40, 30, 3)
    np.testing.assert_array_equal(p.to_uint8(), np.rot90(gradient, -1))
    assert any("orientation 6" in n for n in p.notes)


def test_sixteen_bit_png_keeps_precision():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 65535, size=(12, 9, 3), dtype=np.uint16)
    ok, enc = cv2.imencode(".png", a[..., ::-1])  # OpenCV writes BGR
    p = load_photo(enc.tobytes())
    assert p.bit_depth == 16
    np.testing.assert_allclose(p.rgb, a / 65535.0, atol=1e-6)


def test_sixteen_bit_grayscale():
    a = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    ok, enc = cv2.imencode(".png", a)
    p = load_photo(enc.tobytes())
    assert p.rgb.shape == (8, 8, 3)
    np.testing.assert_allclose(p.rgb[..., 0], a / 65535.0, atol=1e-6)
    np.testing.assert_array_equal(p.rgb[..., 0], p.rgb[..., 2])


def test_grayscale_and_alpha(gradient):
    g = load_photo(_encode(Image.fromarray(gradient[..., 0]), "PNG"))
    np.testing.assert_array_equal(g.to_uint8()[..., 1], gradient[..., 0])
    rgba = np.dstack([gradient, np.zeros(gradient.shape[:2], np.uint8)])  # fully transparent
    a = load_photo(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert (a.to_uint8() == 255).all()  # composited over white


def test_metadata_is_not_copied(gradient):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS IFD
    data = _encode(Image.fromarray(gradient), "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in data
    p = load_photo(data)
    out = p.to_jpeg_bytes()
    assert b"PhoneMaker" not in out and b"Exif" not in out
    assert Image.open(io.BytesIO(out)).getexif() == {}
    assert b"PhoneMaker" not in p.to_png_bytes()


def test_refuses_bomb_without_decoding(monkeypatch):
    big = _encode(Image.new("1", (8000, 8000)), "PNG")  # 64 MP in a few kB
    assert len(big) < 200_000

    def boom(self, *a, **k):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", boom)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", boom)
    with pytest.raises(PhotoError, match="over the 60 MP limit"):
        load_photo(big)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, not an image" * 10, "not an image"),
        (b"GIF89a" + b"\0" * 20, "not an image|GIF"),
    ],
)
def test_bad_bytes(data, message):
    with pytest.raises(PhotoError, match=message):
        load_photo(data)


def test_truncated_jpeg(astronaut_rgb):
    data = _encode(Image.fromarray(astronaut_rgb), "JPEG")
    with pytest.raises(PhotoError, match="truncated|corrupt"):
        load_photo(data[: len(data) // 3])


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(PhotoError, match="not found"):
        load_photo(tmp_path / "nope.jpg")
    (tmp_path / "zero.jpg").write_bytes(b"")
    with pytest.raises(PhotoError, match="empty"):
        load_photo(tmp_path / "zero.jpg")
    with pytest.raises(PhotoError, match="not a file"):
        load_photo(tmp_path)


def test_thumbnail_is_area_average():
    a = np.zeros((4, 4, 3), np.uint8)
    a[:, :2] = 255
    from smpstudio.imaging.intake import Photo

    t = Photo.from_array(a).thumbnail(2)
    assert t.rgb.shape == (2, 2, 3)
    np.testing.assert_allclose(t.rgb[..., 0], [[1, 0], [1, 0]], atol=1e-6)


def test_embedded_icc_profile_is_converted_to_srgb():
    """A profile whose red and green primaries are swapped: pure 'red' pixels are really green."""
    from tests.imaging.iccmaker import SRGB_BLUE, SRGB_GREEN, SRGB_RED, matrix_profile

    icc = matrix_profile("Swapped RG test", SRGB_GREEN, SRGB_RED, SRGB_BLUE)
    img = np.zeros((4, 4, 3), np.uint8)
    img[..., 0] = 200  # red channel only
    p = load_photo(_encode(Image.fromarray(img), "PNG", icc_profile=icc))
    rgb = p.to_uint8()[0, 0].astype(int)
    assert rgb[1] > 150 and rgb[0] < 40, rgb  # became green
    assert any("ICC profile" in n for n in p.notes)
    # an sRGB-tagged image is left as it is
    srgb = matrix_profile("sRGB IEC61966-2.1", SRGB_RED, SRGB_GREEN, SRGB_BLUE)
    q = load_photo(_encode(Image.fromarray(img), "PNG", icc_profile=srgb))
    np.testing.assert_array_equal(q.to_uint8(), img)
