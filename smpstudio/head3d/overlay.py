"""The surface pattern drawn on a photo of the client (front, three-quarter, top, back ...): a plan view for
the artist and the client, each dot where it belongs in that photo.

Not the believable preview (:mod:`smpstudio.render`): dots are marks of one colour per session, sized for
the view, so the nested sessions read at a glance; the reference points the view was registered from are
ringed.
"""

from __future__ import annotations

import cv2
import numpy as np

from smpstudio.head3d.views import ProjectedDots

#: session 1, 2, 3, 4 (RGB): dark to light, so later sessions' dots read between earlier ones
SESSION_RGB = ((20, 20, 20), (40, 80, 200), (0, 150, 120), (200, 120, 0))
MARK_RGB = (230, 30, 30)


def draw_view(rgb8: np.ndarray, view: ProjectedDots, *, upto_session: int | None = None,
              marks_px: dict[str, tuple[float, float]] | None = None, dot_px: int | None = None) -> np.ndarray:
    """The photo (uint8 RGB) with the view's visible dots of sessions ``1..upto_session`` drawn on it.

    Examples
    --------
    >>> from smpstudio.head3d.surface import HeadSurface
    >>> from smpstudio.head3d.views import Camera, project_dots
    >>> s = HeadSurface.average()
    >>> cam = Camera.nominal("top", 1.0, (100.0, 100.0))
    >>> v = project_dots("top", cam, s, s.point(np.array([5.0]), np.array([0.0])), np.array([1]))
    >>> out = draw_view(np.full((200, 200, 3), 255, np.uint8), v)
    >>> out[92, 100].tolist()  # the dot 8 mm in front of the vertex, at 1 px/mm
    [20, 20, 20]
    """
    out = np.ascontiguousarray(rgb8.copy())
    h, w = out.shape[:2]
    last = int(view.session.max()) if upto_session is None and len(view.session) else (upto_session or 0)
    r = dot_px if dot_px is not None else max(1, int(round(0.25 * view.camera.px_per_mm)))
    for k in range(last, 0, -1):  # later sessions first: session 1's dots stay on top
        sel = view.visible & (view.session == k)
        xy = np.round(view.px[sel]).astype(np.int64)
        ok = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
        colour = SESSION_RGB[min(k, len(SESSION_RGB)) - 1]
        if r <= 1:
            out[xy[ok, 1], xy[ok, 0]] = colour
        else:
            for x, y in xy[ok].tolist():
                cv2.circle(out, (x, y), r, colour, -1, cv2.LINE_AA)
    for name, (x, y) in (marks_px or {}).items():
        c = (int(round(x)), int(round(y)))
        cv2.circle(out, c, max(6, 3 * r), MARK_RGB, 2, cv2.LINE_AA)
        cv2.putText(out, name, (c[0] + 8, c[1] - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, MARK_RGB, 1, cv2.LINE_AA)
    return out
