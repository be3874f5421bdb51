"""A consultation in progress survives a server restart: its state in the database, rebuilt on demand.

After every settled change (not each step of a drag) the consultation's inputs (JSON of
:class:`smpstudio.pipeline.Inputs`), the view's crop of the stored photo, its revision and the previews
sent are written (:mod:`smpstudio.records.services_drafts`). When a request names a consultation the
server does not hold (restarted, or dropped from memory), it is rebuilt from the stored photo with the
same inputs: the pipeline is deterministic, so the hairline, the dots and the previews (their sha256,
which a consent binds) come out as they were.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from smpstudio.imaging.intake import Photo
from smpstudio.pipeline import Inputs
from smpstudio.records import services_drafts, services_photos
from smpstudio.records.errors import Conflict, NotFound
from smpstudio.records.services import Actor
from smpstudio.records.services_photos import Vault
from smpstudio.web.consult_service import clinic_prices, crop_view, planned
from smpstudio.web.consult_state import Consult, ConsultStore

_INPUTS = TypeAdapter(Inputs)


def inputs_json(inputs: Inputs) -> Any:
    """``inputs`` as plain JSON values."""
    return _INPUTS.dump_python(inputs, mode="json")


def inputs_from(data: Any) -> Inputs:
    """:func:`inputs_json` read back (validated)."""
    return _INPUTS.validate_python(data)


def persist(db: Session, actor: Actor, c: Consult) -> None:
    """Write the consultation's state (call with ``c.lock`` held)."""
    services_drafts.put_draft(db, actor, consult_id=c.id, client_id=c.client_id, photo_id=c.photo_id,
                              inputs=inputs_json(c.inputs), crop_px=list(c.crop_px), revision=c.revision,
                              served=dict(c.served))


class UnreadableDraft(Conflict):
    """A stored draft this version cannot rebuild (inputs of another version, a crop outside the photo)."""


def _crop(value: Any, width: int, height: int) -> tuple[int, int, int, int]:
    """The stored crop ``[x, y, w, h]`` checked against the photo's size (px)."""
    if not (isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) for v in value)):
        raise ValueError(f"the crop {value!r} is not four whole pixels")
    x, y, w, h = value
    if x < 0 or y < 0 or w < 1 or h < 1 or x + w > width or y + h > height:
        raise ValueError(f"the crop {value!r} is outside the {width}x{height} px photo")
    return x, y, w, h


def _unreadable(db: Session, consult_id: int, exc: Exception) -> UnreadableDraft:
    db.rollback()
    return UnreadableDraft(f"consultation {consult_id} cannot be rebuilt ({str(exc).splitlines()[0]}); start it "
                           "again from the client's photo")


def restore(db: Session, actor: Actor, vault: Vault, store: ConsultStore, consult_id: int) -> Consult:
    """Rebuild the user's consultation ``consult_id`` from the database and the stored photo.

    A draft that cannot be read back is refused (:class:`UnreadableDraft`) and kept as it is."""
    row = services_drafts.get_draft(db, actor, consult_id)
    jpeg = services_photos.photo_bytes(db, actor, vault, row.photo_id, thumbnail=False)
    try:
        inputs = inputs_from(row.inputs)
        served = {str(k): str(v) for k, v in dict(row.served).items()}
        revision = int(row.revision)
    except (ValidationError, ValueError, TypeError) as exc:
        raise _unreadable(db, consult_id, exc) from None

    def view(photo: Photo) -> tuple[tuple[int, int], tuple[int, int, int, int], Photo]:
        crop = _crop(row.crop_px, photo.width, photo.height)
        return (photo.width, photo.height), crop, crop_view(photo, crop)

    # the full-size photo only inside a decode slot of the budget: the consult keeps its display-size view
    try:
        size, crop, display = services_photos.decode_within_budget(vault.budget, jpeg, view, stored=True)
    except ValueError as exc:  # a crop that does not fit the stored photo
        raise _unreadable(db, consult_id, exc) from None
    pipe = store.pipeline()
    pipe.prices = clinic_prices(db, actor)
    stored = services_photos.get_photo(db, actor, row.photo_id)
    db.commit()
    c = Consult(id=row.id, clinic_id=row.clinic_id, user_id=row.user_id, client_id=row.client_id,
                photo_id=row.photo_id, photo_sha256=stored.sha256, source_size=size, photo=display, pipe=pipe,
                inputs=inputs, crop_px=crop, revision=revision, served=served)
    planned(c)
    return store.add(c, keep_id=True)


_RESTORING = threading.Lock()  # two requests naming a lost consultation rebuild it once


def _held(store: ConsultStore, actor: Actor, consult_id: int) -> Consult | None:
    try:
        return store.get(actor.clinic_id, actor.user_id, consult_id)
    except NotFound:
        return None


def consult_of(db: Session, actor: Actor, vault: Vault, store: ConsultStore, consult_id: int) -> Consult:
    """The user's consultation: held in memory while it is the newest, else rebuilt (:func:`restore`).

    The stored draft decides (one primary-key read): none (the client was erased, or it is not the
    user's) is "not found", also for a copy still in memory; a newer revision than the copy in memory
    (written by another worker process of ``smp serve --workers``) rebuilds it. A drag's steps are not
    stored, so a copy ahead of the stored draft is the current one.
    """
    c = _held(store, actor, consult_id)
    stored = services_drafts.draft_revision(db, actor, consult_id)
    if stored is None:
        if c is not None:
            store.drop(consult_id)
        raise NotFound(f"consultation {consult_id} not found (it may have expired: start it again)",
                       lookup=("consultation", consult_id))  # audited like a record's miss
    if c is not None and stored <= c.revision:
        return c
    with _RESTORING:
        c = _held(store, actor, consult_id)
        if c is not None and stored <= c.revision:
            return c
        return restore(db, actor, vault, store, consult_id)
