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

from smpstudio.errors import SMPError


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
    check_output_dir(out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-stage-", dir=parent))
    except OSError as exc:
        raise SMPError(f"cannot write the output folder {out_dir}: {exc.strerror or exc}") from None
    try:
        yield stage
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for f in sorted(stage.rglob("*")):
                if f.is_file():
                    target = out_dir / f.relative_to(stage)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(f, "rb") as fh:
                        os.fsync(fh.fileno())
                    os.replace(f, target)
        except OSError as exc:
            raise SMPError(f"cannot write the output folder {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def check_output_dir(out_dir: Path) -> None:
    """Refuse (one line) an output folder that is an existing file or lies where nothing can be written."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SMPError(f"the output folder {out_dir} exists and is not a folder")
    probe = out_dir
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise SMPError(f"the output folder {out_dir} cannot be created: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise SMPError(f"the output folder {out_dir} cannot be written (no permission on {probe})")
