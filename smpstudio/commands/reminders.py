"""``smp reminders``: the worker that queues the clinic's reminders and sends them by e-mail (SMTP
settings: SMP_SMTP_HOST, SMP_SMTP_PORT, SMP_SMTP_TLS, SMP_SMTP_SENDER, ...)."""

from __future__ import annotations

import time
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("reminders")(reminders)


def reminders(
    once: Annotated[bool, typer.Option("--once", help="one pass, then exit (e.g. from cron)")] = False,
    every: Annotated[float, typer.Option("--every", min=5, max=3600, help="seconds between passes")] = 60.0,
) -> None:
    """Queue what is due (appointments, aftercare days, touch-ups) and send it, with retries."""
    from smpstudio.records.channels import EmailChannel
    from smpstudio.records.db import check_migrated, make_engine, make_sessionmaker
    from smpstudio.records.services_reminders import queue_due, send_due
    from smpstudio.records.settings import Settings

    settings = Settings()
    engine = make_engine(settings.db_url, pool_size=1)
    check_migrated(engine)
    sessions = make_sessionmaker(engine)
    channels = {"email": EmailChannel.from_settings(settings)}
    try:
        while True:
            with sessions() as db:
                queued = queue_due(db, settings)
                report = send_due(db, settings, channels)
            typer.echo(
                f"reminders: {queued} queued, {report.sent} sent, {report.failed} failed "
                f"({report.given_up} given up), {report.skipped} skipped"
            )
            if once:
                return
            time.sleep(every)
    finally:
        engine.dispose()
