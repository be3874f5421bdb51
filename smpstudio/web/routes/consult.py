"""The consultation API: photo -> analysis overlay and hairline, drags, options, previews, save with consent.

Thin routes: validate (schemas), call :mod:`smpstudio.web.consult_service` in one worker thread for the
signed-in user, return a schema. A consultation belongs to the user who started it (404 for others).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from smpstudio.records import services, services_drafts
from smpstudio.records.services import Actor
from smpstudio.records.services_consult import signature_of, typed_signature_png
from smpstudio.web import consult_dots, consult_persist, consult_whole
from smpstudio.web import consult_schemas as cs
from smpstudio.web import consult_service as svc
from smpstudio.web.consent_text import CURRENT_VERSION, TEXTS
from smpstudio.web.consult_save import save
from smpstudio.web.consult_state import ConsultStore
from smpstudio.web.deps import PayloadTooLarge, SignedIn

router = APIRouter(tags=["consultation"], responses={401: {}, 403: {}, 404: {}, 422: {}})

ClientId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ConsultId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Stage = Annotated[str, Query(pattern=cs.STAGE_NAME, description="a stage of the consult's `stages`")]
JPEG = {200: {"content": {"image/jpeg": {}}, "description": "JPEG"}}
NO_STORE = {"Cache-Control": "private, no-store"}


async def get_store(request: Request) -> ConsultStore:
    store = getattr(request.app.state, "consults", None)
    if store is None:
        store = request.app.state.consults = ConsultStore()
    return store  # type: ignore[no-any-return]


Store = Annotated[ConsultStore, Depends(get_store)]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get("/consent-text")
async def consent_text() -> cs.ConsentText:
    """The current consent text the client signs."""
    return cs.ConsentText(version=CURRENT_VERSION, text=TEXTS[CURRENT_VERSION])


@router.post("/clients/{client_id}/consults", status_code=201, responses={409: {}, 413: {}})
async def start_consult(client_id: ClientId, file: Annotated[UploadFile, File(description="JPEG, PNG, WebP, TIFF")],
                        call: SignedIn, store: Store) -> cs.ConsultOut:
    """Upload the client's front photo: it is stored (front, before), analysed and a hairline proposed."""
    settings, vault, today = call.state.settings, call.state.vault, _today()
    limit = int(settings.max_upload_mb * 1_000_000)

    def work(db: Session, actor: Actor) -> cs.ConsultOut:
        data = file.file.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"the photo is larger than {settings.max_upload_mb:g} MB")
        c = svc.start(db, actor, vault, store, client_id, data, today)
        with c.lock:
            out = svc.view(c, svc.planned(c))
            consult_persist.persist(db, actor, c)
            return out

    return await call(work)


@router.get("/clients/{client_id}/consults")
async def client_consults(client_id: ClientId, call: SignedIn) -> list[cs.DraftOut]:
    """The signed-in user's consultations in progress for this client (kept across restarts), newest first."""
    def work(db: Session, actor: Actor) -> list[cs.DraftOut]:
        return [cs.DraftOut(id=d.id, client_id=d.client_id, photo_id=d.photo_id, revision=d.revision,
                            created_at=d.created_at, updated_at=d.updated_at)
                for d in services_drafts.client_drafts(db, actor, client_id)]

    return await call(work)


@router.get("/consults/{consult_id}")
async def get_consult(consult_id: ConsultId, call: SignedIn, store: Store) -> cs.ConsultOut:
    def work(db: Session, actor: Actor) -> cs.ConsultOut:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            return svc.view(c, svc.current(c))

    return await call(work)


@router.patch("/consults/{consult_id}")
async def change_consult(consult_id: ConsultId, body: cs.ConsultChange, call: SignedIn, store: Store
                         ) -> cs.ConsultOut:
    """A drag (``move``: a control point to display px, mirrored unless ``mirror`` is false) or new options."""
    def work(db: Session, actor: Actor) -> cs.ConsultOut:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            out = svc.view(c, svc.apply(c, body))
            if not c.draft:  # a settled change (a drag's steps are not written: its end is)
                consult_persist.persist(db, actor, c)
            return out

    return await call(work)


@router.get("/consults/{consult_id}/preview", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "JPEG or PNG"}})
async def preview(consult_id: ConsultId, call: SignedIn, store: Store, stage: Stage = "before",
                  format: Annotated[Literal["jpeg", "png"], Query(description="png: lossless")] = "jpeg") -> Response:
    """One stage at display size; its sha256 (``X-Preview-Sha256``) is what a consent binds."""
    def work(db: Session, actor: Actor) -> tuple[bytes, str, int]:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            known = dict(c.served)
            data, digest = svc.stage_jpeg(c, stage, png=format == "png")
            if c.served != known and not c.draft:
                consult_persist.persist(db, actor, c)
            return data, digest, c.revision

    data, digest, revision = await call(work)
    return Response(data, media_type=f"image/{format}",
                    headers={**NO_STORE, "X-Preview-Sha256": digest, "X-Consult-Revision": str(revision)})


@router.get("/consults/{consult_id}/base", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "PNG"}})
async def base(consult_id: ConsultId, call: SignedIn, store: Store) -> Response:
    """The scene the dots are drawn on (the photo as shown: buzzed or shaved), display size, PNG."""
    def work(db: Session, actor: Actor) -> tuple[bytes, str]:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            return svc.base_png(c)

    data, digest = await call(work)
    return Response(data, media_type="image/png", headers={**NO_STORE, "X-Base-Sha256": digest})


@router.get("/consults/{consult_id}/dots", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}},
                             "description": "float32 little-endian rows x, y, cxx, cxy, cyy, r, g, b"}})
async def dots(consult_id: ConsultId, call: SignedIn, store: Store, stage: Stage = "session-1-healed") -> Response:
    """A stage's dots as Gaussian splats (display px, px², peak opacity per linear channel) for the browser
    to draw over ``GET .../base`` during a drag (``static/dots.js``)."""
    def work(db: Session, actor: Actor) -> tuple[bytes, int, str]:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            return consult_dots.stage_splats_bytes(c, stage), c.revision, svc.base_png(c)[1]

    data, revision, base_sha = await call(work)
    return Response(data, media_type="application/octet-stream",
                    headers={**NO_STORE, "X-Consult-Revision": str(revision), "X-Base-Sha256": base_sha,
                             "X-Splat-Fields": ",".join(consult_dots.SPLAT_FIELDS)})


@router.get("/consults/{consult_id}/closeup", response_class=Response, responses=JPEG)
async def closeup(consult_id: ConsultId, call: SignedIn, store: Store, stage: Stage = "session-1-healed",
                  x: Annotated[float, Query(ge=-10_000, le=10_000, allow_inf_nan=False)] = 0.0,
                  y: Annotated[float, Query(ge=-10_000, le=10_000, allow_inf_nan=False)] = 0.0) -> Response:
    """The magnifier: the stage around display point (x, y) at 20 px/mm, dot by dot."""
    def work(db: Session, actor: Actor) -> bytes:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            return svc.closeup_jpeg(c, stage, x, y)

    return Response(await call(work), media_type="image/jpeg", headers=NO_STORE)


@router.get("/consults/{consult_id}/whole-head")
async def whole_head(consult_id: ConsultId, call: SignedIn, store: Store) -> cs.WholeHeadOut:
    """The whole head planned for the consultation's stage on the client's 3-D scalp (takes seconds; a drag
    is not kept waiting): hours per session and visit, impressions per zone, price, the proposal's reason."""
    def work(db: Session, actor: Actor) -> cs.WholeHeadOut:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            j = consult_whole.job(c)
        return consult_whole.view(c, j, consult_whole.result(c, j))

    return await call(work)


@router.get("/consults/{consult_id}/diagram", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "PNG"}})
async def diagram(consult_id: ConsultId, call: SignedIn, store: Store,
                  view: Annotated[Literal["top", "left", "right", "back"], Query()] = "top") -> Response:
    """One view of the whole-head diagram: the stage's bald / thinning / kept zones and their dots."""
    def work(db: Session, actor: Actor) -> bytes:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            j = consult_whole.job(c)
        return consult_whole.diagram_png(c, j, consult_whole.result(c, j), view)

    return Response(await call(work), media_type="image/png", headers=NO_STORE)


@router.post("/consults/{consult_id}/save", status_code=201, responses={409: {}})
async def save_consult(consult_id: ConsultId, body: cs.SaveConsult, call: SignedIn, store: Store
                       ) -> cs.SavedConsult:
    """Save as the client's next plan version (linked to the photo) with the consent signed for the previews."""
    now = dt.datetime.now(dt.UTC)

    def work(db: Session, actor: Actor) -> cs.SavedConsult:
        c = consult_persist.consult_of(db, actor, call.state.vault, store, consult_id)
        with c.lock:
            j = consult_whole.job(c)
        consult_whole.result(c, j)  # the whole head is in the saved plan: as shown, else planned now (a restart)
        with c.lock:
            saved = save(db, actor, c, body, now)
        # saved as a plan: no longer a consultation in progress (the tab forgets it, the client's page too)
        services_drafts.drop_draft(db, actor, consult_id)
        store.drop(consult_id)
        return saved

    return await call(work)


@router.get("/consents/{consent_id}/pdf", tags=["consents"], response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the signed consent"}})
async def consent_pdf(consent_id: ObjId, call: SignedIn) -> Response:
    """The signed consent as a PDF (text and version, the drawn signature, signer, time, previews' sha256)."""
    from smpstudio.reports.pdf_consent import consent_pdf as make_pdf

    def work(db: Session, actor: Actor) -> bytes:
        row = services.get_consent(db, actor, consent_id)
        signer, png = signature_of(row)
        if png is None:  # a signature typed into the records API: shown as typed
            png = typed_signature_png(signer)
        return make_pdf(row.text, row.version, signer, row.signed_at, png, list(row.preview_sha256))

    return Response(await call(work), media_type="application/pdf",
                    headers={**NO_STORE, "Content-Disposition": f'inline; filename="consent-{consent_id}.pdf"'})
