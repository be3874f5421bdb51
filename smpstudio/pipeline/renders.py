"""The images of one consultation, from the pipeline's plan step: sessions, close-up, the years after.

``smp preview`` shows every session fresh and healed plus a close-up; ``smp plan`` shows the healed
result and its fading over the years; the web app shows any of these. All draw the one pattern of
:class:`smpstudio.pipeline.steps.PlanStep` on the one scene (the photo as shown, linearised where the
dots are).

Fading reaches the dot engine as an equivalent dilution: a session's faded pigment fraction ``f'``
(:func:`smpstudio.optics.fading.faded_pigment_fraction`, for each session's own age) is rendered as
``water' = 1 / f' - 1`` parts of water, which the engine's optics turn back into exactly ``f'``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from smpstudio.pipeline.document import HEALED_AFTER_DAYS
from smpstudio.pipeline.steps import PlanStep
from smpstudio.render.scene import Scene, prepare_scene
from smpstudio.schema import RenderBlock

HEALING_PREVIEW_DAY = 7  # domain.md §2: most fading days 3-10 as scabs flake
CLOSEUP_SIZE_MM = (24.0, 16.0)
CLOSEUP_BEHIND_MFP_MM = 12.0  # the default close-up: across the transition zone into full density


def scene_for(step: PlanStep) -> Scene:
    """The photo as shown, prepared for rendering the step's pattern."""
    ds = step.pattern_step.design
    return prepare_scene(ds.scalp.photo.rgb, ds.scalp.analysis, step.pattern, ds.design.frame.px_per_mm)


def session_renders(step: PlanStep, scene: Scene) -> Iterator[tuple[str, np.ndarray]]:
    """``(file name, uint8 image)`` of every session fresh and healed, and session 1 healing (day 7)."""
    from smpstudio.render.preview import render_on_photo

    interval = step.pattern_step.inputs.interval_days
    n = len(step.pattern.water_parts)
    lin, base, skin, vis = scene.linear, scene.base_srgb8, scene.skin_at_dots, scene.visibility
    for k in range(1, n + 1):
        day = (k - 1) * interval
        yield f"session-{k}-fresh.png", render_on_photo(lin, step.pattern, day, interval, skin, vis, max_session=k,
                                                        base_srgb8=base)
        if k == 1:
            # a week later: scabs flaking, patchy and lighter (domain.md §2: clients read this as failure)
            yield "session-1-healing.png", render_on_photo(lin, step.pattern, HEALING_PREVIEW_DAY, interval, skin,
                                                           vis, max_session=1, base_srgb8=base)
        yield f"session-{k}-healed.png", render_on_photo(lin, step.pattern, day + HEALED_AFTER_DAYS, interval, skin,
                                                         vis, max_session=k, base_srgb8=base)


def default_closeup_center_mm(step: PlanStep) -> tuple[float, float]:
    """12 mm behind the MFP on the face frame (mm): the transition zone into full density."""
    hl = step.pattern_step.design.design.hairline
    mfp = hl.control_mm[len(hl.control_mm) // 2]
    return float(mfp[0]), float(mfp[1]) + CLOSEUP_BEHIND_MFP_MM


def closeup_panels(step: PlanStep, center_mm: tuple[float, float], px_per_mm: float
                   ) -> list[tuple[str, np.ndarray]]:
    """``(title, linear float32 patch)``: session 1 fresh, day 7, session 1 healed, the final session healed."""
    from smpstudio.render.preview import render_closeup

    interval = step.pattern_step.inputs.interval_days
    n = len(step.pattern.water_parts)
    last_day = (n - 1) * interval + HEALED_AFTER_DAYS
    skin = np.asarray(step.pattern_step.skin.rgb_linear, np.float64)
    wanted = (("session 1 fresh", 0, 1), (f"day {HEALING_PREVIEW_DAY}: flaking", HEALING_PREVIEW_DAY, 1),
              ("session 1 healed", HEALED_AFTER_DAYS, 1), (f"session {n} healed", last_day, n))
    return [(title, render_closeup(step.pattern, center_mm, CLOSEUP_SIZE_MM, px_per_mm, day, interval, skin,
                                   max_session=upto)) for title, day, upto in wanted]


def faded_water_parts(plan: Mapping[str, Any] | Any, years_after_last_session: float
                      ) -> tuple[tuple[float, ...], float]:
    """Dilutions that render the plan's dots faded ``years_after_last_session`` after its last session.

    Parameters
    ----------
    plan : TreatmentPlanBlock, PlanDocument or mapping
        With ``sessions`` (``index``, ``day``, ``pigment_fraction``, ``suggested``) and ``fading_curve``.
    years_after_last_session : float
        Years after the plan's last session (its dots heal in the first ~4 weeks, then fade).

    Returns
    -------
    water_parts : tuple of float
        Per session that lays new dots, the water parts of ``water:1`` whose pigment fraction
        ``1 / (water + 1)`` equals what is left in that session's dots.
    pigment_remaining : float
        Share of the last session's healed pigment left (the fading curve's measure).

    Notes
    -----
    Each session's dots are older than the last session's by the days between them and are faded for
    their own age (:func:`smpstudio.optics.fading.plan_pigment_fraction_at`). A suggested extra session
    re-layers the lighter dots up to its shade (the plan's own model, :mod:`smpstudio.plan.pigment`): those
    dots carry at least what that session left in them.

    Examples
    --------
    >>> plan = {"sessions": [{"index": 1, "day": 0, "pigment_fraction": 0.125}], "fading_curve": {"factors": {}}}
    >>> water, left = faded_water_parts(plan, 0.0)
    >>> round(water[0], 3), left
    (7.0, 1.0)
    """
    from smpstudio.optics.fading import plan_pigment_fraction_at

    data: Mapping[str, Any] = plan.model_dump(mode="json") if hasattr(plan, "model_dump") else plan
    sessions = data["sessions"]
    last = max(sessions, key=lambda s: int(s["day"]))
    last_day = int(last["day"])

    def left(s: Mapping[str, Any]) -> float:
        age_years = float(years_after_last_session) + (last_day - int(s["day"])) / 365.25
        return plan_pigment_fraction_at(data, int(s["index"]), age_years)

    top_up = max((left(s) for s in sessions if s.get("suggested", False)), default=0.0)
    water = tuple(1.0 / max(left(s), top_up) - 1.0 for s in sessions if not s.get("suggested", False))
    return water, left(last) / float(last["pigment_fraction"])


def years_renders(step: PlanStep, scene: Scene, years: tuple[float, ...]
                  ) -> tuple[dict[str, np.ndarray], list[RenderBlock]]:
    """The photo with every session healed (``healed.png``), at each of ``years`` after the last session
    (``years-N.png``) and when the touch-up is due (``touch-up-due.png``)."""
    from smpstudio.optics.fading import HEALING_YEARS
    from smpstudio.render.preview import render_on_photo

    block = step.result.block
    interval = step.pattern_step.inputs.interval_days
    wanted = [("healed.png", HEALING_YEARS)] + [(f"years-{y:g}.png", y) for y in years]
    if block.touch_up.due_years is not None:
        wanted.append(("touch-up-due.png", float(block.touch_up.due_years)))
    last_day = (len(step.pattern.water_parts) - 1) * interval
    images: dict[str, np.ndarray] = {}
    renders: list[RenderBlock] = []
    for name, y in wanted:
        water, remaining = faded_water_parts(block, y)
        faded = dataclasses.replace(step.pattern, water_parts=water)
        day = last_day + max(y * 365.25, HEALED_AFTER_DAYS)
        images[name] = render_on_photo(scene.linear, faded, day, interval, scene.skin_at_dots, scene.visibility,
                                       only_healed=True, base_srgb8=scene.base_srgb8)
        renders.append(RenderBlock(file=name, years_after_last_session=round(y, 4),
                                   pigment_remaining=round(remaining, 4), water_parts=[round(v, 3) for v in water],
                                   dots=len(step.pattern)))
    return images, renders
