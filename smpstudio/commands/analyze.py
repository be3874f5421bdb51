"""``smp analyze``: analyse a photo and propose a hairline; writes plan.json and an annotated PNG."""

from __future__ import annotations

import sys
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
    ScaleOpt,
    ScalpOpt,
    SeedOpt,
    StageOpt,
    StyleOpt,
    design_inputs,
    read_photo,
    scalp_inputs,
    write_json,
    write_png,
)
from smpstudio.outputs import check_output_dir, staged_output


def analyze_command(
    photo: PhotoArg = None,
    age: AgeOpt = 35,
    style: StyleOpt = "soft",
    mfp_mm: MfpOpt = None,
    conservative: ConservativeOpt = False,
    seed: SeedOpt = 0,
    move: MoveOpt = None,
    mirror: MirrorOpt = True,
    hair_loss_stage: StageOpt = None,
    scale: ScaleOpt = "norwood",
    scalp: ScalpOpt = "auto",
    out: OutOpt = Path("out"),
    json_out: Annotated[bool, typer.Option("--json", help="Also print plan.json to stdout")] = False,
) -> None:
    """Analyse a frontal photo and propose a hairline: writes plan.json and analysis.png to OUT."""
    from smpstudio.pipeline import Inputs, Pipeline
    from smpstudio.pipeline.document import document_json
    from smpstudio.reports.annotate import annotate

    inputs = Inputs(seed=seed, scalp=scalp_inputs(scalp),
                    design=design_inputs(age, style, seed, mfp_mm, conservative, move, mirror, hair_loss_stage, scale))
    check_output_dir(out)  # an unusable --out fails before the slow work
    img = read_photo(photo)
    step = Pipeline().design(img, inputs)
    doc = step.document
    text = document_json(doc)
    with staged_output(out) as stage:
        write_json(stage / "plan.json", text)
        write_png(stage / "analysis.png", annotate(img.rgb, step.scalp.analysis, step.design))
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


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_command)
