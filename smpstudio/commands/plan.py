"""``smp plan``: the treatment plan for a client photo.

Skin and hair colour, pigment + dilution per session, dates and aftercare, fading and touch-up, safety
checks and cost of ownership. Writes ``plan.json`` (the analysis document extended with the plan's
blocks), ``fading.png`` and ``cost.png`` to OUT, all or nothing; prints a summary (or the JSON).

With the plan made, the dot engine (:func:`smpstudio.pattern.layout.layout_pattern`,
:func:`smpstudio.render.preview.render_on_photo`) lays out the dots with the plan's dilution per session
and renders the photo with every session healed (``healed.png``) and faded to chosen years after the
last session (``years-1.png``, ``years-3.png``, ... and ``touch-up-due.png``). Fading reaches the dot
engine as an equivalent dilution: a session's faded pigment fraction ``f'``
(:func:`smpstudio.plan.fading.plan_pigment_fraction_at`, for each session's own age) is rendered as
``water' = 1 / f' - 1`` parts of water, which the engine's optics turn back into exactly ``f'``. The files
are listed in plan.json under ``renders``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from smpstudio.commands.common import check_range
from smpstudio.errors import OptionError, SMPError


def _parse_box(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise OptionError(f"--neutral-patch {text!r} is not X,Y,W,H in pixels") from None
    if w < 1 or h < 1 or x < 0 or y < 0:
        raise OptionError(f"--neutral-patch {text!r}: X, Y must be >= 0 and W, H >= 1")
    return x, y, w, h


def _parse_counts(text: str, n_sessions: int) -> tuple[int, ...]:
    try:
        counts = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise OptionError(f"--impressions {text!r} is not a comma-separated list of whole numbers") from None
    if len(counts) != n_sessions or any(c < 1 or c > 200_000 for c in counts):
        raise OptionError(f"--impressions needs {n_sessions} counts between 1 and 200,000 (got {text!r})")
    return counts


MAX_RENDER_YEARS = 20.0
HEALED_AFTER_DAYS = 28  # domain.md §2 healing: settled at ~4 weeks


def parse_years(text: str) -> tuple[float, ...]:
    """``--years 1,3`` -> (1.0, 3.0): years after the last session to render (0-20, sorted, unique)."""
    try:
        years = [float(v) for v in text.split(",")]
    except ValueError:
        raise OptionError(f"--years {text!r} is not a comma-separated list of numbers of years, e.g. 1,3") from None
    if not years or any(not math.isfinite(y) or y < 0 or y > MAX_RENDER_YEARS for y in years):
        raise OptionError(f"--years needs numbers of years between 0 and {MAX_RENDER_YEARS:g} (got {text!r})")
    return tuple(sorted(set(years)))


def rendered_sessions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's sessions that lay new dots (a suggested extra session re-layers earlier dots instead)."""
    return [s for s in plan["sessions"] if not s.get("suggested", False)]


def faded_water_parts(plan: dict[str, Any], years_after_last_session: float) -> tuple[tuple[float, ...], float]:
    """Dilutions that render the plan's dots faded ``years_after_last_session`` after its last session.

    Parameters
    ----------
    plan : dict
        ``plan.json`` (``sessions`` with ``index``, ``day``, ``pigment_fraction``, ``suggested``, and
        ``fading_curve``).
    years_after_last_session : float
        Years after the plan's last session (its dots heal in the first ~4 weeks, then fade).

    Returns
    -------
    water_parts : tuple of float
        Per session of :func:`rendered_sessions`, the water parts of ``water:1`` whose pigment fraction
        ``1 / (water + 1)`` equals what is left in that session's dots.
    pigment_remaining : float
        Share of the last session's healed pigment left (the fading curve's measure).

    Notes
    -----
    Each session's dots are older than the last session's by the days between them and are faded for
    their own age (:func:`smpstudio.plan.fading.plan_pigment_fraction_at`). A suggested extra session
    re-layers the lighter dots up to its shade (the plan's own model, :mod:`smpstudio.plan.pigment`): those
    dots carry at least what that session left in them.
    """
    from smpstudio.plan.fading import plan_pigment_fraction_at

    sessions = plan["sessions"]
    last = max(sessions, key=lambda s: int(s["day"]))
    last_day = int(last["day"])

    def left(s: dict[str, Any]) -> float:
        age_years = float(years_after_last_session) + (last_day - int(s["day"])) / 365.25
        return plan_pigment_fraction_at(plan, int(s["index"]), age_years)

    top_up = max((left(s) for s in sessions if s.get("suggested", False)), default=0.0)
    water = tuple(1.0 / max(left(s), top_up) - 1.0 for s in rendered_sessions(plan))
    return water, left(last) / float(last["pigment_fraction"])


def render_years(photo_linear: np.ndarray, base_srgb8: np.ndarray, pattern: Any, plan: dict[str, Any],
                 years: float, interval_days: int, skin_at_dots: np.ndarray, visibility: np.ndarray | None
                 ) -> tuple[np.ndarray, tuple[float, ...], float]:
    """The photo with every session's dots healed and faded ``years`` after the plan's last session.

    Parameters
    ----------
    photo_linear, base_srgb8 : ndarray (H, W, 3)
        The photo, linear float32 and encoded sRGB uint8.
    pattern : Pattern
        Laid out once with the plan's healed dilutions; a copy carries the faded ones.
    plan : dict
        ``plan.json``.
    years : float
        Years after the last session (at least the ~4 weeks of healing are shown healed).
    interval_days : int
    skin_at_dots, visibility : ndarray
        :func:`smpstudio.render.preview.skin_at` and :func:`smpstudio.render.preview.hair_visibility`.

    Returns
    -------
    image : ndarray (H, W, 3) uint8
    water_parts : tuple of float
        Dilution rendered per session (:func:`faded_water_parts`).
    pigment_remaining : float
    """
    from smpstudio.render.preview import render_on_photo

    water, remaining = faded_water_parts(plan, years)
    last_day = (len(pattern.water_parts) - 1) * interval_days
    day = last_day + max(years * 365.25, HEALED_AFTER_DAYS)
    faded = dataclasses.replace(pattern, water_parts=water)
    img = render_on_photo(photo_linear, faded, day, interval_days, skin_at_dots, visibility, only_healed=True,
                          base_srgb8=base_srgb8)
    return img, water, remaining


def _load_intake(path: Path) -> dict[str, bool]:
    import yaml

    if not path.is_file():
        raise SMPError(f"intake file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise SMPError(f"{path}: not valid YAML/JSON") from None
    if not isinstance(data, dict) or not all(isinstance(v, bool) for v in data.values()):
        raise SMPError(f"{path}: expected 'question: yes/no' answers")
    return {str(k): bool(v) for k, v in data.items()}


def plan_command(
    photo: Annotated[Path | None, typer.Argument(help="Client photo; the embedded sample if omitted")] = None,
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
    impressions: Annotated[str | None, typer.Option(
        help="Impressions per session from the dot engine, e.g. 9000,15000,6000 (else area x density)")] = None,
    impressions_per_hour: Annotated[float, typer.Option("--impressions-per-hour", help="Artist's rate")] = 4000.0,
    cost_years: Annotated[int, typer.Option("--cost-years", help="Cost horizon, years")] = 10,
    age: Annotated[int, typer.Option(help="Client's age in years")] = 35,
    style: Annotated[str, typer.Option(help="Hairline style: soft, broken or defined")] = "soft",
    seed: Annotated[int, typer.Option(help="Seed of every random choice (recorded in plan.json)")] = 0,
    shave: Annotated[bool, typer.Option(help="Render on the photo with the head shaved (simulated), as SMP is worn")] = True,
    years: Annotated[str, typer.Option(
        help="Years after the last session to render, e.g. 1,3 (0-20); touch-up-due.png is added")] = "1,3",
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Print plan.json to stdout instead of the summary")] = False,
) -> None:
    """Plan the treatment: pigment per session, dates, fading and touch-up, checks and cost."""
    from smpstudio.design.types import STYLES
    from smpstudio.plan.cost import load_prices
    from smpstudio.plan.fading import UV_LEVELS
    from smpstudio.plan.pigment import MAX_SESSIONS, MIN_SESSIONS, load_catalogue, parse_target_shade
    from smpstudio.plan.plan import PlanOptions
    from smpstudio.plan.sessions import MAX_INTERVAL_DAYS, MIN_INTERVAL_DAYS, parse_start_date

    # Every option is checked before the photo is touched: bad input costs nothing and writes nothing.
    today = dt.date.today()
    start_date = parse_start_date(start, today) if start is not None else None
    check_range("--sessions", sessions, MIN_SESSIONS, MAX_SESSIONS)
    check_range("--interval-days", interval_days, MIN_INTERVAL_DAYS, MAX_INTERVAL_DAYS, "days")
    if uv not in UV_LEVELS:
        raise OptionError(f"--uv must be one of {', '.join(UV_LEVELS)} (got {uv!r})")
    if style not in STYLES:
        raise OptionError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    check_range("--age", age, 16, 100, "years")
    check_range("--impressions-per-hour", impressions_per_hour, 500, 20000)
    check_range("--cost-years", cost_years, 1, 40, "years")
    if seed < 0:
        raise OptionError("--seed must be a non-negative integer")
    target = parse_target_shade(target_shade) if target_shade is not None else None
    cat = load_catalogue(catalogue)
    if pigment is not None:
        cat.get(pigment)
    price_table = load_prices(prices)
    answers = _load_intake(intake) if intake is not None else {}
    from smpstudio.plan.checks import check_contraindications

    check_contraindications(answers)  # unknown questions fail here
    box = _parse_box(neutral_patch) if neutral_patch is not None else None
    counts = _parse_counts(impressions, sessions) if impressions is not None else None
    render_at = parse_years(years)
    opts = PlanOptions(
        n_sessions=sessions, interval_days=interval_days, start=start_date, today=today, uv=uv,
        oily_scalp=skin_oily, flaky_scalp=skin_flaky, exfoliation=exfoliation, smoking=smoking,
        target_lab=None if target is None else (float(target[0]), float(target[1]), float(target[2])),
        pigment_id=pigment, impressions_per_hour=impressions_per_hour, cost_years=cost_years, intake=answers,
        impressions_per_session=counts)

    from smpstudio.commands.common import read_photo, write_json, write_png
    from smpstudio.consultation import consult_photo
    from smpstudio.outputs import staged_output
    from smpstudio.plan.plan import build_plan
    from smpstudio.reports.charts import cost_png, fading_png

    img = read_photo(photo)
    neutral = None
    if box is not None:
        x, y, w, h = box
        if x + w > img.width or y + h > img.height:
            raise OptionError(f"--neutral-patch {neutral_patch} lies outside the {img.width}x{img.height} photo")
        neutral = np.zeros((img.height, img.width), bool)
        neutral[y:y + h, x:x + w] = True
    c = consult_photo(img, age=age, style=style, seed=seed, shave=shave)
    analysis, design, doc = c.analysis, c.design, c.doc
    area = float(sum(z.area_cm2 for z in design.zones))
    if not area > 0:
        raise SMPError("the design has no treatment area; check the photo")
    result = build_plan(img.rgb, c.masks_as_taken.skin, c.masks_as_taken.hair, area_cm2=area, options=opts,
                        catalogue=cat, prices=price_table, neutral_mask=neutral,
                        mfp_height_mm=design.hairline.mfp_height_mm, age=age)
    text = merge_plan(doc.model_dump(mode="json", exclude_none=True), result.block.model_dump(mode="json"))
    images, text["renders"] = _render_plan(c.photo.rgb, analysis, design, text, render_at, interval_days, seed)
    fade, cost = result.fading, result.cost
    with staged_output(out) as stage:
        write_json(stage / "plan.json", text)
        for name, rgb8 in images.items():
            write_png(stage / name, rgb8)
        (stage / "fading.png").write_bytes(fading_png(
            fade.years, fade.contrast_relative, threshold=fade.threshold, touch_up_years=fade.touch_up_years,
            pigment_remaining=fade.pigment_remaining))
        (stage / "cost.png").write_bytes(cost_png(cost.years, cost.cumulative, currency=cost.currency))
    if json_out:
        sys.stdout.write(json.dumps(text, indent=2, ensure_ascii=False) + "\n")
    else:
        print_summary(text, out)


def _render_plan(rgb: np.ndarray, analysis: Any, design: Any, plan: dict[str, Any], years: tuple[float, ...],
                 interval_days: int, seed: int) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """Lay out the dots with the plan's shades once; render healed, each chosen year and the touch-up."""
    from smpstudio.plan.fading import HEALING_YEARS
    from smpstudio.render.scene import design_pattern, prepare_scene

    water = tuple(float(s["water_parts"]) for s in rendered_sessions(plan))
    pattern = design_pattern(analysis, design, n_sessions=len(water), interval_days=interval_days, seed=seed,
                             ita_deg=float(plan["skin"]["ita_deg"]), water_parts=water)
    scene = prepare_scene(rgb, analysis, pattern, design.frame.px_per_mm)
    lin, base, skin_at_dots, vis = scene.linear, scene.base_srgb8, scene.skin_at_dots, scene.visibility
    # healed.png: the last session's dots have just healed (~4 weeks), the earlier ones a little longer ago
    wanted = [("healed.png", HEALING_YEARS)] + [(f"years-{y:g}.png", y) for y in years]
    due = plan["touch_up"]["due_years"]
    if due is not None:
        wanted.append(("touch-up-due.png", float(due)))
    images: dict[str, np.ndarray] = {}
    renders: list[dict[str, Any]] = []
    for name, y in wanted:
        images[name], w, remaining = render_years(lin, base, pattern, plan, y, interval_days, skin_at_dots, vis)
        renders.append({"file": name, "years_after_last_session": round(y, 4),
                        "pigment_remaining": round(remaining, 4), "water_parts": [round(v, 3) for v in w],
                        "dots": len(pattern)})
    return images, renders


def merge_plan(doc: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """The analysis document extended with the plan's blocks (warnings appended, sessions replaced)."""
    merged = dict(doc)
    for key, value in block.items():
        if key == "warnings":
            merged["warnings"] = list(doc.get("warnings", [])) + list(value)
        elif key == "inputs":
            merged["plan_inputs"] = value
        else:
            merged[key] = value
    return merged


def print_summary(text: dict[str, Any], out: Path) -> None:
    """A readable Rich summary of the plan on the terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
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
    files = ["plan.json", "fading.png", "cost.png"] + [x["file"] for x in renders]
    con.print(f"wrote {', '.join(files)} to {out}")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
