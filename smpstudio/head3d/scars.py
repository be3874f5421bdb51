"""Scars on the 3-D scalp: marked by the artist (a polyline with a width, or a polygon; on a photo or on the
surface) or from a preset (a linear FUT strip scar across the occiput, scattered round FUE scars in the donor
area), and how the plan treats scar tissue.

Scar tissue is its own zone of the plan:

* **density**: the scar is filled at the full density of the pattern, whatever the stage says of the hair
  around it (a strip scar in kept, buzzed hair shows as a bare line until it carries the same dots; the
  aim is a scar "minimally detectable" [1]); the usual blend of kept hair next to treated scalp
  (:mod:`smpstudio.head3d.stages`) fades the dots out around it;
* **one dot in every FUE scar**: each round FUE scar gets a dot at its centre (laid first, the pattern's
  spacing kept around it), as the white dot scars are what shows [4];
* **passes**: scar tissue takes up pigment less predictably than normal scalp ([3]: "may not always respond
  to pigment", more sessions; [5], [6]: 2-4 sessions on scars); with a share ``uptake`` of impressions
  that hold per pass, ``passes = ceil(log(1 - target) / log(1 - uptake))`` passes leave ``target`` of the
  scar's dots holding pigment. The scar's dots are laid in session 1 and gone over again in the next
  sessions, so every scar dot gets its passes inside the plan's sessions;
* **warnings**: a test patch on the scar tissue first; the scar healed for at least 12 months, flat and no
  longer red or pink ([5], [6]; [7] says 6 months); raised (keloid, hypertrophic) scars are assessed first.

Preset sizes: an FUT strip leaves a linear scar across the occiput, often ear to ear [4] (length 200-300 mm,
width 1-2 mm by default); FUE leaves round scars up to ~1 mm across, hundreds to thousands of them, over the
donor area at the back and sides [4], [2].

References
----------
.. [1] Rassman, W. R., Pak, J. P., Kim, J., Estrin, N. F. "Scalp micropigmentation: a concealer for hair and
   scalp deformities." J Clin Aesthet Dermatol 8(3):35-42, 2015.
.. [2] Traquina, A. C. "Micropigmentation as an adjuvant in cosmetic surgery of the scalp." Dermatol Surg
   27(2):123-128, 2001 (62 patients, scalp scars camouflaged).
.. [3] americascalp.com, "SMP for scarring" [clinic]: scar tissue may not always respond to pigment; more sessions.
.. [4] smphq.com.au, "Scar concealment" [clinic]: FUE scars round, up to a millimetre, hundreds to thousands;
   FUT a linear occipital scar, sometimes ear to ear.
.. [5] looknaturalatl.com, "Scar camouflage" [clinic]: scars 9-12 months healed, smooth and flat; 2-4 sessions.
.. [6] empirebeauty.org, "Scar camouflage" [clinic]: scar at least 1 year old, not red or pink; 2-4 sessions.
.. [7] dermmicro.com, "Does SMP work for scars" [clinic]: at least 6 months; bumpy scars may swell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from smpstudio.errors import SMPError
from smpstudio.head3d.surface import HeadSurface, SurfaceGrid
from smpstudio.head3d.zones import fringe_top_deg

SCAR_KINDS = ("line", "area", "fue")
#: [4] FUT strip scar, defaults: length and width (mm)
FUT_LENGTH_MM, FUT_WIDTH_MM = 250.0, 1.5
FUT_LENGTH_RANGE_MM, FUT_WIDTH_RANGE_MM = (50.0, 350.0), (0.5, 10.0)
#: [4] FUE scar diameter (mm): round, up to ~1 mm
FUE_DIAMETER_MM = 0.9
FUE_DIAMETER_RANGE_MM = (0.3, 2.0)
FUE_COUNT_RANGE = (1, 6000)
#: [calibration choice] the share of impressions in scar tissue that hold pigment after one pass; no source gives
#: a figure ([3]: "may not always respond"); 0.6 gives 3 passes for 90 % ([5], [6]: 2-4 sessions on scars)
SCAR_UPTAKE = 0.6
SCAR_TARGET_HELD = 0.9  # share of the scar's dots that should hold pigment at the end
MIN_SCAR_AGE_MONTHS = 12  # [5] 9-12 months, [6] at least 1 year ([7]: 6 months)


def scar_passes(uptake: float = SCAR_UPTAKE, target: float = SCAR_TARGET_HELD) -> int:
    """Passes over scar tissue so that ``target`` of its dots hold pigment.

    Examples
    --------
    >>> scar_passes(), scar_passes(0.9)
    (3, 1)
    """
    return max(1, math.ceil(math.log(1.0 - target) / math.log(1.0 - uptake) - 1e-9))


@dataclass(frozen=True)
class Scar:
    """One scar on the surface (mm): a polyline with a width, a polygon, or round FUE scars (centres).

    Parameters
    ----------
    kind : {'line', 'area', 'fue'}
    points_mm : (K, 3) array
        Polyline vertices, polygon vertices or FUE centres on the surface.
    width_mm : float
        Line width, or an FUE scar's diameter (0 for a polygon).
    label : str
        What it is, in words (``"FUT strip scar"``, ``"marked on the front photo"``).
    """

    kind: str
    points_mm: np.ndarray
    width_mm: float
    label: str
    marked_px: tuple[tuple[float, float], ...] = ()
    view: str = "surface"
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def length_mm(self) -> float:
        """Length of a line scar (mm along its polyline); 0 for the others."""
        if self.kind != "line" or len(self.points_mm) < 2:
            return 0.0
        return float(np.linalg.norm(np.diff(self.points_mm, axis=0), axis=1).sum())


def _resample(poly_mm: np.ndarray, step_mm: float, closed: bool = False) -> np.ndarray:
    p = np.asarray(poly_mm, dtype=np.float64)
    if closed:
        p = np.concatenate([p, p[:1]])
    out = [p[:1]]
    for a, b in zip(p[:-1], p[1:], strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step_mm)))
        out.append(a + (b - a) * (np.arange(1, n + 1) / n)[:, None])
    return np.concatenate(out)


def in_scar(surface: HeadSurface, scar: Scar, p_mm: np.ndarray) -> np.ndarray:
    """Which surface points (..., 3) mm lie in the scar (exact geometry: discs, a band round the polyline, the
    polygon on the tangent plane at its centroid)."""
    p = np.asarray(p_mm, dtype=np.float64)
    flat = p.reshape(-1, 3)
    ok = np.all(np.isfinite(flat), axis=1)
    out = np.zeros(len(flat), bool)
    q = flat[ok]
    if scar.kind in ("line", "fue"):
        ref = _resample(scar.points_mm, 0.05) if scar.kind == "line" else scar.points_mm
        d, _ = cKDTree(ref).query(q, distance_upper_bound=scar.width_mm)
        out[ok] = d <= scar.width_mm / 2
    else:
        from skimage.measure import points_in_poly

        c = scar.points_mm.mean(axis=0)
        n = surface.normal(c)
        u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(n, u)
        reach = float(np.max(np.linalg.norm(scar.points_mm - c, axis=1)))
        rel = q - c
        near = (np.linalg.norm(rel, axis=1) < reach + 1.0) & (rel @ n > -reach)
        poly = np.stack([(scar.points_mm - c) @ u, (scar.points_mm - c) @ v], axis=1)
        hit = np.zeros(len(q), bool)
        if near.any():
            hit[near] = points_in_poly(np.stack([rel[near] @ u, rel[near] @ v], axis=1), poly)
        out[ok] = hit
    return out.reshape(p.shape[:-1])


def scar_cells(grid: SurfaceGrid, surface: HeadSurface, scar: Scar) -> np.ndarray:
    """The grid cells (T, A) bool in the scar: their centres in it, and at least the cell under each FUE centre
    and under the polyline (a scar narrower than a cell still gets its cells)."""
    out = in_scar(surface, scar, grid.points_mm)
    if scar.kind in ("line", "fue"):
        ref = _resample(scar.points_mm, 0.1) if scar.kind == "line" else scar.points_mm
        flat = out.reshape(-1)
        flat[cKDTree(grid.points_mm.reshape(-1, 3)).query(ref)[1]] = True
    return out


def scar_area_cm2(grid: SurfaceGrid, cells: np.ndarray, scar: Scar) -> float:
    """Surface area of the scar (cm²): its cells' area, or for FUE scars their discs (cells are coarser)."""
    if scar.kind == "fue":
        return float(len(scar.points_mm) * math.pi * (scar.width_mm / 2) ** 2 / 100.0)
    if scar.kind == "line":  # a thin line covers few cells: its length x width is exact
        return scar.length_mm * scar.width_mm / 100.0
    return float(grid.area_cm2[cells].sum())


# ---- presets ---------------------------------------------------------------------------------------------
def _fringe_middle(surface: HeadSurface, alpha_deg: np.ndarray) -> np.ndarray:
    return 0.5 * (surface.boundary_theta_deg(alpha_deg) + fringe_top_deg(surface, alpha_deg))


def fut_strip(surface: HeadSurface, length_mm: float = FUT_LENGTH_MM, width_mm: float = FUT_WIDTH_MM) -> Scar:
    """The linear FUT donor scar: across the occiput along the middle of the fringe, centred on the midline.

    Examples
    --------
    >>> s = fut_strip(HeadSurface.average())
    >>> round(s.length_mm), s.width_mm
    (250, 1.5)
    """
    _check("FUT scar length", length_mm, FUT_LENGTH_RANGE_MM, "mm")
    _check("FUT scar width", width_mm, FUT_WIDTH_RANGE_MM, "mm")
    al = np.linspace(60.0, 300.0, 4801)
    pts = surface.point(_fringe_middle(surface, al), al)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    s -= np.interp(180.0, al, s)
    if length_mm / 2 > min(-s[0], s[-1]):
        raise SMPError(f"an FUT scar of {length_mm:g} mm is longer than the fringe it lies in on this head")
    keep = np.flatnonzero(np.abs(s) <= length_mm / 2)
    line = pts[np.unique(np.r_[keep[::20], keep[-1]])]  # ~1.5 mm vertices, both ends kept
    return Scar("line", line, float(width_mm), "FUT strip scar (occipital, preset)",
                extra={"length_mm": float(length_mm)})


def fue_scatter(surface: HeadSurface, grid: SurfaceGrid, donor: np.ndarray, count: int,
                diameter_mm: float = FUE_DIAMETER_MM, seed: int = 0) -> Scar:
    """``count`` round FUE scars spread over the donor cells (area-weighted, at least 2 diameters apart).

    Parameters
    ----------
    donor : (T, A) bool
        The donor area's cells (the fringe at the back and sides: :mod:`smpstudio.head3d.zones`).
    """
    _check("FUE scar count", count, FUE_COUNT_RANGE, "")
    _check("FUE scar diameter", diameter_mm, FUE_DIAMETER_RANGE_MM, "mm")
    w = np.where(donor, grid.area_cm2, 0.0).reshape(-1)
    if w.sum() <= 0:
        raise SMPError("this head has no donor area for FUE scars")
    rng = np.random.default_rng(seed)
    pts = grid.points_mm.reshape(-1, 3)
    chosen: list[np.ndarray] = []
    for _ in range(20):
        cand = pts[rng.choice(len(w), size=4 * count, p=w / w.sum())]
        cand = cand + rng.normal(0.0, 0.15, cand.shape)  # off the cell centres (the grid is ~0.4 mm)
        allp = np.concatenate(chosen + [cand]) if chosen else cand
        keep = np.ones(len(allp), bool)
        tree = cKDTree(allp)
        for i, j in sorted(tree.query_pairs(2.0 * diameter_mm)):
            if keep[i] and keep[j]:
                keep[j] = False
        chosen = [allp[keep][:count]]
        if len(chosen[0]) >= count:
            break
    centres = chosen[0]
    if len(centres) < count:
        raise SMPError(f"{count} FUE scars of {diameter_mm:g} mm do not fit in this head's donor area")
    # on the surface: radially projected
    th, al = surface.angles(centres)
    return Scar("fue", surface.point(th, al), float(diameter_mm), f"{count} FUE scars (donor area, preset)",
                extra={"count": float(count)})


def scar_from_view(surface: HeadSurface, camera: object, kind: str, px: Sequence[tuple[float, float]],
                   width_mm: float = 0.0, view: str = "front") -> Scar:
    """A scar the artist marked on a photo: image points (px) taken onto the surface through the view's camera
    (:class:`smpstudio.head3d.views.Camera`).

    Raises
    ------
    SMPError
        A point off the head, too few points for the kind, or a width out of range.
    """
    if kind not in ("line", "area"):
        raise SMPError(f"a scar marked on a photo is a 'line' or an 'area' (got {kind!r})")
    need = 2 if kind == "line" else 3
    if len(px) < need:
        raise SMPError(f"a scar {kind} needs at least {need} points (got {len(px)})")
    if kind == "line":
        _check("scar width", width_mm, FUT_WIDTH_RANGE_MM, "mm")
    p = camera.back_project(surface, np.asarray(px, dtype=np.float64))  # type: ignore[attr-defined]
    off = ~np.isfinite(p[:, 0])
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise SMPError(f"scar point {px[i][0]:g},{px[i][1]:g} px is not on the head in the {view} photo")
    label = f"scar {kind} marked on the {view} photo"
    return Scar(kind, p, float(width_mm), label, marked_px=tuple((float(x), float(y)) for x, y in px), view=view)


def _check(name: str, value: float, rng: tuple[float, float], unit: str) -> None:
    if not (math.isfinite(value) and rng[0] <= value <= rng[1]):
        u = f" {unit}" if unit else ""
        raise SMPError(f"{name} must be between {rng[0]:g} and {rng[1]:g}{u} (got {value:g}{u})")


def scar_warnings(scars: Sequence[Scar], passes: int, n_sessions: int) -> list[str]:
    """What the plan says about scar tissue (sources in the module docstring)."""
    if not scars:
        return []
    out = [f"scar tissue: do a test patch on the scar first (scar tissue takes pigment less predictably than "
           f"scalp; Rassman 2015, clinics), and confirm the scar is at least {MIN_SCAR_AGE_MONTHS} months healed, "
           "flat and no longer red or pink; a raised (keloid, hypertrophic) scar is assessed before any session",
           f"scar tissue is gone over {passes} times (one pass in each of sessions 1-{min(passes, n_sessions)}): "
           f"about {100 * SCAR_UPTAKE:.0f} % of impressions in scar tissue hold per pass (calibration choice)"]
    if n_sessions < passes:
        out.append(f"the scars need {passes} passes but the plan has {n_sessions} sessions: add a scar touch-up "
                   "visit or a session")
    return out
