"""The saved plan's pictures and pack for the client portal, rendered again from the records.

A saved consultation stores its plan (``plan.json``, with the stored photo it was made from and the
crop shown) but not its previews. The portal replays it: the stored photo cropped as the consultation
showed it and scaled to display size (:mod:`smpstudio.web.consult_state`), the plan's seed, hairline
(every control point where the artist left it, mirror off), style, age, stage, sessions, interval,
density and plan options, through the same :mod:`smpstudio.pipeline` as the consultation. The replay is
accepted only when it gives the saved plan's sessions again (numbers and dates; impressions within 8 %:
the stored photo is the upload re-encoded, so it is not bit-identical to what the consultation ran on);
otherwise :class:`NotReplayable` (the page then offers no pictures rather than other ones).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.orm import Session

from smpstudio.imaging.intake import Photo as Pixels
from smpstudio.pipeline import DesignInputs, Inputs, PatternInputs, Pipeline, PlanInputs, PlanStep, ScalpInputs
from smpstudio.records.errors import Conflict
from smpstudio.records.models import Photo
from smpstudio.records.services import audit
from smpstudio.records.services_photos import Vault, client_key, decode_within_budget
from smpstudio.records.services_portal import PortalRecords
from smpstudio.web.consult_service import crop_view, document, prices_of, stage_jpeg
from smpstudio.web.consult_state import Consult

PACK_FILES = ("consultation.pdf", "quote.pdf", "aftercare.pdf")
IMPRESSIONS_TOLERANCE = 0.08  # share of a session's impressions the replay may differ by (see same_sessions)
CACHED_PLANS = 4  # a replay holds a display-size photo and its steps (~50 MB)


class NotReplayable(Conflict):
    """The saved plan cannot be rendered again as it was saved (no stored photo, or another result)."""


def replay_inputs(plan_json: dict[str, Any], seed: int, today: dt.date) -> Inputs:
    """The pipeline inputs that made ``plan_json`` (see the module docstring)."""
    hl, pi = plan_json["hairline"], plan_json.get("plan_inputs") or {}
    stage = plan_json.get("stage") or {}
    moves = tuple((i, (float(x), float(y))) for i, (x, y) in enumerate(hl["control_points_mm"]))
    design = DesignInputs(age=int(hl["age"]), style=str(hl["style"]), moves=moves, mirror=False,
                          stage=stage.get("chosen") if stage.get("chosen_by") == "artist" else None)
    pattern = PatternInputs(n_sessions=int(pi.get("n_sessions", 3)), interval_days=int(pi.get("interval_days", 14)),
                            density_per_cm2=float((plan_json.get("pattern") or {}).get("full_density_per_cm2", 80.0)))
    lab = pi.get("target_lab")
    plan = PlanInputs(start=dt.date.fromisoformat(pi["start"]) if pi.get("start") else None, today=today,
                      uv=str(pi.get("uv", "med")), oily_scalp=bool(pi.get("oily_scalp", False)),
                      target_lab=None if lab is None else (float(lab[0]), float(lab[1]), float(lab[2])),
                      pigment_id=pi.get("pigment"),
                      impressions_per_hour=float(pi.get("impressions_per_hour", 4000.0)),
                      cost_years=int(pi.get("cost_years", 10)))
    scalp = ScalpInputs(mode=str(plan_json.get("scalp") or "auto"))
    return Inputs(seed=seed, scalp=scalp, design=design, pattern=pattern, plan=plan)


def _sessions(plan_json: dict[str, Any]) -> list[tuple[int, int, str | None]]:
    return [(int(s["index"]), int(s["impressions"]), s.get("date"))
            for s in plan_json.get("sessions") or [] if "pigment" in s]


def same_sessions(again: list[tuple[int, int, str | None]], saved: list[tuple[int, int, str | None]]) -> bool:
    """The replay gives the saved sessions: the same numbers and dates, impressions within
    :data:`IMPRESSIONS_TOLERANCE` (the stored photo is the upload re-encoded as JPEG, so the masks and the
    landmarks differ by a pixel here and there: ~1-5 % of the dots on the sample portrait)."""
    if [(i, d) for i, _, d in again] != [(i, d) for i, _, d in saved]:
        return False
    pairs = zip(again, saved, strict=True)
    return all(abs(a - b) <= IMPRESSIONS_TOLERANCE * max(b, 1) for (_, a, _), (_, b, _) in pairs)


class PortalRenders:
    """Replays of saved plans, kept for the last few plans opened (one lock per app)."""

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self._lock = threading.Lock()
        self._pipe = pipeline
        self._held: OrderedDict[int, tuple[Consult, dict[str, bytes]]] = OrderedDict()

    def _consult(self, db: Session, vault: Vault, rec: PortalRecords) -> tuple[Consult, dict[str, bytes]]:
        plan = rec.plan
        if plan is None:
            raise NotReplayable("the clinic has not saved a plan for you yet")
        held = self._held.get(plan.id)
        if held is not None:
            self._held.move_to_end(plan.id)
            return held
        info = (plan.plan_json or {}).get("consultation") or {}
        photo = db.get(Photo, int(info.get("photo_id", 0)))
        if photo is None or photo.client_id != rec.client.id or photo.shredded_at is not None:
            raise NotReplayable("the photo this plan was made from is no longer stored")
        key = client_key(db, vault, rec.client, create=False)
        jpeg = vault.photos.read(photo.clinic_id, photo.client_id, photo.storage_key, key, "jpg")
        audit(db, None, "read", "photo_file", photo.id, client_id=rec.client.id, clinic_id=rec.clinic.id,
              detail="portal: plan pictures")
        db.commit()
        x, y, w, h = (int(v) for v in info.get("crop_px") or (0, 0, photo.width_px, photo.height_px))

        def view(stored: Pixels) -> tuple[tuple[int, int], Pixels]:
            return (stored.width, stored.height), crop_view(stored, (x, y, w, h))  # the consultation's own view

        # the full-size photo only inside a decode slot of the budget: the replay keeps its display-size view
        source_size, display = decode_within_budget(vault.budget, jpeg, view, stored=True)
        pipe = Pipeline(backend=self._backend())
        pipe.prices = prices_of(rec.clinic)
        inputs = replay_inputs(plan.plan_json, plan.seed, plan.created_at.date())
        consult = Consult(id=-plan.id, clinic_id=rec.clinic.id, user_id=0, client_id=rec.client.id,
                          photo_id=photo.id, photo_sha256=photo.sha256, source_size=source_size,
                          photo=display, pipe=pipe, inputs=inputs, crop_px=(x, y, w, h))
        step = pipe.plan(display, inputs)
        if not same_sessions(_sessions(document(step).model_dump(mode="json")), _sessions(plan.plan_json)):
            raise NotReplayable("the saved plan could not be drawn again as it was saved; ask the clinic for "
                                "its pictures")
        consult.last_plan = step
        held = (consult, {})
        self._held[plan.id] = held
        while len(self._held) > CACHED_PLANS:
            self._held.popitem(last=False)
        return held

    def _backend(self) -> Any:
        """The face-landmark model, loaded once per app."""
        if self._pipe is None:
            self._pipe = Pipeline()
        return self._pipe.backend

    def picture(self, db: Session, vault: Vault, rec: PortalRecords, which: str) -> bytes:
        """``before`` (the photo as shown at the consultation) or ``after`` (the last session healed), JPEG."""
        with self._lock:
            consult, files = self._consult(db, vault, rec)
            if which not in files:
                step = consult.last_plan
                assert isinstance(step, PlanStep)
                n = len(step.pattern.water_parts)
                files[which] = stage_jpeg(consult, "before" if which == "before" else f"session-{n}-healed")[0]
            return files[which]

    def pack(self, db: Session, vault: Vault, rec: PortalRecords, name: str) -> bytes:
        """One PDF of the client's pack (:func:`smpstudio.reports.pack.client_pack`) of the saved plan."""
        from smpstudio.reports.pack import client_pack

        with self._lock:
            consult, files = self._consult(db, vault, rec)
            if name not in files:
                step = consult.last_plan
                assert isinstance(step, PlanStep) and rec.plan is not None
                pack = client_pack(step, client_name=f"{rec.client.first_name} {rec.client.last_name}",
                                   issued=rec.plan.created_at.date(), clinic=rec.clinic.name)
                files.update(pack.pdfs)
            return files[name]
