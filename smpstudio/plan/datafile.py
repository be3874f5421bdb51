"""Reading the plan's data files: the built-in YAML in ``smpstudio/plan/data`` or a clinic's own file.

Every problem (missing, unreadable or not text, YAML syntax) is one :class:`SMPError` line naming the
file; validating the content is the caller's.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from smpstudio.errors import SMPError


def read_yaml(path: str | Path | None, builtin: str, what: str) -> tuple[Any, str]:
    """The parsed YAML/JSON of ``path``, or of the built-in ``data/<builtin>`` when ``path`` is None.

    Returns the data and the name to put in front of error messages (the path, or "built-in <what>").
    """
    if path is None:
        text = resources.files("smpstudio.plan").joinpath(f"data/{builtin}").read_text(encoding="utf-8")
        source = f"built-in {what}"
    else:
        p = Path(path)
        source = str(p)
        if not p.is_file():
            raise SMPError(f"{what} file not found: {p}")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SMPError(f"cannot read {what} {p}: {exc}") from None
    try:
        return yaml.safe_load(text), source
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SMPError(f"{source}: YAML error{where}: {problem}") from None
