"""A consultation in progress, kept so it survives a server restart (the tablet app's ``/api/consults``).

Not a record of the client: what the artist chose so far (the pipeline's inputs as JSON, the view's crop
of the stored photo, the previews sent with their sha256), enough to rebuild it from the stored photo.
Kept after a save (the artist may change the design and save the next plan version); deleted when the
client is erased.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from smpstudio.records.models import Base, JSONText, UTCDateTime, utcnow


class ConsultDraft(Base):
    __tablename__ = "consults"
    __table_args__ = (Index("ix_consults_clinic_user", "clinic_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # the app's random id
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    inputs: Mapped[Any] = mapped_column(JSONText)  # smpstudio.pipeline.Inputs as JSON
    crop_px: Mapped[Any] = mapped_column(JSONText)  # [x, y, w, h] on the stored photo
    revision: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[Any] = mapped_column(JSONText, default=dict)  # preview name -> sha256 sent (this revision)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
