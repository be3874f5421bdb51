"""Hand-drawn region labels of the test photos (tests/data/regions/*.json) and their comparison with
the analysis masks."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

REGIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "regions"
REGION_NAMES = ("head", "hair", "scalp", "forehead")
SCORED = REGION_NAMES + ("skin_above_brows",)  # scalp | forehead: robust to where one ends


def load_labels(photo: str, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Boolean masks (H, W) of the labelled regions of ``photo`` (astronaut, biden, obama, obama2)."""
    doc = json.loads((REGIONS_DIR / f"{photo}.json").read_text())
    out = {}
    for name in REGION_NAMES:
        m = np.zeros(shape, np.uint8)
        polys = [np.round(np.asarray(p, np.float64) * 16).astype(np.int32).reshape(-1, 1, 2)
                 for p in doc["regions"][name]]
        if polys:
            cv2.fillPoly(m, polys, 1, lineType=cv2.LINE_8, shift=4)
        out[name] = m.astype(bool)
    out["skin_above_brows"] = out["scalp"] | out["forehead"]
    return out


def predicted_regions(analysis) -> dict[str, np.ndarray]:
    """The analysis' masks as the four labelled regions.

    ``scalp`` and ``forehead`` come from the masks of the same names; an analysis without them (the
    code before they existed) is scored with no scalp and forehead = skin above the brows.
    """
    m = analysis.masks
    h, w = m.hair.shape
    scalp = getattr(m, "scalp", None)
    forehead = getattr(m, "forehead", None)
    if scalp is None:
        scalp = np.zeros((h, w), bool)
    if forehead is None:
        brow_y = min(analysis.points_px["left_brow_top"][1], analysis.points_px["right_brow_top"][1])
        forehead = m.skin & m.head & (np.arange(h)[:, None] < brow_y)
    return {"head": m.head, "hair": m.hair, "scalp": scalp, "forehead": forehead,
            "skin_above_brows": scalp | forehead}


def region_scores(pred: dict[str, np.ndarray], labels: dict[str, np.ndarray]) -> dict[str, float]:
    """IoU per region; for a region the photo does not show (empty label) 1 - false area / head area."""
    out = {}
    head_area = max(int(labels["head"].sum()), 1)
    for name in SCORED:
        p, t = pred[name], labels[name]
        if not t.any():
            out[name] = 1.0 - float(p.sum()) / head_area
        else:
            out[name] = float((p & t).sum()) / max(float((p | t).sum()), 1.0)
    return out
