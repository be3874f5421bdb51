"""The clinic's own settings: date order, time zone, address, consent version (owner only)."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.records import schemas as s
from smpstudio.records import services_clinic
from smpstudio.web.deps import SignedIn

router = APIRouter(tags=["clinic"], responses={401: {}, 403: {}})


@router.patch("/clinic/settings")
async def update_clinic(body: s.ClinicUpdate, call: SignedIn) -> s.ClinicOut:
    """How staff type dates, where the clinic is (time zone, address on appointments) and the consent
    version in force (sessions need a consent of it)."""
    return await call(lambda db, actor: s.ClinicOut.model_validate(services_clinic.update_clinic(db, actor, body)))
