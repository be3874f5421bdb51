"""Helpers shared by the CLI commands (I/O lives here, not in the engine)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from smpstudio.errors import OptionError, SMPError
from smpstudio.imaging.intake import Photo, load_photo, to_uint8
from smpstudio.imaging.samples import sample_photo
from smpstudio.pipeline.inputs import (
    SCALP_MODES,
    DesignInputs,
    PatternInputs,
    PlanInputs,
    ScalpInputs,
    ScarSpec,
    WholeHeadInputs,
)
from smpstudio.plan.cost import Prices
from smpstudio.plan.datafile import read_yaml
from smpstudio.plan.pigment import Catalogue
from smpstudio.schema import MAX_SEED  # plan.json, the records API and --seed share it


def read_photo(path: Path | None) -> Photo:
    """The photo at ``path`` at the consultation's working resolution
    (:func:`smpstudio.imaging.working.working_photo`), or the embedded sample when no path is given."""
    from smpstudio.imaging.heap import fix_mmap_threshold
    from smpstudio.imaging.working import working_photo

    fix_mmap_threshold()  # before the photo's arrays: freed ones go back to the system (peak memory)
    return sample_photo() if path is None else working_photo(load_photo(path))


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an RGB image (uint8, or float32 in [0, 1]) as PNG with no metadata.

    Encoded by :func:`smpstudio.imaging.png.encode_png` (3x OpenCV's fastest settings, smaller files;
    ``benchmarks/bench_png.py``), which matters for the many 12 MP images a preview writes.
    """
    from smpstudio.imaging.png import encode_png

    arr = image if image.dtype == np.uint8 else to_uint8(image)
    path.write_bytes(encode_png(arr))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def check_range(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    """Refuse a value outside [lo, hi] with one readable line."""
    if not lo <= value <= hi:
        u = f" {unit}" if unit else ""
        raise OptionError(f"{name} must be between {lo:g} and {hi:g}{u} (got {value:g}{u})")


# ---- options shared by the consultation commands (analyze, preview, plan) -------------------------------
# Declared once as annotated types; each command lists the ones it takes and builds the pipeline's
# inputs with design_inputs() / scalp_inputs().

PhotoArg = Annotated[Path | None, typer.Argument(
    help="Client photo (JPEG, PNG, WebP, TIFF); the embedded sample if omitted")]
AgeOpt = Annotated[int, typer.Option(help="Client's age in years")]
StyleOpt = Annotated[str, typer.Option(help="Hairline style: soft, broken or defined")]
SeedOpt = Annotated[int, typer.Option(help="Seed of every random choice (recorded in plan.json)")]
MfpOpt = Annotated[float | None, typer.Option(
    "--mfp-mm", help="MFP height above the glabella along the forehead, 70-100 mm")]
ConservativeOpt = Annotated[bool, typer.Option(help="Raise the hairline 10 mm")]
MoveOpt = Annotated[list[str] | None, typer.Option(
    help="Move a hairline control point: INDEX:X,Y in face-frame mm (0-6, left to right; 3 = MFP). Repeatable")]
MirrorOpt = Annotated[bool, typer.Option(help="Mirror moved control points to the other side")]
ScalpOpt = Annotated[str, typer.Option(
    help="How the head is shown: auto (chosen from the photo), as-is, buzz or shave")]
ShaveOpt = Annotated[bool, typer.Option(help="--no-shave: the same as --scalp as-is (draw on the photo as taken)")]
OutOpt = Annotated[Path, typer.Option(help="Output folder")]
StageOpt = Annotated[str | None, typer.Option(
    "--stage", help="Hair-loss stage: norwood-1 ... norwood-7 (2a, 3a, 3-vertex, 4a, 5a), ludwig-1 ... ludwig-3; "
         "default: proposed from the photo")]
ScaleOpt = Annotated[str, typer.Option(
    "--scale", help="The scale the hair-loss stage is proposed on: norwood (men) or ludwig (women)")]

ScarOpt = Annotated[list[str] | None, typer.Option(
    "--scar", help="A scar to cover (repeatable): fut[:LENGTH_MM,WIDTH_MM] (strip scar across the occiput), "
         "fue:COUNT[,DIAMETER_MM] (round FUE scars over the donor area), line:X,Y;X,Y;...[@WIDTH_MM] or "
         "area:X,Y;X,Y;X,Y;... (marked on the photo, px)")]


def _numbers(text: str, what: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        raise OptionError(f"--scar {what}: {text!r} is not comma-separated numbers") from None
    if not all(math.isfinite(v) for v in vals):
        raise OptionError(f"--scar {what}: numbers must be finite")
    return vals


def parse_scar(text: str) -> ScarSpec:
    """``--scar`` -> a :class:`ScarSpec` (one-line errors); sizes are checked again on the head model.

    Examples
    --------
    >>> parse_scar("fut:220,2").length_mm, parse_scar("fue:300").count, parse_scar("line:1,2;3,4@2").width_mm
    (220.0, 300, 2.0)
    """
    kind, _, rest = text.strip().partition(":")
    kind = kind.lower()
    if kind == "fut":
        if not rest:
            return ScarSpec("fut")
        vals = _numbers(rest, "fut")
        if len(vals) != 2:
            raise OptionError(f"--scar {text!r}: fut takes LENGTH_MM,WIDTH_MM (e.g. fut:250,1.5)")
        return ScarSpec("fut", length_mm=vals[0], width_mm=vals[1])
    if kind == "fue":
        vals = _numbers(rest, "fue") if rest else []
        if len(vals) not in (1, 2) or vals[0] != int(vals[0]):
            raise OptionError(f"--scar {text!r}: fue takes COUNT[,DIAMETER_MM] (e.g. fue:800,0.9)")
        return ScarSpec("fue", count=int(vals[0]), diameter_mm=vals[1] if len(vals) == 2 else 0.9)
    if kind in ("line", "area"):
        pts_text, _, width = rest.partition("@")
        pts = []
        for xy in filter(None, pts_text.split(";")):
            v = _numbers(xy, kind)
            if len(v) != 2:
                raise OptionError(f"--scar {text!r}: points are X,Y pairs separated by ';'")
            pts.append((v[0], v[1]))
        need = 2 if kind == "line" else 3
        if len(pts) < need:
            raise OptionError(f"--scar {text!r}: a {kind} needs at least {need} points X,Y;X,Y...")
        w = _numbers(width, kind)[0] if width else (1.5 if kind == "line" else 0.0)
        return ScarSpec(kind, px=tuple(pts), width_mm=w)
    raise OptionError(f"--scar {text!r}: begin with fut, fue, line or area")


def whole_head_inputs(scar: list[str] | None) -> WholeHeadInputs:
    """``--scar`` options as the whole-head plan's inputs."""
    return WholeHeadInputs(scars=tuple(parse_scar(s) for s in (scar or [])))


ViewOpt = Annotated[Path | None, typer.Option(
    "--views", help="YAML/JSON list of extra photos (top, back, sides) with the reference points marked on each: "
         "- {name: top, orientation: top, photo: top.jpg, marks: {mfp: [x, y], whorl: [x, y], ft_left: [x, y]}, "
         "sticker: {a: [x, y], b: [x, y], mm: 20}}")]


def _xy(v: Any, where: str) -> tuple[float, float]:
    if not (isinstance(v, list | tuple) and len(v) == 2 and all(isinstance(c, int | float) for c in v)
            and all(math.isfinite(float(c)) for c in v)):
        raise SMPError(f"{where}: expected [x, y] in pixels (got {v!r})")
    return float(v[0]), float(v[1])


def load_views(path: Path) -> list[Any]:
    """``--views``: the extra photos and their marks (:class:`smpstudio.pipeline.ViewPhoto`); photos are read
    relative to the file; one-line errors."""
    from smpstudio.head3d.views import NOMINAL_VIEWS, REFERENCE_POINTS, Sticker
    from smpstudio.pipeline import ViewPhoto

    data, _ = read_yaml(path, "", "views")
    if not isinstance(data, list) or not data:
        raise SMPError(f"{path}: expected a list of views")
    out, names = [], set()
    for i, v in enumerate(data):
        where = f"{path} view {i + 1}"
        if not isinstance(v, dict) or set(v) - {"name", "orientation", "photo", "marks", "sticker"}:
            raise SMPError(f"{where}: expected name, orientation, photo, marks (and sticker)")
        orientation = str(v.get("orientation", ""))
        if orientation not in NOMINAL_VIEWS:
            raise SMPError(f"{where}: orientation must be one of {', '.join(NOMINAL_VIEWS)}")
        name = str(v.get("name") or orientation)
        if name in names or not name.replace("-", "").replace("_", "").isalnum():
            raise SMPError(f"{where}: name {name!r} must be unique letters, digits, - or _")
        names.add(name)
        marks = v.get("marks")
        if not isinstance(marks, dict):
            raise SMPError(f"{where}: marks must map reference points ({', '.join(REFERENCE_POINTS)}) to [x, y]")
        sticker = None
        if v.get("sticker") is not None:
            st = v["sticker"]
            if not isinstance(st, dict) or set(st) != {"a", "b", "mm"} or not isinstance(st["mm"], int | float) \
                    or not 1 <= float(st["mm"]) <= 200:
                raise SMPError(f"{where}: sticker is {{a: [x, y], b: [x, y], mm: 1-200}}")
            sticker = Sticker(_xy(st["a"], where), _xy(st["b"], where), float(st["mm"]))
        photo_file = path.parent / str(v.get("photo", ""))
        if not photo_file.is_file():
            raise SMPError(f"{where}: photo not found: {photo_file}")
        out.append(ViewPhoto(name, orientation, read_photo(photo_file),
                             {str(k): _xy(p, f"{where} mark {k}") for k, p in marks.items()}, sticker))
    return out


def parse_move(text: str) -> tuple[int, tuple[float, float]]:
    """``"1:-50,75"`` -> ``(1, (-50.0, 75.0))``; refuses what is not INDEX:X,Y with finite numbers."""
    try:
        idx, xy = text.split(":", 1)
        x, y = xy.split(",", 1)
        move = int(idx), (float(x), float(y))
    except ValueError:
        raise OptionError(f"--move {text!r} is not INDEX:X,Y (e.g. 1:-48,92)") from None
    if not all(math.isfinite(v) for v in move[1]):
        raise OptionError(f"--move {text!r}: X and Y must be finite numbers of mm")
    return move


def design_inputs(age: int, style: str, seed: int, mfp_mm: float | None = None, conservative: bool = False,
                  move: list[str] | None = None, mirror: bool = True, stage: str | None = None,
                  scale: str = "norwood") -> DesignInputs:
    """The design's inputs from the command's options, each checked (one-line errors)."""
    from smpstudio.design.types import STYLES

    if style not in STYLES:
        raise OptionError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    check_range("--age", age, 16, 100, "years")
    if mfp_mm is not None:
        check_range("--mfp-mm", mfp_mm, 70, 100, "mm")
    if not 0 <= seed <= MAX_SEED:
        raise OptionError(f"--seed must be a whole number from 0 to {MAX_SEED}")
    if stage is not None:
        from smpstudio.design.stage import parse_stage

        try:
            stage = parse_stage(stage)
        except ValueError as exc:
            raise OptionError(f"--stage: {exc}") from None
    from smpstudio.design.stage_proposal import SCALES

    if scale not in SCALES:
        raise OptionError(f"--scale must be one of {', '.join(SCALES)} (got {scale!r})")
    return DesignInputs(age=age, style=style, mfp_height_mm=mfp_mm, conservative=conservative,
                        moves=tuple(parse_move(m) for m in (move or [])), mirror=mirror, stage=stage, scale=scale)


def scalp_inputs(scalp: str, shave: bool = True) -> ScalpInputs:
    """``--scalp`` (``--no-shave`` is ``--scalp as-is``)."""
    if scalp not in SCALP_MODES:
        raise OptionError(f"--scalp must be one of {', '.join(SCALP_MODES)} (got {scalp!r})")
    return ScalpInputs(mode=scalp if shave else "as-is")


def pattern_inputs(sessions: int, interval_days: int, density: float = 80.0, blowout_share: float = 0.0,
                   neutral_box_px: tuple[int, int, int, int] | None = None) -> PatternInputs:
    """The pattern's inputs from the command's options: the plan's rules (domain.md §1: 2-4 sessions,
    7-30 days apart), a density the needles can place."""
    from smpstudio.pattern.density import MAX_DENSITY_PER_CM2
    from smpstudio.plan.pigment import MAX_SESSIONS, MIN_SESSIONS
    from smpstudio.plan.sessions import MAX_INTERVAL_DAYS, MIN_INTERVAL_DAYS

    check_range("--sessions", sessions, MIN_SESSIONS, MAX_SESSIONS)
    if interval_days < 0:
        raise OptionError(f"--interval-days must not be negative (got {interval_days})")
    check_range("--interval-days", interval_days, MIN_INTERVAL_DAYS, MAX_INTERVAL_DAYS, "days")
    if not math.isfinite(density) or density <= 0:
        raise OptionError("--density must be a positive number of dots/cm²")
    if density > MAX_DENSITY_PER_CM2:
        raise OptionError(f"--density {density:g} dots/cm² is beyond what the needles can place "
                          f"(at most {MAX_DENSITY_PER_CM2:g} dots/cm², ~0.87 mm apart)")
    check_range("--blowout-share", blowout_share, 0, 0.3)
    return PatternInputs(n_sessions=sessions, interval_days=interval_days, density_per_cm2=density,
                         blowout_share=blowout_share, neutral_box_px=neutral_box_px)


def load_intake(path: Path) -> dict[str, bool]:
    """``--intake``: a YAML/JSON file of ``question: yes/no`` answers, checked against the one intake
    schema the records API uses (:class:`smpstudio.plan.intake.IntakeAnswers`); one-line errors."""
    from smpstudio.plan.intake import parse_intake

    data, _ = read_yaml(path, "", "intake")
    if not isinstance(data, dict):
        raise SMPError(f"{path}: expected 'question: yes/no' answers")
    try:
        return parse_intake({str(k): v for k, v in data.items()}).answered()
    except SMPError as exc:
        raise SMPError(f"{path}: {exc}") from None


def plan_inputs(*, start: str | None, uv: str, skin_oily: bool, skin_flaky: bool, exfoliation: bool,
                smoking: bool, target_shade: str | None, pigment: str | None, catalogue: Path | None,
                prices: Path | None, intake: Path | None, impressions_per_hour: float, cost_years: int,
                ) -> tuple[PlanInputs, Catalogue, Prices]:
    """The plan's inputs, the clinic's catalogue and prices from ``smp plan``'s options (``smp pack`` takes
    the same), each checked before the photo is touched: bad input costs nothing and writes nothing."""
    import datetime as dt

    from smpstudio.optics.fading import UV_LEVELS
    from smpstudio.plan.checks import check_contraindications
    from smpstudio.plan.cost import load_prices
    from smpstudio.plan.pigment import load_catalogue, parse_target_shade
    from smpstudio.plan.sessions import parse_start_date

    today = dt.date.today()
    start_date = parse_start_date(start, today) if start is not None else None
    if uv not in UV_LEVELS:
        raise OptionError(f"--uv must be one of {', '.join(UV_LEVELS)} (got {uv!r})")
    check_range("--impressions-per-hour", impressions_per_hour, 500, 20000)
    check_range("--cost-years", cost_years, 1, 40, "years")
    target = parse_target_shade(target_shade) if target_shade is not None else None
    cat = load_catalogue(catalogue)
    if pigment is not None:
        cat.get(pigment)
    price_table = load_prices(prices)
    answers = load_intake(intake) if intake is not None else {}
    check_contraindications(answers)  # unknown questions fail here
    return PlanInputs(start=start_date, today=today, uv=uv, oily_scalp=skin_oily, flaky_scalp=skin_flaky,
                      exfoliation=exfoliation, smoking=smoking,
                      target_lab=None if target is None else (float(target[0]), float(target[1]), float(target[2])),
                      pigment_id=pigment, impressions_per_hour=impressions_per_hour, cost_years=cost_years,
                      intake=tuple(sorted(answers.items()))), cat, price_table
