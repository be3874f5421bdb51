"""``smp pack``: the client's pack of one consultation, as PDFs.

Writes to OUT (all or nothing): ``consultation.pdf`` (before/after each session, the hairline, dates and
hours, aftercare, fading and touch-up, cost against a transplant and medication, what to know, the
disclaimer), ``quote.pdf`` (the plan's sessions at the clinic's prices, the touch-up, total, validity),
``aftercare.pdf`` (one page) and the ``plan.json`` they show. The consultation's options are ``smp plan``'s,
so the same photo and options give the same dates, impressions and prices.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from smpstudio.commands.common import (
    AgeOpt,
    ConservativeOpt,
    MfpOpt,
    MirrorOpt,
    MoveOpt,
    OutOpt,
    PhotoArg,
    ScalpOpt,
    SeedOpt,
    ShaveOpt,
    StyleOpt,
    check_range,
    design_inputs,
    pattern_inputs,
    plan_inputs,
    read_photo,
    scalp_inputs,
    write_json,
)
from smpstudio.errors import OptionError
from smpstudio.pipeline.inputs import Inputs


def _parse_years(text: str) -> tuple[float, ...]:
    import math

    try:
        years = sorted({float(v) for v in text.split(",")})
    except ValueError:
        raise OptionError(f"--years {text!r} is not a comma-separated list of numbers of years, e.g. 1,3") from None
    if not years or len(years) > 3 or any(not math.isfinite(y) or not 0 < y <= 20 for y in years):
        raise OptionError(f"--years needs one to three numbers of years between 0 and 20 (got {text!r})")
    return tuple(years)


def _parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise OptionError(f"{option} {text!r} is not a date written YYYY-MM-DD (e.g. 2027-01-11)") from None


def pack_command(
    photo: PhotoArg = None,
    client_name: Annotated[str | None, typer.Option("--client-name", help="Client's name, printed on every page")] = None,
    clinic_name: Annotated[str, typer.Option("--clinic-name", help="Clinic's name")] = "SMP Studio",
    issued: Annotated[str | None, typer.Option(help="Date of the consultation and the quote, YYYY-MM-DD (today)")] = None,
    valid_days: Annotated[int, typer.Option("--valid-days", help="Days the quote is valid, 1-365")] = 30,
    start: Annotated[str | None, typer.Option(help="Date of session 1, YYYY-MM-DD (not in the past)")] = None,
    sessions: Annotated[int, typer.Option(help="Number of sessions, 2-4")] = 3,
    interval_days: Annotated[int, typer.Option("--interval-days", help="Days between sessions, 7-30")] = 14,
    uv: Annotated[str, typer.Option(help="Sun exposure: low, med or high")] = "med",
    skin_oily: Annotated[bool, typer.Option("--skin-oily", help="Oily scalp (fades faster)")] = False,
    skin_flaky: Annotated[bool, typer.Option("--skin-flaky", help="Flaky scalp (fades faster)")] = False,
    exfoliation: Annotated[bool, typer.Option(help="Client exfoliates the scalp (fades faster)")] = False,
    smoking: Annotated[bool, typer.Option(help="Client smokes (fades faster)")] = False,
    target_shade: Annotated[str | None, typer.Option("--target-shade", help="Healed shade wanted: 'L,a,b' or hex #rrggbb")] = None,
    pigment: Annotated[str | None, typer.Option(help="Use this catalogue pigment id only")] = None,
    catalogue: Annotated[Path | None, typer.Option(help="Clinic pigment catalogue (YAML/JSON)")] = None,
    prices: Annotated[Path | None, typer.Option(help="Clinic prices (YAML/JSON)")] = None,
    intake: Annotated[Path | None, typer.Option(help="Intake answers (YAML: pregnancy: false, ...)")] = None,
    density: Annotated[float, typer.Option(help="Final density behind the transition zone, dots/cm² (domain: 65-100)")] = 80.0,
    impressions_per_hour: Annotated[float, typer.Option("--impressions-per-hour", help="Artist's rate")] = 4000.0,
    cost_years: Annotated[int, typer.Option("--cost-years", help="Cost horizon, years")] = 10,
    age: AgeOpt = 35,
    style: StyleOpt = "soft",
    seed: SeedOpt = 0,
    mfp_mm: MfpOpt = None,
    conservative: ConservativeOpt = False,
    move: MoveOpt = None,
    mirror: MirrorOpt = True,
    scalp: ScalpOpt = "auto",
    shave: ShaveOpt = True,
    years: Annotated[str, typer.Option(help="Years after the last session to show, e.g. 1,3 (at most three)")] = "1,3",
    out: OutOpt = Path("out/pack"),
) -> None:
    """The client's pack: consultation.pdf, quote.pdf and aftercare.pdf (and their plan.json)."""
    from smpstudio.reports.pack import check_name

    # every option is checked before the photo is touched: bad input costs nothing and writes nothing
    if client_name is None:
        raise OptionError("--client-name is needed: the pack is printed for one client")
    name = check_name(client_name)
    clinic = check_name(clinic_name, "--clinic-name")
    today = dt.date.today()
    issued_on = _parse_date(issued, "--issued") if issued is not None else today
    check_range("--valid-days", valid_days, 1, 365, "days")
    plan_in, cat, price_table = plan_inputs(
        start=start, uv=uv, skin_oily=skin_oily, skin_flaky=skin_flaky, exfoliation=exfoliation, smoking=smoking,
        target_shade=target_shade, pigment=pigment, catalogue=catalogue, prices=prices, intake=intake,
        impressions_per_hour=impressions_per_hour, cost_years=cost_years)
    shown_years = _parse_years(years)
    inputs = Inputs(
        seed=seed, scalp=scalp_inputs(scalp, shave),
        design=design_inputs(age, style, seed, mfp_mm, conservative, move, mirror),
        pattern=pattern_inputs(sessions, interval_days, density),
        plan=plan_in)

    from smpstudio.outputs import check_output_dir, staged_output
    from smpstudio.pipeline import Pipeline
    from smpstudio.pipeline.document import document_json
    from smpstudio.reports.pack import client_pack

    check_output_dir(out)  # an unusable --out fails before the slow work
    planned = Pipeline(catalogue=cat, prices=price_table).plan(read_photo(photo), inputs)
    pack = client_pack(planned, client_name=name, issued=issued_on, clinic=clinic, valid_days=valid_days,
                       years=shown_years)
    with staged_output(out) as stage:
        write_json(stage / "plan.json", document_json(pack.document))
        for file, data in pack.pdfs.items():
            (stage / file).write_bytes(data)
    print(f"wrote {', '.join(sorted(pack.pdfs))} and plan.json to {out}")


def register(app: typer.Typer) -> None:
    app.command("pack")(pack_command)
