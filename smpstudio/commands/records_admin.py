"""Administration of the records service: ``smp db upgrade``, ``smp create-clinic``, ``smp backup``,
``smp restore`` and ``smp demo-seed``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpstudio.errors import OptionError

db_app = typer.Typer(help="Database schema of the records service.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.command("create-clinic")(create_clinic)
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("demo-seed")(demo_seed)


def _settings():  # type: ignore[no-untyped-def]
    from smpstudio.records.settings import Settings

    return Settings()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest revision (DATABASE_URL or the default file)."""
    from smpstudio.records.db import current_revision, head_revision, make_engine, upgrade

    settings = _settings()
    engine = make_engine(settings.db_url, pool_size=1)
    try:
        before = current_revision(engine)
        upgrade(engine)
        typer.echo(f"database {engine.url!r}: {before or 'empty'} -> {head_revision()}")
    finally:
        engine.dispose()


@db_app.command("status")
def db_status() -> None:
    """Show the schema revision of the database and the newest one."""
    from smpstudio.records.db import current_revision, head_revision, make_engine

    engine = make_engine(_settings().db_url, pool_size=1)
    try:
        typer.echo(f"database {engine.url!r}: at {current_revision(engine) or 'empty'}, newest {head_revision()}")
    finally:
        engine.dispose()


def create_clinic(
    name: Annotated[str, typer.Option(help="clinic name")],
    owner_email: Annotated[str, typer.Option(help="e-mail of the owner account")],
    owner_name: Annotated[str, typer.Option(help="name of the owner")] = "Owner",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="SMP_OWNER_PASSWORD")
    ] = "",
    currency: Annotated[str, typer.Option(help="ISO 4217 code")] = "USD",
    retention_years: Annotated[int, typer.Option(help="years records are kept (domain.md §7: 2-10)")] = 10,
) -> None:
    """Create a clinic (tenant) with its owner account."""
    from pydantic import ValidationError

    from smpstudio.records import schemas as s
    from smpstudio.records.db import check_migrated, make_engine, make_sessionmaker
    from smpstudio.records.services import create_clinic_with_owner

    try:
        s.UserCreate(email=owner_email, name=owner_name, role=s.Role.owner, password=password)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise OptionError(f"{err['loc'][0]}: {err['msg']}") from None
    if not 1 <= retention_years <= 100 or len(currency) != 3 or not name.strip() or len(name) > 200:
        raise OptionError("give a clinic name (1-200 characters), a 3-letter currency and 1-100 retention years")
    engine = make_engine(_settings().db_url, pool_size=1)
    try:
        check_migrated(engine)
        with make_sessionmaker(engine)() as db:
            clinic, owner = create_clinic_with_owner(
                db,
                clinic_name=name.strip(),
                owner_email=owner_email,
                owner_name=owner_name,
                password=password,
                currency=currency.upper(),
                retention_years=retention_years,
            )
            typer.echo(f"clinic {clinic.id} {clinic.name!r} created; owner {owner.email}")
    finally:
        engine.dispose()


def backup(
    out: Annotated[Path, typer.Argument(help="new folder for the backup")],
    with_keys: Annotated[bool, typer.Option(help="also copy the clinic key files (store them apart!)")] = False,
) -> None:
    """Consistent backup of the database and photos while the service runs."""
    from smpstudio.records.backup import backup as do_backup

    manifest = do_backup(_settings(), out, with_keys=with_keys)
    typer.echo(f"backup written to {out} ({manifest['backend']}, {manifest['photo_files']} photo files)")


def restore(
    src: Annotated[Path, typer.Argument(help="backup folder written by `smp backup`")],
    force: Annotated[bool, typer.Option(help="replace a database that is not empty")] = False,
) -> None:
    """Restore a backup into DATABASE_URL / SMP_DATA_DIR (stop the service first)."""
    from smpstudio.records.backup import restore as do_restore

    manifest = do_restore(_settings(), src, force=force)
    typer.echo(f"restored {manifest['backend']} backup from {src}")


def demo_seed() -> None:
    """Create the demo clinic in the configured database (migrating it first)."""
    from smpstudio.records.db import make_engine, make_sessionmaker, upgrade
    from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD, seed_demo

    engine = make_engine(_settings().db_url, pool_size=1)
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as db:
            created = seed_demo(db)
    finally:
        engine.dispose()
    typer.echo(
        ("demo clinic created" if created else "demo clinic already there")
        + f"; sign in as {DEMO_OWNER} / {DEMO_PASSWORD}"
    )
