"""The colours the plan is measured on: the photo white-balanced on the client's neutral patch, and the
hair colour the plan matches (the one the scalp step's buzz is drawn with)."""

from __future__ import annotations

import dataclasses

import numpy as np

from smpstudio.errors import SMPError
from smpstudio.imaging.intake import Photo
from smpstudio.pipeline.inputs import PatternInputs
from smpstudio.plan.skin import HairTone, measure_hair


def shaft_tone(photo: Photo, p: PatternInputs, hair_mask: np.ndarray,
               shaft_rgb_linear: np.ndarray | None) -> HairTone | None:
    """The hair colour the plan matches: the scalp step's shaft colour, the one its buzz is drawn with
    (:func:`smpstudio.scalp.step.hair_colour`: short hair read past the scalp showing between it), so the
    plan's target and the buzzed preview are of one hair; white-balanced like every measurement when a
    neutral patch is given. Without one (no scalp step, no hair) the hair mask's median
    (:func:`smpstudio.plan.skin.measure_hair`)."""
    from smpstudio.optics.colour import linear_to_srgb, srgb_to_lab
    from smpstudio.plan.skin import white_balance

    measured = measure_hair(measured_rgb(photo, p), hair_mask)
    if shaft_rgb_linear is None or measured is None:
        return measured
    srgb = np.clip(linear_to_srgb(np.clip(np.asarray(shaft_rgb_linear, np.float64), 0.0, 1.0)), 0.0, 1.0)
    if p.neutral_box_px is not None:  # the photo's white balance applied to this one colour
        x, y, w, h = p.neutral_box_px
        patch = photo.rgb[y:y + h, x:x + w].reshape(-1, 3)
        both = np.concatenate([patch, srgb[None, :].astype(np.float32)]).reshape(-1, 1, 3)
        mask = np.zeros((len(both), 1), bool)
        mask[:-1] = True
        srgb = white_balance(both, mask)[-1, 0]
    lab = np.asarray(srgb_to_lab(np.asarray(srgb, np.float64)))
    return dataclasses.replace(measured, lab=(float(lab[0]), float(lab[1]), float(lab[2])))


def measured_rgb(photo: Photo, p: PatternInputs) -> np.ndarray:
    """The photo colours are measured on: white-balanced on the neutral patch when one is given."""
    from smpstudio.plan.skin import white_balance

    if p.neutral_box_px is None:
        return photo.rgb
    x, y, w, h = p.neutral_box_px
    if x + w > photo.width or y + h > photo.height:
        raise SMPError(f"the neutral patch {x},{y},{w},{h} lies outside the {photo.width}x{photo.height} photo")
    neutral = np.zeros((photo.height, photo.width), bool)
    neutral[y:y + h, x:x + w] = True
    return white_balance(photo.rgb, neutral)
