"""``smp analyze``: analyse a photo and propose a hairline; writes plan.json and an annotated PNG."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from smpstudio.commands.common import check_range, read_photo, write_json, write_png
from smpstudio.design.types import STYLES
from smpstudio.errors import OptionError
from smpstudio.outputs import staged_output


def analyze_command(
    photo: Annotated[Path | None, typer.Argument(help="Client photo (JPEG, PNG, WebP, TIFF); the embedded sample if omitted")] = None,
    age: Annotated[int, typer.Option(help="Client's age in years")] = 35,
    style: Annotated[str, typer.Option(help="Hairline style: soft, broken or defined")] = "soft",
    mfp_mm: Annotated[float | None, typer.Option("--mfp-mm", help="MFP height above the glabella along the forehead, 70-100 mm")] = None,
    conservative: Annotated[bool, typer.Option(help="Raise the hairline 10 mm")] = False,
    seed: Annotated[int, typer.Option(help="Seed of every random choice (recorded in plan.json)")] = 0,
    move: Annotated[list[str] | None, typer.Option(help="Move a hairline control point: INDEX:X,Y in face-frame mm (0-6, left to right; 3 = MFP). Repeatable")] = None,
    mirror: Annotated[bool, typer.Option(help="Mirror moved control points to the other side")] = True,
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Also print plan.json to stdout")] = False,
) -> None:
    """Analyse a frontal photo and propose a hairline: writes plan.json and analysis.png to OUT."""
    from smpstudio.consultation import consult
    from smpstudio.reports.annotate import annotate

    if style not in STYLES:
        raise OptionError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    check_range("--age", age, 16, 100, "years")
    if mfp_mm is not None:
        check_range("--mfp-mm", mfp_mm, 70, 100, "mm")
    if seed < 0:
        raise OptionError("--seed must be a non-negative integer")
    moves = [parse_move(m) for m in (move or [])]
    img = read_photo(photo)
    analysis, design, doc = consult(img, age=age, style=style, seed=seed, mfp_height_mm=mfp_mm,
                                    conservative=conservative, moves=moves, mirror=mirror)
    text = doc.model_dump(mode="json", exclude_none=True)
    with staged_output(out) as stage:
        write_json(stage / "plan.json", text)
        write_png(stage / "analysis.png", annotate(img.rgb, analysis, design))
    if json_out:
        import json

        sys.stdout.write(json.dumps(text, indent=2) + "\n")
    else:
        typer.echo(
            f"scale {doc.analysis.scale_px_per_mm:.3f} px/mm ({doc.analysis.scale_source}), "
            f"MFP {doc.hairline.mfp_height_mm:.0f} mm above the glabella (surface; "
            f"{doc.hairline.mfp_height_image_mm:.0f} mm on the image), treatment {doc.treatment_area_cm2:.0f} cm² visible"
        )
        for wmsg in doc.warnings:
            typer.echo(f"warning: {wmsg}")
        typer.echo(f"wrote {out / 'plan.json'} and {out / 'analysis.png'}")


def parse_move(text: str) -> tuple[int, tuple[float, float]]:
    """``"1:-50,75"`` -> ``(1, (-50.0, 75.0))``."""
    try:
        idx, xy = text.split(":", 1)
        x, y = xy.split(",", 1)
        return int(idx), (float(x), float(y))
    except ValueError:
        raise OptionError(f"--move {text!r} is not INDEX:X,Y (e.g. 1:-48,92)") from None


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_command)
