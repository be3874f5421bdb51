"""Treatment sessions: how many, how far apart, how many impressions, how long, which needle, aftercare.

Numbers from domain.md: 2-4 sessions, most need 3 (§1 number of sessions); 7-30 days apart, 10-14 most
quoted (§1 spacing of sessions); ~14,000 impressions a session and 2-5 h (§1 impressions per session,
session length); a 1 mm grid is ~100 dots/cm^2 (§1 density); 1-needle (1RL, 0.20 mm #06) at the hairline,
3-needle (3RL, 0.25 mm #08) for density (§1 needles); aftercare (§7).

The default impressions-per-hour rate, 4,000/h, makes a 14,000-impression session take 3.5 h. A session
longer than ``max_session_h`` (5 h, the top of the quoted range) is split over consecutive days (or, with
``split_long=False``, kept and warned about). Session ``k+1`` starts ``interval_days`` after the last day
of session ``k``.

Examples
--------
>>> import datetime as dt
>>> from smpstudio.plan.pigment import DEFAULT_DENSITY_FRACTIONS
>>> s = plan_sessions(area_cm2=140.0, start=dt.date(2030, 3, 4), today=dt.date(2030, 1, 1))
>>> [(x.index, x.day, str(x.date), x.impressions) for x in s.sessions]
[(1, 0, '2030-03-04', 4200), (2, 14, '2030-03-18', 6300), (3, 28, '2030-04-01', 3500)]
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from smpstudio.errors import OptionError
from smpstudio.plan.pigment import DEFAULT_DENSITY_FRACTIONS, MAX_SESSIONS, MIN_SESSIONS

MIN_INTERVAL_DAYS, MAX_INTERVAL_DAYS = 7, 30  # domain.md §1 spacing of sessions
DEFAULT_INTERVAL_DAYS = 14  # domain.md §1: 10-14 most quoted
DEFAULT_IMPRESSIONS_PER_HOUR = 4000.0  # 14,000 impressions -> 3.5 h (domain.md §1) [derived]
MAX_SESSION_H = 5.0  # domain.md §1 session length 2-5 h
DEFAULT_DOTS_PER_CM2 = 100.0  # domain.md §1: a 1 mm grid is ~100 dots/cm^2


@dataclass(frozen=True)
class Needle:
    """A needle grouping: ``"1RL"`` / ``"3RL"``, the diameter (mm) and its trade number."""

    configuration: str
    diameter_mm: float
    label: str
    use: str


HAIRLINE_NEEDLE = Needle("1RL", 0.20, "#06", "hairline")  # domain.md §1 needles
FILL_NEEDLE = Needle("3RL", 0.25, "#08", "density")  # domain.md §1 needles

# domain.md §7 aftercare; each rule lasts ``days`` after the (last day of the) session; None = for life.
AFTERCARE_RULES: tuple[tuple[str, int | None], ...] = (
    ("no wetting the scalp (3-5 days)", 5),
    ("no heavy sweating, no gym (5-10 days)", 10),
    ("clippers, not a razor (5-10 days)", 10),
    ("no swimming, sauna or steam (~28 days)", 28),
    ("no direct sun on the scalp (4-30 days)", 30),
    ("SPF 30+ on the scalp for life", None),
)


# domain.md §2 healing: what the client will see after each session (days after its last visit). Clients
# read the between-session fading as failure, so the plan shows it in advance.
HEALING_STAGES: tuple[tuple[str, int, int | None], ...] = (
    ("redness around the dots (2-5 days)", 0, 5),
    ("dots look darker than they will heal (up to 7 days)", 0, 7),
    ("scabs flake; most of the fading happens (days 3-10)", 3, 10),
    ("shade settled: judge the result from here (~4 weeks)", 28, None),
)


@dataclass(frozen=True)
class HealingStage:
    stage: str
    from_day: int
    to_day: int | None
    from_date: dt.date | None
    to_date: dt.date | None
    source: str = "domain.md §2"


@dataclass(frozen=True)
class AftercareRule:
    rule: str
    days: int | None
    until: dt.date | None
    source: str = "domain.md §7"


@dataclass(frozen=True)
class Visit:
    """One day in the chair (a long session is split into several)."""

    day: int
    date: dt.date | None
    impressions: int
    duration_h: float


@dataclass(frozen=True)
class Session:
    index: int
    day: int
    date: dt.date | None
    density_fraction: float
    impressions: int
    duration_h: float
    visits: tuple[Visit, ...]
    needles: tuple[Needle, ...]
    aftercare: tuple[AftercareRule, ...]
    healing: tuple[HealingStage, ...] = ()
    suggested: bool = False


@dataclass
class SessionPlan:
    sessions: list[Session]
    interval_days: int
    impressions_per_hour: float
    dots_per_cm2: float
    area_cm2: float | None
    warnings: list[str] = field(default_factory=list)

    @property
    def last_day(self) -> int:
        s = self.sessions[-1]
        return s.visits[-1].day

    @property
    def last_date(self) -> dt.date | None:
        return self.sessions[-1].visits[-1].date


def parse_start_date(text: str, today: dt.date) -> dt.date:
    """``YYYY-MM-DD`` not in the past -> date; :class:`OptionError` otherwise (one line)."""
    try:
        d = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise OptionError(f"--start {text!r} is not a date like 2030-03-04 (YYYY-MM-DD)") from None
    if d < today:
        raise OptionError(f"--start {d.isoformat()} is in the past (today is {today.isoformat()})")
    if d > today + dt.timedelta(days=3 * 365):
        raise OptionError(f"--start {d.isoformat()} is more than 3 years ahead; plan closer to the date")
    return d


def plan_sessions(
    *,
    area_cm2: float | None = None,
    impressions_per_session: list[int] | None = None,
    n_sessions: int = 3,
    interval_days: int = DEFAULT_INTERVAL_DAYS,
    start: dt.date | None = None,
    today: dt.date | None = None,
    density_fractions: list[float] | None = None,
    dots_per_cm2: float = DEFAULT_DOTS_PER_CM2,
    impressions_per_hour: float = DEFAULT_IMPRESSIONS_PER_HOUR,
    max_session_h: float = MAX_SESSION_H,
    split_long: bool = True,
    suggested_extra: bool = False,
) -> SessionPlan:
    """Schedule the sessions.

    Parameters
    ----------
    area_cm2 : float, optional
        Treated scalp area (surface, cm^2); impressions = area x ``dots_per_cm2`` x density fraction.
    impressions_per_session : list of int, optional
        The dot engine's counts per session; used instead of the area estimate when given.
    n_sessions : int
        2-4 (a suggested extra session may make it 4).
    interval_days : int
        7-30 days between the end of one session and the start of the next.
    start : date, optional
        Date of session 1; without it only day offsets are given.
    today : date, optional
        "Now" for the past-date check (pass it in: the engine reads no clock).
    density_fractions : list of float, optional
        Share of the final density laid in each session.
    dots_per_cm2, impressions_per_hour, max_session_h : float
    split_long : bool
        Split sessions longer than ``max_session_h`` over consecutive days (else only warn).
    suggested_extra : bool
        The last session is a suggested extra (flagged in the output).

    Returns
    -------
    SessionPlan
    """
    if not MIN_SESSIONS <= n_sessions <= MAX_SESSIONS:
        raise OptionError(f"--sessions must be between {MIN_SESSIONS} and {MAX_SESSIONS} (got {n_sessions})")
    if not MIN_INTERVAL_DAYS <= interval_days <= MAX_INTERVAL_DAYS:
        raise OptionError(f"--interval-days must be between {MIN_INTERVAL_DAYS} and {MAX_INTERVAL_DAYS} days "
                          f"(got {interval_days})")
    if impressions_per_hour <= 0 or dots_per_cm2 <= 0 or max_session_h <= 0:
        raise OptionError("impressions per hour, dots per cm² and the session limit must be positive")
    if start is not None and today is not None and start < today:
        raise OptionError(f"--start {start.isoformat()} is in the past (today is {today.isoformat()})")
    fr = list(density_fractions) if density_fractions is not None else list(DEFAULT_DENSITY_FRACTIONS[n_sessions])
    if len(fr) != n_sessions or any(f <= 0 for f in fr):
        raise OptionError(f"need {n_sessions} positive density fractions (got {fr})")
    if impressions_per_session is not None:
        if len(impressions_per_session) != n_sessions or any(int(i) < 0 for i in impressions_per_session):
            raise OptionError(f"need {n_sessions} non-negative impression counts")
        counts = [int(i) for i in impressions_per_session]
    else:
        if area_cm2 is None or not area_cm2 > 0:
            raise OptionError("the treated area must be positive to estimate impressions")
        counts = [int(round(area_cm2 * dots_per_cm2 * f)) for f in fr]

    warnings: list[str] = []
    sessions: list[Session] = []
    day = 0
    for k, (n_imp, f) in enumerate(zip(counts, fr, strict=True), start=1):
        hours = n_imp / impressions_per_hour
        parts = max(1, math.ceil(hours / max_session_h - 1e-9)) if split_long else 1
        if hours > max_session_h:
            if split_long:
                warnings.append(f"session {k} needs {hours:.1f} h (> {max_session_h:g} h): split over {parts} "
                                "consecutive days")
            else:
                warnings.append(f"session {k} needs {hours:.1f} h, longer than the {max_session_h:g} h a client "
                                "tolerates (domain.md §1)")
        base, rem = divmod(n_imp, parts)
        visits = []
        for j in range(parts):
            nj = base + (1 if j < rem else 0)
            d = day + j
            visits.append(Visit(d, None if start is None else start + dt.timedelta(days=d), nj,
                                nj / impressions_per_hour))
        last = visits[-1]
        aftercare = tuple(
            AftercareRule(rule, days, None if (days is None or last.date is None)
                          else last.date + dt.timedelta(days=days))
            for rule, days in AFTERCARE_RULES)
        healing = tuple(
            HealingStage(stage, a, b, None if last.date is None else last.date + dt.timedelta(days=a),
                         None if (last.date is None or b is None) else last.date + dt.timedelta(days=b))
            for stage, a, b in HEALING_STAGES)
        needles = (HAIRLINE_NEEDLE, FILL_NEEDLE)
        sessions.append(Session(
            index=k, day=day, date=None if start is None else start + dt.timedelta(days=day),
            density_fraction=float(f), impressions=n_imp, duration_h=hours, visits=tuple(visits),
            needles=needles, aftercare=aftercare, healing=healing, suggested=suggested_extra and k == n_sessions))
        day = last.day + interval_days
    return SessionPlan(sessions, interval_days, impressions_per_hour, dots_per_cm2, area_cm2, warnings)
