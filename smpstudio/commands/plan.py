"""``smp plan``: the treatment plan for a client photo.

Skin and hair colour, pigment + dilution per session, dates and aftercare, fading and touch-up, safety
checks and cost of ownership. Writes ``plan.json`` (the analysis document extended with the plan's
blocks), ``fading.png`` and ``cost.png`` to OUT, all or nothing; prints a summary (or the JSON).

With the plan made, the dot engine (:func:`smpstudio.pattern.layout.layout_pattern`,
:func:`smpstudio.render.preview.render_on_photo`) lays out the dots with the plan's dilution per session
and renders the photo with every session healed (``healed.png``) and faded to chosen years after the
last session (``years-1.png``, ``years-3.png``, ... and ``touch-up-due.png``). Fading reaches the dot
engine as an equivalent dilution: a session's faded pigment fraction ``f'``
(:func:`smpstudio.optics.fading.plan_pigment_fraction_at`, for each session's own age) is rendered as
``water' = 1 / f' - 1`` parts of water, which the engine's optics turn back into exactly ``f'``. The files
are listed in plan.json under ``renders``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
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
    ViewOpt,
    design_inputs,
    load_views,
    pattern_inputs,
    plan_inputs,
    read_photo,
    scalp_inputs,
    whole_head_inputs,
    write_json,
    write_png,
)
from smpstudio.errors import OptionError
from smpstudio.pipeline.inputs import Inputs


def _parse_box(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise OptionError(f"--neutral-patch {text!r} is not X,Y,W,H in pixels") from None
    if w < 1 or h < 1 or x < 0 or y < 0:
        raise OptionError(f"--neutral-patch {text!r}: X, Y must be >= 0 and W, H >= 1")
    return x, y, w, h


MAX_RENDER_YEARS = 20.0


def parse_years(text: str) -> tuple[float, ...]:
    """``--years 1,3`` -> (1.0, 3.0): years after the last session to render (0-20, sorted, unique)."""
    try:
        years = [float(v) for v in text.split(",")]
    except ValueError:
        raise OptionError(f"--years {text!r} is not a comma-separated list of numbers of years, e.g. 1,3") from None
    if not years or any(not math.isfinite(y) or y < 0 or y > MAX_RENDER_YEARS for y in years):
        raise OptionError(f"--years needs numbers of years between 0 and {MAX_RENDER_YEARS:g} (got {text!r})")
    return tuple(sorted(set(years)))


def plan_command(
    photo: PhotoArg = None,
    start: Annotated[str | None, typer.Option(help="Date of session 1, YYYY-MM-DD (not in the past)")] = None,
    sessions: Annotated[int, typer.Option(help="Number of sessions, 2-4")] = 3,
    interval_days: Annotated[int, typer.Option("--interval-days", help="Days between sessions, 7-30")] = 14,
    uv: Annotated[str, typer.Option(help="Sun exposure: low, med or high")] = "med",
    skin_oily: Annotated[bool, typer.Option("--skin-oily", help="Oily scalp (fades faster)")] = False,
    skin_flaky: Annotated[bool, typer.Option("--skin-flaky", help="Flaky scalp (fades faster)")] = False,
    exfoliation: Annotated[bool, typer.Option(help="Client exfoliates the scalp (fades faster)")] = False,
    smoking: Annotated[bool, typer.Option(help="Client smokes (fades faster)")] = False,
    target_shade: Annotated[str | None, typer.Option("--target-shade",
                                                     help="Healed shade wanted: 'L,a,b' or hex #rrggbb")] = None,
    pigment: Annotated[str | None, typer.Option(help="Use this catalogue pigment id only")] = None,
    catalogue: Annotated[Path | None, typer.Option(help="Clinic pigment catalogue (YAML/JSON)")] = None,
    prices: Annotated[Path | None, typer.Option(help="Clinic prices (YAML/JSON)")] = None,
    intake: Annotated[Path | None, typer.Option(help="Intake answers (YAML: pregnancy: false, ...)")] = None,
    neutral_patch: Annotated[str | None, typer.Option("--neutral-patch",
                                                      help="Grey card box X,Y,W,H (px) for white balance")] = None,
    density: Annotated[float, typer.Option(
        help="Final density behind the transition zone, dots/cm² (domain: 65-100)")] = 80.0,
    impressions_per_hour: Annotated[float, typer.Option("--impressions-per-hour", help="Artist's rate")] = 4000.0,
    cost_years: Annotated[int, typer.Option("--cost-years", help="Cost horizon, years")] = 10,
    age: AgeOpt = 35,
    style: StyleOpt = "soft",
    seed: SeedOpt = 0,
    mfp_mm: MfpOpt = None,
    conservative: ConservativeOpt = False,
    move: MoveOpt = None,
    mirror: MirrorOpt = True,
    hair_loss_stage: StageOpt = None,
    scale: ScaleOpt = "norwood",
    scar: ScarOpt = None,
    views: ViewOpt = None,
    scalp: ScalpOpt = "auto",
    shave: ShaveOpt = True,
    years: Annotated[str, typer.Option(
        help="Years after the last session to render, e.g. 1,3 (0-20); touch-up-due.png is added")] = "1,3",
    out: OutOpt = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Print plan.json to stdout instead of the summary")] = False,
) -> None:
    """Plan the treatment: pigment per session, dates, fading and touch-up, checks and cost.

    The impressions per session are the ones the dot pattern of the same design places (the pattern
    ``smp preview`` draws), so hours and prices follow the dots.
    """

    # Every option is checked before the photo is touched: bad input costs nothing and writes nothing.
    plan_in, cat, price_table = plan_inputs(
        start=start, uv=uv, skin_oily=skin_oily, skin_flaky=skin_flaky, exfoliation=exfoliation, smoking=smoking,
        target_shade=target_shade, pigment=pigment, catalogue=catalogue, prices=prices, intake=intake,
        impressions_per_hour=impressions_per_hour, cost_years=cost_years)
    inputs = Inputs(
        seed=seed, scalp=scalp_inputs(scalp, shave),
        design=design_inputs(age, style, seed, mfp_mm, conservative, move, mirror, hair_loss_stage, scale),
        pattern=pattern_inputs(sessions, interval_days, density,
                               neutral_box_px=_parse_box(neutral_patch) if neutral_patch is not None else None),
        plan=plan_in, whole_head=whole_head_inputs(scar))
    render_at = parse_years(years)
    extra_views = load_views(views) if views is not None else []
    if extra_views:  # a top or back view lets the stage proposal see the crown
        inputs = dataclasses.replace(inputs, design=dataclasses.replace(inputs.design, views=tuple(extra_views)))

    from smpstudio.optics.fading import HEALING_YEARS
    from smpstudio.outputs import check_output_dir, staged_output
    from smpstudio.pipeline import Pipeline, consultation_document
    from smpstudio.pipeline.document import document_json
    from smpstudio.pipeline.renders import default_closeup_center_mm, scene_for, years_renders
    from smpstudio.reports.charts import cost_png, fading_png

    check_output_dir(out)  # an unusable --out fails before the slow work
    img = read_photo(photo)
    pipe = Pipeline(catalogue=cat, prices=price_table)
    planned = pipe.plan(img, inputs)
    images, renders = years_renders(planned, scene_for(planned), render_at)
    doc = consultation_document(planned, closeup_center_mm=default_closeup_center_mm(planned),
                                closeup_px_per_mm=24.0, renders=renders)
    diagrams: dict[str, np.ndarray] = {}
    if hair_loss_stage is not None or scar or extra_views:  # plan the whole head on the 3-D model
        from smpstudio.head3d.block import whole_head_block
        from smpstudio.head3d.diagram import diagram_views, scar_closeup
        from smpstudio.head3d.overlay import draw_view
        from smpstudio.schema import ViewBlock

        whole = pipe.whole_head(img, inputs)
        diagrams = diagram_views(whole)
        close = scar_closeup(whole)
        if close is not None:
            diagrams["diagram-scars.png"] = close
        blocks = []
        for pv in pipe.project_views(img, inputs, extra_views):  # the one surface pattern in every photo
            file = f"view-{pv.dots.name}.png"
            diagrams[file] = draw_view(pv.photo.to_uint8(), pv.dots, marks_px=pv.marks_px)
            blocks.append(ViewBlock(name=pv.dots.name, orientation=pv.orientation,
                                    marks_px={k: (round(x, 1), round(y, 1)) for k, (x, y) in pv.marks_px.items()},
                                    residual_mm=round(pv.residual_mm, 2), px_per_mm=round(pv.dots.camera.px_per_mm, 3),
                                    dots_visible=int(pv.dots.visible.sum()), file=file))
        doc.whole_head = whole_head_block(whole, sorted(k for k in diagrams if k.startswith("diagram-")), blocks)
    images.update(diagrams)
    text = document_json(doc)
    fade, cost = planned.result.fading, planned.result.cost
    with staged_output(out) as stage:
        write_json(stage / "plan.json", text)
        for name, rgb8 in images.items():
            write_png(stage / name, rgb8)
        # the chart counts years after the last session, as the summary and plan.json's touch_up do
        due = planned.result.block.touch_up.due_years
        (stage / "fading.png").write_bytes(fading_png(
            np.asarray(fade.years) + HEALING_YEARS, fade.contrast_relative, threshold=fade.threshold,
            touch_up_years=due, pigment_remaining=fade.pigment_remaining))
        (stage / "cost.png").write_bytes(cost_png(cost.years, cost.cumulative, currency=cost.currency))
    if json_out:
        sys.stdout.write(json.dumps(text, indent=2, ensure_ascii=False) + "\n")
    else:
        print_summary(text, out)


def print_summary(text: dict[str, Any], out: Path) -> None:
    """A readable Rich summary of the plan on the terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    st = text.get("stage")
    if st:
        chosen = (f"; using {st['chosen']} (the artist's choice)" if st["chosen_by"] == "artist"
                  else " (--stage overrides)")
        con.print(f"[bold]Stage[/bold] proposed {st['proposed']}{chosen}: {st['reason']}")
    s = text["skin"]
    con.print(f"[bold]Skin[/bold] L*a*b* {tuple(round(v, 1) for v in s['lab'])}  ITA {s['ita_deg']:.1f}° "
              f"({s['ita_class']}, {s['ita_class_fine']})  Monk {s['monk']}  Fitzpatrick ~{s['fitzpatrick_estimate']} "
              f"(heuristic)  undertone {s['undertone']}")
    hair = text.get("hair")
    p = text["pigment"]
    con.print(f"[bold]Hair[/bold] {'L*a*b* ' + str(tuple(round(v, 1) for v in hair['lab'])) if hair else 'none seen'}"
              f"   [bold]Target[/bold] {tuple(round(v, 1) for v in p['target_lab'])} ({p['target_source']})")
    t = Table(title="Sessions", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("#", "date", "pigment", "dilution", "ΔE dot", "ΔE all", "dots", "hours"):
        t.add_column(col, justify="left" if col in ("date", "pigment") else "right", no_wrap=True)
    for x in text["sessions"]:
        t.add_row(f"{x['index']}{'*' if x['suggested'] else ''}", x["date"] or f"day {x['day']}",
                  x["pigment"]["id"], x["dilution"], f"{x['predicted_delta_e']:.1f}",
                  f"{x['healed_match_delta_e']:.1f}", f"{x['impressions']:,}", f"{x['duration_h']:.1f}")
    con.print(t)
    con.print("ΔE dot: CIEDE2000 of the session's healed dots to the target; ΔE all: of all dots laid so far")
    alts = [a for a in p["alternatives"] if a["allowed"]][:4]
    if alts:
        con.print("Alternatives considered: " + ", ".join(
            f"{a['pigment']} {a['dilution']} (ΔE {a['predicted_delta_e']:.1f})" for a in alts)
            + f"; advised for this skin: {p['advised_window']}")
    first = text["sessions"][0]
    care = "; ".join(f"{a['rule']}" + (f" until {a['until']}" if a.get("until") else "") for a in first["aftercare"])
    con.print(f"[bold]Aftercare[/bold] (after session 1, the same after each): {care}")
    if any(x["suggested"] for x in text["sessions"]):
        con.print("* suggested extra session: " + p["extra_session_reason"])
    tu = text["touch_up"]
    due = "not within 8 years" if tu["due_years"] is None else f"{tu['due_years']:.1f} years after the last session"
    con.print(f"[bold]Touch-up[/bold] {due}{' on ' + tu['due_date'] if tu.get('due_date') else ''}")
    c = text["cost"]
    n = c["years"][-1]
    con.print(f"[bold]Cost over {n:g} years[/bold] ({c['currency']}): SMP {c['totals']['smp']:,.0f}  "
              f"transplant {c['totals']['transplant']:,.0f} ({c['grafts']:,} grafts)  "
              f"medication {c['totals']['medication']:,.0f}")
    for chk in text.get("checks", []):
        if chk["severity"] == "stop":
            con.print(f"[bold red]STOP:[/bold red] {chk['message']} ({chk['reason']}; {chk['source']})")
    stops = {f"{c['message']} ({c['reason']}; {c['source']})" for c in text.get("checks", []) if c["severity"] == "stop"}
    for w in text["warnings"]:
        if w not in stops:
            con.print(f"[yellow]warning:[/yellow] {w}")
    renders = text.get("renders", [])
    if renders:
        r = Table(title="Previews with the plan's shades (every session healed, then fading)", box=box.SIMPLE_HEAD,
                  pad_edge=False)
        for col in ("file", "years", "pigment left", "dilution per session"):
            r.add_column(col, justify="left" if col in ("file", "dilution per session") else "right", no_wrap=True)
        for x in sorted(renders, key=lambda x: x["years_after_last_session"]):
            r.add_row(x["file"], f"{x['years_after_last_session']:.2f}", f"{100 * x['pigment_remaining']:.0f} %",
                      " ".join(f"{w:.1f}:1" for w in x["water_parts"]))
        con.print(r)
        con.print("years: after the last session; pigment left in its dots; the fading rendered as the dilution "
                  "that carries the same pigment")
        if tu["due_years"] is None:
            con.print("no touch-up-due.png: the touch-up is not due within the fading curve's horizon")
    wh = text.get("whole_head")
    if wh:
        print_whole_head(con, wh)
    files = ["plan.json", "fading.png", "cost.png"] + [x["file"] for x in renders] + (
        wh["diagrams"] + [v["file"] for v in wh.get("views", [])] if wh else [])
    con.print(f"wrote {', '.join(files)} to {out}")


def print_whole_head(con: Any, wh: dict[str, Any]) -> None:
    """The whole-head plan (3-D scalp model) on the terminal: zones, sessions, hours, price."""
    from rich import box
    from rich.table import Table

    con.print(f"[bold]Whole head[/bold] ({wh['stage']}, 3-D scalp model): {wh['treatment_area_cm2']:.0f} cm² treated "
              f"of {wh['scalp_area_cm2']:.0f} cm² hair-bearing scalp (bald {wh['bald_cm2']:.0f}, thinning "
              f"{wh['thinning_cm2']:.0f}; PRECISE {wh['precise_points']}), {wh['impressions']:,} impressions")
    n = len(wh["sessions"])
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ["zone", "state", "cm²"] + [f"session {k + 1}" for k in range(n)]:
        t.add_column(col, justify="left" if col in ("zone", "state") else "right", no_wrap=True)
    for z in wh["zones"]:
        t.add_row(z["name"], z["state"], f"{z['area_cm2']:.0f}", *(f"{v:,}" for v in z["impressions"]))
    t.add_row("total", "", f"{wh['treatment_area_cm2']:.0f}", *(f"{s['impressions']:,}" for s in wh["sessions"]))
    t.add_row("hours", "", "", *(" + ".join(f"{v:.1f}" for v in s["visits_hours"]) for s in wh["sessions"]))
    con.print(t)
    ratio = wh["min_spacing_ratio"]
    spacing = f"dots >= {ratio:.2f} x the target spacing on the surface" if ratio is not None else "no dots to lay"
    con.print(f"hours at {wh['impressions_per_hour']:,.0f} impressions/h (whole head); price {wh['price']:,.0f} "
              f"{wh['currency']} ({wh['price_basis']}); {spacing}")
    for v in wh.get("views", []):
        con.print(f"view {v['name']} ({v['orientation']}): {v['dots_visible']:,} dots seen, marks fit the model to "
                  f"{v['residual_mm']:.1f} mm RMS -> {v['file']}")
    for w in wh["warnings"]:
        con.print(f"[yellow]warning:[/yellow] {w}")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
