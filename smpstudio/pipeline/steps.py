"""One consultation as a typed, cached chain: photo -> analysis -> scalp -> design -> pattern -> plan.

Every shell (``smp analyze/preview/plan``, the web app, the records service) calls :class:`Pipeline`, so
one consultation's outputs show the same dots, counts, shades, dates and prices. Each step takes typed
inputs and returns a typed result (no plan data as JSON dicts between steps) and is cached on the
result it was computed from plus its own input group (:mod:`smpstudio.pipeline.inputs`): a change of one
input recomputes only the steps after it (``Pipeline.calls`` counts the executions, for tests).

The pattern's positions do not depend on the plan's dilutions, so the chain is pattern first (its
impression counts go into the plan's hours and prices), then the plan, whose dilution per session the
pattern is drawn with.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from smpstudio.analysis import analyze
from smpstudio.analysis.landmarks import LandmarkBackend, default_backend
from smpstudio.analysis.types import Analysis, Masks
from smpstudio.design import Design, edit_design_moves, propose_hairline
from smpstudio.errors import SMPError
from smpstudio.head3d.treatment import WholeTreatment
from smpstudio.imaging.intake import Photo
from smpstudio.optics.colour import linear_to_lab
from smpstudio.pattern.density import DensityParams
from smpstudio.pattern.dots import DotParams
from smpstudio.pattern.layout import Pattern
from smpstudio.pipeline.document import pixels_sha256, plan_document
from smpstudio.pipeline.inputs import (
    Inputs,
    PatternInputs,
    PlanInputs,
    ScalpInputs,
    ScarSpec,
    ViewPhoto,
    WholeHeadInputs,
)
from smpstudio.pipeline.stage import stage_block
from smpstudio.pipeline.tones import measured_rgb, shaft_tone
from smpstudio.plan.cost import Prices
from smpstudio.plan.pigment import Catalogue, load_catalogue, matched_guard
from smpstudio.plan.plan import PlanOptions, PlanResult, build_plan
from smpstudio.plan.skin import HairTone, SkinTone, measure_skin
from smpstudio.scalp import Guard, ScalpResult, prepare_scalp
from smpstudio.scalp.step import DEFAULT_GUARD, GuardChoice
from smpstudio.schema import GuardBlock, PlanDocument

T = TypeVar("T")


class NoTreatmentAreaError(SMPError):
    """The design leaves no scalp to treat in this photo."""


@dataclass(frozen=True)
class ScalpStep:
    """The photo as the previews show it, and which client situation it was shown in.

    ``photo``/``analysis`` are as shown (head buzzed or shaved when ``mode`` says so); ``original`` and
    ``masks_as_taken`` are the photo as taken (measure skin and hair colour on these).
    """

    photo: Photo
    original: Photo
    analysis: Analysis
    masks_as_taken: Masks
    mode: str
    reason: str
    result: ScalpResult | None = None  # what the step measured (situation, lighting, hair colour, changed pixels)

    @property
    def changed(self) -> bool:
        return self.photo is not self.original


@dataclass(frozen=True)
class DesignStep:
    scalp: ScalpStep
    design: Design
    document: PlanDocument  # the analysis document (photo, analysis, hairline, zones, warnings)


@dataclass(frozen=True)
class PatternStep:
    design: DesignStep
    pattern: Pattern  # positions and levels; drawn with the plan's dilutions (PlanStep.pattern)
    skin: SkinTone
    inputs: PatternInputs


@dataclass(frozen=True)
class PlanStep:
    pattern_step: PatternStep
    result: PlanResult
    pattern: Pattern  # the pattern with the plan's dilution per rendered session

    @property
    def rendered_sessions(self) -> list[Any]:
        """The plan's sessions that lay new dots (a suggested extra session re-layers earlier dots)."""
        return [s for s in self.result.block.sessions if not s.suggested]


def photo_key(photo: Photo) -> str:
    """Content key of a photo: the sha256 of its 8-bit pixels (plan.json's ``photo.pixels_sha256``),
    so the same picture uploaded twice shares one analysis."""
    return pixels_sha256(photo)


class _Cache:
    """A small LRU of step results keyed by (step, upstream key, inputs)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()

    def get(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        # input groups are frozen dataclasses of plain values; their repr is their value (some hold dicts)
        key = tuple(repr(k) if dataclasses.is_dataclass(k) else k for k in key)
        if key in self._d:
            self._d.move_to_end(key)
            return self._d[key]  # type: ignore[no-any-return]
        value = make()
        self._d[key] = value
        while len(self._d) > self.size:
            self._d.popitem(last=False)
        return value


def shown_scalp(photo: Photo, analysis: Analysis, mode: str, seed: int,
                guard: GuardChoice = DEFAULT_GUARD) -> tuple[Photo, Analysis, ScalpResult]:
    """The scalp step (:func:`smpstudio.scalp.prepare_scalp`): photo and analysis as shown, and its result."""
    result = prepare_scalp(photo.rgb, analysis, mode=mode, seed=seed, guard=guard)
    if result.mode == "as-is" or not result.changed.any():
        return photo, analysis, result
    shown = dataclasses.replace(photo, rgb=result.rgb,
                                notes=photo.notes + (f"scalp {result.mode} (simulated) for the preview",))
    return shown, dataclasses.replace(analysis, masks=result.masks), result


class Pipeline:
    """The consultation chain with a cache per step.

    Parameters
    ----------
    backend : LandmarkBackend, optional
        Face landmarks (MediaPipe by default).
    catalogue, prices : optional
        The clinic's pigment catalogue and prices (the built-in ones otherwise).
    cache_size : int
        Results kept per step (a web session keeps a few variants of one consultation warm).

    Examples
    --------
    >>> from smpstudio.imaging.samples import sample_photo
    >>> from smpstudio.pipeline import Inputs, Pipeline
    >>> p = Pipeline()
    >>> step = p.plan(sample_photo(), Inputs(seed=1))
    >>> sum(s.impressions for s in step.rendered_sessions) == len(step.pattern)
    True
    """

    def __init__(self, backend: LandmarkBackend | None = None, catalogue: Catalogue | None = None,
                 prices: Prices | None = None, cache_size: int = 4) -> None:
        self.backend = backend or default_backend()
        self.catalogue = catalogue if catalogue is not None else load_catalogue()  # parsed once, not per plan
        self.prices = prices
        self._cache = _Cache(8 * cache_size)
        self.calls: collections.Counter[str] = collections.Counter()

    # ---- steps ------------------------------------------------------------------------------------------
    def analysis(self, photo: Photo) -> Analysis:
        """Landmarks, scale, pose and regions of the photo as taken."""
        def make() -> Analysis:
            self.calls["analysis"] += 1
            return analyze(photo, backend=self.backend)
        return self._cache.get(("analysis", photo_key(photo)), make)

    def scalp(self, photo: Photo, inputs: Inputs) -> ScalpStep:
        """The photo shown as the client will wear SMP (as-is, buzzed or shaved)."""
        analysis = self.analysis(photo)
        scalp_in: ScalpInputs = inputs.scalp

        def guard_for(hair_lin: np.ndarray) -> Guard:
            # the longest buzz the plan's pigments match on this skin (measured on the photo as taken)
            tone = measure_skin(photo.rgb, analysis.masks.skin, hair_mask=analysis.masks.hair)
            name, length_mm, reason = matched_guard(tone, np.asarray(linear_to_lab(hair_lin)), self.catalogue)
            return Guard(name, length_mm, reason)

        def make() -> ScalpStep:
            self.calls["scalp"] += 1
            shown, shown_analysis, result = shown_scalp(photo, analysis, scalp_in.mode, inputs.seed, guard_for)
            return ScalpStep(shown, photo, shown_analysis, analysis.masks, result.mode, result.reason, result)
        return self._cache.get(("scalp", id(analysis), scalp_in, inputs.seed), make)

    def design(self, photo: Photo, inputs: Inputs) -> DesignStep:
        """The proposed hairline with the artist's moves, its zones and the analysis document."""
        scalp = self.scalp(photo, inputs)
        d = inputs.design

        def propose() -> Design:
            self.calls["proposal"] += 1
            return propose_hairline(scalp.analysis, age=d.age, style=d.style, mfp_height_mm=d.mfp_height_mm,
                                    conservative=d.conservative, seed=inputs.seed,
                                    hair_as_taken=scalp.masks_as_taken.hair)

        def make() -> DesignStep:
            self.calls["design"] += 1
            a = scalp.analysis
            # the proposal is cached apart from the artist's moves: a drag re-applies moves only
            proposal_key = dataclasses.replace(d, moves=(), mirror=True, stage=None, scale="norwood", views=())
            proposed = self._cache.get(("proposal", id(scalp), proposal_key, inputs.seed), propose)
            design = edit_design_moves(a, proposed, d.moves, mirror=d.mirror)
            doc = plan_document(photo, a, design, seed=inputs.seed, backend_name=self.backend.name)
            from smpstudio.design.hairline import mfp_height_for

            proposed_mfp = d.mfp_height_mm if d.mfp_height_mm is not None else mfp_height_for(d.age, d.conservative)
            doc.stage = stage_block(design, scalp.masks_as_taken, d.stage,
                                    dataclasses.replace(scalp.analysis, masks=scalp.masks_as_taken), proposed_mfp,
                                    rgb_as_taken=scalp.original.rgb, scale=d.scale, views=d.views)
            doc.scalp = scalp.mode
            doc.scalp_reason = scalp.reason
            guard = None if scalp.result is None else scalp.result.guard
            if scalp.changed and guard is not None:
                doc.scalp_guard = GuardBlock(name=guard.name, length_mm=guard.length_mm, reason=guard.reason)
            if scalp.changed:
                what = "buzzed" if scalp.mode == "buzz" else "shaved and buzzed"
                to = "" if guard is None else f" to a {guard.name} ({guard.length_mm:g} mm)"
                doc.warnings.append(f"preview shows the scalp {what}{to} (simulated from the photo: {scalp.reason}); "
                                    "choose the scalp 'as-is' (--scalp as-is) to draw on the photo as taken")
            return DesignStep(scalp, design, doc)
        return self._cache.get(("design", id(scalp), d, inputs.seed), make)

    def pattern(self, photo: Photo, inputs: Inputs) -> PatternStep:
        """The layered dot pattern (positions, sessions, dot attributes) for the design."""
        ds = self.design(photo, inputs)
        p = inputs.pattern

        def make() -> PatternStep:
            from smpstudio.render.scene import design_pattern, stubble_cover

            self.calls["pattern"] += 1
            if not ds.document.treatment_area_cm2 > 0:
                raise NoTreatmentAreaError("the design leaves no scalp to treat in this photo")
            masks = ds.scalp.masks_as_taken

            def skin() -> SkinTone:  # the photo's skin: the same for every design of it
                return measure_skin(measured_rgb(photo, p), masks.skin, hair_mask=masks.hair)
            tone = self._cache.get(("skin", id(ds.scalp), p.neutral_box_px), skin)
            res = ds.scalp.result

            def hair_cover() -> np.ndarray | None:
                # buzzed hair already shows part of the look the dots are calibrated to: they add the rest
                if ds.scalp.changed and res is not None and res.hair_rgb_linear is not None:
                    return stubble_cover(ds.scalp.photo.rgb, masks.hair, res.hair_rgb_linear,
                                         np.asarray(tone.rgb_linear), ds.design.frame.px_per_mm,
                                         guard_mm(res))
                return None
            cover = self._cache.get(("hair cover", id(ds.scalp), p.neutral_box_px), hair_cover)
            pattern = design_pattern(
                ds.scalp.analysis, ds.design, n_sessions=p.n_sessions, interval_days=p.interval_days,
                seed=inputs.seed, ita_deg=float(tone.ita_deg),
                density=DensityParams(full_density_per_cm2=p.density_per_cm2),
                dots=DotParams(blowout_share=p.blowout_share), hair_cover=cover)
            return PatternStep(ds, pattern, tone, p)
        return self._cache.get(("pattern", id(ds), p, inputs.seed), make)

    def plan(self, photo: Photo, inputs: Inputs) -> PlanStep:
        """The treatment plan for the pattern's real impression counts; the pattern in the plan's shades."""
        ps = self.pattern(photo, inputs)
        q: PlanInputs = inputs.plan

        def make() -> PlanStep:
            self.calls["plan"] += 1
            masks = ps.design.scalp.masks_as_taken
            hl = ps.design.design.hairline
            # one skin measurement (white-balanced on the neutral patch when there is one) for the dots'
            # optics and the plan; hair is measured on the same image
            def hair() -> tuple[HairTone | None]:  # the photo's hair: the same for every design of it
                res = ps.design.scalp.result
                return (shaft_tone(photo, ps.inputs, masks.hair,
                                   None if res is None else res.hair_rgb_linear),)
            hair_tone = self._cache.get(("hair", id(ps.design.scalp), ps.inputs.neutral_box_px), hair)[0]
            result = build_plan(  # skin and hair given: the photo is not measured again (no white balance)
                photo.rgb, masks.skin, masks.hair,
                area_cm2=ps.design.document.treatment_area_cm2,
                options=plan_options(ps.inputs, q, tuple(s.dots for s in ps.pattern.sessions),
                                     guard_mm(ps.design.scalp.result)),
                catalogue=self.catalogue, prices=self.prices, mfp_height_mm=hl.mfp_height_mm, age=hl.age,
                skin=ps.skin, hair=hair_tone)
            water = tuple(float(s.water_parts) for s in result.block.sessions if not s.suggested)
            return PlanStep(ps, result, dataclasses.replace(ps.pattern, water_parts=water))
        return self._cache.get(("plan", id(ps), q), make)

    def whole_head(self, photo: Photo, inputs: Inputs) -> WholeTreatment:
        """The real treatment on the whole 3-D scalp (:mod:`smpstudio.head3d`) for the stage used
        (the artist's, else the proposed one): area, impressions per zone and session, hours, price."""
        ds = self.design(photo, inputs)
        p = inputs.pattern

        def make() -> WholeTreatment:
            self.calls["whole_head"] += 1
            return whole_head_of(ds, p, self.prices, inputs.seed, inputs.whole_head)
        return self._cache.get(("whole_head", id(ds), p.density_per_cm2, p.n_sessions, inputs.seed,
                                inputs.whole_head), make)

    def front_camera(self, photo: Photo, inputs: Inputs) -> Any:
        """The front photo's camera on the 3-D model (:class:`smpstudio.head3d.views.Camera`), from its head
        model; ``None`` when the analysis has none."""
        from smpstudio.head3d.views import Camera

        head = self.design(photo, inputs).scalp.analysis.head
        return None if head is None else Camera.from_head_model(head)

    def project_views(self, photo: Photo, inputs: Inputs, views: Sequence[ViewPhoto]) -> list[ProjectedView]:
        """The whole-head pattern projected into the front photo and every extra view (registered from the
        artist's marks, :func:`smpstudio.head3d.views.register_view`): the same dot where it belongs in each."""
        from smpstudio.head3d.views import project_dots, register_view

        t = self.whole_head(photo, inputs)
        out = []
        cam = self.front_camera(photo, inputs)
        if cam is not None:
            out.append(ProjectedView(project_dots("front", cam, t.surface, t.dots.points_mm, t.session_of_dot),
                                     "front", {}, 0.0, photo))
        for v in views:
            reg = register_view(t.surface, v.orientation, v.marks_px, v.sticker)
            out.append(ProjectedView(project_dots(v.name, reg.camera, t.surface, t.dots.points_mm, t.session_of_dot),
                                     v.orientation, dict(reg.marks_px), reg.residual_mm, v.photo))
        return out


def whole_head_of(ds: DesignStep, p: PatternInputs, prices: Prices | None, seed: int,
                  whole: WholeHeadInputs | None = None) -> WholeTreatment:
    """The whole-head treatment of a design step (:meth:`Pipeline.whole_head` without its cache): a pure
    function of its arguments, so a caller may run it outside any lock; ``whole`` carries the scars."""
    from smpstudio.head3d import surface_of, whole_treatment
    from smpstudio.head3d.stages import fringe_scale
    from smpstudio.head3d.zones import zone_map

    a = dataclasses.replace(ds.scalp.analysis, masks=ds.scalp.masks_as_taken)
    stage = ds.document.stage.chosen if ds.document.stage is not None else "norwood-6"
    surface = surface_of(a, ds.design.hairline.mfp_height_mm)
    zm = zone_map(surface, fringe_scale=fringe_scale(stage))
    scars = scars_of(whole.scars, surface, zm, a, seed) if whole is not None else []
    return whole_treatment(surface, stage, full_density_per_cm2=p.density_per_cm2, n_sessions=p.n_sessions,
                           prices=prices, seed=seed, zones=zm, scars=scars)


@dataclass(frozen=True)
class ProjectedView:
    """One view with the surface pattern projected into it (``dots.up_to(k)``: after session k, nested)."""

    dots: Any  # smpstudio.head3d.views.ProjectedDots
    orientation: str
    marks_px: dict[str, tuple[float, float]]
    residual_mm: float
    photo: Photo


def scars_of(specs: Sequence[ScarSpec], surface: Any, zm: Any, analysis: Analysis, seed: int) -> list[Any]:
    """The scars of the inputs on the client's surface: presets placed on the model, marks on the front photo
    taken onto it through the head model's camera."""
    from smpstudio.head3d.scars import fue_scatter, fut_strip, scar_from_view
    from smpstudio.head3d.views import Camera

    out = []
    for k, sp in enumerate(specs):
        if sp.kind == "fut":
            out.append(fut_strip(surface, sp.length_mm, sp.width_mm))
        elif sp.kind == "fue":
            donor = zm.mask("occipital") | zm.mask("parietal")
            out.append(fue_scatter(surface, zm.grid, donor, sp.count, sp.diameter_mm, seed=seed + k))
        else:
            if analysis.head is None:
                raise SMPError("a scar marked on the photo needs the head model (no face found in the photo)")
            out.append(scar_from_view(surface, Camera.from_head_model(analysis.head), sp.kind, sp.px, sp.width_mm))
    return out


def guard_mm(result: ScalpResult | None) -> float:
    """The buzz length the scalp step showed (its guard), else the default #0."""
    return DEFAULT_GUARD.length_mm if result is None or result.guard is None else result.guard.length_mm


def plan_options(p: PatternInputs, q: PlanInputs, impressions: tuple[int, ...],
                 stubble_length_mm: float = DEFAULT_GUARD.length_mm) -> PlanOptions:
    """The plan's options from the pattern's and the plan's input groups."""
    return PlanOptions(
        stubble_length_mm=stubble_length_mm,
        n_sessions=p.n_sessions, interval_days=p.interval_days, start=q.start, today=q.today, uv=q.uv,
        oily_scalp=q.oily_scalp, flaky_scalp=q.flaky_scalp, exfoliation=q.exfoliation, smoking=q.smoking,
        target_lab=q.target_lab, pigment_id=q.pigment_id, impressions_per_hour=q.impressions_per_hour,
        cost_years=q.cost_years, intake=dict(q.intake), impressions_per_session=impressions,
        accept_extra_session=q.accept_extra_session, fading=q.fading)
