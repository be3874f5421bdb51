"""``smp plan``: the treatment plan for a client photo.

Skin and hair colour, pigment + dilution per session, dates and aftercare, fading and touch-up, safety
checks and cost of ownership. Writes ``plan.json`` (the analysis document extended with the plan's
blocks), ``fading.png`` and ``cost.png`` to OUT, all or nothing; prints a summary (or the JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

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
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Print plan.json to stdout instead of the summary")] = False,
) -> None:
    """Plan the treatment: pigment per session, dates, fading and touch-up, checks and cost."""
    import numpy as np

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
    opts = PlanOptions(
        n_sessions=sessions, interval_days=interval_days, start=start_date, today=today, uv=uv,
        oily_scalp=skin_oily, flaky_scalp=skin_flaky, exfoliation=exfoliation, smoking=smoking,
        target_lab=None if target is None else (float(target[0]), float(target[1]), float(target[2])),
        pigment_id=pigment, impressions_per_hour=impressions_per_hour, cost_years=cost_years, intake=answers,
        impressions_per_session=counts)

    from smpstudio.commands.common import read_photo, write_json
    from smpstudio.consultation import consult
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
    analysis, design, doc = consult(img, age=age, style=style, seed=seed)
    area = float(sum(z.area_cm2 for z in design.zones))
    if not area > 0:
        raise SMPError("the design has no treatment area; check the photo")
    result = build_plan(img.rgb, analysis.masks.skin, analysis.masks.hair, area_cm2=area, options=opts,
                        catalogue=cat, prices=price_table, neutral_mask=neutral,
                        mfp_height_mm=design.hairline.mfp_height_mm, age=age)
    text = merge_plan(doc.model_dump(mode="json", exclude_none=True), result.block.model_dump(mode="json"))
    fade, cost = result.fading, result.cost
    with staged_output(out) as stage:
        write_json(stage / "plan.json", text)
        (stage / "fading.png").write_bytes(fading_png(
            fade.years, fade.contrast_relative, threshold=fade.threshold, touch_up_years=fade.touch_up_years,
            pigment_remaining=fade.pigment_remaining))
        (stage / "cost.png").write_bytes(cost_png(cost.years, cost.cumulative, currency=cost.currency))
    if json_out:
        sys.stdout.write(json.dumps(text, indent=2, ensure_ascii=False) + "\n")
    else:
        print_summary(text, out)


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
    con.print(f"wrote {out / 'plan.json'}, {out / 'fading.png'} and {out / 'cost.png'}")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
