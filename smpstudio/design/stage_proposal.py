"""The hair-loss stage proposed from what clinicians look at: recession at the temples and the midline,
and thinning (skin showing through the hair) behind the front.

Norwood (1975, after Hamilton 1951) types a man's loss by the depth of the frontotemporal recession
(II: triangular recession at the temples; III: deep recession, bare or sparsely covered), the recession
of the whole front (the A variants) and the thinning of the top and crown (III-vertex ... VII); Ludwig
(1977) types a woman's by the thinning of the top with the front edge kept (domain.md §4). From a frontal
photo *as taken*:

* **recession** (:mod:`smpstudio.design.hair_front`): where the hair (the photo's hair mask as taken) begins
  on meridians across the front, surface mm behind the juvenile reference line (MFP 80 mm, Garg 2017;
  domain.md §3) on the midline, and per temple (the deepest over its lateral band) behind the same line
  drawn through the client's own MFP where that lies lower (the temples' recession behind their own front);
* **thinning** (:mod:`smpstudio.design.hair_cover`): the share of skin showing through the hair, by colour
  between the client's skin and dense hair: over :data:`~smpstudio.design.hair_front.FRONT_BAND_MM` behind
  the front at each temple and on the midline (Norwood III's temples are "bare *or sparsely covered*"), and
  over the design's hairline, frontal and mid-scalp zones (those the photo shows).

Each measure gives its region a state (kept / thinning / bald) by the thresholds below, and
:func:`_best` picks the class whose regions match best (as :func:`smpstudio.design.stage.classify`).
The crown is never seen in a frontal photo: no vertex class is proposed from one alone. A registered top (or
back) view shows it: :mod:`smpstudio.head3d.crown` measures the skin showing through the hair in the model's
``crown`` and ``mid-scalp`` zones projected into that view, and :func:`with_view` adds those shares
(the view's mid-scalp replaces the front's foreshortened one); the crown then has a state and the vertex classes
(III-vertex, and the crown of IV-VII and of Ludwig's) compete. The artist decides (``--stage``).

References
----------
.. [1] Norwood, O. T. South Med J 68(11):1359-1365, 1975.
.. [2] Hamilton, J. B. Ann N Y Acad Sci 53:708-728, 1951.
.. [3] Ludwig, E. Br J Dermatol 97(3):247-254, 1977.
.. [4] /work/shared/domain.md §3 (MFP 8 cm; mature hairlines 1-2 cm higher, more at the temples), §4
   (classes), §9 (a 22.7 % change of density is what dermatologists notice).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from smpstudio.analysis.headmodel import HeadModel
from smpstudio.design.hair_cover import HairCover, hair_cover
from smpstudio.design.hair_front import HairFront, measure_hair_front
from smpstudio.design.hairline import MFP_DEFAULT_MM
from smpstudio.design.stage import STAGES, VERTEX_STAGES

COVER_DENSE = 0.5  # [calibration choice] a pixel whose colour is at least half way to dense hair reads as hair
#: temple recession (mm behind the juvenile line): a mature hairline recedes 1-2 cm, more at the temples
#: (domain.md §3), so up to 15 mm is still type I; [calibration choice] from 15 mm the temples are receding
#: (Norwood II: sparse), from 30 mm (twice) deeply receded (Norwood III: bare)
TEMPLE_THINNING_MM, TEMPLE_BALD_MM = 15.0, 30.0
#: midline recession (mm behind the 80 mm MFP): [calibration choice] the transition zone's 1 cm (domain.md §3)
#: and twice it, as :data:`smpstudio.design.recession.THINNING_RECESSION_MM` / ``BALD_RECESSION_MM``
MIDLINE_THINNING_MM, MIDLINE_BALD_MM = 10.0, 20.0
#: skin showing through the hair: from 23 % thinning (a 22.7 % loss of density is what dermatologists
#: notice, domain.md §9); [calibration choice] from 60 % bald (more skin than hair)
SKIN_THINNING_SHARE, SKIN_BALD_SHARE = 0.23, 0.6
#: [calibration choice] colour tells hair from skin only when under this share of the forehead (known skin)
#: reads as covering hair (light brown hair on fair skin does not: the sample portrait, 16 %)
MAX_SKIN_READ_AS_HAIR = 0.10
MIN_ZONE_PX = 50
SCALES = ("norwood", "ludwig")  # men (Norwood 1975), women (Ludwig 1977)
THINNING_ZONES = ("hairline", "frontal", "mid-scalp")

_K, _T, _B = "kept", "thinning", "bald"
_RANK = {_K: 0, _T: 1, _B: 2}


def _state(value: float, thinning: float, bald: float) -> str:
    return _B if value >= bald else _T if value >= thinning else _K


def _worse(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


@dataclass(frozen=True)
class StageMeasures:
    """What the proposal measured on the photo (mm on the head model, shares 0-1)."""

    temple_left_mm: float | None  # image-left temple's recession behind the juvenile line (+ = behind)
    temple_right_mm: float | None
    midline_mm: float | None
    front_hidden: bool  # a fringe covers the forehead: no recession measured
    #: share of skin showing through the hair: at the front edge ("front-left", "front-right",
    #: "front-midline") and in the design's zones ("hairline", "frontal", "mid-scalp")
    skin_share: Mapping[str, float]
    colour_separable: bool  # colour tells this client's hair from skin (else no thinning measured)
    temple_reference_mfp_mm: float = MFP_DEFAULT_MM  # the temples' juvenile line: through the client's MFP if lower
    #: the registered view (top or back) the shares of ``view_zones`` ("crown", "mid-scalp") were measured in,
    #: in words, "<orientation> view '<name>'"; None: the front photo only (the crown not seen)
    view: str | None = None
    view_zones: tuple[str, ...] = ()


def with_view(m: StageMeasures, view: str, shares: Mapping[str, float]) -> StageMeasures:
    """The measures with a top or back view's shares of skin showing (:mod:`smpstudio.head3d.crown`) added;
    a zone the view saw replaces the front photo's share of it (the view sees it face on).

    Examples
    --------
    >>> m = with_view(StageMeasures(None, None, None, True, {"mid-scalp": 0.1}, True), "top view 'top'",
    ...               {"crown": 0.8, "mid-scalp": 0.3})
    >>> dict(m.skin_share), m.view_zones
    ({'mid-scalp': 0.3, 'crown': 0.8}, ('crown', 'mid-scalp'))
    """
    if not shares:
        return m
    merged = {**m.skin_share, **{k: round(float(v), 3) for k, v in shares.items()}}
    return dataclasses.replace(m, skin_share=merged, view=view, view_zones=tuple(shares))


@dataclass(frozen=True)
class MeasuredStage:
    """The proposed class, its reason in words, the regions' states and the measures behind them."""

    stage: str
    reason: str
    states: Mapping[str, str]
    measures: StageMeasures


def measure_stage(head: HeadModel, canthi_px: np.ndarray, rgb: np.ndarray, hair_mask: np.ndarray,
                  skin_mask: np.ndarray, head_mask: np.ndarray, zone_masks: Mapping[str, np.ndarray]
                  ) -> tuple[StageMeasures, HairFront, HairCover]:
    """Recession and thinning on the photo as taken (see the module's notes).

    Parameters
    ----------
    head : HeadModel
    canthi_px : array (2, 2) or (2, 3)
        Image-left and image-right lateral canthi, px.
    rgb : ndarray (H, W, 3)
        The photo as taken, sRGB.
    hair_mask, skin_mask, head_mask : ndarray of bool (H, W)
        The photo's hair, its bare skin of reference (the forehead) and the head's outline.
    zone_masks : mapping of zone name to bool mask
        The design's visible zones (``hairline``, ``frontal``, ``mid-scalp`` are used).
    """
    cover = hair_cover(rgb, skin_mask, hair_mask, px_per_mm=head.px_per_mm)
    c = cover.cover
    sk = cover.cover[skin_mask]
    separable = bool(np.isfinite(sk).all() and sk.size and float((sk >= COVER_DENSE).mean()) < MAX_SKIN_READ_AS_HAIR)
    front = measure_hair_front(head, canthi_px, hair_mask, head_mask, cover=c if separable else None)
    # the temples against the juvenile line through the client's own MFP where that lies in front of 80 mm:
    # Norwood's triangular recession is the temples' behind the client's own front (a low juvenile front with
    # receded temples is type II however far it lies in front of Garg's line)
    own = front.midline_front_mm
    temples = front
    if own is not None and not front.front_hidden and own < MFP_DEFAULT_MM:
        temples = measure_hair_front(head, canthi_px, hair_mask, head_mask, cover=c if separable else None,
                                     mfp_mm=own)
    shares: dict[str, float] = {}
    if separable and not front.front_hidden:
        for key, v in (("front-left", front.temple_skin_share(-1)), ("front-right", front.temple_skin_share(1)),
                       ("front-midline", front.midline_skin_share)):
            if v is not None:
                shares[key] = round(v, 3)
    if separable:
        for name in THINNING_ZONES:
            z = zone_masks.get(name)
            if z is None:
                continue
            v = cover.cover[z & head_mask]
            v = v[np.isfinite(v)]
            if v.size >= MIN_ZONE_PX:
                shares[name] = round(float(1.0 - v.mean()), 3)
    hidden = front.front_hidden
    m = StageMeasures(
        temple_left_mm=None if hidden else _round(temples.temple_mm(-1)),
        temple_right_mm=None if hidden else _round(temples.temple_mm(1)),
        temple_reference_mfp_mm=round(temples.mfp_mm, 1),
        midline_mm=None if hidden else _round(front.midline_mm),
        front_hidden=hidden, skin_share=shares, colour_separable=separable)
    return m, front, cover


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 1)


def propose_stage(m: StageMeasures, *, scale: str = "norwood") -> MeasuredStage:
    """The class the measures point to, with the measured mm and shares in its reason.

    ``scale`` is :data:`SCALES`' ``"norwood"`` (men: Norwood-Hamilton) or ``"ludwig"`` (women: Ludwig's three
    classes only, the front edge kept; the mildest, I, when nothing is measured).

    Examples
    --------
    >>> m = StageMeasures(42.0, 35.0, 4.0, False, {"hairline": 0.45, "frontal": 0.1}, True)
    >>> p = propose_stage(m)
    >>> p.stage, p.states["temples"], p.states["hairline"]
    ('norwood-3', 'bald', 'thinning')
    >>> propose_stage(StageMeasures(3.0, -2.0, -12.0, False, {"frontal": 0.05}, True)).stage
    'norwood-1'
    >>> top = with_view(m, "top view 'top'", {"crown": 0.85, "mid-scalp": 0.1})  # a top view: the crown bald
    >>> propose_stage(top).stage
    'norwood-3-vertex'
    """
    states: dict[str, str] = {}
    words: list[str] = []
    temples = [t for t in (m.temple_left_mm, m.temple_right_mm) if t is not None]
    if m.front_hidden:
        words.append("the front edge is hidden under hair over the forehead (a fringe): no recession measured")
    if temples:
        deep = max(temples)
        states["temples"] = _state(deep, TEMPLE_THINNING_MM, TEMPLE_BALD_MM)
        words.append(f"temple recession {_mm(m.temple_left_mm)} (image-left) / {_mm(m.temple_right_mm)} "
                     f"(image-right) behind a juvenile hairline through an MFP {m.temple_reference_mfp_mm:.0f} mm "
                     f"above the glabella (receding from {TEMPLE_THINNING_MM:.0f} mm, deep from "
                     f"{TEMPLE_BALD_MM:.0f} mm)")
    if m.midline_mm is not None:
        states["hairline"] = _state(m.midline_mm, MIDLINE_THINNING_MM, MIDLINE_BALD_MM)
        words.append(f"midline recession {_mm(m.midline_mm)} behind the juvenile MFP ({MFP_DEFAULT_MM:.0f} mm)")
    region_of = {"front-left": "temples", "front-right": "temples", "front-midline": "hairline"}
    label_of = {"front-left": "front edge at the image-left temple", "front-right": "front edge at the image-right "
                "temple", "front-midline": "front edge on the midline"}
    for zone, share in m.skin_share.items():
        st = _state(share, SKIN_THINNING_SHARE, SKIN_BALD_SHARE)
        region = region_of.get(zone, zone)
        states[region] = _worse(states.get(region, _K), st)
        where = f" (in the {m.view})" if zone in m.view_zones else ""
        words.append(f"{label_of.get(zone, zone)} {100 * share:.0f} % skin showing through the hair{where}")
    if m.skin_share:
        words[-1] += f" (thinning from {100 * SKIN_THINNING_SHARE:.0f} %, bald from {100 * SKIN_BALD_SHARE:.0f} %)"
    if states:
        words.append("regions: " + ", ".join(f"{r} {v}" for r, v in states.items()))
    if not m.colour_separable and (not states or m.view):
        words.append("the hair's colour is too close to the skin's to measure thinning"
                     + (" on the front photo" if m.view else ""))
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    chosen = STAGES[_best(states, scale)]
    unseen = [r for r in chosen.regions if r not in states]
    on = "the photo as taken" if m.view is None else f"the photo as taken and the {m.view}"
    reason = (f"{chosen.label}: {chosen.description}. Measured on {on}: " + "; ".join(words) + "."
              + (f" Not measured from {'this photo' if m.view is None else 'these photos'} (not visible, or "
                 f"hidden): {', '.join(unseen)}." if unseen else "")
              + (" Ludwig's scale (a woman)." if scale == "ludwig" else
                 " For a woman, Ludwig's scale (front edge kept) applies instead."))
    return MeasuredStage(chosen.name, reason, states, m)


def _best(states: Mapping[str, str], scale: str) -> str:
    """The class whose regions differ least from the observed states (rank distance, as
    :func:`smpstudio.design.stage.classify`); a tie goes to the class matching the temples (Norwood's types
    II and III are told apart by them), then to the milder one. Vertex classes need the crown seen; a scale's
    classes only (Norwood's or Ludwig's)."""
    best: tuple[int, int, int, str] | None = None
    for order, s in enumerate(STAGES.values()):
        if s.name.startswith("ludwig") != (scale == "ludwig") or (s.name in VERTEX_STAGES and "crown" not in states):
            continue
        cost = sum(abs(_RANK[s.regions[z]] - _RANK[v]) for z, v in states.items())
        temples = int("temples" in states and s.regions["temples"] != states["temples"])
        key = (cost, temples, order, s.name)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[3]


def _mm(v: float | None) -> str:
    return "not seen" if v is None else f"{v:+.0f} mm"
