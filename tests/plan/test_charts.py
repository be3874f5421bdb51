"""The charts read back as images and show what the data says."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

from smpstudio.plan.cost import cost_of_ownership
from smpstudio.reports.charts import (
    CONTRAST_RGB,
    COST_RGB,
    DPI,
    SIZE_IN,
    TOUCH_UP_RGB,
    cost_png,
    fading_png,
)


def _img(png: bytes) -> np.ndarray:
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG"
    assert im.size == (int(SIZE_IN[0] * DPI), int(SIZE_IN[1] * DPI))
    return np.asarray(im.convert("RGB")).astype(int)


def _largest(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 6) -> np.ndarray:
    mask = np.all(np.abs(img - np.array(rgb)) <= tol, axis=-1)
    lab, n = ndimage.label(mask)
    assert n > 0, f"no pixels of colour {rgb}"
    sizes = ndimage.sum(mask, lab, range(1, n + 1))
    return lab == (1 + int(np.argmax(sizes)))


def _column_y(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cols = np.nonzero(mask.any(axis=0))[0]
    ys = np.array([np.nonzero(mask[:, c])[0].mean() for c in cols])
    return cols, ys


def test_fading_chart_draws_a_falling_curve_and_the_touch_up_where_it_crosses():
    years = np.linspace(0, 8, 97)
    rel = np.exp(-0.12 * years)
    due = float(np.log(1 / 0.75) / 0.12)  # 2.40 y
    img = _img(fading_png(years, rel, threshold=0.75, touch_up_years=due, pigment_remaining=rel * 0.95))
    curve = _largest(img, CONTRAST_RGB)
    cols, ys = _column_y(curve)
    assert cols.size > 0.6 * img.shape[1]  # spans the plot
    # image y grows downward: a falling curve has y increasing left to right
    assert np.all(np.diff(ys[:: max(1, len(ys) // 40)]) >= -0.5)
    assert ys[-1] - ys[0] > 0.25 * img.shape[0] * (1 - np.exp(-0.96))
    # the touch-up marker is a vertical line at the crossing: its x sits at due / 8 of the curve's span
    marker = _largest(img, TOUCH_UP_RGB)
    mcols = np.nonzero(marker.any(axis=0))[0]
    assert np.ptp(np.nonzero(marker.any(axis=1))[0]) > 0.5 * img.shape[0]  # tall, i.e. vertical
    frac = (mcols.mean() - cols[0]) / (cols[-1] - cols[0])
    assert abs(frac - due / 8.0) < 0.02


def test_fading_chart_without_touch_up_has_no_marker():
    years = np.linspace(0, 8, 20)
    img = _img(fading_png(years, np.ones(20), threshold=0.75, touch_up_years=None))
    assert not np.any(np.all(np.abs(img - np.array(TOUCH_UP_RGB)) <= 6, axis=-1))


def test_cost_chart_lines_are_ordered_like_the_totals():
    c = cost_of_ownership(n_sessions=3, touch_up_years=3.4, area_cm2=120.0, years=10)
    img = _img(cost_png(c.years, c.cumulative, currency="USD"))
    order_by_total = sorted(c.totals, key=c.totals.get)
    right_y = {}
    left_y = {}
    for key in c.cumulative:
        cols, ys = _column_y(_largest(img, COST_RGB[key]))
        right_y[key] = ys[-1]
        left_y[key] = ys[0]
        assert np.all(np.diff(ys) <= 0.5)  # cumulative: never goes down (y up = more money)
    # higher total -> higher line (smaller y) at the right edge
    order_by_pixels = sorted(right_y, key=lambda k: -right_y[k])
    assert order_by_pixels == order_by_total
    assert left_y["medication"] > left_y["smp"]  # medication starts at 0, SMP with the sessions
