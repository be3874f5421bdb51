"""The scalp step, between analysis and design: the client's photo as SMP will be worn.

``prepare_scalp(photo_rgb, analysis, mode="auto")`` keeps a bald or shaved scalp as it is, buzzes short
or thinning hair to #0-#1 stubble (the guard chosen by the caller), or removes long hair's volume and
buzzes what is left; see
:mod:`smpstudio.scalp.step`.
"""

from smpstudio.scalp.situation import MODES, Situation
from smpstudio.scalp.step import Guard, ScalpResult, prepare_scalp

__all__ = ["MODES", "Guard", "ScalpResult", "Situation", "prepare_scalp"]
