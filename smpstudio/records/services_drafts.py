"""Consultations in progress in the database (:class:`smpstudio.records.models_consult.ConsultDraft`).

The tablet app keeps a consultation in memory while the artist works; it writes its state here after
every settled change so that a restarted server (or another worker) rebuilds it from the stored photo.
A draft belongs to one user of one clinic: anyone else gets "not found".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smpstudio.records.errors import NotFound
from smpstudio.records.models import Client
from smpstudio.records.models_consult import ConsultDraft
from smpstudio.records.services import WRITERS, Actor, audit, changeable_client, owned

MAX_DRAFTS_PER_USER = 20  # the newest kept; older ones are deleted when a new one is started


def draft_id_taken(db: Session, consult_id: int) -> bool:
    """Whether ``consult_id`` names a draft of anyone (a new consultation takes another random id)."""
    return db.get(ConsultDraft, consult_id) is not None


def put_draft(db: Session, actor: Actor, *, consult_id: int, client_id: int, photo_id: int, inputs: Any,
              crop_px: list[int], revision: int, served: dict[str, str]) -> None:
    """Write (or overwrite) the user's draft ``consult_id`` and commit."""
    actor.require(WRITERS)
    row = db.get(ConsultDraft, consult_id)
    if row is not None and (row.clinic_id, row.user_id) != (actor.clinic_id, actor.user_id):
        raise NotFound(f"consultation {consult_id} not found", lookup=("consultation", consult_id))
    if row is None:
        changeable_client(db, actor, client_id)
        _prune(db, actor)
        row = ConsultDraft(id=consult_id, clinic_id=actor.clinic_id, user_id=actor.user_id, client_id=client_id,
                           photo_id=photo_id)
        db.add(row)
    row.inputs, row.crop_px, row.revision, row.served = inputs, list(crop_px), revision, dict(served)
    db.commit()


def _prune(db: Session, actor: Actor) -> None:
    """Delete the user's drafts beyond the newest :data:`MAX_DRAFTS_PER_USER` - 1 (a new one is being added)."""
    old = db.scalars(select(ConsultDraft.id).where(ConsultDraft.clinic_id == actor.clinic_id,
                                                   ConsultDraft.user_id == actor.user_id)
                     .order_by(ConsultDraft.updated_at.desc(), ConsultDraft.id.desc())
                     .offset(MAX_DRAFTS_PER_USER - 1)).all()
    if old:
        db.execute(delete(ConsultDraft).where(ConsultDraft.id.in_(old)))


def get_draft(db: Session, actor: Actor, consult_id: int) -> ConsultDraft:
    """The user's draft ``consult_id``; NotFound for anyone else's or one that was saved or dropped."""
    row = db.scalar(select(ConsultDraft).where(ConsultDraft.id == consult_id, ConsultDraft.clinic_id == actor.clinic_id,
                                               ConsultDraft.user_id == actor.user_id))
    if row is None:
        raise NotFound(f"consultation {consult_id} not found (it may have expired: start it again)",
                       lookup=("consultation", consult_id))
    return row


def client_drafts(db: Session, actor: Actor, client_id: int) -> list[ConsultDraft]:
    """The user's consultations in progress for ``client_id``, newest first (another clinic's client: not
    found; another user's drafts are not listed: a draft is its artist's until saved)."""
    client = owned(db, actor, Client, client_id, "client")
    rows = list(db.scalars(select(ConsultDraft).where(
        ConsultDraft.clinic_id == actor.clinic_id, ConsultDraft.user_id == actor.user_id,
        ConsultDraft.client_id == client.id).order_by(ConsultDraft.updated_at.desc(), ConsultDraft.id.desc())))
    audit(db, actor, "list", "consultation", None, client_id=client.id, detail=f"{len(rows)} in progress")
    db.commit()
    return rows


def draft_revision(db: Session, actor: Actor, consult_id: int) -> int | None:
    """The stored revision of the user's draft ``consult_id`` (None: no such draft of theirs)."""
    return db.scalar(select(ConsultDraft.revision).where(  # type: ignore[no-any-return]
        ConsultDraft.id == consult_id, ConsultDraft.clinic_id == actor.clinic_id,
        ConsultDraft.user_id == actor.user_id))


def drop_draft(db: Session, actor: Actor, consult_id: int) -> None:
    """Delete the user's draft ``consult_id`` (it was saved as a plan: no longer in progress) and commit."""
    db.execute(delete(ConsultDraft).where(ConsultDraft.id == consult_id, ConsultDraft.clinic_id == actor.clinic_id,
                                          ConsultDraft.user_id == actor.user_id))
    db.commit()


def drop_client_drafts(db: Session, client_id: int) -> None:
    """Delete every draft of a client (an erase: their photos can no longer be read); no commit."""
    db.execute(delete(ConsultDraft).where(ConsultDraft.client_id == client_id))
