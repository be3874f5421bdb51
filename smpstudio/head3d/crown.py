"""The crown and the mid-scalp measured in a registered top (or back) view: the share of skin showing
through the hair inside each zone of the 3-D scalp model, projected into the view with its camera.

A front photo never shows the crown (the vertex), so no vertex class can be proposed from it. A top or back
photo registered to the model (:func:`smpstudio.head3d.views.register_view`) does: every pixel of the view
is taken back onto the model's surface through the view's :class:`~smpstudio.head3d.views.Camera`
(:meth:`~smpstudio.head3d.views.Camera.back_project`) and labelled with the model's zone there
(:func:`smpstudio.head3d.zones.label_points`); the pixels of the ``crown`` and ``mid-scalp`` zones that face
the camera squarely (not the foreshortened rim) are unmixed between the client's skin and dense hair
(:func:`smpstudio.design.hair_cover.cover_between`) and their mean ``1 - cover`` is the share of skin
showing through the hair (Sinclair 2004 rates density by the scalp that shows).

The two colours are the front photo's (the forehead's skin and the hair mask's dense hair, the same two ends
as the front's thinning, :func:`smpstudio.design.hair_cover.hair_cover`): a top view has no analysis to say
which of its pixels are bare skin, and the crown may be all hair or all skin, so it cannot supply both ends
itself. This assumes the views are taken in the same light as the front photo (one sitting, one lamp);
a view taken in other light shifts every share (see docs/whole-head.md).

References
----------
.. [1] Norwood, O. T. South Med J 68(11):1359-1365, 1975 (the vertex classes).
.. [2] Sinclair, R. et al. "Hair density grading scale." Br J Dermatol 151(5), 2004 (visible scalp).
.. [3] /work/shared/domain.md §4 (classes), §9 (a 22.7 % change of density is what dermatologists notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from smpstudio.design.hair_cover import PATCH_SIGMA_MM, cover_between
from smpstudio.head3d.surface import HeadSurface
from smpstudio.head3d.views import Camera
from smpstudio.head3d.zones import ZONES, label_points

#: the zones a top or back view measures (the crown, and the top in front of it that the front foreshortens)
VIEW_ZONES = ("crown", "mid-scalp")
#: orientations that can show the crown (:data:`smpstudio.head3d.views.NOMINAL_VIEWS`)
CROWN_VIEWS = ("top", "back")
#: [calibration choice] a pixel counts when its surface faces the camera at least this much (cos of the angle
#: between the normal and the view): the rim, seen edge-on, mixes hair tips with the background
FACING_COS = 0.35
MIN_ZONE_PX = 50  # as smpstudio.design.stage_proposal.MIN_ZONE_PX: fewer pixels and the zone is not seen
MAX_SAMPLES = 250_000  # pixels taken back onto the model (a 24 MP photo is sampled on a regular stride)


@dataclass(frozen=True)
class ViewZoneShares:
    """Skin showing through the hair (0-1) in each zone seen in one view, and the pixels each was read on."""

    view: str  # the view's name (``--views`` ``name``)
    orientation: str
    skin_share: dict[str, float]
    pixels: dict[str, int]  # sampled pixels per zone (a zone with fewer than MIN_ZONE_PX is left out)


def zone_labels(surface: HeadSurface, camera: Camera, shape: tuple[int, int], step: int = 1
                ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The model's zone (index into :data:`~smpstudio.head3d.zones.ZONES`, -1 off the scalp or seen edge-on)
    at every ``step``-th pixel of an image of ``shape`` (H, W) seen by ``camera``.

    Returns
    -------
    labels : ndarray int8 (h, w)
        Zone of the pixels ``[step//2::step, step//2::step]``.
    rows_cols : tuple of ndarray
        Their pixel rows and columns (``np.ix_``-ready).

    Examples
    --------
    >>> s = HeadSurface.average()
    >>> cam = Camera.nominal("top", 1.0, (100.0, 110.0))
    >>> lab, _ = zone_labels(s, cam, (220, 200), step=2)
    >>> bool((lab == ZONES.index("crown")).sum() > 500), bool((lab == -1).any())
    (True, True)
    """
    h, w = shape
    rows = np.arange(step // 2, h, step)
    cols = np.arange(step // 2, w, step)
    yy, xx = np.meshgrid(rows + 0.5, cols + 0.5, indexing="ij")
    hit = camera.back_project(surface, np.stack([xx.ravel(), yy.ravel()], axis=1))
    on = np.isfinite(hit[:, 0])
    lab = np.full(len(hit), -1, np.int8)
    if on.any():
        p = hit[on]
        theta, alpha = surface.angles(p)
        facing = (surface.normal(p) @ camera.forward) < -FACING_COS
        inside = (theta < surface.boundary_theta_deg(alpha)) & facing
        lab[on] = label_points(surface, p, inside)
    return lab.reshape(len(rows), len(cols)), (rows, cols)


def measure_view_zones(surface: HeadSurface, camera: Camera, rgb: np.ndarray, skin_linear: tuple[float, ...],
                       hair_linear: tuple[float, ...], *, view: str = "top", orientation: str = "top",
                       zones: Sequence[str] = VIEW_ZONES) -> ViewZoneShares:
    """Skin showing through the hair in each of ``zones`` of the model as the view sees them.

    Parameters
    ----------
    surface : HeadSurface
        The client's model (its zones, :func:`smpstudio.head3d.zones.label_points`).
    camera : Camera
        The view's registered camera (:attr:`smpstudio.head3d.views.Registration.camera`).
    rgb : ndarray (H, W, 3)
        The view's photo, sRGB.
    skin_linear, hair_linear : (r, g, b)
        The client's skin and dense hair, linear RGB (the front photo's, see the module's notes).
    view, orientation : str
        The view's name and nominal orientation, reported back.
    zones : sequence of str
        Zone names (:data:`~smpstudio.head3d.zones.ZONES`).

    Returns
    -------
    ViewZoneShares
        Empty shares when the two colours are too close to tell apart
        (:data:`smpstudio.design.hair_cover.MIN_CONTRAST`).

    Examples
    --------
    >>> s = HeadSurface.average()
    >>> cam = Camera.nominal("top", 1.0, (100.0, 110.0))
    >>> img = np.full((220, 200, 3), 0.8)  # all skin
    >>> m = measure_view_zones(s, cam, img, (0.6, 0.6, 0.6), (0.01, 0.01, 0.01))
    >>> m.skin_share["crown"], m.skin_share["mid-scalp"]
    (1.0, 1.0)
    """
    h, w = np.asarray(rgb).shape[:2]
    step = max(1, int(np.ceil(np.sqrt(h * w / MAX_SAMPLES))))
    lab, (rows, cols) = zone_labels(surface, camera, (h, w), step)
    want = np.isin(lab, [ZONES.index(name) for name in zones])
    if not want.any():
        return ViewZoneShares(view, orientation, {}, {})
    # unmixed (and smoothed) over the zones' box only, with the smoothing's reach around it: not the whole photo
    r_in, c_in = np.nonzero(want.any(axis=1))[0], np.nonzero(want.any(axis=0))[0]
    lab = lab[r_in[0]:r_in[-1] + 1, c_in[0]:c_in[-1] + 1]
    rows, cols = rows[r_in[0]:r_in[-1] + 1], cols[c_in[0]:c_in[-1] + 1]
    pad = int(np.ceil(4 * PATCH_SIGMA_MM * camera.px_per_mm)) + 2  # cv2's Gaussian reaches 4 sigma (float images)
    y0, y1 = max(0, int(rows[0]) - pad), min(h, int(rows[-1]) + pad + 1)
    x0, x1 = max(0, int(cols[0]) - pad), min(w, int(cols[-1]) + pad + 1)
    box = cover_between(np.asarray(rgb)[y0:y1, x0:x1], skin_linear, hair_linear, px_per_mm=camera.px_per_mm)
    cover = box[np.ix_(rows - y0, cols - x0)]
    shares: dict[str, float] = {}
    pixels: dict[str, int] = {}
    for name in zones:
        v = cover[(lab == ZONES.index(name)) & np.isfinite(cover)]
        if v.size >= MIN_ZONE_PX:
            shares[name] = round(float(1.0 - v.mean()), 3)
            pixels[name] = int(v.size)
    return ViewZoneShares(view, orientation, shares, pixels)


def best_crown_view(measures: Sequence[ViewZoneShares]) -> ViewZoneShares | None:
    """The view that saw the crown on the most pixels (a top view over a back view that shows its lower part);
    ``None`` when none saw it.

    Examples
    --------
    >>> a = ViewZoneShares("back", "back", {"crown": 0.2}, {"crown": 900})
    >>> b = ViewZoneShares("top", "top", {"crown": 0.7}, {"crown": 4000})
    >>> best_crown_view([a, b]).view
    'top'
    """
    seen = [m for m in measures if "crown" in m.skin_share]
    return max(seen, key=lambda m: m.pixels["crown"]) if seen else None
