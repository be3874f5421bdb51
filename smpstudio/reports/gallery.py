"""The preview gallery: for every test photo, before | session 1 healed | final healed | 3 years.

``python -m smpstudio.reports.gallery [OUT]`` (``make gallery``) renders ``docs/gallery/`` from the
embedded sample and the real photos installed by ``scripts/setup.sh``
(:mod:`smpstudio.imaging.real_photos`), through the same pipeline as ``smp preview`` and ``smp plan``
with the CLI's defaults. Each panel is cropped to the head (the photos are full-length portraits) and
shown at its own resolution; ``index.md`` lists what each row shows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from smpstudio.imaging.intake import Photo, load_photo
from smpstudio.imaging.samples import sample_photo
from smpstudio.reports.crop import head_box

PANEL_HEIGHT_PX = 480  # display size of each panel (head crop scaled to this height)
YEARS = 3.0


def gallery_photos() -> list[tuple[str, Photo]]:
    """``(name, photo)`` for the sample and every installed real photo."""
    from smpstudio.imaging.real_photos import PHOTOS, photo_path

    return [("sample", sample_photo())] + [(n.removesuffix(".jpg"), load_photo(photo_path(n))) for n in PHOTOS]


def gallery_row(photo: Photo, seed: int = 0) -> tuple[np.ndarray, dict[str, object]]:
    """The four panels side by side (uint8) and the figures of the row."""
    import cv2

    from smpstudio.pipeline import Inputs, Pipeline
    from smpstudio.pipeline.renders import scene_for, session_renders, years_renders
    from smpstudio.reports.labels import label_strip

    step = Pipeline().plan(photo, Inputs(seed=seed))
    scene = scene_for(step)
    renders = dict(session_renders(step, scene))
    n = len(step.pattern.water_parts)
    years, _ = years_renders(step, scene, (YEARS,))
    panels = [("before", photo.to_uint8()), ("session 1 healed", renders["session-1-healed.png"]),
              (f"session {n} healed", renders[f"session-{n}-healed.png"]),
              (f"{YEARS:g} years later", years[f"years-{YEARS:g}.png"])]
    x0, y0, x1, y1 = head_box(step.pattern_step.design.scalp.analysis.masks.head)
    out = []
    for title, img in panels:
        crop = img[y0:y1, x0:x1]
        scale = PANEL_HEIGHT_PX / crop.shape[0]
        size = (max(1, round(crop.shape[1] * scale)), PANEL_HEIGHT_PX)
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        out.append(label_strip(crop, title))
        out.append(np.full((out[-1].shape[0], 6, 3), 255, np.uint8))
    doc = step.pattern_step.design.document
    facts: dict[str, object] = {"scalp": doc.scalp, "dots": len(step.pattern), "treatment_cm2": doc.treatment_area_cm2,
             "px_per_mm": round(doc.analysis.scale_px_per_mm, 2)}
    return np.hstack(out[:-1]), facts


def main(out: Path = Path("docs/gallery")) -> None:
    from smpstudio.imaging.png import encode_png

    out.mkdir(parents=True, exist_ok=True)
    lines = ["# Preview gallery", "",
             f"Each row: before | session 1 healed | final session healed | {YEARS:g} years after the last session "
             "(CLI defaults, seed 0; cropped to the head). Regenerate with `make gallery`.", ""]
    for name, photo in gallery_photos():
        row, facts = gallery_row(photo)
        (out / f"{name}.png").write_bytes(encode_png(row))
        lines += [f"## {name}", "", f"![{name}]({name}.png)", "",
                  ", ".join(f"{k}: {v}" for k, v in facts.items()), ""]
    (out / "index.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"gallery: {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/gallery"))
