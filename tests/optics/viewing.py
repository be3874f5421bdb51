"""Rendered previews read back at viewing scale (2 mm Gaussian, at the photo's own px/mm) and measured."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from smpstudio.optics.colour import delta_e2000_many, lab_to_linear, linear_to_lab, srgb_to_linear_image

VIEW_SIGMA_MM = 2.0
YEARS = (1.0, 3.0, 5.0)


def viewing_lab(img8: np.ndarray, px_per_mm: float) -> np.ndarray:
    """CIELAB of an 8-bit sRGB image blurred (in linear light) by a 2 mm Gaussian."""
    lin = srgb_to_linear_image(np.asarray(img8, np.float32) / 255.0)
    return np.asarray(linear_to_lab(cv2.GaussianBlur(lin, (0, 0), VIEW_SIGMA_MM * px_per_mm)))


@dataclass
class Case:
    """One test photo through the pipeline, its renders and the regions they are measured on."""

    name: str
    px_per_mm: float
    original8: np.ndarray
    base8: np.ndarray  # the photo as shown (buzzed), before any dot
    renders: dict[str, np.ndarray]
    n_sessions: int
    treated: np.ndarray  # treatment area, 4 mm inside its edge
    stubble: np.ndarray  # ... where the photo had hair (shown buzzed)
    bald: np.ndarray  # ... where it had none
    forehead_lab: np.ndarray
    target_lab: np.ndarray
    skin_linear: np.ndarray
    head_box: tuple[int, int, int, int]
    step: object = None
    lab: dict[str, np.ndarray] = field(default_factory=dict)

    def view(self, name: str) -> np.ndarray:
        if name not in self.lab:
            img = self.base8 if name == "base" else self.renders[name]
            self.lab[name] = viewing_lab(img, self.px_per_mm)
        return self.lab[name]

    def buzzed_reference(self) -> np.ndarray:
        """The buzzed look per pixel (CIELAB, viewing scale): the scalp step's buzzed photo where hair was;
        where none was, the target shade's transmittance (target / client's skin) over the local skin."""
        base = np.asarray(lab_to_linear(self.view("base")))
        ratio = np.clip(np.asarray(lab_to_linear(self.target_lab)) / self.skin_linear, 0.0, 1.0)
        ref = base.copy()
        ref[self.bald] = base[self.bald] * ratio
        return np.asarray(linear_to_lab(ref))

    def delta_e(self, name: str, ref: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.asarray(delta_e2000_many(self.view(name)[where], ref[where] if ref.ndim == 3 else ref))


def make_case(name: str, photo: object) -> Case:
    from smpstudio.pipeline import Inputs, Pipeline
    from smpstudio.pipeline.renders import scene_for, session_renders, years_renders
    from smpstudio.scalp.regions import forehead_skin
    from smpstudio.scalp.workres import head_box

    step = Pipeline().plan(photo, Inputs(seed=0))  # type: ignore[arg-type]
    scene = scene_for(step)
    renders = dict(session_renders(step, scene))
    yimgs, _ = years_renders(step, scene, YEARS)
    renders.update(yimgs)
    ds = step.pattern_step.design
    ppm = float(ds.design.frame.px_per_mm)
    inner = int(4 * ppm) | 1
    treated = cv2.erode(ds.design.treatment_mask.astype(np.uint8), np.ones((inner, inner), np.uint8)).astype(bool)
    hair = ds.scalp.masks_as_taken.hair
    base8 = scene.base_srgb8
    fore = forehead_skin(ds.scalp.analysis, treated.shape)
    fore_lab = linear_to_lab(np.median(cv2.GaussianBlur(srgb_to_linear_image(base8.astype(np.float32) / 255.0),
                                                        (0, 0), VIEW_SIGMA_MM * ppm)[fore], axis=0))
    from smpstudio.imaging.intake import to_uint8

    h, w = treated.shape
    import dataclasses

    box = head_box(dataclasses.replace(ds.scalp.analysis, masks=ds.scalp.masks_as_taken))
    return Case(name, ppm, to_uint8(ds.scalp.original.rgb), base8, renders, len(step.pattern.water_parts),
                treated, treated & hair, treated & ~hair, np.asarray(fore_lab),
                np.asarray(step.result.block.pigment.target_lab, np.float64),
                np.asarray(step.pattern_step.skin.rgb_linear, np.float64), box or (0, 0, w, h), step)
