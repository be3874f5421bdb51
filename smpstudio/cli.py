"""The ``smp`` command line.

Each sub-command lives in :mod:`smpstudio.commands` and registers itself on :data:`app`. Errors caused
by the input (:class:`smpstudio.errors.SMPError`) end the program with one readable line on stderr and
exit status 2, never a traceback (set ``SMP_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sys

import typer

from smpstudio.errors import SMPError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="SMP Studio: scalp micropigmentation analysis, design, preview, planning and records.",
)


@app.callback()
def _root() -> None:
    """SMP Studio: scalp micropigmentation analysis, design, preview, planning and records."""


def _register() -> None:
    from smpstudio.commands import analyze, plan, preview, records_admin, schema, serve

    for module in (analyze, schema, plan, serve, records_admin, preview):
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``smp`` script."""
    _register()
    try:
        app(args=argv, prog_name="smp")
    except SMPError as exc:
        if os.environ.get("SMP_DEBUG"):
            raise
        print(f"smp: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("smp: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
