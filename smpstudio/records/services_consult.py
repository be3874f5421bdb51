"""A consultation saved with its signed consent: one plan version and one consent, in one transaction.

The web app calls :func:`save_consultation` after the client signed; either both rows are written (with
their audit events) or neither is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from smpstudio.pipeline.document import document_json
from smpstudio.records import schemas as s
from smpstudio.records.errors import Conflict
from smpstudio.records.models import Consent, Photo, Plan
from smpstudio.records.services import WRITERS, Actor, audit, changeable_client, next_plan, owned


@dataclass(frozen=True)
class SignedConsent:
    version: str
    text: str
    signer: str
    signed_at: dt.datetime
    signature_png: bytes  # drawn on the tablet
    preview_sha256: tuple[str, ...]


def save_consultation(db: Session, actor: Actor, client_id: int, photo_id: int, plan: s.PlanCreate,
                      consent: SignedConsent) -> tuple[Plan, Consent]:
    """Store the consent and the plan (the client's next version, made from photo ``photo_id``)."""
    actor.require(WRITERS)
    client = changeable_client(db, actor, client_id)
    photo = owned(db, actor, Photo, photo_id, "photo")
    if photo.client_id != client.id:
        raise Conflict(f"photo {photo_id} is not client {client_id}'s")
    stored = document_json(plan.plan)
    row = Consent(clinic_id=actor.clinic_id, client_id=client.id, version=consent.version, text=consent.text,
                  text_sha256=hashlib.sha256(consent.text.encode()).hexdigest(), signed_at=consent.signed_at,
                  signature=consent.signer, signer=consent.signer, signature_png=consent.signature_png,
                  preview_sha256=list(consent.preview_sha256),
                  created_by=actor.user_id)
    p = next_plan(db, actor, client, plan.seed, stored)  # under the client's lock: ordered with any other save
    version = p.version
    db.add(row)
    db.flush()
    audit(db, actor, "create", "consent", row.id, client_id=client.id, detail=f"signed, plan version {version}")
    audit(db, actor, "create", "plan", p.id, client_id=client.id,
          detail=f"version {version} from photo {photo_id}, consent {row.id}")
    db.commit()
    return p, row


def signature_of(consent: Consent) -> tuple[str, bytes | None]:
    """``(signer, PNG bytes)`` of a consent signed in the web app; ``(text, None)`` for a typed signature."""
    if consent.signature_png is not None:
        return consent.signer or consent.signature, consent.signature_png
    return consent.signature, None


def typed_signature_png(text: str) -> bytes:
    """A typed signature as a PNG (for the consent PDF of a consent signed without drawing)."""
    import io

    from PIL import Image, ImageDraw

    im = Image.new("RGB", (600, 80), "white")
    ImageDraw.Draw(im).text((10, 30), f"typed: {text[:80]}", fill="black")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()
