"""Where the scalp step works on the photo: the skull, the hair on it, the hair's volume beyond it.

* **Skull outline**: the head model's ellipsoid silhouette, widened to the face oval down to the ears'
  lower end (the ellipsoid pinches in at the temples, and what hair hides beside the face is the side
  of the head, not background), and, for the step's work, to the same ellipse fitted to the head's
  silhouette above the temples (:mod:`smpstudio.scalp.outline`; a turned head's model sits to one side).
* **Scalp to buzz**: hair on the skull above the brows or beside the face, above the chin. Skin is
  never in it: the client's forehead and bald scalp stay the photo's own pixels.
* **Volume**: hair outside the skull, with a margin for its wispy edge (labelled background but still
  hair-coloured).
* **Forehead**: the mesh's forehead and cheeks on skin, where the lighting and grain are measured.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from smpstudio.analysis.landmarks import (
    FACE_OVAL,
    IDX_LEFT_BROW_UPPER,
    IDX_LEFT_IRIS,
    IDX_LEFT_TEMPLE,
    IDX_RIGHT_BROW_UPPER,
    IDX_RIGHT_IRIS,
    IDX_RIGHT_TEMPLE,
    IDX_SUBNASALE,
)
from smpstudio.analysis.segmentation import FOREHEAD_POLY, LEFT_CHEEK_POLY, RIGHT_CHEEK_POLY
from smpstudio.analysis.types import Analysis
from smpstudio.scalp.outline import HAIR_ALLOWANCE_MM, HAIR_REACH_MM, Outline, fit_outline

VOLUME_MARGIN_MM = 3.0  # background margin taken around the removed hair volume before the fill
FACE_RIM_MM = 4.0  # the face mesh's outer rim holds hair at the temples (as the background fill's RIM_MM)
BUZZ_REACH_MM = HAIR_REACH_MM  # short hair stands out at most this far beyond the skull model (buzzed in place)
NORMAL_GRID_MM = 1.5  # normals vary slowly: evaluated every 1.5 mm and interpolated


@dataclass
class Regions:
    """Masks (bool, (H, W)) and maps of the scalp step on one (working-resolution) image."""

    normals: np.ndarray  # (H, W, 3) float32 head-model normals, 0 off the skull
    skull: np.ndarray
    model_skull: np.ndarray  # the head model's own (widened) outline, before the fit to the silhouette
    scalp: np.ndarray  # hair on the skull: to be buzzed
    volume: np.ndarray  # hair beyond the skull: background to reconstruct
    forehead: np.ndarray  # forehead skin (lighting, albedo, grain, sheen)
    face_skin: np.ndarray  # skin of the face mesh (the lighting fit's samples)
    brow_y: float
    chin_y: float
    crown_px: tuple[float, float]


def _top_edge(oval: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The face oval's upper boundary as y(x): points of the polygon's upper half sorted by x."""
    top = oval[np.argsort(oval[:, 0])]
    upper = top[top[:, 1] <= np.median(oval[:, 1])]
    return upper[:, 0], upper[:, 1]


def _poly(shape: tuple[int, int], pts: np.ndarray, polys: tuple[tuple[int, ...], ...]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    for poly in polys:
        cv2.fillPoly(m, [np.round(pts[list(poly)]).astype(np.int32).reshape(-1, 1, 2)], 1)
    return m.astype(bool)


def head_normals(analysis: Analysis, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Head-model normals (H, W, 3) and its silhouette, on a ~1.5 mm grid over the head's box, scaled up."""
    h, w = shape
    head = analysis.head
    assert head is not None
    m = analysis.masks
    ppm = analysis.frame.px_per_mm
    step = max(1, int(round(NORMAL_GRID_MM * ppm)))
    r, c = np.nonzero(m.head.any(axis=1))[0], np.nonzero(m.head.any(axis=0))[0]
    pad = int(10 * ppm) + step
    hy = slice(max(0, r[0] - pad), min(h, r[-1] + 1 + pad)) if len(r) else slice(0, h)
    hx = slice(max(0, c[0] - pad), min(w, c[-1] + 1 + pad)) if len(c) else slice(0, w)
    bw, bh = hx.stop - hx.start, hy.stop - hy.start
    gx = np.arange(0, bw, step) + 0.5 * step
    gy = np.arange(0, bh, step) + 0.5 * step
    xx, yy = np.meshgrid(gx + hx.start, gy + hy.start)
    q, fs = head.surface_at_px(np.stack([xx.ravel(), yy.ravel()], axis=1))
    grad = (q - head.center_mm) / head.radii_mm**2
    n = grad @ head.rotation.T
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    on = (fs > 0).reshape(len(gy), len(gx))
    n_grid = np.nan_to_num(n).reshape(len(gy), len(gx), 3).astype(np.float32)
    n_grid[~on] = 0
    normals = np.zeros((h, w, 3), np.float32)
    normals[hy, hx] = cv2.resize(n_grid, (bw, bh), interpolation=cv2.INTER_LINEAR)
    skull = np.zeros((h, w), bool)
    skull[hy, hx] = cv2.resize(on.astype(np.float32), (bw, bh), interpolation=cv2.INTER_LINEAR) > 0.5
    return normals, skull


def find_regions(analysis: Analysis, shape: tuple[int, int], *, reach_mm: float | None = None,
                 skin_like: np.ndarray | None = None, to_outline: bool = False) -> Regions:
    """The scalp step's regions on an image of ``shape`` (H, W) described by ``analysis``.

    ``reach_mm`` limits the volume to hair within that distance of the skull (buzzing short hair: what
    stands out farther is no hair of this head, whatever the mask says); None removes all of it.
    ``skin_like`` marks pixels of the skin's colour: beside the face below the eyes they are the ears, kept
    even where a coarse hair mask covers them (without it, everything there is kept).
    ``to_outline`` widens the skull's outline to the model's ellipse fitted to the head's silhouette
    (:mod:`smpstudio.scalp.outline`); ``model_skull`` keeps the model's own, against which the situation
    measures how far hair stands out (long hair says nothing of the skull).
    """
    h, w = shape
    m = analysis.masks
    pts = analysis.landmarks_px.astype(np.float64)
    ppm = analysis.frame.px_per_mm
    normals, skull = head_normals(analysis, shape)
    on_head = None
    if to_outline and skull.any():  # the model's outline fitted to the head the photo shows
        temple_y = float(np.mean(pts[[IDX_LEFT_TEMPLE, IDX_RIGHT_TEMPLE], 1]))
        model = Outline.of_mask(skull)
        back = fit_outline(model, m.head, temple_y, ppm).to(model)
        fitted = cv2.warpAffine(skull.astype(np.uint8), back, (w, h),
                                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP).astype(bool)
        # the fit only widens the model: within the head, not on the hair's outer rim (an ellipse fitted to the
        # top is narrower than the head at the temples, where the model's outline is kept)
        a = max(1, int(round(HAIR_ALLOWANCE_MM * ppm)))
        inside = cv2.erode(m.head.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * a + 1,) * 2))
        on_head = skull | fitted & inside.astype(bool)
    # a valid normal wherever the widened outline reaches beyond the ellipsoid: the nearest one inside
    rows = np.arange(h)[:, None]
    oval = pts[list(FACE_OVAL)]
    brow_y = float(min(pts[list(IDX_LEFT_BROW_UPPER), 1].min(), pts[list(IDX_RIGHT_BROW_UPPER), 1].min()))
    chin_y = float(pts[FACE_OVAL[18], 1])
    ear_low_y = float(pts[IDX_SUBNASALE, 1])

    def widened(outline: np.ndarray) -> np.ndarray:
        contours, _ = cv2.findContours(outline.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if not contours:
            return outline
        hull = cv2.convexHull(np.concatenate([np.concatenate(contours).reshape(-1, 2),
                                              np.round(oval).astype(np.int32)]).astype(np.int32))
        out = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(out, hull, 1)
        return outline | out.astype(bool) & (rows < ear_low_y)

    model_skull = widened(skull)
    skull = model_skull if on_head is None else widened(on_head)
    missing = skull & ~(np.abs(normals).sum(axis=2) > 0)
    if missing.any():  # outside the ellipsoid, inside the widened outline: the side of the head, facing out
        _, lab = cv2.distanceTransformWithLabels((~(np.abs(normals).sum(axis=2) > 0)).astype(np.uint8),
                                                 cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
        src = np.abs(normals).sum(axis=2) > 0
        sy, sx = np.nonzero(src)
        lut = np.zeros((int(lab.max()) + 1, 3), np.float32)
        lut[lab[sy, sx]] = normals[sy, sx]
        normals[missing] = lut[lab[missing]]
    above_brows = rows < brow_y
    above_chin = rows < chin_y
    # the ears: beside the face below the eyes; they are skin even where a coarse hair mask covers them
    eye_y = float(pts[list(IDX_LEFT_IRIS) + list(IDX_RIGHT_IRIS), 1].mean())
    ears = ~m.face & (rows > eye_y)
    if skin_like is not None:
        k = max(3, int(round(2 * ppm)) | 1)
        ears &= cv2.morphologyEx(skin_like.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((k, k), np.uint8)).astype(bool)
    mesh_top = np.interp(np.arange(w), *_top_edge(oval))[None, :]
    # hair on the skull above the brows, or beside the face (the sides are clippered too); a fringe over the
    # face mesh's top counts as scalp hair. Skin is never replaced.
    # hair on the face mesh's outer rim (the temples' hair the mesh takes in) is clippered with the sides
    rim = max(1, int(round(FACE_RIM_MM * ppm)))
    inner = cv2.erode(m.face.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1,) * 2))
    on_rim = m.face & ~inner.astype(bool)
    scalp = skull & m.hair & (above_brows | ~m.face | on_rim | (rows < mesh_top)) & above_chin & ~ears
    volume = m.hair & ~skull & above_chin & ~ears
    grow = max(2, int(round(VOLUME_MARGIN_MM * ppm)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    volume = cv2.dilate(volume.astype(np.uint8), kernel).astype(bool) & ~skull & ~m.face & above_chin & ~m.skin & ~ears
    face_skin = m.skin & m.face
    forehead = forehead_skin(analysis, shape)
    r, c = np.nonzero(skull.any(axis=1))[0], np.nonzero(skull.any(axis=0))[0]
    top_y = float(r[0]) if len(r) else 0.0
    cx = float(0.5 * (c[0] + c[-1])) if len(c) else w / 2
    # the hair stream radiates from the vertex whorl, behind the top of the head on a frontal photo: from
    # there the frontal hair points forward (down the image) and the sides' hair down and out. (A whorl a
    # quarter of the way down from the top drew a visible sunburst on the front of the head.)
    crown = (cx, top_y - 0.5 * (brow_y - top_y))
    reg = Regions(normals, skull, model_skull, scalp, volume, forehead, face_skin, brow_y, chin_y, crown)
    return reg if reach_mm is None else within_reach(reg, reach_mm, ppm)


def within_reach(reg: Regions, reach_mm: float, ppm: float) -> Regions:
    """``reg`` with its volume limited to ``reach_mm`` beyond the skull (short hair: what stands out farther
    is no hair of this head, whatever the mask says)."""
    reach = int(round(reach_mm * ppm))
    near = cv2.dilate(reg.skull.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
    return replace(reg, volume=reg.volume & near.astype(bool))


def cheeks_and_forehead(analysis: Analysis, shape: tuple[int, int]) -> np.ndarray:
    """Forehead and cheek polygons of the mesh, on skin."""
    pts = analysis.landmarks_px.astype(np.float64)
    return _poly(shape, pts, (FOREHEAD_POLY, LEFT_CHEEK_POLY, RIGHT_CHEEK_POLY)) & analysis.masks.skin


def forehead_skin(analysis: Analysis, shape: tuple[int, int]) -> np.ndarray:
    """The mesh's forehead polygon, on skin."""
    return _poly(shape, analysis.landmarks_px.astype(np.float64), (FOREHEAD_POLY,)) & analysis.masks.skin
