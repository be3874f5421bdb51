"""Safety and aesthetics checks on a plan: each finding carries its reason and the rule's source.

Examples
--------
>>> [c.code for c in check_contraindications({"pregnancy": True, "epilepsy": False})]
['contraindication_pregnancy']
>>> check_interval(14)
[]
>>> check_hairline_height(72.0, age=50)[0].code
'hairline_low_for_age'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from smpstudio.plan.intake import BY_KEY, QUESTIONS, parse_intake

SEVERITIES = ("info", "warning", "stop")

# domain.md §7: contraindications asked in the intake (key -> what it means); the whole questionnaire,
# with the further questions and their severities, is smpstudio.plan.intake.
CONTRAINDICATIONS: dict[str, str] = {q.key: q.text for q in QUESTIONS}

MFP_MIN_MM = 70.0  # domain.md §3: 7 cm (aggressive) ... 10 cm (conservative) above the glabella
MFP_MATURE_RAISE_MM = 10.0  # domain.md §3: mature hairlines 1-2 cm higher at the centre
MATURE_FROM_AGE, MATURE_FULL_AGE = 25, 45  # ramp of the raise [model choice]
NATURAL_MAX_DOTS_PER_CM2 = 120.0  # domain.md §1: 1 mm grid ~100/cm^2, natural 65-85 FU/cm^2 -> above ~120 reads painted
HAIRLINE_MAX_NEEDLE_MM = 0.25  # domain.md §1: 1-needle 0.18-0.25 mm at the hairline
MIN_INTERVAL_ADVISED_DAYS = 10  # domain.md §1: 10-14 days most quoted


@dataclass(frozen=True)
class Check:
    """One finding: ``severity`` is ``info``, ``warning`` or ``stop`` (do not treat before it is resolved)."""

    code: str
    severity: str
    message: str
    reason: str
    source: str

    def line(self) -> str:
        return f"{self.message} ({self.reason}; {self.source})"


def min_mfp_height_mm(age: int) -> float:
    """Lowest MFP height (mm above the glabella, on the surface) advised for this age."""
    t = min(1.0, max(0.0, (age - MATURE_FROM_AGE) / (MATURE_FULL_AGE - MATURE_FROM_AGE)))
    return MFP_MIN_MM + t * MFP_MATURE_RAISE_MM


def check_hairline_height(mfp_height_mm: float, age: int) -> list[Check]:
    """Hairline lower than the MFP range for the age (domain.md §3)."""
    lo = min_mfp_height_mm(age)
    if mfp_height_mm < lo:
        return [Check("hairline_low_for_age", "warning",
                      f"hairline MFP {mfp_height_mm:.0f} mm above the glabella is below the {lo:.0f} mm "
                      f"advised at age {age}",
                      "a low hairline looks unnatural and cannot be raised later; mature hairlines sit 1-2 cm higher",
                      "domain.md §3 (MFP 7-10 cm; Garg et al. JCAS 2017)")]
    return []


def check_density(dots_per_cm2: float) -> list[Check]:
    """Density beyond what reads as natural (painted-on look)."""
    if dots_per_cm2 > NATURAL_MAX_DOTS_PER_CM2:
        return [Check("density_painted_on", "warning",
                      f"{dots_per_cm2:.0f} dots/cm² exceeds {NATURAL_MAX_DOTS_PER_CM2:.0f}/cm²",
                      "dots closer than ~1 mm merge into a solid, painted-on look",
                      "domain.md §1 spacing/density, §2 painted-on look")]
    return []


def check_pigment_darkness(pigment_fraction: float, darkest_fraction_advised: float, ita_class: str,
                           dilution: str, darkest_label: str) -> list[Check]:
    """Pigment darker than advised for the skin (blue-shift risk)."""
    if pigment_fraction > darkest_fraction_advised + 1e-12:
        return [Check("pigment_too_dark", "warning",
                      f"{dilution} is darker than {darkest_label} advised for {ita_class} skin",
                      "dense carbon deep in fair skin can look blue-grey (Tyndall) and too harsh",
                      "domain.md §1 pigment, §2 blue/green shift")]
    return []


def check_interval(interval_days: int) -> list[Check]:
    """Sessions too close together."""
    if interval_days < MIN_INTERVAL_ADVISED_DAYS:
        return [Check("sessions_too_close", "warning",
                      f"sessions {interval_days} days apart (advised 10-14)",
                      "the scalp is still flaking (days 3-10) and the shade has not settled",
                      "domain.md §1 spacing of sessions, §2 healing")]
    return []


def check_dot_size(hairline_needle_mm: float, hairline_configuration: str = "1RL") -> list[Check]:
    """Dots too large for the hairline."""
    out = []
    if hairline_needle_mm > HAIRLINE_MAX_NEEDLE_MM + 1e-9:
        out.append(Check("hairline_dots_too_large", "warning",
                         f"a {hairline_needle_mm:.2f} mm needle at the hairline is larger than advised (≤ 0.25 mm)",
                         "large dots at the edge read as dots, not follicles",
                         "domain.md §1 needles and dot size; §2 painted-on look"))
    if hairline_configuration != "1RL":
        out.append(Check("hairline_needle_grouping", "warning",
                         f"{hairline_configuration} at the hairline; use a single needle (1RL)",
                         "grouped needles make larger, less crisp dots at the edge", "domain.md §1 needles"))
    return out


def check_session_length(duration_h: float, index: int, max_h: float = 5.0) -> list[Check]:
    """A session longer than clients tolerate."""
    if duration_h > max_h:
        return [Check("session_too_long", "warning", f"session {index} needs {duration_h:.1f} h (> {max_h:g} h)",
                      "long sessions are split or shortened", "domain.md §1 session length 2-5 h")]
    return []


def check_contraindications(intake: Mapping[str, bool]) -> list[Check]:
    """Contraindications answered yes in the intake.

    Raises
    ------
    OptionError
        An unknown question (a typo in the intake file).
    """
    answers = parse_intake(intake)  # unknown questions and non-yes/no answers fail here, in words
    checks = [Check(f"contraindication_{k}", "stop", f"contraindication: {BY_KEY[k].text}",
                    "do not treat until a physician clears it", BY_KEY[k].source) for k in answers.yes("stop")]
    checks += [Check(f"caution_{k}", "warning", f"caution: {BY_KEY[k].text}",
                     "take it into account (spot test, no numbing cream, conservative depth)", BY_KEY[k].source)
               for k in answers.yes("warn")]
    return checks


def validate_severity(s: str) -> str:
    if s not in SEVERITIES:
        raise ValueError(s)
    return s
