"""``smp preview``: the client's photo after each session, fresh and healed, with a close-up of the dots.

Writes to OUT (all or nothing): ``before.png``, ``session-K-fresh.png`` and ``session-K-healed.png`` for
every session, ``session-1-healing.png`` (a week after session 1: flaking, patchy, lighter),
``side-by-side.png`` (before | final healed, at most 4096 px wide), ``closeup.png`` (a patch of scalp at
>= 15 px/mm: session 1 fresh, a week later, healed, and the final session healed) and ``plan.json``
(the analysis document with ``sessions`` and ``pattern``). The dots are drawn on the head as SMP is
worn (buzzed or shaved, simulated by the pipeline's scalp step, :mod:`smpstudio.scalp`) unless
``--scalp as-is``; ``before.png`` is the photo as taken.
"""

from __future__ import annotations

import json
import math
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from smpstudio.commands.common import (
    AgeOpt,
    ConservativeOpt,
    MfpOpt,
    MirrorOpt,
    MoveOpt,
    OutOpt,
    PhotoArg,
    ScaleOpt,
    ScalpOpt,
    ScarOpt,
    SeedOpt,
    ShaveOpt,
    StageOpt,
    StyleOpt,
    check_range,
    design_inputs,
    pattern_inputs,
    read_photo,
    scalp_inputs,
    whole_head_inputs,
    write_json,
    write_png,
)
from smpstudio.errors import OptionError
from smpstudio.reports.labels import label_strip


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
    photo: PhotoArg = None,
    sessions: Annotated[int, typer.Option(help="Number of sessions, 2-4 (most need 3)")] = 3,
    interval_days: Annotated[int, typer.Option("--interval-days", help="Days between sessions, 7-30")] = 14,
    age: AgeOpt = 35,
    style: StyleOpt = "soft",
    seed: SeedOpt = 0,
    density: Annotated[float, typer.Option(help="Final density behind the transition zone, dots/cm² (domain: 65-100)")] = 80.0,
    closeup_px_per_mm: Annotated[float, typer.Option("--closeup-px-per-mm", help="Close-up resolution, >= 15 px/mm")] = 24.0,
    blowout_share: Annotated[float, typer.Option("--blowout-share", help="Share of impressions placed too deep, 0-0.3 (shows blow-outs)")] = 0.0,
    scalp: ScalpOpt = "auto",
    shave: ShaveOpt = True,
    mfp_mm: MfpOpt = None,
    conservative: ConservativeOpt = False,
    move: MoveOpt = None,
    mirror: MirrorOpt = True,
    hair_loss_stage: StageOpt = None,
    scale: ScaleOpt = "norwood",
    scar: ScarOpt = None,
    closeup_at: Annotated[str | None, typer.Option("--closeup-at", help="Close-up centre X,Y in face-frame mm (default: 12 mm behind the MFP)")] = None,
    out: OutOpt = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Print plan.json to stdout instead of the summary")] = False,
) -> None:
    """Preview the dots on the client's photo after every session, fresh and healed, with a close-up."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from smpstudio.outputs import staged_output
    from smpstudio.pipeline import Inputs

    # every option is checked before any work
    inputs = Inputs(seed=seed, scalp=scalp_inputs(scalp, shave),
                    design=design_inputs(age, style, seed, mfp_mm, conservative, move, mirror, hair_loss_stage, scale),
                    pattern=pattern_inputs(sessions, interval_days, density, blowout_share),
                    whole_head=whole_head_inputs(scar))
    check_range("--closeup-px-per-mm", closeup_px_per_mm, 15, 100, "px/mm")
    centre = _parse_xy(closeup_at) if closeup_at else None

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=json_out or not console.is_terminal) as progress:
        task = progress.add_task("analysing the photo", total=4 + 2 * sessions)
        # images are encoded in the background as soon as each is ready (PNG encoding releases the GIL),
        # into the staging folder: nothing reaches OUT unless everything succeeds
        with staged_output(out) as stage, ThreadPoolExecutor(max_workers=2) as pool:
            images = _Sink(pool, stage)
            doc_text, summary = _run(photo, inputs, closeup_px_per_mm, centre,
                                     lambda msg: progress.update(task, advance=1, description=msg), images)
            progress.update(task, description="writing")
            write_json(stage / "plan.json", doc_text)
            images.wait()
        progress.update(task, advance=1)
    if json_out:
        sys.stdout.write(json.dumps(doc_text, indent=2, ensure_ascii=False) + "\n")
        return
    for line in summary:
        typer.echo(line)
    for wmsg in doc_text.get("warnings", []):
        typer.echo(f"warning: {wmsg}")
    pat = doc_text["pattern"]
    typer.echo(f"pattern: {pat['dots']:,} dots, min distance {pat['min_distance_mm']} mm, "
               f"mean nearest neighbour {pat['mean_nn_distance_mm']} mm")
    typer.echo(f"wrote {len(images)} images and plan.json to {out}")


class _Sink:
    """Writes images to the staging folder in the background as soon as each is ready.

    Memory stays bounded: an image is dropped once written unless it is kept for a later composite
    (``keep``), and at most ``MAX_PENDING`` images wait for the encoder (a 24 MP render is 72 MB).
    """

    MAX_PENDING = 2

    def __init__(self, pool: ThreadPoolExecutor, stage: Path) -> None:
        self._pool = pool
        self._stage = stage
        self._futures: list[Future[None]] = []
        self.names: list[str] = []
        self.kept: dict[str, np.ndarray] = {}

    def put(self, name: str, img: np.ndarray, keep: bool = False) -> None:
        self._futures.append(self._pool.submit(write_png, self._stage / name, img))
        self.names.append(name)
        if keep:
            self.kept[name] = img
        pending = [f for f in self._futures if not f.done()]
        while len(pending) > self.MAX_PENDING:
            wait(pending, return_when=FIRST_COMPLETED)
            pending = [f for f in pending if not f.done()]

    def __len__(self) -> int:
        return len(self.names)

    def wait(self) -> None:
        for f in self._futures:
            f.result()


def _run(photo_path: Path | None, inputs: Any, closeup_px_per_mm: float, centre: tuple[float, float] | None,
         step: Any, images: _Sink) -> tuple[dict[str, Any], list[str]]:
    from smpstudio.pipeline import Pipeline, consultation_document
    from smpstudio.pipeline.document import document_json
    from smpstudio.pipeline.renders import closeup_panels, default_closeup_center_mm, scene_for, session_renders
    from smpstudio.render.render import composite

    img = read_photo(photo_path)
    images.put("before.png", img.to_uint8(), keep=True)  # the client as photographed
    pipe = Pipeline()
    planned = pipe.plan(img, inputs)
    step("rendering")
    # dots are drawn on the head as it will be worn (buzzed or shaved, simulated) unless --scalp as-is
    scene = scene_for(planned)
    n = len(planned.pattern.water_parts)
    final = f"session-{n}-healed.png"
    for name, rgb8 in session_renders(planned, scene):
        images.put(name, rgb8, keep=name == final)
        step(name.removesuffix(".png").replace("-", " "))
    del scene
    images.put("side-by-side.png", _side_by_side(images.kept.pop("before.png"), images.kept.pop(final)))
    c = centre if centre is not None else default_closeup_center_mm(planned)
    panels = []
    for title, lin_patch in closeup_panels(planned, c, closeup_px_per_mm):
        u8 = composite(lin_patch, np.zeros_like(lin_patch), to_srgb8=True)
        panels.append(label_strip(_scale_bar(u8, closeup_px_per_mm), title))
    gap = np.full((panels[0].shape[0], 6, 3), 255, np.uint8)
    images.put("closeup.png", np.hstack([panels[0], gap, panels[1], gap, panels[2], gap, panels[3]]))
    step("close-up")
    doc = consultation_document(planned, closeup_center_mm=c, closeup_px_per_mm=closeup_px_per_mm)
    extra = []
    if inputs.whole_head.scars:  # the scars covered: on the 3-D model (most lie outside a front photo)
        from smpstudio.head3d.block import whole_head_block
        from smpstudio.head3d.diagram import diagram_views, scar_closeup

        whole = pipe.whole_head(img, inputs)
        drawn = dict(diagram_views(whole), **{"diagram-scars.png": scar_closeup(whole)})
        for name, rgb8 in drawn.items():
            images.put(name, rgb8)
        doc.whole_head = whole_head_block(whole, sorted(drawn))
        extra = [f"scars: {sum(whole.scar_areas_cm2):.1f} cm² of scar tissue covered by "
                 f"{int(sum(whole.impressions['scar'][:1])):,} dots ({whole.scar_passes} passes), diagram-scars.png"]
    summary = [f"session {s.index} (day {s.day}): {s.dots:,} new dots, {s.total_dots:,} in all, "
               f"{s.density_per_cm2:g} dots/cm² behind the transition zone, {p.pigment.name} {p.dilution}"
               for s, p in zip(planned.pattern.sessions, planned.rendered_sessions, strict=True)] + extra
    return document_json(doc), summary


def register(app: typer.Typer) -> None:
    app.command("preview")(preview_command)
