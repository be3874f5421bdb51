"""Photos: upload (validated, EXIF/GPS stripped, encrypted), metadata, image and thumbnail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from sqlalchemy.orm import Session

from smpstudio.records import schemas as s
from smpstudio.records import services_photos
from smpstudio.records.services import Actor
from smpstudio.web.deps import PayloadTooLarge, SignedIn

router = APIRouter(tags=["photos"], responses={401: {}, 403: {}, 404: {}})

ClientId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PhotoId = Annotated[int, Path(ge=1, le=2_147_483_647)]
JPEG = {200: {"content": {"image/jpeg": {}}, "description": "the JPEG (no metadata)"}}


@router.post("/clients/{client_id}/photos", status_code=201, responses={409: {}, 413: {}, 422: {}})
async def upload_photo(
    client_id: ClientId,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or TIFF")],
    view: Annotated[s.PhotoView, Form()],
    phase: Annotated[s.PhotoPhase, Form()],
    call: SignedIn,
    taken_at: Annotated[s.DateTime | None, Form()] = None,
    session_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> s.PhotoOut:
    settings, vault = call.state.settings, call.state.vault
    limit = int(settings.max_upload_mb * 1_000_000)

    def work(db: Session, actor: Actor) -> s.PhotoOut:
        data = file.file.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"the photo is larger than {settings.max_upload_mb:g} MB")
        row = services_photos.upload_photo(
            db, actor, vault, client_id, data, view=view, phase=phase, taken_at=taken_at, session_id=session_id
        )
        return s.PhotoOut.model_validate(row)

    return await call(work)


@router.get("/clients/{client_id}/photos")
async def list_photos(client_id: ClientId, call: SignedIn) -> list[s.PhotoOut]:
    return await call(
        lambda db, actor: [s.PhotoOut.model_validate(p) for p in services_photos.list_photos(db, actor, client_id)]
    )


@router.get("/photos/{photo_id}")
async def get_photo(photo_id: PhotoId, call: SignedIn) -> s.PhotoOut:
    return await call(lambda db, actor: s.PhotoOut.model_validate(services_photos.get_photo(db, actor, photo_id)))


@router.get("/photos/{photo_id}/image", response_class=Response, responses=JPEG)
async def photo_image(photo_id: PhotoId, call: SignedIn) -> Response:
    vault = call.state.vault
    data = await call(lambda db, actor: services_photos.photo_bytes(db, actor, vault, photo_id, thumbnail=False))
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get("/photos/{photo_id}/thumbnail", response_class=Response, responses=JPEG)
async def photo_thumbnail(photo_id: PhotoId, call: SignedIn) -> Response:
    vault = call.state.vault
    data = await call(lambda db, actor: services_photos.photo_bytes(db, actor, vault, photo_id, thumbnail=True))
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
