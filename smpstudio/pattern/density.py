"""Dot density fields (dots/cm^2) per session, from a hairline design.

On the scalp's surface the density is full behind the transition zone, rises across the zone with a
feathered (smoothstep) gradient, carries the style's micro-irregularity at the edge (soft: fine, broken:
coarse and staggered, defined: a crisp edge-up), and is reduced among existing hair. Sessions layer it
(domain.md §1 layering): session 1 is sparse with a conservative, higher line; later sessions add
density and bring the line down to the design; the last one reaches full density. Each session's field
is nowhere above the next one's, so the ranked sampler selects nested dot sets.

The sampler works on the face plane (image-plane mm), where a surface density ``n`` appears as
``n / foreshortening``; the fields here are on that plane, on a regular millimetre grid.

References
----------
.. [1] /work/shared/domain.md §1 (density 65-85 FU/cm^2 -> 1.16-1.33 mm spacing; layering: session 1
   light, sparse, conservative), §3 (transition zone, micro-irregularity, soft/broken vs defined),
   §4 (74.4 FU/cm^2, Guo 2017).

Examples
--------
>>> p = DensityParams()
>>> session_fractions(3, p)
(0.4, 0.75, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from smpstudio.analysis.headmodel import MIN_FORESHORTENING
from smpstudio.analysis.types import FaceFrame
from smpstudio.errors import OptionError
from smpstudio.pattern.sampling import DensityGrid

# domain.md §1: natural density 65-85 FU/cm^2 (spacing 1.16-1.33 mm); a 1 mm grid is ~100 dots/cm^2.
DEFAULT_FULL_DENSITY_PER_CM2 = 80.0
# Densest pattern a 3RL 0.25 mm needle can place without impressions merging: spacing >= ~0.87 mm
# (3.5 needle diameters) [model choice from domain.md §1 needles/spacing].
MAX_DENSITY_PER_CM2 = 150.0


@dataclass(frozen=True)
class DensityParams:
    """Parameters of the density fields (every one overridable).

    Attributes
    ----------
    full_density_per_cm2 : float
        Final density behind the transition zone (domain.md §1: ~65-85 /cm^2 natural, up to ~100).
    hair_density_factor : float
        Multiplier where existing hair remains (thinning areas get dots between hairs); where the hair is
        shown buzzed, the density is ``max(1 - cover, hair_density_factor)`` of full, ``cover`` the share
        of the buzzed look the stubble already shows (:func:`smpstudio.render.scene.stubble_cover`).
    session_fractions : tuple of float, optional
        Fraction of the full density reached after each session (increasing, last = 1). Default by
        number of sessions (:func:`session_fractions`).
    session_offsets_mm : tuple of float, optional
        How far behind the designed line each session's edge starts (decreasing, last = 0).
    edge_irregularity_mm : dict
        Amplitude (mm) of the edge's noise by style.
    edge_scale_mm : dict
        Correlation length (mm) of the edge's noise by style.
    defined_ramp_mm : float
        Width of the defined style's edge ramp.
    stray_mm : dict
        How far in front of the line single stray dots may fall, by style.
    cell_mm : float
        Grid spacing of the fields.
    """

    full_density_per_cm2: float = DEFAULT_FULL_DENSITY_PER_CM2
    hair_density_factor: float = 0.5
    session_fractions: tuple[float, ...] | None = None
    session_offsets_mm: tuple[float, ...] | None = None
    edge_irregularity_mm: dict[str, float] = field(
        default_factory=lambda: {"soft": 1.2, "broken": 3.0, "defined": 0.25})
    edge_scale_mm: dict[str, float] = field(default_factory=lambda: {"soft": 2.0, "broken": 4.0, "defined": 2.0})
    defined_ramp_mm: float = 1.5
    stray_mm: dict[str, float] = field(default_factory=lambda: {"soft": 1.5, "broken": 2.5, "defined": 0.0})
    cell_mm: float = 0.5

    def validate(self, n_sessions: int) -> None:
        """Refuse contradictory parameters with one readable line."""
        if n_sessions < 1:
            raise OptionError("--sessions must be at least 1")
        if n_sessions > 6:
            raise OptionError("--sessions must be at most 6 (domain.md §1: 2-4 sessions)")
        if not 0 < self.full_density_per_cm2 <= MAX_DENSITY_PER_CM2:
            raise OptionError(
                f"density {self.full_density_per_cm2:g} dots/cm² is beyond what the needles can place "
                f"(at most {MAX_DENSITY_PER_CM2:g} dots/cm², spacing ~0.87 mm)")
        if not 0 <= self.hair_density_factor <= 1:
            raise OptionError("the density among existing hair must be a fraction between 0 and 1")
        fr = session_fractions(n_sessions, self)
        if any(b < a for a, b in zip(fr, fr[1:], strict=False)) or not 0 < fr[0] or abs(fr[-1] - 1) > 1e-9:
            raise OptionError("session densities must grow from session to session and end at 1 (full density)")
        off = session_offsets(n_sessions, self)
        if any(b > a for a, b in zip(off, off[1:], strict=False)) or off[-1] != 0 or min(off) < 0:
            raise OptionError("session hairline offsets must shrink to 0 at the last session")


def session_fractions(n_sessions: int, params: DensityParams) -> tuple[float, ...]:
    """Density fraction reached after each session (domain.md §1 layering: session 1 light and sparse,
    session 2 most of the density, later sessions refine)."""
    if params.session_fractions is not None:
        if len(params.session_fractions) != n_sessions:
            raise OptionError(f"{len(params.session_fractions)} session densities given for {n_sessions} sessions")
        return tuple(float(f) for f in params.session_fractions)
    table = {1: (1.0,), 2: (0.5, 1.0), 3: (0.4, 0.75, 1.0), 4: (0.35, 0.65, 0.85, 1.0)}
    if n_sessions in table:
        return table[n_sessions]
    return tuple(round(0.35 + 0.65 * (k / (n_sessions - 1)) ** 0.8, 4) for k in range(n_sessions))


def session_offsets(n_sessions: int, params: DensityParams) -> tuple[float, ...]:
    """How far (mm) behind the designed line each session's edge lies: session 1 conservative."""
    if params.session_offsets_mm is not None:
        if len(params.session_offsets_mm) != n_sessions:
            raise OptionError(f"{len(params.session_offsets_mm)} offsets given for {n_sessions} sessions")
        return tuple(float(o) for o in params.session_offsets_mm)
    base = (3.0, 1.0)
    return tuple(base[k] if k < len(base) and k < n_sessions - 1 else 0.0 for k in range(n_sessions))


def smooth_noise(shape: tuple[int, int], scale_cells: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth value noise in [-1, 1] with a correlation length of ``scale_cells`` grid cells."""
    h, w = shape
    gh = int(math.ceil(h / max(scale_cells, 1.0))) + 3
    gw = int(math.ceil(w / max(scale_cells, 1.0))) + 3
    lattice = rng.uniform(-1.0, 1.0, size=(gh, gw)).astype(np.float32)
    big = cv2.resize(lattice, (int(gw * scale_cells), int(gh * scale_cells)), interpolation=cv2.INTER_CUBIC)
    return np.clip(big[:h, :w], -1.0, 1.0)


def smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass
class FaceGrid:
    """The design's rasters resampled onto a millimetre grid of the face plane."""

    x0_mm: float
    y0_mm: float
    cell_mm: float
    treatment: np.ndarray  # float in [0, 1]
    behind_mm: np.ndarray
    foreshortening: np.ndarray
    hair: np.ndarray  # float in [0, 1]
    hairline_zone: np.ndarray  # float in [0, 1]
    temples: np.ndarray
    cover: np.ndarray | None = None  # float in [0, 1]: share of the full buzzed look the photo already shows

    @property
    def shape(self) -> tuple[int, int]:
        return self.treatment.shape  # type: ignore[return-value]

    def nodes_mm(self) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.shape
        return (self.x0_mm + np.arange(w) * self.cell_mm, self.y0_mm + np.arange(h) * self.cell_mm)


def face_grid(frame: FaceFrame, treatment_mask: np.ndarray, behind_hairline_mm: np.ndarray,
              foreshortening: np.ndarray, hair_mask: np.ndarray | None = None,
              hairline_zone: np.ndarray | None = None, temples: np.ndarray | None = None,
              hair_cover: np.ndarray | None = None,
              cell_mm: float = 0.5, margin_mm: float = 4.0) -> FaceGrid:
    """Resample pixel rasters (H, W) onto a face-plane mm grid covering the treatment area.

    Parameters
    ----------
    frame : FaceFrame
    treatment_mask, hair_mask, hairline_zone, temples : ndarray of bool (H, W)
    behind_hairline_mm, foreshortening : ndarray of float (H, W)
    cell_mm : float
        Grid spacing (mm).
    """
    ys, xs = np.nonzero(treatment_mask)
    if len(xs) == 0:
        raise OptionError("the design has no treatment area to place dots in")
    corners_px = np.array([[xs.min(), ys.min()], [xs.max() + 1, ys.min()], [xs.min(), ys.max() + 1],
                           [xs.max() + 1, ys.max() + 1]], dtype=np.float64)
    cm = frame.to_mm(corners_px)
    x0, x1 = cm[:, 0].min() - margin_mm, cm[:, 0].max() + margin_mm
    y0, y1 = cm[:, 1].min() - margin_mm, cm[:, 1].max() + margin_mm
    nx = int(math.ceil((x1 - x0) / cell_mm)) + 1
    ny = int(math.ceil((y1 - y0) / cell_mm)) + 1
    gx, gy = np.meshgrid(x0 + np.arange(nx) * cell_mm, y0 + np.arange(ny) * cell_mm)
    px = frame.to_px(np.stack([gx.ravel(), gy.ravel()], axis=1))
    # only the part of the rasters the grid reads (plus a pixel for the bilinear taps) is converted
    h, w = treatment_mask.shape
    c0 = int(max(math.floor(px[:, 0].min()) - 2, 0))
    c1 = int(min(math.ceil(px[:, 0].max()) + 2, w))
    r0 = int(max(math.floor(px[:, 1].min()) - 2, 0))
    r1 = int(min(math.ceil(px[:, 1].max()) + 2, h))
    # pixel (i, j) covers [j, j+1) x [i, i+1): its centre is at +0.5; cv2.remap samples at integer = centre
    map_x = (px[:, 0] - 0.5 - c0).reshape(ny, nx).astype(np.float32)
    map_y = (px[:, 1] - 0.5 - r0).reshape(ny, nx).astype(np.float32)

    def rs(img: np.ndarray | None, default: float = 0.0) -> np.ndarray:
        if img is None or c0 >= c1 or r0 >= r1:
            return np.full((ny, nx), default, np.float32)
        src = np.ascontiguousarray(np.asarray(img)[r0:r1, c0:c1], dtype=np.float32)
        if default != 0.0:
            src = np.nan_to_num(src, nan=default)
        return cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=default)

    return FaceGrid(x0, y0, cell_mm, rs(treatment_mask), rs(behind_hairline_mm, -1e3), rs(foreshortening, 1.0),
                    rs(hair_mask), rs(hairline_zone), rs(temples), None if hair_cover is None else rs(hair_cover))


def surface_density(grid: FaceGrid, style: str, transition_mm: float, params: DensityParams, seed: int,
                    offset_mm: float = 0.0) -> np.ndarray:
    """Surface density (dots/cm^2) at full layering with the edge moved back by ``offset_mm``."""
    rng = np.random.default_rng([int(seed), 7])
    amp = params.edge_irregularity_mm.get(style, 1.0)
    scale = params.edge_scale_mm.get(style, 2.0) / grid.cell_mm
    n1 = smooth_noise(grid.shape, scale, rng)
    n2 = smooth_noise(grid.shape, max(scale / 3.0, 1.0), rng)
    b = grid.behind_mm - offset_mm + amp * (0.75 * n1 + 0.25 * n2)
    stray = params.stray_mm.get(style, 0.0)
    if style == "defined":
        ramp = smoothstep(b / max(params.defined_ramp_mm, 1e-3))
    else:
        # feathered: from a sparse fringe of strays in front of the line to full density behind the zone
        t = (b + stray) / max(transition_mm + stray, 1e-3)
        ramp = smoothstep(t) ** 1.5
    if style == "broken":
        # staggered edge: clusters and gaps along the line (domain.md §3)
        gaps = smooth_noise(grid.shape, 1.5 / grid.cell_mm, rng)
        edge = np.clip(1.0 - b / max(transition_mm, 1e-3), 0.0, 1.0)
        ramp = ramp * np.clip(1.0 - edge * np.maximum(gaps, 0.0) * 1.2, 0.0, 1.0)
    if style in ("soft", "broken"):
        ramp = ramp * (1.0 - 0.25 * np.clip(grid.temples, 0.0, 1.0))  # faded temples
    hair = 1.0 - (1.0 - params.hair_density_factor) * np.clip(grid.hair, 0.0, 1.0)
    if grid.cover is not None:
        # buzzed hair already shows part of the look the dots are calibrated to: they add the rest, never
        # less than the density among existing hair (dots between the hairs everywhere)
        hair = hair * np.maximum(1.0 - np.clip(grid.cover, 0.0, 1.0), params.hair_density_factor)
    mask = np.clip((grid.treatment - 0.25) / 0.5, 0.0, 1.0)
    return (params.full_density_per_cm2 * ramp * hair * mask).astype(np.float64)


def session_grids(grid: FaceGrid, n_sessions: int, style: str, transition_mm: float, params: DensityParams,
                  seed: int) -> list[DensityGrid]:
    """Face-plane density grids (dots/cm^2 of image-plane area) after each session, nested."""
    params.validate(n_sessions)
    fr = session_fractions(n_sessions, params)
    off = session_offsets(n_sessions, params)
    fore = np.clip(grid.foreshortening, MIN_FORESHORTENING, 1.0).astype(np.float64)
    out: list[DensityGrid] = []
    prev: np.ndarray | None = None
    for f, o in zip(fr, off, strict=True):
        n = f * surface_density(grid, style, transition_mm, params, seed, o) / fore
        if prev is not None:
            n = np.maximum(n, prev)  # never below the previous session (nesting)
        out.append(DensityGrid(n, grid.x0_mm, grid.y0_mm, grid.cell_mm))
        prev = n
    return out
