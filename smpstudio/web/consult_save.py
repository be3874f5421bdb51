"""Saving a consultation: the signed consent bound to the previews the client was shown, and the plan."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io

import numpy as np
from sqlalchemy.orm import Session

from smpstudio.records import schemas as rs
from smpstudio.records.errors import Conflict
from smpstudio.records.services import Actor
from smpstudio.records.services_consult import SignedConsent, save_consultation
from smpstudio.schema import PlanDocument
from smpstudio.web import consult_schemas as cs
from smpstudio.web import consult_whole
from smpstudio.web.consent_text import TEXTS
from smpstudio.web.consult_service import BadChange, document, planned
from smpstudio.web.consult_state import Consult

MIN_INK_PX = 200  # a signature is drawn: at least this many dark pixels


def signature_png(b64: str) -> bytes:
    """The drawn signature as PNG bytes; refused when it is not a PNG or is (nearly) blank."""
    from PIL import Image, UnidentifiedImageError

    try:
        data = base64.b64decode(b64, validate=True)
        im = Image.open(io.BytesIO(data))
        if im.format != "PNG" or max(im.size) > 4096:
            raise BadChange("the signature must be a PNG image of at most 4096 px a side")
        rgba = np.asarray(im.convert("RGBA"))
    except (binascii.Error, UnidentifiedImageError, OSError):
        raise BadChange("the signature is not a readable PNG image") from None
    ink = (rgba[..., 3] > 128) & (rgba[..., :3].mean(axis=2) < 128)
    if int(ink.sum()) < MIN_INK_PX:
        raise BadChange("the signature is empty: the client signs in the box with a finger or the pen")
    return data


def save(db: Session, actor: Actor, c: Consult, body: cs.SaveConsult, now: dt.datetime) -> cs.SavedConsult:
    """Store the plan (as shown) and the consent; refuses previews not shown for the current design."""
    if body.consent_version not in TEXTS:
        raise BadChange(f"unknown consent version {body.consent_version!r}; the current one is "
                        f"{next(reversed(TEXTS))}")
    if body.revision != c.revision:
        raise Conflict(f"the design changed (revision {c.revision}) after the previews of revision {body.revision} "
                       "were shown; show the previews again and sign")
    shown = set(c.served.values())
    unknown = [h for h in body.preview_sha256 if h not in shown]
    if unknown:
        raise BadChange(f"preview {unknown[0][:12]}... was not shown for this design; the client signs for the "
                        "previews on screen")
    if c.draft:
        raise Conflict("a drag of the hairline is still under way; let go of the point, then sign")
    png = signature_png(body.signature_png_base64)
    step = planned(c)
    doc = document(step)
    data = doc.model_dump(mode="json")
    whole = c.whole.get(consult_whole.job(c).key)
    if whole is not None:  # the whole head for this design and stage (as the page showed it)
        from smpstudio.head3d.block import whole_head_block

        data["whole_head"] = whole_head_block(whole[0]).model_dump(mode="json")  # type: ignore[arg-type]
    data["consultation"] = {  # the stored photo it was made from, and how it was shown
        "photo_id": c.photo_id, "photo_sha256": c.photo_sha256, "photo_size_px": list(c.source_size),
        "display_size_px": [c.photo.width, c.photo.height], "display_scale": round(c.scale, 6),
        "crop_px": list(c.crop_px),
        "preview_sha256": list(body.preview_sha256), "revision": c.revision,
    }
    plan = rs.PlanCreate(seed=doc.seed, plan=PlanDocument.model_validate(data))
    consent = SignedConsent(version=body.consent_version, text=TEXTS[body.consent_version], signer=body.signer,
                            signed_at=now, signature_png=png, preview_sha256=tuple(body.preview_sha256))
    p, row = save_consultation(db, actor, c.client_id, c.photo_id, plan, consent)
    return cs.SavedConsult(plan_id=p.id, plan_version=p.version, consent_id=row.id, photo_id=c.photo_id,
                           preview_sha256=list(body.preview_sha256))
