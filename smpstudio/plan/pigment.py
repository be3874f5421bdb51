"""Pigment catalogue and per-session pigment + dilution recommendation.

The catalogue is data (``smpstudio/plan/data/pigments.yaml``, or a clinic's own file of the same form):
carbon-black pigments in the common "light / medium / dark skin" families, each with the water:pigment
dilutions a clinic mixes (domain.md §1 pigment: 20:1 light ... 6:1 dark, little or no water for black
hair or dark skin).

Target. The healed treatment should look like the client's hair buzzed (domain.md §8): the target is the
expected look of #0-#1 stubble of the client's hair over the skin at full follicle density
(:func:`smpstudio.optics.stubble.buzzed_look_linear`, the expectation of the scalp step's buzz; a shaved
scalp looks grey because the shaft runs ~4 mm under the skin, domain.md §4). A shade chosen by the clinic
(``target_lab``) is used as given. The predicted CIEDE2000 to the raw hair colour is reported beside it.

Prediction. The healed colour of a dilution in this skin comes from the dot engine's optics
(:func:`smpstudio.optics.dot.healed_tone_linear`: the tone at viewing distance of a field of healed dots at
the pattern's full density), so plan and preview agree.

Recommendation. Every (pigment, dilution) is scored by CIEDE2000 to the target. Dilutions outside the window
advised for the skin's ITA class are rejected (darker: blue shift, painted-on look, domain.md §2; lighter: too
thin to read on darker skin, "little or no water for dark skin", domain.md §1), and a pigment whose family is
meant for this skin class is preferred (other families stay listed as alternatives with a penalty in their
score). Among candidates within ``tie_delta_e`` (about one just-noticeable difference) of the best, the one
closest in lightness L* to the target is taken: a 0.1 mm dot is judged by its lightness far more than by its
hue. The best candidate is the *final* session's; earlier sessions use the same pigment one ladder step
lighter per session still to come (domain.md §1 layering: session 1 light, darker each time). The healed match
after session ``k`` is the look of all dots laid so far (their healed colours averaged in linear light,
weighted by each session's density share). When it is still off after the last session (ΔE00 above
``match_tolerance``) and a session topping the lighter dots up to the final dilution would bring it within
tolerance (or closer by more than 2 ΔE00), that extra session is suggested (domain.md §1: ~20 % need a 4th).

References
----------
.. [1] G. Sharma, W. Wu, E. N. Dalal, Color Res. Appl. 30(1):21-30, 2005 (CIEDE2000).
.. [2] domain.md §1 (pigment, layering, number of sessions), §2 (blue/green shift), §4 (shaved scalp grey).

Examples
--------
>>> import numpy as np
>>> from smpstudio.plan.skin import skin_tone_from_lab
>>> cat = load_catalogue()
>>> skin = skin_tone_from_lab(np.array([65.0, 9.0, 18.0]))
>>> recs = recommend_sessions(skin, cat, hair_lab=np.array([20.0, 2.0, 4.0]), n_sessions=3)
>>> [(r.index, r.suggested) for r in recs.sessions]  # three sessions reach the buzzed look: no 4th
[(1, False), (2, False), (3, False)]
>>> bool(recs.sessions[-1].composite_delta_e < recs.sessions[0].composite_delta_e)
True
>>> fr = [r.pigment_fraction for r in recs.sessions]
>>> fr == sorted(fr)  # lighter first, darker later
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from smpstudio.errors import OptionError, SMPError
from smpstudio.optics.colour import delta_e2000_many, lab_to_linear, linear_to_lab
from smpstudio.optics.dot import TARGET_DEPTH_MM as DEFAULT_DEPTH_MM
from smpstudio.optics.dot import healed_tone_linear
from smpstudio.optics.stubble import CLIPPER_LENGTH_MM, GUARDS_MM, buzzed_look_linear
from smpstudio.pattern.density import DEFAULT_FULL_DENSITY_PER_CM2
from smpstudio.plan.datafile import read_yaml
from smpstudio.plan.skin import ITA_CLASSES, SkinTone

ITA_CLASS_NAMES = tuple(name for name, _ in ITA_CLASSES)
STUBBLE_DENSITY = 1.0  # the target: the client's hair buzzed at full follicle density (domain.md §4, §8)
MATCH_TOLERANCE_DE = 5.0  # healed match "still off" above this CIEDE2000 [model choice]
GUARD_MATCH_DE = 3.0  # a buzz the SMP "matches": final healed within this CIEDE2000 of it (issue 9: the preview's bar)
FAMILY_MISMATCH_PENALTY_DE = 2.0  # score penalty for a pigment family not meant for this skin [model choice]
TIE_DELTA_E = 1.0  # candidates within ~1 JND (ΔE00 ≈ 1) of the best look the same [model choice]
MIN_SESSIONS, MAX_SESSIONS = 2, 4  # domain.md §1 number of sessions
# Share of the final density laid per session: session 1 sparse, session 2 most, 3+ refine
# (domain.md §1 layering) [model choice within that rule].
DEFAULT_DENSITY_FRACTIONS: dict[int, tuple[float, ...]] = {
    2: (0.45, 0.55),
    3: (0.30, 0.45, 0.25),
    4: (0.25, 0.40, 0.20, 0.15),
}
DEFAULT_TARGET_HAIR_LAB = (22.0, 2.0, 4.0)  # dark brown-black hair when none is measured or chosen [assumption]
_DILUTION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Dilution:
    """A water:pigment dilution (``"20:1"``); ``pigment_fraction = pigment / (water + pigment)``."""

    water_parts: float
    pigment_parts: float = 1.0

    @property
    def pigment_fraction(self) -> float:
        return self.pigment_parts / (self.water_parts + self.pigment_parts)

    @property
    def label(self) -> str:
        if self.water_parts == 0:
            return "undiluted"
        return f"{self.water_parts:g}:{self.pigment_parts:g}"


def parse_dilution(text: str) -> Dilution:
    """Parse ``"20:1"``, ``"6:1"`` or ``"0:1"`` / ``"undiluted"``.

    Examples
    --------
    >>> parse_dilution("20:1").pigment_fraction == 1 / 21
    True
    >>> parse_dilution("undiluted").label
    'undiluted'
    """
    t = str(text).strip().lower()
    if t in ("undiluted", "neat"):
        return Dilution(0.0, 1.0)
    m = _DILUTION_RE.match(t)
    if not m:
        raise ValueError(f"dilution {text!r} is not water:pigment like '20:1'")
    water, pig = float(m.group(1)), float(m.group(2))
    if pig <= 0:
        raise ValueError(f"dilution {text!r} has no pigment")
    return Dilution(water, pig)


class _PigmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    manufacturer: str = "generic"
    base: str = "carbon black"
    family: str
    rgb_linear: tuple[float, float, float]
    for_ita_classes: list[str]
    dilutions: list[str] = Field(min_length=1)
    lot: str | None = None

    @field_validator("rgb_linear")
    @classmethod
    def _rgb(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if not all(0.0 <= c <= 1.0 for c in v):
            raise ValueError("rgb_linear values must be in [0, 1]")
        return v

    @field_validator("for_ita_classes")
    @classmethod
    def _classes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in ITA_CLASS_NAMES]
        if bad:
            raise ValueError(f"unknown ITA class {bad[0]!r} (known: {', '.join(ITA_CLASS_NAMES)})")
        return v

    @field_validator("dilutions")
    @classmethod
    def _dil(cls, v: list[str]) -> list[str]:
        for d in v:
            parse_dilution(d)
        return v


class _CatalogueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = 1
    pigments: list[_PigmentIn] = Field(min_length=1)
    darkest_water_parts_by_ita_class: dict[str, float]
    lightest_water_parts_by_ita_class: dict[str, float]

    @model_validator(mode="after")
    def _check(self) -> _CatalogueIn:
        ids = [p.id for p in self.pigments]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"pigment id {sorted(dup)[0]!r} appears twice")
        for name in ("darkest_water_parts_by_ita_class", "lightest_water_parts_by_ita_class"):
            table = getattr(self, name)
            missing = [c for c in ITA_CLASS_NAMES if c not in table]
            extra = [c for c in table if c not in ITA_CLASS_NAMES]
            if extra:
                raise ValueError(f"{name}: unknown ITA class {extra[0]!r}")
            if missing:
                raise ValueError(f"{name}: missing ITA class {missing[0]!r}")
        for c in ITA_CLASS_NAMES:
            lo, hi = self.darkest_water_parts_by_ita_class[c], self.lightest_water_parts_by_ita_class[c]
            if lo < 0 or hi < lo:
                raise ValueError(f"{c!r}: the lightest dilution ({hi:g}:1) must have at least as much water as "
                                 f"the darkest ({lo:g}:1)")
        return self


@dataclass(frozen=True)
class Pigment:
    """One catalogue pigment with its dilution ladder sorted light -> dark."""

    id: str
    name: str
    manufacturer: str
    base: str
    family: str
    rgb_linear: tuple[float, float, float]
    for_ita_classes: tuple[str, ...]
    dilutions: tuple[Dilution, ...]
    lot: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """Pigments and the advised dilution window per ITA class (water parts of water:1)."""

    pigments: tuple[Pigment, ...]
    darkest_water_parts_by_ita_class: dict[str, float]
    lightest_water_parts_by_ita_class: dict[str, float]
    source: str = "built-in"

    def get(self, pigment_id: str) -> Pigment:
        """The pigment with this id; :class:`OptionError` (one line, lists the known ids) otherwise."""
        for p in self.pigments:
            if p.id == pigment_id:
                return p
        known = ", ".join(p.id for p in self.pigments)
        raise OptionError(f"unknown pigment {pigment_id!r}; the catalogue has: {known}")


def _first_error(exc: ValidationError) -> str:
    errs = exc.errors()
    # a misspelt key shows up twice (unknown field + required field missing): name the typo
    err = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])
    loc = ".".join(str(x) for x in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown field (typo?)"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def catalogue_from_dict(data: Any, source: str = "catalogue") -> Catalogue:
    """Validate a parsed catalogue; any problem raises :class:`SMPError` naming the field."""
    if not isinstance(data, dict):
        raise SMPError(f"{source}: expected a mapping with 'pigments' and 'darkest_water_parts_by_ita_class'")
    try:
        cat = _CatalogueIn.model_validate(data)
    except ValidationError as exc:
        raise SMPError(f"{source}: {_first_error(exc)}") from None
    pigments = []
    for p in cat.pigments:
        ladder = sorted((parse_dilution(d) for d in p.dilutions), key=lambda d: d.pigment_fraction)
        rgb = (float(p.rgb_linear[0]), float(p.rgb_linear[1]), float(p.rgb_linear[2]))
        pigments.append(Pigment(p.id, p.name, p.manufacturer, p.base, p.family, rgb,
                                tuple(p.for_ita_classes), tuple(ladder), p.lot))
    return Catalogue(tuple(pigments), dict(cat.darkest_water_parts_by_ita_class),
                     dict(cat.lightest_water_parts_by_ita_class), source)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load the built-in catalogue, or a clinic's YAML/JSON file of the same form.

    Raises
    ------
    SMPError
        Missing or unreadable file, YAML syntax error, unknown field (typo), bad value.
    """
    data, source = read_yaml(path, "pigments.yaml", "catalogue")
    return catalogue_from_dict(data, source)


def stubble_target_lab(skin_lab: np.ndarray, hair_lab: np.ndarray, density: float = STUBBLE_DENSITY,
                       length_mm: float = CLIPPER_LENGTH_MM) -> np.ndarray:
    """The stubble look to match: the hair buzzed to ``length_mm`` over the skin
    (optics.stubble.buzzed_look_linear)."""
    s = np.clip(lab_to_linear(np.asarray(skin_lab, float)), 0.0, 1.0)
    h = np.clip(lab_to_linear(np.asarray(hair_lab, float)), 0.0, 1.0)
    return np.asarray(linear_to_lab(buzzed_look_linear(h, s, density, length_mm=length_mm)))


def matched_guard(skin: SkinTone, hair_lab: np.ndarray, catalogue: Catalogue, *,
                  guards_mm: dict[str, float] | None = None, n_sessions: int = 3,
                  tolerance_de: float = GUARD_MATCH_DE) -> tuple[str, float, str]:
    """The longest clipper guard whose buzz the SMP can match on this skin: (name, length mm, reason).

    The client keeps the remaining hair buzzed, and the dots must read as that buzz (domain.md §8); a
    longer buzz of dark hair is darker than the darkest dilution advised on light skin can reach (domain.md
    §2: blue shift, a painted-on look), so on light skin the hair is kept at #0 and on darker skin it may
    be a #1. A guard is matched when the plan's final healed look (:func:`recommend_sessions` for
    ``n_sessions``) lies within ``tolerance_de`` (CIEDE2000) of the hair buzzed to it; when none is, the
    closest one. Hair lighter than the skin (white hair) is matched by no guard: the shortest is taken.

    Examples
    --------
    >>> from smpstudio.plan.skin import skin_tone_from_lab
    >>> cat = load_catalogue()
    >>> matched_guard(skin_tone_from_lab(np.array([72.0, 8.0, 16.0])), np.array([22.0, 3.0, 4.0]), cat)[0]
    '#0'
    >>> matched_guard(skin_tone_from_lab(np.array([48.0, 12.0, 22.0])), np.array([22.0, 3.0, 4.0]), cat)[0]
    '#1'
    """
    guards = dict(GUARDS_MM if guards_mm is None else guards_mm)
    order = sorted(guards.items(), key=lambda kv: -kv[1])
    if float(np.asarray(hair_lab)[0]) >= float(skin.lab[0]):
        name, length = order[-1]
        return name, length, (f"{name} ({length:g} mm): hair lighter than the skin is matched by no buzz "
                              "length (pigment only darkens); the shortest is shown")
    tried: list[tuple[float, str, float]] = []
    for name, length in order:
        pp = recommend_sessions(skin, catalogue, hair_lab=np.asarray(hair_lab, float), n_sessions=n_sessions,
                                stubble_length_mm=length)
        final = [x for x in pp.sessions if not x.suggested][-1]
        tried.append((float(final.composite_delta_e), name, length))
        if final.composite_delta_e <= tolerance_de:
            longer = [f"{n} ΔE00 {d:.1f}" for d, n, _ in tried[:-1]]
            why = f"; longer: {', '.join(longer)} (the darkest dilution advised reaches no further)" if longer else ""
            return name, length, (f"{name} ({length:g} mm): the longest buzz the SMP matches on {skin.ita_class} "
                                  f"skin (final healed ΔE00 {final.composite_delta_e:.1f} from it){why}")
    de, name, length = min(tried)
    return name, length, (f"{name} ({length:g} mm): no buzz length is matched within ΔE00 {tolerance_de:g} on "
                          f"{skin.ita_class} skin; this one comes closest (ΔE00 {de:.1f})")


def predict_healed_lab(skin: SkinTone, pigment: Pigment, pigment_fraction: float | np.ndarray,
                       depth_mm: float = DEFAULT_DEPTH_MM) -> np.ndarray:
    """CIELAB at viewing distance of healed dots of this pigment at this fraction (layers add) and depth, at
    the pattern's full density, in this skin (:func:`smpstudio.optics.dot.healed_tone_linear`)."""
    f = np.asarray(pigment_fraction, dtype=np.float64)
    skin_lin = np.broadcast_to(np.asarray(skin.rgb_linear, float), f.shape + (3,))
    lin = healed_tone_linear(skin_lin, f, depth_mm, pigment_rgb_linear=np.asarray(pigment.rgb_linear),
                             density_per_cm2=DEFAULT_FULL_DENSITY_PER_CM2)
    return np.asarray(linear_to_lab(lin))


@dataclass(frozen=True)
class Candidate:
    """One (pigment, dilution) considered, with its predicted healed colour and score."""

    pigment_id: str
    dilution: str
    pigment_fraction: float
    predicted_lab: tuple[float, float, float]
    delta_e: float
    score: float
    allowed: bool
    note: str = ""


@dataclass(frozen=True)
class SessionPigment:
    """Pigment, dilution and predicted healed match for one session."""

    index: int
    pigment_id: str
    pigment_name: str
    dilution: str
    pigment_fraction: float
    layers: int
    predicted_lab: tuple[float, float, float]
    predicted_delta_e: float
    delta_e_to_hair: float | None
    composite_lab: tuple[float, float, float]
    composite_delta_e: float
    suggested: bool = False
    note: str = ""


@dataclass
class PigmentPlan:
    """Per-session pigments, the target, the alternatives and the 4th-session advice."""

    sessions: list[SessionPigment]
    target_lab: tuple[float, float, float]
    target_source: str
    hair_lab: tuple[float, float, float] | None
    alternatives: list[Candidate]
    extra_session_suggested: bool
    extra_session_reason: str
    depth_mm: float
    darkest_allowed: str
    warnings: list[str] = field(default_factory=list)
    lightest_allowed: str = ""


def _t3(v: np.ndarray) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


def recommend_sessions(
    skin: SkinTone,
    catalogue: Catalogue,
    *,
    hair_lab: np.ndarray | None = None,
    target_lab: np.ndarray | None = None,
    n_sessions: int = 3,
    depth_mm: float = DEFAULT_DEPTH_MM,
    pigment_id: str | None = None,
    stubble_density: float = STUBBLE_DENSITY,
    stubble_length_mm: float = CLIPPER_LENGTH_MM,
    match_tolerance_de: float = MATCH_TOLERANCE_DE,
    family_mismatch_penalty_de: float = FAMILY_MISMATCH_PENALTY_DE,
    tie_delta_e: float = TIE_DELTA_E,
    density_fractions: list[float] | None = None,
    n_alternatives: int = 6,
) -> PigmentPlan:
    """Recommend pigment + dilution for each session (lighter first, darker later).

    Parameters
    ----------
    skin : SkinTone
    catalogue : Catalogue
    hair_lab : array_like, optional
        Measured hair colour (CIELAB). Used through :func:`stubble_target_lab`.
    target_lab : array_like, optional
        A clinic-chosen healed shade (CIELAB); overrides the hair.
    n_sessions : int
        Planned sessions (2-4).
    depth_mm : float
        Pigment depth (domain.md §1: upper dermis).
    pigment_id : str, optional
        Restrict to one catalogue pigment (:class:`OptionError` if unknown).
    stubble_density, match_tolerance_de, family_mismatch_penalty_de, tie_delta_e : float
        See the module docstring.
    stubble_length_mm : float
        The buzz the hair is kept at (:func:`matched_guard`; :data:`smpstudio.optics.stubble.GUARDS_MM`).
    density_fractions : list of float, optional
        Share of the final density laid in each session (default :data:`DEFAULT_DENSITY_FRACTIONS`);
        weights of the composite "healed match after session k".

    Returns
    -------
    PigmentPlan
    """
    if not MIN_SESSIONS <= n_sessions <= MAX_SESSIONS:
        raise OptionError(f"sessions must be {MIN_SESSIONS}-{MAX_SESSIONS} (got {n_sessions})")
    warnings: list[str] = []
    skin_lab = np.asarray(skin.lab, dtype=np.float64)
    hair = None if hair_lab is None else np.asarray(hair_lab, dtype=np.float64)
    if target_lab is not None:
        target = np.asarray(target_lab, dtype=np.float64)
        source = "chosen shade"
    elif hair is not None:
        target = stubble_target_lab(skin_lab, hair, stubble_density, stubble_length_mm)
        source = "client's hair seen as stubble"
    else:
        hair = np.asarray(DEFAULT_TARGET_HAIR_LAB, dtype=np.float64)
        target = stubble_target_lab(skin_lab, hair, stubble_density, stubble_length_mm)
        source = "default dark brown-black hair seen as stubble (no hair measured, no shade chosen)"
        warnings.append("no hair pixels and no --target-shade: matched to a default dark brown-black stubble")
    pigments = [catalogue.get(pigment_id)] if pigment_id else list(catalogue.pigments)
    darkest_water = float(catalogue.darkest_water_parts_by_ita_class[skin.ita_class])
    max_fraction = 1.0 / (darkest_water + 1.0)
    lightest_water = float(catalogue.lightest_water_parts_by_ita_class[skin.ita_class])
    if float(target[0]) > float(skin_lab[0]):
        # white or light-grey hair buzzed is lighter than the skin: no pigment reaches it (pigment only
        # darkens), so the SMP is to blend rather than read, and the skin class's lightest-dilution floor
        # (meant so that SMP reads, domain.md §1) gives way to the catalogue's lightest [model choice]
        lightest_any = max(d.water_parts for p in pigments for d in p.dilutions)
        if lightest_any > lightest_water:
            warnings.append(f"the target shade is lighter than the skin (white or grey hair buzzed; pigment only "
                            f"darkens): the SMP is to blend, not to read, so dilutions lighter than "
                            f"{_water_label(lightest_water)} are allowed on {skin.ita_class} skin, down to "
                            f"{_water_label(lightest_any)}; a darker shade can be chosen instead")
            lightest_water = lightest_any
    min_fraction = 1.0 / (lightest_water + 1.0)
    fractions = _density_fractions(n_sessions, density_fractions)

    cands: list[Candidate] = []
    for p in pigments:
        fr = np.array([d.pigment_fraction for d in p.dilutions])
        labs = predict_healed_lab(skin, p, fr, depth_mm)
        des = delta_e2000_many(labs, target[None, :])
        fam_ok = skin.ita_class in p.for_ita_classes
        for d, lab, de in zip(p.dilutions, labs, des, strict=True):
            too_dark = d.pigment_fraction > max_fraction + 1e-12
            too_light = d.pigment_fraction < min_fraction - 1e-12
            allowed = not (too_dark or too_light)
            notes = []
            if too_dark:
                notes.append(f"darker than {_water_label(darkest_water)} advised for {skin.ita_class} skin "
                             "(blue shift, painted-on look: domain.md §2)")
            if too_light:
                notes.append(f"lighter than {_water_label(lightest_water)}: too thin to read on {skin.ita_class} "
                             "skin (domain.md §1)")
            if not fam_ok:
                notes.append(f"family '{p.family}' is not meant for {skin.ita_class} skin")
            score = float(de) + (0.0 if fam_ok or pigment_id else family_mismatch_penalty_de)
            cands.append(Candidate(p.id, d.label, d.pigment_fraction, _t3(lab), float(de), score, allowed,
                                   "; ".join(notes)))
    allowed_c = [c for c in cands if c.allowed]
    fitting = [c for c in allowed_c if pigment_id or skin.ita_class in catalogue.get(c.pigment_id).for_ita_classes]
    if fitting:  # a family meant for this skin wins; the others stay listed as alternatives
        allowed_c = fitting
    if not allowed_c:
        mid = 0.5 * (min_fraction + max_fraction)
        closest = min(cands, key=lambda c: abs(np.log(c.pigment_fraction / mid)))
        allowed_c = [closest]
        warnings.append(f"no dilution of {pigment_id or 'the catalogue'} is in the window advised for "
                        f"{skin.ita_class} skin ({_water_label(lightest_water)} to {_water_label(darkest_water)}); "
                        f"using {closest.dilution}")
    best_score = min(c.score for c in allowed_c)
    # Candidates within tie_delta_e of the best look alike; among them take the one whose lightness is
    # closest to the target's: for a 0.1 mm dot the eye resolves lightness far better than hue (and on
    # dark skin, where every dilution scores alike, this is the usual "little or no water", domain.md §1).
    near = [c for c in allowed_c if c.score <= best_score + tie_delta_e]
    # Exact ties (a pigment no darker than very dark skin changes nothing) go to the darker dilution.
    best = min(near, key=lambda c: (round(abs(c.predicted_lab[0] - float(target[0])), 2), round(c.score, 2),
                                    -c.pigment_fraction))
    pig = catalogue.get(best.pigment_id)
    if skin.ita_class not in pig.for_ita_classes:
        warnings.append(f"pigment {pig.id} ({pig.family}) is not meant for {skin.ita_class} skin")
    ladder = list(pig.dilutions)
    i_best = next(i for i, d in enumerate(ladder) if d.label == best.dilution)

    skin_lin = np.asarray(skin.rgb_linear, dtype=np.float64)
    sessions: list[SessionPigment] = []
    dot_fracs: list[float] = []  # pigment fraction of each session's dots (grows when re-layered)
    for k in range(1, n_sessions + 1):
        i = max(0, i_best - (n_sessions - k))
        d = ladder[i]
        lab = predict_healed_lab(skin, pig, d.pigment_fraction, depth_mm)
        dot_fracs.append(d.pigment_fraction)
        comp = _composite_lab(skin_lin, pig, dot_fracs, fractions[:k], depth_mm)
        sessions.append(SessionPigment(
            index=k, pigment_id=pig.id, pigment_name=pig.name, dilution=d.label,
            pigment_fraction=d.pigment_fraction, layers=1, predicted_lab=_t3(lab),
            predicted_delta_e=float(delta_e2000_many(lab, target)),
            delta_e_to_hair=None if hair is None else float(delta_e2000_many(lab, hair)),
            composite_lab=_t3(comp), composite_delta_e=float(delta_e2000_many(comp, target)),
            note="lighter first (domain.md §1 layering)" if i < i_best else "final shade",
        ))

    final = sessions[-1]
    extra, reason = False, ""
    if final.composite_delta_e > match_tolerance_de and n_sessions < MAX_SESSIONS:
        # A refining session tops the earlier, lighter dots up to the final shade: domain.md §1
        # "3+ refine, darker each time"; ~20% need a 4th.
        f_final = final.pigment_fraction
        relayered = [max(f, f_final) for f in dot_fracs]  # topped up to the final shade, not beyond
        comp2 = _composite_lab(skin_lin, pig, relayered, fractions, depth_mm)
        de2 = float(delta_e2000_many(comp2, target))
        if de2 <= match_tolerance_de or de2 < final.composite_delta_e - 2.0:
            extra = True
            reason = (f"healed match after {n_sessions} sessions is ΔE00 {final.composite_delta_e:.1f} "
                      f"(> {match_tolerance_de:g}); session {n_sessions + 1} re-layering the lighter dots with "
                      f"{final.dilution} is predicted at ΔE00 {de2:.1f}")
            lab4 = predict_healed_lab(skin, pig, f_final, depth_mm)
            sessions.append(SessionPigment(
                index=n_sessions + 1, pigment_id=pig.id, pigment_name=pig.name, dilution=final.dilution,
                pigment_fraction=f_final, layers=2, predicted_lab=_t3(lab4),
                predicted_delta_e=float(delta_e2000_many(lab4, target)),
                delta_e_to_hair=None if hair is None else float(delta_e2000_many(lab4, hair)),
                composite_lab=_t3(comp2), composite_delta_e=de2, suggested=True,
                note="suggested: re-layer the lighter dots (domain.md §1: ~20% need a 4th session)",
            ))
    if not extra and final.composite_delta_e > match_tolerance_de:
        too_light = final.composite_lab[0] > target[0]
        why = ("a closer match needs pigment darker than advised for this skin" if too_light
               else "the target is lighter than the lightest healed dilution on this skin")
        reason = f"healed match after {n_sessions} sessions is ΔE00 {final.composite_delta_e:.1f}: {why}"
        warnings.append(reason)
    alts = sorted(cands, key=lambda c: (not c.allowed, c.score))[:n_alternatives]
    return PigmentPlan(
        sessions=sessions, target_lab=_t3(target), target_source=source,
        hair_lab=None if hair is None else _t3(hair),
        alternatives=alts, extra_session_suggested=extra, extra_session_reason=reason, depth_mm=depth_mm,
        darkest_allowed=_water_label(darkest_water), warnings=warnings, lightest_allowed=_water_label(lightest_water),
    )


def _density_fractions(n_sessions: int, given: list[float] | None) -> list[float]:
    if given is not None:
        if len(given) != n_sessions:
            raise OptionError(f"{len(given)} density fractions for {n_sessions} sessions")
        return list(given)
    return list(DEFAULT_DENSITY_FRACTIONS[n_sessions])


def _composite_lab(skin_lin: np.ndarray, pig: Pigment, dot_fracs: list[float], weights: list[float],
                   depth_mm: float) -> np.ndarray:
    """Tone at viewing distance of the dots laid so far: each session's dots at its share of the final
    density (``weights``, summing to 1 over all sessions) add their opacities (the renderer's compositing)."""
    skin = np.clip(np.asarray(skin_lin, dtype=np.float64), 1e-6, 1.0)
    full = healed_tone_linear(np.broadcast_to(skin, (len(dot_fracs), 3)), np.asarray(dot_fracs), depth_mm,
                              pigment_rgb_linear=np.asarray(pig.rgb_linear),
                              density_per_cm2=DEFAULT_FULL_DENSITY_PER_CM2)
    w = np.asarray(weights, dtype=np.float64)
    opacity = ((1.0 - full / skin) * w[:, None]).sum(axis=0)
    return np.asarray(linear_to_lab(skin * np.clip(1.0 - opacity, 0.0, 1.0)))


def _water_label(water: float) -> str:
    return "undiluted" if water == 0 else f"{water:g}:1"


def parse_target_shade(text: str) -> np.ndarray:
    """``"L,a,b"`` (e.g. ``"30,2,5"``) or a hex colour (``"#3a312a"``) -> CIELAB.

    Raises
    ------
    OptionError
        Anything else, or L* outside [0, 100].

    Examples
    --------
    >>> parse_target_shade("30, 2, 5").tolist()
    [30.0, 2.0, 5.0]
    >>> [round(float(v)) for v in parse_target_shade("#3a312a")]
    [21, 3, 6]
    """
    from smpstudio.optics.colour import hex_to_srgb, srgb_to_lab

    t = text.strip()
    if t.startswith("#") or re.fullmatch(r"[0-9a-fA-F]{6}", t):
        try:
            return np.asarray(srgb_to_lab(hex_to_srgb(t)))
        except ValueError:
            raise OptionError(f"--target-shade {text!r} is not a hex colour like #3a312a") from None
    parts = [x for x in re.split(r"[,\s]+", t) if x]
    try:
        vals = [float(x) for x in parts]
    except ValueError:
        vals = []
    if len(vals) != 3 or not all(np.isfinite(vals)):
        raise OptionError(f"--target-shade {text!r} is neither 'L,a,b' nor a hex colour like #3a312a")
    if not 0.0 <= vals[0] <= 100.0 or abs(vals[1]) > 128 or abs(vals[2]) > 128:
        raise OptionError(f"--target-shade {text!r}: L* must be 0-100 and a*, b* within ±128")
    return np.asarray(vals, dtype=np.float64)
