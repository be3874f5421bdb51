"""``smp schema``: print the JSON Schema of plan.json."""

from __future__ import annotations

import json

import typer


def schema_command() -> None:
    """Print the JSON Schema of plan.json (kept in docs/plan.schema.json)."""
    from smpstudio.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


def register(app: typer.Typer) -> None:
    app.command("schema")(schema_command)
