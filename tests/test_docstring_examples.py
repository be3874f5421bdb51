"""Every Example in the engine's docstrings runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import smpstudio

ENGINE = ("imaging", "optics", "analysis", "design", "plan", "pattern", "render", "scalp", "head3d", "pipeline")


def _modules() -> list[str]:
    names = ["smpstudio.outputs", "smpstudio.schema", "smpstudio.dates"]
    for pkg in ENGINE:
        mod = importlib.import_module(f"smpstudio.{pkg}")
        names.append(mod.__name__)
        names += [m.name for m in pkgutil.walk_packages(mod.__path__, prefix=f"{mod.__name__}.")]
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    assert smpstudio.__version__
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
