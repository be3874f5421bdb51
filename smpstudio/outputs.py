"""Writing a command's output files all-or-nothing.

Files are written to a hidden staging folder beside the target folder and moved in only when the whole
command has succeeded, so a failure never leaves a partial set of outputs in ``DIR``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder; on success move its files into ``out_dir``, on error delete it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with staged_output(d) as stage:
    ...     _ = (stage / "a.txt").write_text("hi")
    >>> (d / "a.txt").read_text()
    'hi'
    """
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-stage-", dir=parent))
    try:
        yield stage
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in sorted(stage.rglob("*")):
            if f.is_file():
                target = out_dir / f.relative_to(stage)
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(f, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
