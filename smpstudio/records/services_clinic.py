"""The clinic's own settings (date order, time zone, address, consent version, opening hours) and what follows from
them: dates typed in the clinic's format, the clinic's "today"."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from smpstudio.dates import parse_date
from smpstudio.errors import SMPError
from smpstudio.records import schemas as s
from smpstudio.records.errors import InvalidInput
from smpstudio.records.models import Clinic, utcnow
from smpstudio.records.services import OWNER, Actor, audit


def clinic_of(db: Session, actor: Actor) -> Clinic:
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None
    return clinic


def clinic_tz(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.timezone or "UTC")


def clinic_today(clinic: Clinic, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the clinic is."""
    return (now or utcnow()).astimezone(clinic_tz(clinic)).date()


PAST_FIELDS = ("date_of_birth",)  # dates that cannot lie in the future (smpstudio.records.schemas.PastTypedDate)


def resolve_date(value: Any, clinic: Clinic, field: str) -> Any:
    """A :class:`~smpstudio.records.schemas.LocalDate` read with the clinic's date order (other values
    unchanged); :class:`InvalidInput` in words."""
    if not isinstance(value, s.LocalDate):
        return value
    try:
        day = s._check_date(parse_date(str(value), clinic.date_order))
        return s._not_future_date(day) if field in PAST_FIELDS else day
    except (SMPError, ValueError) as exc:
        raise InvalidInput(f"{field}: {exc}") from None


def resolve_dates(db: Session, actor: Actor, values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    if any(isinstance(values.get(f), s.LocalDate) for f in fields):
        clinic = clinic_of(db, actor)
        for f in fields:
            if f in values:
                values[f] = resolve_date(values[f], clinic, f)
    return values


def update_clinic(db: Session, actor: Actor, data: s.ClinicUpdate) -> Clinic:
    actor.require(OWNER)
    clinic = clinic_of(db, actor)
    changes = data.model_dump(exclude_unset=True)
    opens = changes.get("opens_hour") if changes.get("opens_hour") is not None else clinic.opens_hour
    closes = changes.get("closes_hour") if changes.get("closes_hour") is not None else clinic.closes_hour
    if opens >= closes:  # one of the two changed: against the other one as stored
        raise InvalidInput(f"the clinic cannot close at {closes}:00 when it opens at {opens}:00")
    for key, value in changes.items():
        if value is not None or key == "address":
            setattr(clinic, key, value)
    audit(db, actor, "update", "clinic", clinic.id, detail="fields: " + ", ".join(changes))
    db.commit()
    return clinic
