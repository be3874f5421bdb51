"""Hair-loss stage: Norwood-Hamilton I-VII (with III-vertex and the A variants) and Ludwig I-III.

A stage names which regions of the scalp are bald, thinning or keep their hair; the plan treats bald
regions at full density, thinning ones at the reduced density among hair (domain.md §1) and leaves
kept hair to be buzzed and blended. The classes are Norwood's (1975) and Ludwig's (1977) drawings
(domain.md §4), written here region by region; "thinning" marks the sparse hair both authors draw at
the edges of the bald areas.

The stage is *proposed* from a frontal photo by :mod:`smpstudio.design.stage_proposal` (the recession at
the temples and the midline in mm on the head model, the skin showing through the hair); :func:`classify`
here is the fallback from the share of each visible zone of the design that still carries hair (the
hair mask on the photo as taken): >= ``KEPT_COVERAGE`` kept, < ``BALD_COVERAGE`` bald, thinning between.
A frontal photo does not show the crown, so a vertex stage (III-vertex, Ludwig) is never proposed from
it alone (a registered top or back view lets :mod:`smpstudio.design.stage_proposal` see the crown, measured by
:mod:`smpstudio.head3d.crown`); the artist chooses the stage in the end (``--stage norwood-6``) and the reason
is kept with it.

References
----------
.. [1] Norwood, O. T. "Male pattern baldness: classification and incidence." South Med J
   68(11):1359-1365, 1975.
.. [2] Ludwig, E. "Classification of the types of androgenetic alopecia (common baldness) occurring
   in the female sex." Br J Dermatol 97(3):247-254, 1977.
.. [3] /work/shared/domain.md §4 (classes; no source gives bald cm² per class).

Examples
--------
>>> STAGES["norwood-6"].regions["frontal"], STAGES["norwood-6"].regions["parietal"]
('bald', 'kept')
>>> classify({"hairline": 0.4, "frontal": 0.95, "temples": 0.1, "mid-scalp": 0.9}).stage
'norwood-3'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

REGIONS = ("hairline", "frontal", "temples", "mid-scalp", "crown", "parietal", "occipital")
KEPT_COVERAGE = 0.6  # [calibration choice] share of a zone with hair above which its hair is kept
BALD_COVERAGE = 0.2  # [calibration choice] below it the zone is bald

_K, _T, _B = "kept", "thinning", "bald"


@dataclass(frozen=True)
class StageDef:
    """One class: its name, a one-line description and the state of every region."""

    name: str
    label: str
    description: str
    regions: Mapping[str, str]


def _stage(name: str, label: str, description: str, **regions: str) -> StageDef:
    states = {r: _K for r in REGIONS}
    states.update({k.replace("_", "-"): v for k, v in regions.items()})
    return StageDef(name, label, description, states)


STAGES: dict[str, StageDef] = {s.name: s for s in (
    _stage("norwood-1", "Norwood I", "no recession, or a little at the temples"),
    _stage("norwood-2", "Norwood II", "triangular recession at the temples", temples=_T),
    _stage("norwood-2a", "Norwood IIa", "the whole front edge recedes a little", hairline=_T, temples=_T),
    _stage("norwood-3", "Norwood III", "deep recession at the temples, bare or sparse", temples=_B, hairline=_T),
    _stage("norwood-3a", "Norwood IIIa", "the front edge recedes to the mid-coronal point", hairline=_B, temples=_B,
           frontal=_T),
    _stage("norwood-3-vertex", "Norwood III vertex", "temple recession and hair loss on the crown", temples=_B,
           hairline=_T, crown=_B),
    _stage("norwood-4", "Norwood IV", "front and crown bald, a band of hair between them", hairline=_B, temples=_B,
           frontal=_T, crown=_B),
    _stage("norwood-4a", "Norwood IVa", "the front recedes behind the mid-coronal point", hairline=_B, temples=_B,
           frontal=_B),
    _stage("norwood-5", "Norwood V", "front and crown bald, the band between them narrow and sparse", hairline=_B,
           temples=_B, frontal=_B, mid_scalp=_T, crown=_B),
    _stage("norwood-5a", "Norwood Va", "the front bald far back, the crown still covered", hairline=_B, temples=_B,
           frontal=_B, mid_scalp=_T),
    _stage("norwood-6", "Norwood VI", "the band is gone: front, top and crown bald", hairline=_B, temples=_B,
           frontal=_B, mid_scalp=_B, crown=_B),
    _stage("norwood-7", "Norwood VII", "only a narrow horseshoe of hair at the sides and back", hairline=_B,
           temples=_B, frontal=_B, mid_scalp=_B, crown=_B, parietal=_T, occipital=_T),
    _stage("ludwig-1", "Ludwig I", "thinning on the top, the front edge kept", mid_scalp=_T, crown=_T),
    _stage("ludwig-2", "Ludwig II", "marked thinning on the top, the front edge kept", frontal=_T, mid_scalp=_B,
           crown=_T),
    _stage("ludwig-3", "Ludwig III", "the top bald or nearly, the front edge kept", frontal=_B, mid_scalp=_B,
           crown=_B),
)}


VERTEX_STAGES = ("norwood-3-vertex",)


def _state(coverage: float) -> str:
    return _K if coverage >= KEPT_COVERAGE else _B if coverage < BALD_COVERAGE else _T


@dataclass(frozen=True)
class StageProposal:
    """The class that best matches the visible zones, and why."""

    stage: str
    reason: str
    coverage: Mapping[str, float]  # share of each visible zone with hair
    mismatches: int  # visible regions whose state differs from the class's


def classify(coverage: Mapping[str, float], *, allow_ludwig: bool = False) -> StageProposal:
    """The stage whose regions best match the observed states of the visible zones.

    Parameters
    ----------
    coverage : mapping of zone name to float
        Share (0-1) of each visible zone of the design that carries hair.
    allow_ludwig : bool
        Also consider the Ludwig classes (women: thinning with the front edge kept).

    Notes
    -----
    Regions not seen (no coverage given: the crown, sides and back in a frontal photo) do not count;
    between classes that fit equally well the milder one is proposed (Norwood's order), and III-vertex
    (told from III by the crown alone) needs the crown to be seen.
    """
    observed = {z: _state(float(c)) for z, c in coverage.items() if z in REGIONS}
    rank = {_B: 2, _T: 1, _K: 0}
    best: tuple[int, int, str] | None = None
    for order, s in enumerate(STAGES.values()):
        if s.name.startswith("ludwig") and not allow_ludwig:
            continue
        if s.name in VERTEX_STAGES and "crown" not in observed:
            continue  # told apart from its neighbour by the crown alone
        cost = sum(abs(rank[s.regions[z]] - rank[v]) for z, v in observed.items())
        if best is None or cost < best[0]:
            best = (cost, order, s.name)
    assert best is not None
    chosen = STAGES[best[2]]
    seen = ", ".join(f"{z} {observed[z]} ({100 * coverage[z]:.0f} % hair)" for z in observed)
    unseen = [r for r in REGIONS if r not in observed]
    reason = (f"{chosen.label}: {chosen.description}. Seen: {seen}."
              + (f" Not visible in this photo: {', '.join(unseen)}." if unseen else ""))
    mismatches = sum(chosen.regions[z] != v for z, v in observed.items())
    return StageProposal(chosen.name, reason, {z: round(float(coverage[z]), 3) for z in observed}, mismatches)


def zone_coverage(zone_masks: Mapping[str, np.ndarray], hair_mask: np.ndarray, *, min_pixels: int = 50
                  ) -> dict[str, float]:
    """Share of each zone's pixels labelled hair (zones with fewer than ``min_pixels`` are not seen)."""
    out = {}
    for name, mask in zone_masks.items():
        n = int(np.count_nonzero(mask))
        if n >= min_pixels:
            out[name] = float(np.count_nonzero(mask & hair_mask)) / n
    return out


def parse_stage(text: str) -> str:
    """``"norwood-6"``, ``"Norwood VI"``, ``"ludwig-2"`` ... -> the class's name (ValueError when unknown)."""
    key = text.strip().lower().replace(" ", "-").replace("_", "-")
    roman = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7"}
    head, _, tail = key.partition("-")
    if tail:
        num = tail.rstrip("a").split("-")[0]
        rest = tail[len(num):]
        key = f"{head}-{roman.get(num, num)}{rest}"
    if key not in STAGES:
        raise ValueError(f"unknown stage {text!r}; choose one of {', '.join(STAGES)}")
    return key
