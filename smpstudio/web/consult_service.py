"""The consultation service of the web app: start one from a photo, change it, render its previews.

Every number and image comes from :mod:`smpstudio.pipeline` (the same chain as ``smp preview`` and
``smp plan``), run on the photo at display size (:mod:`smpstudio.web.consult_state`). A drag changes
the design's moves only: the pipeline recomputes the design from its cached proposal, the pattern and
the plan; the preview of the stage on screen is one render at display size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re

import cv2
import numpy as np
from sqlalchemy.orm import Session

from smpstudio.errors import OptionError, SMPError
from smpstudio.imaging.intake import Photo
from smpstudio.pipeline import Inputs, Pipeline, PlanInputs, PlanStep
from smpstudio.pipeline.document import HEALED_AFTER_DAYS, consultation_document
from smpstudio.pipeline.renders import HEALING_PREVIEW_DAY, default_closeup_center_mm, faded_water_parts, scene_for
from smpstudio.plan.cost import Prices, load_prices
from smpstudio.plan.plan import recorded_hours
from smpstudio.records import schemas as rs
from smpstudio.records import services, services_drafts, services_photos
from smpstudio.records.models import Clinic
from smpstudio.records.services import Actor
from smpstudio.records.services_photos import Vault
from smpstudio.schema import PlanDocument
from smpstudio.web import consult_schemas as cs
from smpstudio.web.consult_state import DISPLAY_LONG_SIDE_PX, Consult, ConsultStore

CLOSEUP_PX_PER_MM = 20.0  # >= 15 px/mm: single dots (domain.md §3: 0.3-1.2 mm dots)
CLOSEUP_SIZE_MM = (12.0, 12.0)
YEARS = (1.0, 3.0)
POSE_WARN_DEG = 15.0
JPEG_QUALITY = 90
HEAD_MARGIN = 1.7  # the view's side, in head sizes


class BadChange(SMPError):
    status = 422


def clinic_prices(db: Session, actor: Actor) -> Prices:
    """The plan's prices with the clinic's own session and touch-up prices (as the records hold them)."""
    return prices_of(services.get_clinic(db, actor))


def prices_of(clinic: Clinic) -> Prices:
    """:func:`clinic_prices` of a clinic's row (the client portal has no signed-in user)."""
    base = load_prices()
    update: dict[str, object] = {"currency": clinic.currency}
    if clinic.session_price_cents > 0:
        update["smp_session"] = clinic.session_price_cents / 100
    if clinic.touch_up_price_cents > 0:
        update["smp_touch_up"] = clinic.touch_up_price_cents / 100
    return base.model_copy(update=update)


def start(db: Session, actor: Actor, vault: Vault, store: ConsultStore, client_id: int, data: bytes,
          today: dt.date) -> Consult:
    """Analyse the photo (display size), store it as the client's 'front / before' photo, keep the consult.

    The consult works from the photo as stored (a restart rebuilds it from that): in one decode slot the
    upload is re-encoded and the stored JPEG decoded and cropped to the head view; only that view (display
    size) outlives the slot, and the stored form is handed to the upload, which decodes nothing again."""
    services.precheck_changeable_client(db, actor, client_id)  # 404 for another clinic's client, before any work
    actor.require(services.WRITERS)
    pipe = store.pipeline()
    pipe.prices = clinic_prices(db, actor)
    db.commit()  # end the read transaction before the slow decode
    form, (display, crop) = services_photos.prepare_and_open(vault.budget, data, lambda photo: head_view(photo, pipe))
    inputs = plan_view(display, pipe, today)  # refuses (4xx) a photo it cannot plan: nothing stored
    row = services_photos.upload_photo(db, actor, vault, client_id, form, view=rs.PhotoView.front,
                                       phase=rs.PhotoPhase.before, taken_at=None, session_id=None)
    consult = Consult(id=0, clinic_id=actor.clinic_id, user_id=actor.user_id, client_id=client_id, photo_id=row.id,
                      photo_sha256=row.sha256, source_size=(form.width, form.height), photo=display, pipe=pipe,
                      inputs=inputs, crop_px=crop)
    return store.add(consult, taken=lambda cid: services_drafts.draft_id_taken(db, cid))


def _fit(photo: Photo) -> Photo:
    return photo.thumbnail(DISPLAY_LONG_SIDE_PX) if max(photo.width, photo.height) > DISPLAY_LONG_SIDE_PX else photo


def head_view(photo: Photo, pipe: Pipeline) -> tuple[Photo, tuple[int, int, int, int]]:
    """The photo cropped to the head (with a margin: shoulders to above the crown) at display size.

    A full-length portrait at display size leaves the head ~200 px wide; cropped first, the consultation
    keeps the photo's own resolution on the scalp (up to :data:`DISPLAY_LONG_SIDE_PX`). Returns the
    view and its box ``(x, y, w, h)`` in the stored photo's pixels.
    """
    whole = (0, 0, photo.width, photo.height)
    small = _fit(photo)
    head = pipe.analysis(small).masks.head
    if not head.any():
        return small, whole
    ys, xs = np.nonzero(head)
    k = photo.width / small.width
    x0, x1, y0, y1 = xs.min() * k, (xs.max() + 1) * k, ys.min() * k, (ys.max() + 1) * k
    w, h = x1 - x0, y1 - y0
    side = max(w, h) * HEAD_MARGIN
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + 0.1 * h  # a little below the centre: chin and neck in view
    box = (max(0, round(cx - side / 2)), max(0, round(cy - side / 2)))
    box_end = (min(photo.width, round(cx + side / 2)), min(photo.height, round(cy + side / 2)))
    if (box_end[0] - box[0]) * (box_end[1] - box[1]) > 0.8 * photo.width * photo.height:
        return small, whole
    crop = (box[0], box[1], box_end[0] - box[0], box_end[1] - box[1])
    return crop_view(photo, crop), crop


def crop_view(photo: Photo, crop: tuple[int, int, int, int]) -> Photo:
    """The view of ``photo`` in box ``crop`` ``(x, y, w, h)`` px at display size (:func:`head_view`'s view)."""
    x, y, w, h = crop
    if (x, y, w, h) == (0, 0, photo.width, photo.height):
        return _fit(photo)
    cropped = dataclasses.replace(photo, rgb=photo.rgb[y:y + h, x:x + w].copy(), notes=photo.notes + (
        f"cropped to the head: {w}x{h} px at ({x}, {y})",))
    return _fit(cropped)


def open_view(photo: Photo, pipe: Pipeline, today: dt.date) -> tuple[Photo, tuple[int, int, int, int], Inputs]:
    """The consultation's view of ``photo`` (:func:`head_view`), its default inputs, planned once."""
    display, crop = head_view(photo, pipe)
    return display, crop, plan_view(display, pipe, today)


def plan_view(display: Photo, pipe: Pipeline, today: dt.date) -> Inputs:
    """The default inputs of the consultation's view ``display``, planned once (an error if it cannot be)."""
    seed = int(hashlib.sha256(display.to_uint8().tobytes()).hexdigest()[:7], 16)
    inputs = Inputs(seed=seed, plan=PlanInputs(start=today + dt.timedelta(days=7), today=today))
    pipe.plan(display, inputs)
    return inputs


def planned(c: Consult) -> PlanStep:
    """The consultation's plan step (computed when a drag ended)."""
    step = c.pipe.plan(c.photo, c.inputs)
    c.last_plan, c.draft = step, False
    return step


def current(c: Consult) -> PlanStep:
    """What the screen shows: during a drag, the new design's dots in the last plan's shades (no new plan:
    the shades depend on the skin and hair, not on the hairline; hours and prices follow when it ends)."""
    last = c.last_plan
    if not c.draft or not isinstance(last, PlanStep):
        return planned(c)
    ps = c.pipe.pattern(c.photo, c.inputs)
    if len(ps.pattern.sessions) != len(last.pattern.water_parts):
        return planned(c)
    return PlanStep(ps, last.result, dataclasses.replace(ps.pattern, water_parts=last.pattern.water_parts))


def changed_inputs(c: Consult, change: cs.ConsultChange) -> Inputs:
    """The consult's inputs with ``change`` applied (moves in face-frame mm, collapsed per point)."""
    i = c.inputs
    d, p, q = i.design, i.pattern, i.plan
    if change.style is not None or change.age is not None or change.stage is not None:
        from smpstudio.design.stage import STAGES

        if change.stage is not None and change.stage not in STAGES:
            raise BadChange(f"unknown hair-loss stage {change.stage!r}; one of {', '.join(STAGES)}")
        d = dataclasses.replace(d, style=change.style or d.style, age=change.age or d.age,
                                stage=change.stage or d.stage)
    if change.mirror is not None:
        d = dataclasses.replace(d, mirror=change.mirror)
    if change.reset_moves:
        d = dataclasses.replace(d, moves=())
    if change.move is not None:
        step = c.pipe.design(c.photo, i)
        n = len(step.design.hairline.control_mm)
        k = change.move.index
        if k >= n:
            raise BadChange(f"control point {k} does not exist (0-{n - 1})")
        x_mm, y_mm = step.scalp.analysis.frame.to_mm(np.array([[change.move.x, change.move.y]]))[0]
        partner = n - 1 - k if d.mirror else k
        kept = tuple(m for m in d.moves if m[0] not in (k, partner))
        d = dataclasses.replace(d, moves=(*kept, (k, (round(float(x_mm), 3), round(float(y_mm), 3)))))
    if change.sessions is not None or change.interval_days is not None or change.density_per_cm2 is not None:
        p = dataclasses.replace(p, n_sessions=change.sessions or p.n_sessions,
                                interval_days=change.interval_days or p.interval_days,
                                density_per_cm2=change.density_per_cm2 or p.density_per_cm2)
    if change.shade is not None or change.auto_shade:
        q = dataclasses.replace(q, target_lab=None if change.auto_shade else _hex_lab(change.shade or ""))
    return dataclasses.replace(i, design=d, pattern=p, plan=q)


def _hex_lab(code: str) -> tuple[float, float, float]:
    from smpstudio.optics.colour import hex_to_srgb, srgb_to_lab

    lab = srgb_to_lab(hex_to_srgb(code))
    return float(lab[0]), float(lab[1]), float(lab[2])


def apply(c: Consult, change: cs.ConsultChange) -> PlanStep:
    """Apply ``change`` (refused with a 422 and no change when the pipeline cannot plan it)."""
    inputs = changed_inputs(c, change)
    draft = change.draft and change.move is not None and isinstance(c.last_plan, PlanStep)
    try:
        if draft:
            c.pipe.pattern(c.photo, inputs)
        else:
            c.pipe.plan(c.photo, inputs)
    except OptionError as exc:
        raise BadChange(str(exc)) from None
    if inputs != c.inputs or draft != c.draft:
        c.change(inputs)
    c.draft = draft
    return current(c)


# ---- stages ----------------------------------------------------------------------------------------------
def stage_names(step: PlanStep) -> list[str]:
    n = len(step.pattern.water_parts)
    names = ["before"]
    for k in range(1, n + 1):
        names.append(f"session-{k}-fresh")
        if k == 1:
            names.append("session-1-healing")
        names.append(f"session-{k}-healed")
    names += [f"years-{y:g}" for y in YEARS]
    if step.result.block.touch_up.due_years is not None:
        names.append("touch-up-due")
    return names


def stage_label(step: PlanStep, name: str) -> str:
    interval = step.pattern_step.inputs.interval_days
    if name == "before":
        return "Before"
    if m := re.fullmatch(r"session-(\d)-fresh", name):
        k = int(m[1])
        return f"Session {k} (day {(k - 1) * interval}), just done"
    if name == "session-1-healing":
        return f"Session 1, day {HEALING_PREVIEW_DAY}: flaking, lighter"
    if m := re.fullmatch(r"session-(\d)-healed", name):
        return f"Session {m[1]} healed (4 weeks later)"
    if m := re.fullmatch(r"years-(\d)", name):
        return f"{m[1]} year{'s' if m[1] != '1' else ''} after the last session"
    due = step.result.block.touch_up.due_years
    return f"Touch-up due (~{due:.1f} years)" if due is not None else "Touch-up due"


@dataclasses.dataclass(frozen=True)
class StageSpec:
    """How a stage is drawn: the pattern (faded for later years), the day, sessions laid, healed only."""

    pattern: object
    day: float
    max_session: int | None
    only_healed: bool


def stage_spec(step: PlanStep, name: str) -> StageSpec:
    """The render of ``name`` exactly as :func:`smpstudio.pipeline.renders.session_renders` /
    :func:`~smpstudio.pipeline.renders.years_renders` draw it."""
    interval = step.pattern_step.inputs.interval_days
    n = len(step.pattern.water_parts)
    if m := re.fullmatch(r"session-(\d)-(fresh|healed)", name):
        k = int(m[1])
        if not 1 <= k <= n:
            raise BadChange(f"the plan has {n} sessions; there is no {name}")
        return StageSpec(step.pattern, (k - 1) * interval + (HEALED_AFTER_DAYS if m[2] == "healed" else 0), k, False)
    if name == "session-1-healing":
        return StageSpec(step.pattern, HEALING_PREVIEW_DAY, 1, False)
    block = step.result.block
    if m := re.fullmatch(r"years-(\d)", name):
        years = float(m[1])
    elif name == "touch-up-due" and block.touch_up.due_years is not None:
        years = float(block.touch_up.due_years)
    else:
        raise BadChange(f"no stage {name!r} in this plan")
    water, _left = faded_water_parts(block, years)
    last_day = (n - 1) * interval
    return StageSpec(dataclasses.replace(step.pattern, water_parts=water),
                     last_day + max(years * 365.25, HEALED_AFTER_DAYS), None, True)


def stage_rgb8(c: Consult, step: PlanStep, name: str) -> np.ndarray:
    """The preview ``name`` at display size (uint8 RGB): 'before' is the photo as taken."""
    from smpstudio.render.preview import render_on_photo

    if name == "before":
        return c.photo.to_uint8()
    spec = stage_spec(step, name)
    scene = scene_of(c, step)
    return render_on_photo(scene.linear, spec.pattern, spec.day, step.pattern_step.inputs.interval_days,  # type: ignore[arg-type]
                           scene.skin_at_dots, scene.visibility, max_session=spec.max_session,
                           only_healed=spec.only_healed, base_srgb8=scene.base_srgb8)


_SCENES: dict[int, tuple[object, object]] = {}


def scene_of(c: Consult, step: PlanStep):  # type: ignore[no-untyped-def]
    """The step's render scene, kept for the consult's current step (every stage of it shares one).

    Keyed by the pattern step's own pattern (the dots' positions; a draft's or a plan's pattern differs
    from it only in the shades), held by reference: an ``id`` alone could be reused by a newer pattern."""
    dots = step.pattern_step.pattern
    held = _SCENES.get(c.id)
    if held is None or held[0] is not dots:
        held = (dots, scene_for(step))
        _SCENES[c.id] = held
        for k in list(_SCENES)[:-32]:
            _SCENES.pop(k, None)
    return held[1]


def base_png(c: Consult) -> tuple[bytes, str]:
    """The scene the dots are drawn on (8-bit sRGB PNG) and its sha256, encoded once per scalp step."""
    step = current(c)
    scalp = step.pattern_step.design.scalp
    if c.base is None or c.base[0] != id(scalp):
        rgb8 = scene_of(c, step).base_srgb8
        ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb8[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
        assert ok
        c.base = (id(scalp), buf.tobytes(), hashlib.sha256(buf.tobytes()).hexdigest())
    return c.base[1], c.base[2]


def encode_png(rgb8: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb8[:, :, ::-1]))
    assert ok
    return buf.tobytes()


def encode_jpeg(rgb8: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb8[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    assert ok
    return buf.tobytes()


def stage_jpeg(c: Consult, name: str, png: bool = False) -> tuple[bytes, str]:
    """The stage's JPEG (or lossless PNG) and its sha256, remembered as shown for this revision (what a
    consent binds)."""
    step = current(c)
    rgb8 = stage_rgb8(c, step, name)
    data = encode_png(rgb8) if png else encode_jpeg(rgb8)
    digest = hashlib.sha256(data).hexdigest()
    c.served[f"{name}.png" if png else name] = digest
    return data, digest


def closeup_jpeg(c: Consult, name: str, x: float, y: float) -> bytes:
    """The magnifier: the stage around display point (x, y) at :data:`CLOSEUP_PX_PER_MM`."""
    from smpstudio.render.preview import render_closeup
    from smpstudio.render.render import composite

    step = current(c)
    frame = step.pattern_step.design.scalp.analysis.frame
    centre = frame.to_mm(np.array([[x, y]]))[0]
    spec = stage_spec(step, "session-1-healed" if name == "before" else name)
    skin = np.asarray(step.pattern_step.skin.rgb_linear, np.float64)
    lin = render_closeup(spec.pattern, (float(centre[0]), float(centre[1])), CLOSEUP_SIZE_MM,  # type: ignore[arg-type]
                         CLOSEUP_PX_PER_MM, spec.day, step.pattern_step.inputs.interval_days, skin,
                         only_healed=spec.only_healed, max_session=spec.max_session)
    return encode_jpeg(composite(lin, np.zeros_like(lin), to_srgb8=True))


# ---- the consult's view ------------------------------------------------------------------------------
def document(step: PlanStep) -> PlanDocument:
    return consultation_document(step, closeup_center_mm=default_closeup_center_mm(step),
                                 closeup_px_per_mm=CLOSEUP_PX_PER_MM)


def view(c: Consult, step: PlanStep) -> cs.ConsultOut:
    from smpstudio.web.consult_words import plan_view

    ds = step.pattern_step.design
    doc = ds.document
    a = doc.analysis
    pose = a.head_pose_deg
    worst = max(abs(pose.yaw), abs(pose.pitch))
    pose_warning = (f"the head is turned {pose.yaw:+.0f}° / tilted {pose.pitch:+.0f}°: the hairline is less sure; "
                    "retake the photo facing the camera" if worst > POSE_WARN_DEG else None)
    i = c.inputs
    if c.draft and isinstance(c.last_view, cs.PlanView):
        words, warnings = draft_words(c.last_view, step, i), list(doc.warnings)
    else:
        full = document(step)
        words, warnings = plan_view(full), list(full.warnings)
        c.last_view = words
    lab = i.plan.target_lab
    return cs.ConsultOut(
        id=c.id, client_id=c.client_id, photo_id=c.photo_id, revision=c.revision, width=c.photo.width,
        height=c.photo.height,
        overlay=cs.Overlay(px_per_mm=a.scale_px_per_mm, scale_bar_mm=10.0, scale_source=a.scale_source,
                           landmarks=a.landmarks_px, yaw_deg=pose.yaw, pitch_deg=pose.pitch, roll_deg=pose.roll,
                           pose_warning=pose_warning),
        control_points=doc.hairline.control_points_px, hairline=doc.hairline.edge_px, mirror=i.design.mirror,
        style=i.design.style, age=i.design.age, density_per_cm2=i.pattern.density_per_cm2,
        sessions=i.pattern.n_sessions, interval_days=i.pattern.interval_days,
        shade=_lab_hex(lab) if lab is not None else None, hair_stage=doc.stage.chosen if doc.stage else None,
        hair_stage_proposed=doc.stage.proposed if doc.stage else None,
        hair_stage_reason=doc.stage.reason if doc.stage else None, hair_stage_options=_stage_options(),
        dots=len(step.pattern), stages=stage_names(step),
        stage_labels={n: stage_label(step, n) for n in stage_names(step)}, closeup_px_per_mm=CLOSEUP_PX_PER_MM,
        plan=words, warnings=warnings, draft=c.draft, base_sha256=base_png(c)[1],
    )


def draft_words(last: cs.PlanView, step: PlanStep, inputs: Inputs) -> cs.PlanView:
    """The plan beside the preview during a drag, without a new plan: the last plan's sessions with the
    new pattern's impressions and their hours (impressions / the artist's rate, as
    :func:`smpstudio.plan.sessions.plan_sessions` counts them); shades, prices and checks follow at the end."""
    placed = [s.dots for s in step.pattern.sessions]
    rate = inputs.plan.impressions_per_hour
    # rounded as the plan rounds them: as it records them (plan.recorded_hours), then to 0.1 h in its words.
    # Rounding once gave 1,008 impressions at 4,000 an hour 0.3 h while dragging and 0.2 h (0.25 recorded) at the end
    lines = [ln.model_copy(update={"impressions": int(placed[ln.index - 1]),
                                   "hours": round(recorded_hours(placed[ln.index - 1] / rate), 1)})
             if not ln.suggested and ln.index <= len(placed) else ln for ln in last.sessions]
    doc = step.pattern_step.design.document
    details = {**last.details, "dots": len(step.pattern), "treatment area (cm²)": doc.treatment_area_cm2,
               "MFP height (mm)": doc.hairline.mfp_height_mm}
    return last.model_copy(update={"sessions": lines, "details": details})


def _stage_options() -> dict[str, str]:
    from smpstudio.design.stage import STAGES

    return {name: s.label for name, s in STAGES.items()}


def _lab_hex(lab: tuple[float, float, float]) -> str:
    from smpstudio.optics.colour import lab_to_srgb, srgb_to_hex

    return srgb_to_hex(lab_to_srgb(np.asarray(lab, np.float64)))
