"""SMP Studio: scalp micropigmentation analysis, hairline design, dot previews, plans and records.

The engine is pure (arrays and small typed objects in, the same out); the CLI (``smp``), the web
service and the reports call it. The main steps are importable from here::

    from smpstudio import load_photo, analyze, propose_hairline
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("smpstudio")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "analyze", "load_photo", "propose_hairline"]


def __getattr__(name: str) -> Any:
    # Lazy: importing smpstudio (e.g. for the web service) does not load MediaPipe.
    if name == "analyze":
        from smpstudio.analysis import analyze

        return analyze
    if name == "propose_hairline":
        from smpstudio.design import propose_hairline

        return propose_hairline
    if name == "load_photo":
        from smpstudio.imaging.intake import load_photo

        return load_photo
    raise AttributeError(name)
