"""The FastAPI application of the clinic records service.

Routes are thin: they validate input (pydantic schemas), call one service of
:mod:`smpstudio.records` and return a schema. Errors of the services become 4xx answers with a
one-line ``detail``; nothing a client sends can cause a 500.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from smpstudio.errors import SMPError
from smpstudio.records.db import check_migrated, make_engine, make_sessionmaker
from smpstudio.records.models import ImmutableRecordError
from smpstudio.records.security import AddressThrottle
from smpstudio.records.services_photos import DecodeBudget, ReconcileReport, Vault, reconcile
from smpstudio.records.settings import Settings
from smpstudio.records.storage import KeyStore, PhotoStore
from smpstudio.web.deps import AppState, retry_headers, status_of
from smpstudio.web.hashing import PasswordPool
from smpstudio.web.json_policy import JSONPolicyMiddleware, SafeJSONResponse
from smpstudio.web.routes import (
    accounts,
    admin,
    auth,
    bookings,
    clients,
    clinic_settings,
    photos,
    portal,
    reminders,
    session_day,
    tablet,
    workflows,
)

log = logging.getLogger("smpstudio.web")


def create_app(settings: Settings | None = None, *, pool_size: int = 20, reconcile_store: bool = True) -> FastAPI:
    """Build the app for ``settings``; refuses (SMPError) a database that is not migrated.

    With ``reconcile_store`` the photo store is first reconciled with the database (files left by an
    interrupted upload are removed). That must happen while no upload is in flight: once, before the
    server (or all of its worker processes) starts.
    """
    settings = settings or Settings()
    engine = make_engine(settings.db_url, pool_size=pool_size, sqlite_synchronous=settings.sqlite_synchronous)
    check_migrated(engine)
    sessions = make_sessionmaker(engine)
    # decodes and their waiters hold at most decode_slots + queue of the db_threads request threads: the
    # queue is cut so that one thread is left for other users' requests
    # (smpstudio.records.services_photos.DecodeBudget)
    queue = max(0, min(settings.decode_queue, settings.db_threads - settings.decode_slots - 1))
    budget = DecodeBudget(max_megapixels=settings.max_upload_megapixels, slots=settings.decode_slots,
                          wait_s=settings.decode_wait_s, queue=queue)
    vault = Vault(PhotoStore(settings.photo_dir), KeyStore(settings.key_dir), budget)
    report = ReconcileReport()
    if reconcile_store:
        with sessions() as db:
            report = reconcile(db, vault.photos)
    if report.orphan_files_removed or report.temp_files_removed:
        log.warning(
            "photo store: removed %d files of interrupted uploads and %d temporary files",
            len(report.orphan_files_removed),
            len(report.temp_files_removed),
        )
    if report.rows_missing_files:
        log.error("photo store: photo rows without their file: %s", report.rows_missing_files)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # every route's database work is one call of this thread pool (smpstudio.web.deps.Call)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_threads
        try:
            yield
        finally:
            hasher.close()

    app = FastAPI(
        lifespan=lifespan,
        # whole request bodies are capped before parsing (a photo upload plus form overhead);
        # JSON fields are bounded further by the schemas
        max_body_size=int((settings.max_upload_mb + 1) * 1_000_000),
        title="SMP Studio records",
        version="1",
        description="Clinic records of SMP Studio: clients, consents, plans, sessions, photos, lots, "
        "reminders. Sign in with POST /api/auth/login; send the returned csrf_token as X-CSRF-Token on "
        "every write.",
        docs_url=None,  # served below from local assets: no CDN, the service works offline
        redoc_url=None,
    )
    # one JSON policy for every route, including routers added later (smpstudio.web.json_policy)
    app.add_middleware(JSONPolicyMiddleware)
    _offline_docs(app)
    hasher = PasswordPool(settings.hash_workers, settings.hash_queue, processes=settings.hash_processes)
    app.state.smp = AppState(settings, sessions, vault, AddressThrottle(), hasher)
    app.state.engine = engine
    app.state.reconcile_report = report

    @app.exception_handler(SMPError)
    async def _smp_error(_request: Request, exc: SMPError) -> SafeJSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=status_of(exc), headers=retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> SafeJSONResponse:
        # FastAPI's own handler echoes the input, which may hold values json.dumps refuses (a 500)
        return SafeJSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)

    @app.exception_handler(ImmutableRecordError)
    async def _immutable(_request: Request, exc: ImmutableRecordError) -> SafeJSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> SafeJSONResponse:
        log.warning("integrity error: %s", str(exc).splitlines()[0])
        return SafeJSONResponse({"detail": "the change conflicts with existing records"}, status_code=409)

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> SafeJSONResponse:
        log.error("database unavailable: %s", str(exc).splitlines()[0])
        return SafeJSONResponse({"detail": "the database is busy or unavailable; retry"}, status_code=503)

    @app.get("/healthz", tags=["meta"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in (auth, accounts, admin, clients, photos, workflows, clinic_settings, bookings, reminders,
                   portal, session_day):
        app.include_router(module.router, prefix="/api")
    app.include_router(tablet.router)  # the tablet app: pages at / and the consultation API
    return app


DOCS_ASSETS = "/docs-assets"


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the ``swagger-ui-bundle`` package's files, not from a CDN."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )


def worker_app() -> FastAPI:
    """App factory of one worker process of ``smp serve --workers N`` (settings from the environment;
    the parent process has already checked the schema and reconciled the photo store)."""
    from smpstudio.commands.serve import freeze_heap

    app = create_app(Settings(), reconcile_store=False)
    freeze_heap()
    return app
