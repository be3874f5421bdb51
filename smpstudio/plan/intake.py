"""The intake questionnaire: one documented schema for the CLI (``--intake``) and the records API.

Every question is a field of :class:`IntakeAnswers` with its wording, its severity and its source, so
the OpenAPI document and ``smp schema``-style tooling show the same list the CLI checks. Unknown
questions are refused (``extra="forbid"``), never silently dropped.

Severity ``stop``: do not treat until a physician clears it; ``warn``: the artist must take it into
account (e.g. no anaesthetic cream, a spot test on the hairline).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from smpstudio.errors import OptionError


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    severity: str  # stop | warn
    source: str


# domain.md §7 (consent with medical history): the listed contraindications, all stop-level.
_S7 = "domain.md §7 consent and medical history"
# the further questions of issue 12: common to clinic intake forms [clinic]; severities are a clinical
# judgement of this project (bleeding and pigment allergy stop like haemophilia; the rest warn).
_CLINIC = "issue 12 (common clinic intake questions) [clinic]"

QUESTIONS: tuple[Question, ...] = (
    Question("pregnancy", "pregnancy", "stop", _S7),
    Question("haemophilia", "haemophilia or another bleeding disorder", "stop", _S7),
    Question("uncontrolled_diabetes", "uncontrolled diabetes", "stop", _S7),
    Question("epilepsy", "epilepsy", "stop", _S7),
    Question(
        "active_scalp_skin_disease",
        "active skin disease on the scalp (psoriasis flare, eczema, infection)",
        "stop",
        _S7,
    ),
    Question("isotretinoin_6_months", "isotretinoin (Accutane/Roaccutane) in the last 6 months", "stop", _S7),
    Question("chemotherapy", "chemotherapy (current or recent)", "stop", _S7),
    Question("blood_thinners", "anticoagulants / blood thinners (warfarin, DOACs, daily aspirin)", "stop", _CLINIC),
    Question("pigment_allergy", "known allergy to tattoo pigments or inks", "stop", _CLINIC),
    Question(
        "active_scalp_condition",
        "an active scalp condition today: open wound, sunburn, folliculitis, severe acne on the scalp",
        "stop",
        _CLINIC,
    ),
    Question("keloid_tendency", "tendency to keloid or hypertrophic scars", "warn", _CLINIC),
    Question("anaesthetic_allergy", "allergy to local anaesthetics (lidocaine, numbing cream)", "warn", _CLINIC),
)
BY_KEY = {q.key: q for q in QUESTIONS}
STOP_KEYS = tuple(q.key for q in QUESTIONS if q.severity == "stop")


def _field(q: Question) -> Any:
    aliases = ("blood_thinners", "anticoagulants") if q.key == "blood_thinners" else (q.key,)
    return Field(
        default=None,
        description=f"{q.text} ({q.severity}; {q.source}). true = yes, false = no, null = not asked.",
        validation_alias=AliasChoices(*aliases),
    )


class IntakeAnswers(BaseModel):
    """Answers to the intake questionnaire: ``true`` yes, ``false`` no, ``null`` not asked.

    ``anticoagulants`` is accepted as another name of ``blood_thinners``. Unknown questions are refused.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    pregnancy: bool | None = _field(BY_KEY["pregnancy"])
    haemophilia: bool | None = _field(BY_KEY["haemophilia"])
    uncontrolled_diabetes: bool | None = _field(BY_KEY["uncontrolled_diabetes"])
    epilepsy: bool | None = _field(BY_KEY["epilepsy"])
    active_scalp_skin_disease: bool | None = _field(BY_KEY["active_scalp_skin_disease"])
    isotretinoin_6_months: bool | None = _field(BY_KEY["isotretinoin_6_months"])
    chemotherapy: bool | None = _field(BY_KEY["chemotherapy"])
    blood_thinners: bool | None = _field(BY_KEY["blood_thinners"])
    pigment_allergy: bool | None = _field(BY_KEY["pigment_allergy"])
    active_scalp_condition: bool | None = _field(BY_KEY["active_scalp_condition"])
    keloid_tendency: bool | None = _field(BY_KEY["keloid_tendency"])
    anaesthetic_allergy: bool | None = _field(BY_KEY["anaesthetic_allergy"])

    def yes(self, severity: str | None = None) -> list[str]:
        """The questions answered yes (of one severity, if given), in the questionnaire's order."""
        return [q.key for q in QUESTIONS if getattr(self, q.key) is True and severity in (None, q.severity)]

    def answered(self) -> dict[str, bool]:
        """The answers given (questions not asked left out)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def _words(exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or "intake"
    if err["type"] == "extra_forbidden":
        return f"unknown intake question {key!r}; known: {', '.join(BY_KEY)}"
    return f"intake question {key!r} needs yes/no (true/false), not {err.get('input')!r}"


def parse_intake(data: Mapping[str, Any]) -> IntakeAnswers:
    """``data`` checked against the questionnaire; :class:`OptionError` in words otherwise."""
    if not isinstance(data, Mapping):
        raise OptionError("the intake must be a mapping of 'question: yes/no' answers")
    try:
        return IntakeAnswers.model_validate(dict(data))
    except ValidationError as exc:
        raise OptionError(_words(exc)) from None
