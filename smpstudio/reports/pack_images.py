"""The pictures of the client's pack, from one planned consultation, cropped to the head.

Before and after each session (fresh and healed), a week after session 1 (flaking), every session healed,
some years after the last session and when the touch-up is due: the pipeline's renders
(:func:`smpstudio.pipeline.renders.session_renders`, :func:`~smpstudio.pipeline.renders.years_renders`),
each cropped to the same head box and reduced to at most ``max_side_px`` (area average) as soon as it is
rendered, so a 12 MP consultation keeps small crops only. The hairline is drawn over the photo as taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smpstudio.pipeline import PlanStep
from smpstudio.reports.crop import head_box
from smpstudio.schema import RenderBlock

MAX_SIDE_PX = 640  # a 60 mm panel at ~270 dpi
HAIRLINE_WIDTH_PX = 800  # the hairline figures are drawn at least this wide, so the line stays fine
HAIRLINE_RGB = (255, 60, 40)  # the designed edge drawn over the photo
CURVE_RGB = (255, 255, 255)  # the smooth hairline it follows


@dataclass
class PackImages:
    """Head crops (RGB uint8) of one consultation and the box they were cut from.

    ``box`` is ``(x0, y0, x1, y1)`` px on the oriented photo; ``scale`` the factor each crop was reduced by
    (crop px per photo px, <= 1).
    """

    box: tuple[int, int, int, int]
    scale: float
    before: np.ndarray
    hairline: np.ndarray  # the photo as taken with the hairline drawn
    hairline_shown: np.ndarray  # the head as the previews show it (shaved) with the hairline drawn
    fresh: dict[int, np.ndarray] = field(default_factory=dict)
    healed: dict[int, np.ndarray] = field(default_factory=dict)
    healing: np.ndarray | None = None  # a week after session 1
    years: dict[str, np.ndarray] = field(default_factory=dict)  # render file name -> crop (healed, years-N, ...)
    renders: list[RenderBlock] = field(default_factory=list)


def crop(image: np.ndarray, box: tuple[int, int, int, int], scale: float) -> np.ndarray:
    """``image[box]`` reduced by ``scale`` (area average; unchanged when ``scale`` is 1)."""
    import cv2

    x0, y0, x1, y1 = box
    part = np.ascontiguousarray(image[y0:y1, x0:x1])
    if scale >= 1.0:
        return part
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    return cv2.resize(part, size, interpolation=cv2.INTER_AREA)


def draw_hairline(image: np.ndarray, edge_px: np.ndarray, curve_px: np.ndarray, mfp_px: np.ndarray) -> np.ndarray:
    """A copy of ``image`` with the designed edge (red), its smooth curve (white, thin) and the MFP (ring).

    Points are px on ``image`` (already cropped and scaled); lines are ~0.5 % of the image's width.
    """
    import cv2

    out = np.ascontiguousarray(image.copy())
    lw = max(2, round(out.shape[1] / 330))
    shift = 4  # sub-pixel precision of cv2's drawing (1/16 px)

    def pts(a: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(a, np.float64) * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)

    cv2.polylines(out, [pts(curve_px)], False, CURVE_RGB, max(1, lw // 2), cv2.LINE_AA, shift)
    cv2.polylines(out, [pts(edge_px)], False, HAIRLINE_RGB, lw, cv2.LINE_AA, shift)
    c = pts(mfp_px).reshape(2)
    cv2.circle(out, (int(c[0]), int(c[1])), (3 * lw) << shift, HAIRLINE_RGB, lw, cv2.LINE_AA, shift)
    return out


def pack_images(step: PlanStep, years: tuple[float, ...] = (1.0, 3.0), max_side_px: int = MAX_SIDE_PX
                ) -> PackImages:
    """Render and crop every picture the consultation PDF shows.

    Parameters
    ----------
    step : PlanStep
        :meth:`smpstudio.pipeline.Pipeline.plan`.
    years : tuple of float
        Years after the last session to show (besides every session healed and the touch-up).
    max_side_px : int
        Longest side of a crop, px.
    """
    from smpstudio.pipeline.renders import scene_for, session_renders, years_renders

    ds = step.pattern_step.design
    box = head_box(ds.scalp.analysis.masks.head)
    x0, y0, x1, y1 = box
    scale = min(1.0, max_side_px / max(x1 - x0, y1 - y0))
    original = ds.scalp.original.to_uint8()
    before = crop(original, box, scale)
    hl = ds.document.hairline
    k = max(scale, HAIRLINE_WIDTH_PX / (x1 - x0))  # hairline figure px per photo px
    offset = np.array([x0, y0], np.float64)

    def figure(rgb8: np.ndarray) -> np.ndarray:
        import cv2

        part = np.ascontiguousarray(rgb8[y0:y1, x0:x1])
        big = cv2.resize(part, (round((x1 - x0) * k), round((y1 - y0) * k)),
                         interpolation=cv2.INTER_CUBIC if k > 1 else cv2.INTER_AREA)

        def to_fig(p: object) -> np.ndarray:
            return (np.asarray(p, np.float64).reshape(-1, 2) - offset) * (big.shape[1] / (x1 - x0))

        return draw_hairline(big, to_fig(hl.edge_px), to_fig(hl.points_px), to_fig(hl.mfp_px))

    out = PackImages(box=box, scale=scale, before=before, hairline=figure(original),
                     hairline_shown=figure(ds.scalp.photo.to_uint8()))
    scene = scene_for(step)
    for name, rgb8 in session_renders(step, scene):  # one full-size render alive at a time
        small = crop(rgb8, box, scale)
        kind = name.removesuffix(".png").split("-")
        if name == "session-1-healing.png":
            out.healing = small
        elif kind[-1] == "fresh":
            out.fresh[int(kind[1])] = small
        else:
            out.healed[int(kind[1])] = small
    images, out.renders = years_renders(step, scene, years)
    out.years = {name: crop(rgb8, box, scale) for name, rgb8 in images.items()}
    return out
