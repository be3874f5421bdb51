"""What the tablet needs to draw a stage's dots itself during a drag: the base scene and the splats.

The server's preview (:func:`smpstudio.web.consult_service.stage_rgb8`) draws Gaussian splats
(:func:`smpstudio.render.preview.splats_on_day`) over the scene as shown (the photo buzzed or shaved
by the scalp step) in linear light. During a drag the browser does the same from these two answers
(``static/dots.js``), so a drag step costs the server the design and the pattern only:

* the **base**: the scene's 8-bit sRGB pixels as a PNG, the same for every design of the photo (its
  sha256 tells the browser when to fetch it again);
* the **splats** of one stage: little-endian float32 rows ``x, y, cxx, cxy, cyy, r, g, b`` (display px,
  px², peak opacity per linear channel with the hair visibility at the centre folded in,
  :func:`smpstudio.render.preview.visibility_at`).
"""

from __future__ import annotations

import numpy as np

from smpstudio.render.preview import splats_on_day, visibility_at
from smpstudio.web.consult_service import current, scene_of, stage_spec
from smpstudio.web.consult_state import Consult

SPLAT_FIELDS = ("x", "y", "cxx", "cxy", "cyy", "r", "g", "b")


def stage_splats(c: Consult, name: str) -> np.ndarray:
    """The splats of stage ``name`` (N, 8) float32, as :func:`~smpstudio.web.consult_service.stage_rgb8` draws them."""
    if name == "before":
        return np.empty((0, len(SPLAT_FIELDS)), np.float32)
    step = current(c)
    spec = stage_spec(step, name)
    scene = scene_of(c, step)
    s = splats_on_day(spec.pattern, spec.day, step.pattern_step.inputs.interval_days,  # type: ignore[arg-type]
                      scene.skin_at_dots, only_healed=spec.only_healed, max_session=spec.max_session)
    vis = visibility_at(scene.visibility, s.x_px, s.y_px)
    out = np.empty((len(s), len(SPLAT_FIELDS)), np.float32)
    out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4] = s.x_px, s.y_px, s.cxx, s.cxy, s.cyy
    out[:, 5:] = s.amp * vis[:, None]
    return out


def stage_splats_bytes(c: Consult, name: str) -> bytes:
    """:func:`stage_splats` as little-endian float32 bytes (what ``GET .../dots`` answers)."""
    return stage_splats(c, name).astype("<f4").tobytes()
