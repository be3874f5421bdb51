"""Total cost of ownership over N years: SMP vs a hair transplant vs medication alone.

* SMP: consultation + the planned sessions at year 0, then a touch-up each time the fading model says one
  is due (every ``touch_up_years``).
* Transplant: grafts for the same area (``area x grafts_per_cm2``) x price per graft, done in sessions of at
  most ``transplant_max_grafts_per_session`` a year apart, plus (by default) finasteride for life to keep
  the native hair.
* Medication alone: finasteride + minoxidil every month.

Prices are per clinic (:class:`Prices`, a YAML/JSON file); the defaults are domain.md §6 clinic quotes.

Examples
--------
>>> c = cost_of_ownership(n_sessions=3, touch_up_years=3.5, area_cm2=100.0, years=10)
>>> c.totals["smp"] < c.totals["transplant"]
True
>>> float(c.cumulative["smp"][0]) == 75 + 3 * 700
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smpstudio.errors import OptionError, SMPError
from smpstudio.plan.datafile import read_yaml


class Prices(BaseModel):
    """A clinic's prices; every amount in ``currency``."""

    model_config = ConfigDict(extra="forbid")
    currency: str = Field(default="USD", min_length=1, max_length=8)
    smp_consultation: float = Field(default=75, ge=0)
    smp_session: float = Field(default=700, ge=0)
    smp_touch_up: float = Field(default=400, ge=0)
    #: the whole-head plan's price (smpstudio.head3d.treatment): per class when given, else per cm², else per session
    smp_per_stage: dict[str, float] = Field(default_factory=dict)
    smp_per_cm2: float | None = Field(default=None, ge=0)
    transplant_consultation: float = Field(default=150, ge=0)
    transplant_price_per_graft: float = Field(default=6.0, ge=0)
    transplant_grafts_per_cm2: float = Field(default=40, gt=0)
    transplant_max_grafts_per_session: int = Field(default=3000, gt=0)
    transplant_with_finasteride: bool = True
    finasteride_per_month: float = Field(default=9, ge=0)
    minoxidil_per_month: float = Field(default=18, ge=0)


def load_prices(path: str | Path | None = None) -> Prices:
    """The built-in prices or a clinic's file; typos and bad values raise :class:`SMPError` (one line)."""
    data, source = read_yaml(path, "prices.yaml", "prices")
    if not isinstance(data, dict):
        raise SMPError(f"{source}: expected a mapping of prices")
    try:
        return Prices.model_validate(data)
    except ValidationError as exc:
        err = next((e for e in exc.errors() if e["type"] == "extra_forbidden"), exc.errors()[0])
        loc = ".".join(str(x) for x in err["loc"])
        msg = "unknown field (typo?)" if err["type"] == "extra_forbidden" else err["msg"]
        raise SMPError(f"{source}: {loc}: {msg}") from None


@dataclass(frozen=True)
class CostResult:
    """Cumulative cost per option, month by month over ``0 .. years`` (``years`` in fractional years)."""

    years: np.ndarray
    cumulative: dict[str, np.ndarray]
    totals: dict[str, float]
    currency: str
    grafts: int
    transplant_sessions: int
    touch_ups: int
    notes: list[str] = field(default_factory=list)
    assumptions: dict[str, Any] = field(default_factory=dict)


def cost_of_ownership(*, n_sessions: int, touch_up_years: float | None, area_cm2: float, years: int = 10,
                      prices: Prices | None = None) -> CostResult:
    """Cumulative cost over ``years`` for SMP, a transplant of the same area, and medication alone.

    Parameters
    ----------
    n_sessions : int
        SMP sessions planned (including a suggested extra one if the clinic accepts it).
    touch_up_years : float or None
        Interval between touch-ups from the fading model (None: none within the horizon).
    area_cm2 : float
        Treated area (surface cm^2).
    years : int
        Horizon, 1-40 years.
    prices : Prices, optional
    """
    p = prices or Prices()
    if not 1 <= years <= 40:
        raise OptionError(f"cost horizon must be 1-40 years (got {years})")
    if area_cm2 <= 0:
        raise OptionError("treated area must be positive")
    t = np.arange(years * 12 + 1, dtype=np.float64) / 12.0  # monthly
    notes: list[str] = []

    smp = np.full(t.shape, p.smp_consultation + n_sessions * p.smp_session, dtype=np.float64)
    touch_ups = 0
    if touch_up_years is not None and touch_up_years > 0:
        k = 1
        while k * touch_up_years <= years + 1e-9:
            smp[t >= k * touch_up_years - 1e-9] += p.smp_touch_up
            touch_ups += 1
            k += 1

    grafts = int(round(area_cm2 * p.transplant_grafts_per_cm2))
    n_tx = max(1, math.ceil(grafts / p.transplant_max_grafts_per_session))
    tx = np.full(t.shape, p.transplant_consultation, dtype=np.float64)
    per_session = grafts / n_tx
    for i in range(n_tx):
        tx[t >= i] += per_session * p.transplant_price_per_graft
    if n_tx > 1:
        notes.append(f"{grafts} grafts need {n_tx} transplant sessions a year apart; donor hair may not suffice")
    months = np.floor(t * 12.0 + 1e-9)  # medication is paid month by month: 120 payments in 10 years
    if p.transplant_with_finasteride:
        tx = tx + p.finasteride_per_month * months
    med = (p.finasteride_per_month + p.minoxidil_per_month) * months
    cum = {"smp": smp, "transplant": tx, "medication": med}
    return CostResult(
        years=t, cumulative=cum, totals={k: float(v[-1]) for k, v in cum.items()}, currency=p.currency,
        grafts=grafts, transplant_sessions=n_tx, touch_ups=touch_ups, notes=notes,
        assumptions=p.model_dump(),
    )
