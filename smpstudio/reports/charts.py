"""Charts of the treatment plan (matplotlib, Agg backend): fading over years and cumulative cost.

Each function returns PNG bytes; the caller writes them. Line colours are fixed module constants so a
test (or a report) can find each series in the image.

Examples
--------
>>> import numpy as np
>>> png = fading_png(np.linspace(0, 8, 9), np.exp(-0.1 * np.linspace(0, 8, 9)), threshold=0.75, touch_up_years=2.9)
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

CONTRAST_RGB = (0, 90, 200)  # fading curve
PIGMENT_RGB = (150, 150, 150)  # pigment left (dashed)
THRESHOLD_RGB = (220, 40, 40)  # touch-up threshold
TOUCH_UP_RGB = (240, 150, 0)  # touch-up marker
COST_RGB = {"smp": (0, 150, 70), "transplant": (200, 30, 120), "medication": (90, 60, 200)}
COST_LABELS = {"smp": "SMP (sessions + touch-ups)", "transplant": "Hair transplant (same area)",
               "medication": "Medication alone"}
SIZE_IN = (8.0, 4.5)
DPI = 100


def _c(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0)


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def fading_png(years: Sequence[float] | np.ndarray, contrast_relative: Sequence[float] | np.ndarray, *,
               threshold: float, touch_up_years: float | None,
               pigment_remaining: Sequence[float] | np.ndarray | None = None,
               title: str = "Healed contrast over the years") -> bytes:
    """Relative contrast (dot vs skin) over years, the touch-up threshold and the due year.

    Parameters
    ----------
    years, contrast_relative : sequence of float
        The fading curve (1 at the healed start).
    threshold : float
        Relative contrast at which a touch-up is due.
    touch_up_years : float or None
        Where the curve crosses the threshold (on the ``years`` axis; the plan passes years after the last
        session, as its summary and ``touch_up.due_years`` give them).
    pigment_remaining : sequence of float, optional
        Share of pigment left (drawn dashed).
    """
    fig, ax = plt.subplots(figsize=SIZE_IN, dpi=DPI)
    ax.plot(years, contrast_relative, color=_c(CONTRAST_RGB), lw=3.0, label="contrast to skin (relative)",
            antialiased=False, zorder=4)
    if pigment_remaining is not None:
        ax.plot(years, pigment_remaining, color=_c(PIGMENT_RGB), lw=1.5, ls="--", label="pigment left")
    ax.axhline(threshold, color=_c(THRESHOLD_RGB), lw=1.5, ls=":", label=f"touch-up threshold ({threshold:.0%})")
    if touch_up_years is not None:
        ax.axvline(touch_up_years, color=_c(TOUCH_UP_RGB), lw=2.0, label=f"touch-up due {touch_up_years:.1f} y",
                   antialiased=False, zorder=3)
    ax.set_xlim(float(years[0]), float(years[-1]))
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("years after the last session")
    ax.set_ylabel("share of the healed contrast")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return _png(fig)


def cost_png(years: Sequence[float] | np.ndarray, cumulative: Mapping[str, Sequence[float] | np.ndarray], *,
             currency: str, title: str = "Cumulative cost of ownership") -> bytes:
    """Cumulative cost per option (``smp``, ``transplant``, ``medication``) over years (any grid)."""
    fig, ax = plt.subplots(figsize=SIZE_IN, dpi=DPI)
    for key in ("transplant", "smp", "medication"):
        if key in cumulative:
            ax.step(years, cumulative[key], where="post", color=_c(COST_RGB[key]), lw=3.0,
                    label=COST_LABELS[key], antialiased=False)
    ax.set_xlim(float(years[0]), float(years[-1]))
    ax.set_ylim(0.0, max(float(np.max(v)) for v in cumulative.values()) * 1.08 + 1.0)
    ax.set_xlabel("years")
    ax.set_ylabel(f"cumulative cost ({currency})")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return _png(fig)
