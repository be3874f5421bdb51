"""Session day: what would stop a session today, in words, before anything is recorded."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from smpstudio.records import schemas as s
from smpstudio.records import schemas_clinic as sc
from smpstudio.records import services_safety as safety
from smpstudio.web.deps import SignedIn

router = APIRouter(tags=["sessions"], responses={401: {}, 403: {}, 404: {}})

ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]
LotId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("/clients/{client_id}/session-check", responses={422: {}})
async def session_check(client_id: ObjId, call: SignedIn, day: Annotated[dt.date, Query()],
                        pigment_lot_id: LotId = None, consent_id: LotId = None) -> sc.SessionCheck:
    """The safety rules (consent, patch test, health questions, interval, date) a session of the client on
    ``day`` breaks, each named and explained; whether the signed-in user may override them."""

    def work(db, actor):
        if not s.MIN_DATE <= day <= s.MAX_DATE:
            from smpstudio.records.errors import InvalidInput

            raise InvalidInput(f"day: {day} is not between {s.MIN_DATE} and {s.MAX_DATE}", ("query", "day"))
        found = safety.check_day(db, actor, client_id, date=day, pigment_lot_id=pigment_lot_id,
                                 consent_id=consent_id)
        return sc.SessionCheck(
            ok=not found,
            refusals=[sc.RuleRefusal(rule=r.rule, title=safety.RULE_TITLES.get(r.rule, r.rule), message=r.message,
                                     overridable=r.overridable) for r in found],
            can_override=bool(found) and actor.role == s.Role.owner and all(r.overridable for r in found),
            min_reason_chars=safety.MIN_OVERRIDE_REASON)

    return await call(work)
