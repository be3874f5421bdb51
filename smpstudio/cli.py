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
    from smpstudio.commands import analyze, pack, plan, preview, records_admin, reminders, schema, serve

    for module in (analyze, schema, plan, serve, records_admin, preview, pack, reminders):
        module.register(app)


def _usage_error_line(exc: Exception) -> str | None:
    """One line for a command-line usage error (bad option value, unknown option, missing argument),
    or None when ``exc`` is not one. Typer/Click's own exceptions are recognised by their interface
    (``format_message``, ``exit_code``, ``ctx``) so this does not depend on where Typer vendors Click."""
    if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code") and hasattr(exc, "ctx")):
        return None
    if type(exc).__name__ == "NoArgsIsHelpError":
        return None
    message = " ".join(str(exc.format_message()).split())
    ctx = exc.ctx
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return f"smp: error: {message}{hint}"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``smp`` script."""
    _register()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="smp", standalone_mode=False)
    except SMPError as exc:
        if os.environ.get("SMP_DEBUG"):
            raise
        print(f"smp: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:  # the file system refused (a folder, a permission, a full disk): not a bug
        if os.environ.get("SMP_DEBUG"):
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"smp: error: {exc.strerror or exc}{where}", file=sys.stderr)
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        print("smp: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        line = _usage_error_line(exc)
        if line is None:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `smp` alone: the help, as Typer shows it
                print(exc.format_message(), file=sys.stderr)  # type: ignore[attr-defined]
                sys.exit(2)
            raise
        print(line, file=sys.stderr)
        sys.exit(int(exc.exit_code))  # type: ignore[attr-defined]
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
