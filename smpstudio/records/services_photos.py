"""Photos: validated by the photo intake, re-encoded without metadata, encrypted, written atomically.

An upload decodes the file with :func:`smpstudio.imaging.intake.load_photo` (size, type and
decompression-bomb checks), re-encodes it as a metadata-free JPEG (no EXIF, no GPS) plus a thumbnail,
encrypts both with the client's photo key and writes them (temporary file, fsync, rename) *before* the
row is committed; if the commit fails the files are removed. A crash between the rename and the commit
can leave a file without a row: :func:`reconcile` (run when the service starts) removes such files, so
the store never keeps an orphan and never has a row without its file.

Every full-size decode of the web service (an upload, a consult start, a consult rebuilt after a restart,
a portal picture) runs in a slot of the process's :class:`DecodeBudget` (:func:`decode_within_budget`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smpstudio.imaging.intake import Photo as Pixels
from smpstudio.imaging.intake import load_photo
from smpstudio.records import schemas as s
from smpstudio.records.errors import Busy, Conflict, NotFound
from smpstudio.records.models import Client, Photo, TreatmentSession, utcnow
from smpstudio.records.services import EVERYONE, WRITERS, Actor, audit, lock_client, owned, precheck_changeable_client
from smpstudio.records.storage import TMP_PREFIX, KeyStore, PhotoStore, new_client_key

THUMB_MAX_SIDE_PX = 512
JPEG_QUALITY = 92
MAX_MEGAPIXELS = 60.0


T = TypeVar("T")
DECODE_RETRY_AFTER_S = 5  # the Retry-After of a 503 when every decode slot is taken (a decode takes ~1-3 s)


@dataclass(frozen=True)
class DecodeBudget:
    """How much full-size decoding one process may do, for every path of the web service that decodes a
    photo at full size (an upload, a consult start, a consult rebuilt after a restart, a portal render;
    :func:`decode_within_budget`): a pixel limit read from the file's header before any decoding, and a
    bounded number of decodes at once (``slots``). At most ``queue`` requests wait for a slot, each at
    most ``wait_s``; the others are refused at once with :class:`Busy` (a 503 with Retry-After), so
    waiting decodes never hold more than ``slots + queue`` request threads. The peak memory is about
    base + slots x one decode (``benchmarks/bench_upload_memory.py``)."""

    max_megapixels: float = 25.0
    slots: int = 2
    wait_s: float = 10.0
    queue: int = 2
    semaphore: threading.BoundedSemaphore = field(init=False, repr=False, compare=False)
    _waiting: list[int] = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "semaphore", threading.BoundedSemaphore(self.slots))
        object.__setattr__(self, "_waiting", [0])
        object.__setattr__(self, "_lock", threading.Lock())

    def acquire(self) -> bool:
        """Take a slot: at once if one is free, else wait (at most ``wait_s``) if fewer than ``queue`` wait."""
        if self.semaphore.acquire(blocking=False):
            return True
        with self._lock:
            if self._waiting[0] >= self.queue:
                return False
            self._waiting[0] += 1
        try:
            return self.semaphore.acquire(timeout=self.wait_s)
        finally:
            with self._lock:
                self._waiting[0] -= 1

    def release(self) -> None:
        self.semaphore.release()


@contextmanager
def decode_slot(budget: DecodeBudget) -> Iterator[None]:
    """One of the budget's decode slots for the ``with`` block (:class:`Busy` when none can be had)."""
    if not budget.acquire():
        raise Busy("the service is busy processing other photos; retry in a few seconds",
                   retry_after_s=DECODE_RETRY_AFTER_S)
    try:
        yield
    finally:
        budget.release()


def decode_within_budget(budget: DecodeBudget, data: bytes, use: Callable[[Pixels], T], *,
                         stored: bool = False) -> T:
    """``use(photo)`` of ``data`` decoded at full size, both in one of the budget's slots: the full-size
    pixels live only inside the slot; ``use`` returns what is kept (a display-size view, a JPEG, a size).

    An upload is held to the budget's pixel limit; a ``stored`` photo (admitted when it was uploaded) to
    :data:`MAX_MEGAPIXELS` only, so lowering the limit never locks a clinic out of its own photos."""
    with decode_slot(budget):
        return use(load_photo(data, max_megapixels=_limit(budget, stored)))


def _limit(budget: DecodeBudget, stored: bool) -> float:
    return MAX_MEGAPIXELS if stored else min(MAX_MEGAPIXELS, budget.max_megapixels)


@dataclass(frozen=True)
class StoredForm:
    """What :func:`upload_photo` stores for an upload: the photo decoded, oriented, stripped and re-encoded
    (JPEG and thumbnail JPEG), and its size."""

    jpeg: bytes
    thumb: bytes
    width: int
    height: int


def _stored_form(photo: Pixels) -> StoredForm:
    return StoredForm(photo.to_jpeg_bytes(quality=JPEG_QUALITY),
                      photo.thumbnail(THUMB_MAX_SIDE_PX).to_jpeg_bytes(quality=85), photo.width, photo.height)


def prepare_upload(budget: DecodeBudget, data: bytes) -> StoredForm:
    """The stored form of an upload, decoded in one of the budget's slots."""
    return decode_within_budget(budget, data, _stored_form)


def prepare_and_open(budget: DecodeBudget, data: bytes, use: Callable[[Pixels], T]) -> tuple[StoredForm, T]:
    """The stored form of an upload and ``use(photo as stored)``, in ONE slot: the upload is decoded and
    re-encoded (its pixels dropped), then the stored JPEG is decoded (the pixels a restart rebuilds from)
    and handed to ``use``. Give the form to :func:`upload_photo`, which then decodes nothing."""
    with decode_slot(budget):
        form = _stored_form(load_photo(data, max_megapixels=_limit(budget, False)))
        return form, use(load_photo(form.jpeg, max_megapixels=MAX_MEGAPIXELS))


@dataclass(frozen=True)
class Vault:
    """Where photos and keys live: the photo folder and the clinic key files; and the decode budget."""

    photos: PhotoStore
    keys: KeyStore
    budget: DecodeBudget = field(default_factory=DecodeBudget)


def client_key(db: Session, vault: Vault, client: Client, *, create: bool) -> bytes:
    """The client's photo key; created (and committed, race-free) on first use when ``create``."""
    if client.photo_key_wrapped is None:
        if not create or client.erased_at is not None:  # never a fresh key for an erased client
            raise NotFound(f"client {client.id} has no photos")
        wrapped = vault.keys.wrap(client.clinic_id, client.id, new_client_key())
        db.execute(
            update(Client)
            .where(Client.id == client.id, Client.photo_key_wrapped.is_(None))
            .values(photo_key_wrapped=wrapped)
        )
        db.commit()
        db.refresh(client)
        if client.photo_key_wrapped is None:
            raise Conflict(f"client {client.id} was erased")
    return vault.keys.unwrap(client.clinic_id, client.id, client.photo_key_wrapped)


def upload_photo(
    db: Session,
    actor: Actor,
    vault: Vault,
    client_id: int,
    data: bytes | StoredForm,
    *,
    view: s.PhotoView,
    phase: s.PhotoPhase,
    taken_at: dt.datetime | None,
    session_id: int | None,
) -> Photo:
    """Validate, strip, encrypt and store one photo of a client; returns its row. ``data`` is the upload
    (decoded here, in a slot of the budget) or its form already prepared (:func:`prepare_and_open`)."""
    actor.require(WRITERS)
    client = precheck_changeable_client(db, actor, client_id)  # refused early; re-checked under the lock
    if session_id is not None:
        session = owned(db, actor, TreatmentSession, session_id, "session")
        if session.client_id != client.id:
            raise NotFound(f"session {session_id} not found for client {client.id}")
    db.commit()  # end the read transaction before the slow decode
    form = data if isinstance(data, StoredForm) else prepare_upload(vault.budget, data)
    jpeg, thumb, width, height = form.jpeg, form.thumb, form.width, form.height
    # One transaction under the erase lock (services.lock_client): re-check erased_at AFTER the decode,
    # take the client's key (a new one only for a live client, in this same transaction), write, commit.
    paths: list[Path] = []
    try:
        client = lock_client(db, actor, client_id)
        if client.erased_at is not None:
            raise Conflict(f"client {client_id} was erased while the photo was being processed; nothing was stored")
        if client.photo_key_wrapped is None:
            key = new_client_key()
            client.photo_key_wrapped = vault.keys.wrap(client.clinic_id, client.id, key)
        else:
            key = vault.keys.unwrap(client.clinic_id, client.id, client.photo_key_wrapped)
        storage_key = uuid.uuid4().hex
        paths = vault.photos.write(client.clinic_id, client.id, storage_key, key, jpeg, thumb)
        row = Photo(
            clinic_id=actor.clinic_id,
            client_id=client.id,
            session_id=session_id,
            view=view.value,
            phase=phase.value,
            taken_at=taken_at or utcnow(),
            storage_key=storage_key,
            sha256=hashlib.sha256(jpeg).hexdigest(),
            width_px=width,
            height_px=height,
            size_bytes=len(jpeg),
            created_by=actor.user_id,
        )
        db.add(row)
        db.flush()
        audit(db, actor, "create", "photo", row.id, client_id=client.id, detail=f"{view.value}/{phase.value}")
        db.commit()
    except BaseException:
        db.rollback()
        for p in paths:
            p.unlink(missing_ok=True)
        raise
    return row


def list_photos(db: Session, actor: Actor, client_id: int) -> Sequence[Photo]:
    client = owned(db, actor, Client, client_id, "client")
    rows = db.scalars(
        select(Photo).where(Photo.client_id == client.id, Photo.clinic_id == actor.clinic_id).order_by(Photo.id)
    ).all()
    audit(db, actor, "list", "photo", None, client_id=client.id)
    db.commit()
    return rows


def get_photo(db: Session, actor: Actor, photo_id: int) -> Photo:
    photo = owned(db, actor, Photo, photo_id, "photo")
    audit(db, actor, "read", "photo", photo.id, client_id=photo.client_id)
    db.commit()
    return photo


def photo_bytes(db: Session, actor: Actor, vault: Vault, photo_id: int, *, thumbnail: bool) -> bytes:
    """The decrypted JPEG (or its thumbnail) of a photo."""
    actor.require(EVERYONE)
    photo = owned(db, actor, Photo, photo_id, "photo")
    if photo.shredded_at is not None:
        raise NotFound(f"photo {photo_id} was erased")
    client = owned(db, actor, Client, photo.client_id, "client")
    key = client_key(db, vault, client, create=False)
    data = vault.photos.read(photo.clinic_id, photo.client_id, photo.storage_key, key, "thumb" if thumbnail else "jpg")
    audit(
        db,
        actor,
        "read",
        "photo_file",
        photo.id,
        client_id=photo.client_id,
        detail="thumbnail" if thumbnail else "full",
    )
    db.commit()
    return data


@dataclass
class ReconcileReport:
    temp_files_removed: list[str] = field(default_factory=list)
    orphan_files_removed: list[str] = field(default_factory=list)
    rows_missing_files: list[int] = field(default_factory=list)


def reconcile(db: Session, store: PhotoStore) -> ReconcileReport:
    """Remove temporary files and files without a live photo row; list rows whose file is missing.

    Run it only while no upload is in flight (the service runs it at start-up).
    """
    report = ReconcileReport()
    live = {
        (c, k, key)
        for c, k, key in db.execute(
            select(Photo.clinic_id, Photo.client_id, Photo.storage_key).where(Photo.shredded_at.is_(None))
        )
    }
    db.commit()
    seen: dict[tuple[int, int, str], set[str]] = {}
    for path in store.all_files():
        rel = path.relative_to(store.photo_dir)
        if path.name.startswith(TMP_PREFIX):
            path.unlink(missing_ok=True)
            report.temp_files_removed.append(str(rel))
            continue
        ident = _identify(rel.parts)
        if ident is None or ident[:3] not in live:
            path.unlink(missing_ok=True)
            report.orphan_files_removed.append(str(rel))
        else:
            seen.setdefault(ident[:3], set()).add(ident[3])
    incomplete = {key for (_c, _k, key) in live if seen.get((_c, _k, key)) != {"jpg", "thumb"}}
    if incomplete:
        report.rows_missing_files = sorted(db.scalars(select(Photo.id).where(Photo.storage_key.in_(incomplete))))
        db.commit()
    return report


def _identify(parts: tuple[str, ...]) -> tuple[int, int, str, str] | None:
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    name = parts[2]
    for kind in ("jpg", "thumb"):
        suffix = f".{kind}.enc"
        if name.endswith(suffix):
            return int(parts[0]), int(parts[1]), name[: -len(suffix)], kind
    return None
