"""Dates as a person types them: ISO (``1979-04-12``) or the clinic's own format (``12/04/1979``).

A clinic sets its date order (``DMY`` day/month/year, ``MDY`` month/day/year or ``YMD``); the
separators ``/``, ``.`` and ``-`` are all accepted. Every refusal says in words what was wrong.

Examples
--------
>>> parse_date("12/04/1979", "DMY")
datetime.date(1979, 4, 12)
>>> parse_date("04/12/1979", "MDY")
datetime.date(1979, 4, 12)
>>> parse_date("1979-04-12", "MDY")
datetime.date(1979, 4, 12)
>>> parse_date("31/02/1979", "DMY")
Traceback (most recent call last):
...
smpstudio.errors.OptionError: '31/02/1979' is not a date: February 1979 has 28 days, not 31
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from smpstudio.errors import OptionError

DATE_ORDERS = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "year-month-day"}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_PARTS = re.compile(r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})")


def example(order: str) -> str:
    """12 April 1979 written in ``order``."""
    return {"DMY": "12/04/1979", "MDY": "04/12/1979", "YMD": "1979-04-12"}[order]


def _build(text: str, year: int, month: int, day: int, order: str) -> dt.date:
    where = f"{text!r} is not a date"
    if not 1 <= month <= 12:
        hint = "" if order == "YMD" else f" (this clinic writes {DATE_ORDERS[order]}, e.g. {example(order)})"
        raise OptionError(f"{where}: there is no month {month}{hint}")
    if year < 1:
        raise OptionError(f"{where}: the year must be a positive number")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise OptionError(f"{where}: {calendar.month_name[month]} {year} has {last} days, not {day}")
    return dt.date(year, month, day)


def parse_date(text: str, order: str = "DMY") -> dt.date:
    """``text`` as a date: ISO ``YYYY-MM-DD`` always, else in the clinic's ``order``.

    Raises
    ------
    OptionError
        With a message in words (which part is wrong and how to write it).
    """
    if order not in DATE_ORDERS:
        raise OptionError(f"unknown date order {order!r}; one of {', '.join(DATE_ORDERS)}")
    raw = text.strip()
    if not raw:
        raise OptionError(f"the date is empty; write it as {example(order)} or 1979-04-12")
    m = _ISO.fullmatch(raw)
    if m:
        return _build(raw, int(m[1]), int(m[2]), int(m[3]), "YMD")
    m = _PARTS.fullmatch(raw)
    if m is None:
        raise OptionError(f"{raw!r} is not a date: write it as {example(order)} ({DATE_ORDERS[order]}) or 1979-04-12")
    a, b, c = m[1], m[3], m[4]
    if order == "YMD" or len(a) == 4:
        year_s, month, day = a, int(b), int(c)
    elif order == "DMY":
        day, month, year_s = int(a), int(b), c
    else:
        month, day, year_s = int(a), int(b), c
    if len(year_s) != 4:
        raise OptionError(f"{raw!r} is not a date: write the year with four digits, e.g. {example(order)}")
    return _build(raw, int(year_s), month, day, order)


def parse_datetime(text: str, order: str, tz: dt.tzinfo) -> dt.datetime:
    """``text`` as an aware datetime: ISO 8601 (an offset, or local time in ``tz``), or the clinic's date
    followed by ``HH:MM`` (``12/04/2027 14:30``)."""
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        pieces = raw.split()
        if len(pieces) != 2:
            raise OptionError(
                f"{raw!r} is not a date and time: write it as {example(order)} 14:30 or 1979-04-12T14:30"
            ) from None
        day = parse_date(pieces[0], order)
        t = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", pieces[1])
        if t is None or int(t[1]) > 23 or int(t[2]) > 59:
            raise OptionError(f"{pieces[1]!r} is not a time of day: write hours and minutes, e.g. 14:30") from None
        value = dt.datetime.combine(day, dt.time(int(t[1]), int(t[2])))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value
