"""``smp preview``: the client's photo after each session, fresh and healed, with a close-up of the dots.

Writes to OUT (all or nothing): ``before.png``, ``session-K-fresh.png`` and ``session-K-healed.png`` for
every session, ``session-1-healing.png`` (a week after session 1: flaking, patchy, lighter),
``side-by-side.png`` (before | final healed, at most 4096 px wide), ``closeup.png`` (a patch of scalp at
>= 15 px/mm: session 1 fresh, a week later, healed, and the final session healed) and ``plan.json``
(the analysis document with ``sessions`` and ``pattern``). The dots are drawn on the head shaved
(simulated, :mod:`smpstudio.render.shave`) as SMP is worn, unless ``--no-shave``; ``before.png`` is the
photo as taken.
"""

from __future__ import annotations

import json
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from smpstudio.commands.common import check_range, read_photo, write_png
from smpstudio.errors import OptionError, SMPError

HEALED_AFTER_DAYS = 28  # domain.md §2: settled at ~4 weeks
HEALING_PREVIEW_DAY = 7  # domain.md §2: most fading days 3-10 as scabs flake


def _parse_xy(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise OptionError(f"--closeup-at {text!r} is not X,Y in face-frame mm (e.g. 0,95)") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise OptionError("--closeup-at needs finite numbers")
    return x, y


SIDE_BY_SIDE_MAX_WIDTH = 4096


def _side_by_side(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """before | after, reduced by an integer factor (area average) to at most SIDE_BY_SIDE_MAX_WIDTH px wide."""
    import cv2

    factor = math.ceil(2 * before.shape[1] / SIDE_BY_SIDE_MAX_WIDTH)
    if factor > 1:
        size = (before.shape[1] // factor, before.shape[0] // factor)
        before = cv2.resize(before[: size[1] * factor, : size[0] * factor], size, interpolation=cv2.INTER_AREA)
        after = cv2.resize(after[: size[1] * factor, : size[0] * factor], size, interpolation=cv2.INTER_AREA)
    return np.hstack([before, after])


def _label(img: np.ndarray, text: str) -> np.ndarray:
    """The panel with a white title strip above it."""
    import cv2

    strip = np.full((28, img.shape[1], 3), 255, np.uint8)
    cv2.putText(strip, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (30, 30, 30), 1, cv2.LINE_AA)
    return np.vstack([strip, img])


def _scale_bar(img: np.ndarray, px_per_mm: float, mm: float = 5.0) -> np.ndarray:
    import cv2

    out = img.copy()
    h = out.shape[0]
    x0, y0 = 12, h - 16
    x1 = int(round(x0 + mm * px_per_mm))
    cv2.rectangle(out, (x0, y0 - 4), (x1, y0), (20, 20, 20), -1)
    cv2.putText(out, f"{mm:g} mm", (x0, y0 - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
    return out


def preview_command(
    photo: Annotated[Path | None, typer.Argument(help="Client photo (JPEG, PNG, WebP, TIFF); the embedded sample if omitted")] = None,
    sessions: Annotated[int, typer.Option(help="Number of sessions, 2-4 (most need 3)")] = 3,
    interval_days: Annotated[int, typer.Option("--interval-days", help="Days between sessions, 7-30")] = 14,
    age: Annotated[int, typer.Option(help="Client's age in years")] = 35,
    style: Annotated[str, typer.Option(help="Hairline style: soft, broken or defined")] = "soft",
    seed: Annotated[int, typer.Option(help="Seed of every random choice (recorded in plan.json)")] = 0,
    density: Annotated[float, typer.Option(help="Final density behind the transition zone, dots/cm² (domain: 65-100)")] = 80.0,
    closeup_px_per_mm: Annotated[float, typer.Option("--closeup-px-per-mm", help="Close-up resolution, >= 15 px/mm")] = 24.0,
    blowout_share: Annotated[float, typer.Option("--blowout-share", help="Share of impressions placed too deep, 0-0.3 (shows blow-outs)")] = 0.0,
    shave: Annotated[bool, typer.Option(help="Draw on the photo with the head shaved (simulated), as SMP is worn")] = True,
    closeup_at: Annotated[str | None, typer.Option("--closeup-at", help="Close-up centre X,Y in face-frame mm (default: 12 mm behind the MFP)")] = None,
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Print plan.json to stdout instead of the summary")] = False,
) -> None:
    """Preview the dots on the client's photo after every session, fresh and healed, with a close-up."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from smpstudio.design.types import STYLES
    from smpstudio.outputs import staged_output
    from smpstudio.pattern.density import MAX_DENSITY_PER_CM2, DensityParams
    from smpstudio.plan.pigment import MAX_SESSIONS, MIN_SESSIONS
    from smpstudio.plan.sessions import MAX_INTERVAL_DAYS, MIN_INTERVAL_DAYS

    # every option is checked before any work
    if style not in STYLES:
        raise OptionError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    # the plan's rules (domain.md §1): 2-4 sessions, 7-30 days apart
    check_range("--sessions", sessions, MIN_SESSIONS, MAX_SESSIONS)
    if interval_days < 0:
        raise OptionError(f"--interval-days must not be negative (got {interval_days})")
    check_range("--interval-days", interval_days, MIN_INTERVAL_DAYS, MAX_INTERVAL_DAYS, "days")
    check_range("--age", age, 16, 100, "years")
    if seed < 0:
        raise OptionError("--seed must be a non-negative integer")
    if not math.isfinite(density) or density <= 0:
        raise OptionError("--density must be a positive number of dots/cm²")
    if density > MAX_DENSITY_PER_CM2:
        raise OptionError(f"--density {density:g} dots/cm² is beyond what the needles can place "
                          f"(at most {MAX_DENSITY_PER_CM2:g} dots/cm², ~0.87 mm apart)")
    check_range("--closeup-px-per-mm", closeup_px_per_mm, 15, 100, "px/mm")
    check_range("--blowout-share", blowout_share, 0, 0.3)
    centre = _parse_xy(closeup_at) if closeup_at else None

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=json_out or not console.is_terminal) as progress:
        task = progress.add_task("analysing the photo", total=4 + 2 * sessions)
        # images are encoded in the background as soon as each is ready (PNG encoding releases the GIL),
        # into the staging folder: nothing reaches OUT unless everything succeeds
        with staged_output(out) as stage, ThreadPoolExecutor(max_workers=2) as pool:
            images = _Sink(pool, stage)
            doc_text, pattern_info, summary = _run(
                photo, sessions, interval_days, age, style, seed, DensityParams(full_density_per_cm2=density),
                closeup_px_per_mm, centre, lambda msg: progress.update(task, advance=1, description=msg),
                blowout_share, images, shave)
            progress.update(task, description="writing")
            (stage / "plan.json").write_text(json.dumps(doc_text, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
            images.wait()
        progress.update(task, advance=1)
    if json_out:
        sys.stdout.write(json.dumps(doc_text, indent=2, ensure_ascii=False) + "\n")
        return
    for line in summary:
        typer.echo(line)
    for wmsg in doc_text.get("warnings", []):
        typer.echo(f"warning: {wmsg}")
    typer.echo(f"pattern: {pattern_info['dots']:,} dots, min distance {pattern_info['min_distance_mm']} mm, "
               f"mean nearest neighbour {pattern_info['mean_nn_distance_mm']} mm")
    typer.echo(f"wrote {len(images)} images and plan.json to {out}")


class _Sink(dict[str, np.ndarray]):
    """Images by file name; setting one starts writing it to the staging folder in the background."""

    def __init__(self, pool: ThreadPoolExecutor, stage: Path) -> None:
        super().__init__()
        self._pool = pool
        self._stage = stage
        self._futures: list[Any] = []

    def __setitem__(self, name: str, img: np.ndarray) -> None:
        super().__setitem__(name, img)
        self._futures.append(self._pool.submit(write_png, self._stage / name, img))

    def wait(self) -> None:
        for f in self._futures:
            f.result()


def _run(photo_path: Path | None, n_sessions: int, interval_days: int, age: int, style: str, seed: int,
         density: Any, closeup_px_per_mm: float, centre: tuple[float, float] | None, step: Any,
         blowout_share: float, images: dict[str, np.ndarray], shave: bool = True
         ) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    from smpstudio.commands.plan import merge_plan
    from smpstudio.consultation import consult_photo
    from smpstudio.pattern.dots import DotParams
    from smpstudio.plan.plan import PlanOptions, build_plan
    from smpstudio.plan.skin import measure_skin
    from smpstudio.render import preview as pv
    from smpstudio.render.render import composite
    from smpstudio.render.scene import design_pattern, prepare_scene
    from smpstudio.schema import PatternBlock, PreviewSessionBlock

    img = read_photo(photo_path)
    images["before.png"] = img.to_uint8()  # the client as photographed
    c_ = consult_photo(img, age=age, style=style, seed=seed, shave=shave)
    analysis, design, doc = c_.analysis, c_.design, c_.doc
    step("placing the dots")
    hl = design.hairline
    mfp = np.asarray(hl.control_mm[len(hl.control_mm) // 2], dtype=np.float64)
    # one skin measurement, on the photo as taken (not on the shaved simulation), for the dots' optics, the
    # close-up's skin and the plan (issue 4)
    tone = measure_skin(img.rgb, c_.masks_as_taken.skin, hair_mask=c_.masks_as_taken.hair)
    skin_rgb, ita = np.asarray(tone.rgb_linear, np.float64), float(tone.ita_deg)
    pattern = design_pattern(analysis, design, n_sessions=n_sessions, interval_days=interval_days, seed=seed,
                             ita_deg=ita, density=density, dots=DotParams(blowout_share=blowout_share))
    # the treatment plan picks each session's pigment and dilution (issue 4); the dots are drawn in those
    # shades, and the plan counts the impressions the pattern really places
    area = float(sum(z.area_cm2 for z in design.zones))
    if not area > 0:
        raise SMPError("the design leaves no scalp to treat in this photo")
    plan = build_plan(img.rgb, c_.masks_as_taken.skin, c_.masks_as_taken.hair, area_cm2=area,
                      options=PlanOptions(n_sessions=n_sessions, interval_days=interval_days, accept_extra_session=False,
                                          impressions_per_session=tuple(s.dots for s in pattern.sessions)),
                      mfp_height_mm=hl.mfp_height_mm, age=age, skin=tone)
    plan_sessions = [s for s in plan.block.sessions if not s.suggested]
    pattern = replace(pattern, water_parts=tuple(float(s.water_parts) for s in plan_sessions))
    step("rendering")
    # dots are drawn on the head as it will be worn (shaved, simulated) unless --no-shave
    scene = prepare_scene(c_.photo.rgb, analysis, pattern, design.frame.px_per_mm)
    lin, base, skin_at_dots, vis = scene.linear, scene.base_srgb8, scene.skin_at_dots, scene.visibility
    for k in range(1, n_sessions + 1):
        day = (k - 1) * interval_days
        images[f"session-{k}-fresh.png"] = pv.render_on_photo(lin, pattern, day, interval_days, skin_at_dots, vis,
                                                              max_session=k, base_srgb8=base)
        step(f"session {k} fresh")
        if k == 1:
            # a week later: scabs flaking, patchy and lighter (domain.md §2: clients read this as failure)
            images["session-1-healing.png"] = pv.render_on_photo(lin, pattern, HEALING_PREVIEW_DAY, interval_days,
                                                                 skin_at_dots, vis, max_session=1, base_srgb8=base)
        images[f"session-{k}-healed.png"] = pv.render_on_photo(lin, pattern, day + HEALED_AFTER_DAYS, interval_days,
                                                               skin_at_dots, vis, max_session=k, base_srgb8=base)
        step(f"session {k} healed")
    images["side-by-side.png"] = _side_by_side(images["before.png"], images[f"session-{n_sessions}-healed.png"])
    # default: across the transition zone into full density, centred 12 mm behind the MFP
    c = centre if centre is not None else (float(mfp[0]), float(mfp[1]) + 12.0)
    del c_
    size = (24.0, 16.0)
    last_day = (n_sessions - 1) * interval_days + HEALED_AFTER_DAYS
    panels = []
    for title, day, upto in (("session 1 fresh", 0, 1), (f"day {HEALING_PREVIEW_DAY}: flaking", HEALING_PREVIEW_DAY, 1),
                             ("session 1 healed", HEALED_AFTER_DAYS, 1),
                             (f"session {n_sessions} healed", last_day, n_sessions)):
        lin_patch = pv.render_closeup(pattern, c, size, closeup_px_per_mm, day, interval_days, skin_rgb,
                                      max_session=upto)
        u8 = composite(lin_patch, np.zeros_like(lin_patch), to_srgb8=True)
        panels.append(_label(_scale_bar(u8, closeup_px_per_mm), title))
    gap = np.full((panels[0].shape[0], 6, 3), 255, np.uint8)
    images["closeup.png"] = np.hstack([panels[0], gap, panels[1], gap, panels[2], gap, panels[3]])
    step("close-up")

    stats = pattern.stats()
    sessions_block = [PreviewSessionBlock(**s.as_dict()).model_dump() for s in pattern.sessions]
    pattern_block = PatternBlock(
        min_distance_mm=stats["min_distance_mm"], mean_nn_distance_mm=stats["mean_nn_distance_mm"],
        dots=len(pattern), full_density_per_cm2=density.full_density_per_cm2, seed=seed,
        sampler="ranked blue noise (dart throwing with decreasing radius; sessions by rank)",
        skin_ita_deg=round(ita, 2), closeup_center_mm=(round(c[0], 2), round(c[1], 2)),
        closeup_px_per_mm=closeup_px_per_mm, healed_after_days=HEALED_AFTER_DAYS,
        interval_days=interval_days, blowout_share=blowout_share).model_dump()
    text = merge_plan(doc.model_dump(mode="json", exclude_none=True), plan.block.model_dump(mode="json"))
    # one entry per session: the plan's (pigment, dilution, dates, hours) and the pattern's measurements
    measured = {int(b["index"]): b for b in sessions_block}
    for entry in text["sessions"]:
        m = {k: v for k, v in measured.get(int(entry["index"]), {}).items()
             if k not in ("needle", "shade", "pigment_fraction", "day")}
        entry.update(m)
        entry["shade"] = entry["dilution"]
    text["pattern"] = pattern_block
    shades = {s.index: f"{s.pigment.name} {s.dilution}" for s in plan_sessions}
    summary = [f"session {s.index} (day {s.day}): {s.dots:,} new dots, {s.total_dots:,} in all, "
               f"{s.density_per_cm2:g} dots/cm² behind the transition zone, {shades.get(s.index, s.shade)}"
               for s in pattern.sessions]
    info = {"dots": len(pattern), **stats}
    return text, info, summary


def register(app: typer.Typer) -> None:
    app.command("preview")(preview_command)
