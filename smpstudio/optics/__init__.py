"""Optics and colour: the physical models below both the pattern and the renderer.

One module per model:

* :mod:`~smpstudio.optics.colour` - the one colour stack (sRGB, linear light, CIELAB D65, CIEDE2000);
* :mod:`~smpstudio.optics.skin` - light in scalp skin (remission depth, transport mean free path);
* :mod:`~smpstudio.optics.dot` - one impression: needles, depth, pigment mass, its look up close and as
  a tone at viewing distance;
* :mod:`~smpstudio.optics.stubble` - the expected look of buzzed hair (what SMP is calibrated to);
* :mod:`~smpstudio.optics.fading` - long-term loss of pigment and the touch-up date.
"""
