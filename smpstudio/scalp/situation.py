"""Which of the three client situations a photo shows: bald or shaved, short or thinning hair, long hair.

Measured on the skull above the brows (the head model's own outline, widened to the face,
:attr:`smpstudio.scalp.regions.Regions.model_skull`: not the one fitted to the hair's silhouette):

* ``hair_cover``: share of that scalp the segmentation labels hair;
* ``volume_mm``: thickness of hair standing out beyond the skull's outline (median over 10-degree sectors
  of the upper half of the farthest hair pixel's distance from the skull; only pixels that differ from
  the local background count);
* ``texture_ratio``: fine texture of the hair (robust std of L* at ~0.5 mm relative to its 2 mm mean)
  over that of the forehead skin. Hair strands and curls are far more textured than skin; the stubble of
  a buzzed head, seen at a photo's scale, is skin with a fine grey grain;
* ``contrast``: CIE76 distance between the hair's and the forehead's median colours.

A buzzed or shaved head (including one this step produced) is hair that stands out by nothing, is barely
more textured than skin and sits close to the skin's colour: it is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from smpstudio.scalp.regions import Regions

BALD_COVER = 0.15  # below this share of hair on the scalp the photo's own scalp is kept
VOLUME_MM = 12.0  # hair standing out more than this beyond the skull is removed (long/voluminous)
BUZZED_VOLUME_MM = 6.0  # a buzzed head's hair stands out by no more than this
BUZZED_TEXTURE = 3.5  # ... is no more than this much more textured than the forehead (calibration: our own #1 buzz of
# obama.jpg measures 2.5, his close-cropped hair as photographed 6.4)
BUZZED_CONTRAST = 30.0  # ... and no farther than this from the forehead's colour (CIE76)
NOT_BACKGROUND_DELTA_E = 15.0  # CIE76 distance from the local background beyond which a pixel stands out
LOCAL_BACKGROUND_MM = 6.0  # the local background is the background's mean colour over ~6 mm
MODES = ("as-is", "buzz", "shave")


@dataclass(frozen=True)
class Situation:
    """Measurements behind the choice (see the module's docstring)."""

    hair_cover: float
    volume_mm: float
    texture_ratio: float
    contrast: float
    not_background: np.ndarray | None = field(default=None, repr=False, compare=False)  # (H, W) bool, work res


def _fine_texture(lab_l: np.ndarray, mask: np.ndarray, ppm: float) -> float:
    fine = cv2.GaussianBlur(lab_l, (0, 0), max(0.5, 0.25 * ppm))
    coarse = cv2.GaussianBlur(lab_l, (0, 0), max(1.0, 2.0 * ppm))
    d = (fine - coarse)[mask]
    return float(1.4826 * np.median(np.abs(d - np.median(d)))) if len(d) else 0.0


def background_nearby(lab: np.ndarray, hair: np.ndarray, background: np.ndarray,
                      ppm: float) -> tuple[np.ndarray, np.ndarray]:
    """Where background is near (within ~2 x ``LOCAL_BACKGROUND_MM``), and where a pixel differs from the
    local background (CIE76 > ``NOT_BACKGROUND_DELTA_E`` from its mean colour over ~``LOCAL_BACKGROUND_MM``):
    hair-labelled pixels near background and of its colour are background the segmentation took for hair."""
    bg = background & ~hair
    if bg.sum() < 20:
        return np.zeros(hair.shape, bool), np.ones(hair.shape, bool)
    sig = max(1.0, LOCAL_BACKGROUND_MM * ppm)
    wb = cv2.GaussianBlur(bg.astype(np.float32), (0, 0), sig)
    local = cv2.GaussianBlur(lab * bg[..., None], (0, 0), sig) / np.maximum(wb, 1e-6)[..., None]
    return wb > 0.05, np.linalg.norm(lab - local, axis=2) > NOT_BACKGROUND_DELTA_E


def measure(rgb: np.ndarray, hair: np.ndarray, background: np.ndarray, reg: Regions, ppm: float,
            lab: np.ndarray | None = None) -> Situation:
    """The situation's measurements on a working-resolution image (sRGB float32, and its CIELAB if known)
    and its regions."""
    h, w = hair.shape
    rows = np.arange(h)[:, None]
    zone = reg.model_skull & (rows < reg.brow_y)
    area = max(int(zone.sum()), 1)
    on = hair & zone
    cover = float(on.sum()) / area
    if lab is None:
        lab = cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2Lab)
    outside = hair & ~reg.model_skull & (rows < reg.brow_y)
    near, unlike = background_nearby(lab, hair, background, ppm)
    outside &= near & unlike
    volume_mm = 0.0
    if outside.any() and reg.model_skull.any():
        # thickness of the hair beyond the skull: per 10-degree sector around the skull's centre the farthest
        # hair pixel, then the median over the upper half's sectors (a stray mislabelled patch is one sector)
        dist = cv2.distanceTransform((~reg.model_skull).astype(np.uint8), cv2.DIST_L2, 3)
        sy, sx = np.nonzero(reg.model_skull)
        cy, cx = float(sy.mean()), float(sx.mean())
        oy, ox = np.nonzero(outside)
        ang = np.degrees(np.arctan2(-(oy - cy), ox - cx))  # 0..180 above the centre
        up = (ang > 0) & (ang < 180)
        bins = np.clip((ang[up] // 10).astype(int), 0, 17)
        far = np.zeros(18)
        np.maximum.at(far, bins, dist[oy[up], ox[up]])
        volume_mm = float(np.median(far)) / ppm
    skin = reg.forehead if reg.forehead.sum() >= 20 else reg.face_skin
    core = cv2.erode(on.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    t_hair = _fine_texture(lab[..., 0], core if core.sum() >= 20 else on, ppm)
    t_skin = _fine_texture(lab[..., 0], skin, ppm)
    texture = t_hair / max(t_skin, 0.3)
    contrast = float(np.linalg.norm(np.median(lab[on], axis=0) - np.median(lab[skin], axis=0))) if on.any() else 0.0
    return Situation(cover, volume_mm, texture, contrast, ~near | unlike)


def choose(s: Situation) -> tuple[str, str]:
    """The mode (``as-is``, ``buzz`` or ``shave``) for a situation, and a short sentence why."""
    if s.hair_cover < BALD_COVER:
        return "as-is", f"bald or shaved scalp ({100 * s.hair_cover:.0f} % hair): the photo's own scalp is kept"
    if s.volume_mm <= BUZZED_VOLUME_MM and s.texture_ratio <= BUZZED_TEXTURE and s.contrast <= BUZZED_CONTRAST:
        return "as-is", (f"buzzed head (hair {s.volume_mm:.0f} mm beyond the skull, texture {s.texture_ratio:.1f}x "
                         "the skin's): kept as it is")
    if s.volume_mm > VOLUME_MM:
        return "shave", (f"long or voluminous hair ({s.volume_mm:.0f} mm beyond the skull): volume removed, "
                         "then buzzed")
    return "buzz", f"short or thinning hair ({100 * s.hair_cover:.0f} % of the scalp): buzzed to stubble"
