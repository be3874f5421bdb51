"""``smp serve``: the clinic records web service (FastAPI on uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from smpstudio.errors import OptionError


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            help="serve a seeded demo clinic (its own database under <data dir>/demo unless "
            "DATABASE_URL is set); cookies work over plain http"
        ),
    ] = False,
    workers: Annotated[int, typer.Option(help="worker processes (more throughput on several cores)")] = 1,
) -> None:
    """Run the clinic records service (API docs at /docs, schema at /openapi.json)."""
    import uvicorn

    from smpstudio.records.settings import Settings
    from smpstudio.web.app import create_app

    if not 0 < port < 65536:
        raise OptionError(f"--port {port} is not a TCP port (1-65535)")
    if not 1 <= workers <= 64:
        raise OptionError(f"--workers {workers} must lie between 1 and 64")
    settings = Settings()
    if demo:
        settings = prepare_demo(settings)
    app = create_app(settings)
    # X-Forwarded-For is believed only from the proxies named in SMP_TRUSTED_PROXIES: by default the
    # peer address is the client (uvicorn trusts 127.0.0.1's header by default, so any local process or
    # a pass-through proxy could give every sign-in attempt a new address and defeat the throttle)
    trusted = settings.trusted_proxies
    proxy = {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}
    if demo:
        from smpstudio.records.demo import DEMO_OWNER, DEMO_PASSWORD

        typer.echo(f"demo clinic: open http://{host}:{port}/ and sign in as {DEMO_OWNER} / {DEMO_PASSWORD} "
                   f"(API docs at /docs)")
    if workers == 1:
        freeze_heap()
        uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5, **proxy)
        return
    app.state.engine.dispose()  # schema checked and photo store reconciled once, here, before any worker
    os.environ["SMP_DATA_DIR"] = str(settings.data_dir)
    os.environ["SMP_ENV"] = settings.env
    os.environ["DATABASE_URL"] = settings.db_url
    uvicorn.run(
        "smpstudio.web.app:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=5,
        **proxy,
    )


def freeze_heap() -> None:
    """Move everything the app allocated at start-up out of the garbage collector's sight.

    The modules, routes, schemas and mappers (~130k objects) never die, but every full collection
    walked them all: 80-230 ms pauses of the whole process under the 50-client load benchmark, the
    largest part of its p99 latency. ``gc.freeze`` keeps them out of every later collection.
    """
    import gc

    gc.collect()
    gc.freeze()


def prepare_demo(settings):  # type: ignore[no-untyped-def]
    """Settings for the demo (own data folder, dev cookies), migrated and seeded."""
    from smpstudio.records.db import make_engine, make_sessionmaker, upgrade
    from smpstudio.records.demo import seed_demo

    update = {"env": "dev"}
    if not settings.database_url:
        update["data_dir"] = settings.data_dir / "demo"
    settings = settings.model_copy(update=update)
    engine = make_engine(settings.db_url, pool_size=1)
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as db:
            seed_demo(db)
    finally:
        engine.dispose()
    return settings
