"""A demo clinic with a few clients, consents, plans, lots and sessions, for a first look."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from smpstudio.plan.cost import load_prices
from smpstudio.plan.models import SessionBlock
from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records.models import User
from smpstudio.schema import PlanDocument

DEMO_OWNER = "owner@demo.smpstudio.local"
DEMO_ARTIST = "artist@demo.smpstudio.local"
DEMO_FRONT_DESK = "desk@demo.smpstudio.local"
DEMO_PASSWORD = "demo-password-1234"

CONSENT_TEXT = (
    "I consent to scalp micropigmentation. I have declared my medical history truthfully, including "
    "pregnancy, haemophilia, diabetes, epilepsy, scalp skin disease, isotretinoin in the last 6 months "
    "and chemotherapy. I will follow the aftercare: no wetting 3-5 days, no heavy sweating 5-10 days, "
    "no sun 4-30 days, no swimming or sauna about 28 days, SPF 30+ for life."
)


DEMO_INTERVAL_DAYS = 14


def demo_plans(starts: list[dt.date]) -> list[PlanDocument]:
    """Real consultations of the embedded sample (the pipeline, seeds 1000, 1001, ...), one per start date."""
    from smpstudio.imaging.samples import sample_photo
    from smpstudio.pipeline import Inputs, PatternInputs, Pipeline, PlanInputs, consultation_document
    from smpstudio.pipeline.renders import default_closeup_center_mm

    pipe, photo = Pipeline(), sample_photo()
    docs = []
    for i, start in enumerate(starts):
        step = pipe.plan(photo, Inputs(seed=1000 + i, pattern=PatternInputs(interval_days=DEMO_INTERVAL_DAYS),
                                       plan=PlanInputs(start=start)))
        docs.append(consultation_document(step, closeup_center_mm=default_closeup_center_mm(step),
                                          closeup_px_per_mm=24.0))
    return docs


def seed_demo(db: Session, today: dt.date | None = None) -> bool:
    """Create the demo clinic unless it exists; returns True when it was created."""
    if db.scalar(select(User.id).where(User.email == DEMO_OWNER)) is not None:
        return False
    today = today or dt.datetime.now(dt.UTC).date()
    prices = load_prices()
    _clinic, owner = services.create_clinic_with_owner(
        db,
        clinic_name="Demo SMP Clinic",
        owner_email=DEMO_OWNER,
        owner_name="Olivia Owner",
        password=DEMO_PASSWORD,
        currency="USD",
        # the clinic's prices are the plan's (smpstudio/plan/data/prices.yaml): one figure everywhere
        session_price_cents=round(prices.smp_session * 100),
        touch_up_price_cents=round(prices.smp_touch_up * 100),
        retention_years=10,
        consent_version="2026-01",
        timezone="Europe/London",
        address="1 Demo Square, London",
    )
    actor = services.Actor(owner.id, owner.clinic_id, s.Role.owner)
    for email, name, role in (
        (DEMO_ARTIST, "Arturo Artist", s.Role.artist),
        (DEMO_FRONT_DESK, "Dana Desk", s.Role.front_desk),
    ):
        services.create_user(db, actor, s.UserCreate(email=email, name=name, role=role, password=DEMO_PASSWORD))
    pigment = services.create_lot(
        db,
        actor,
        s.LotCreate(
            kind=s.LotKind.pigment,
            manufacturer="Demo Pigments",
            product="Dark Ash",
            lot_number="DA-2026-041",
            expires_on=today + dt.timedelta(days=400),
            opened_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20),
        ),
    )
    needle = services.create_lot(
        db,
        actor,
        s.LotCreate(
            kind=s.LotKind.needle,
            manufacturer="Demo Needles",
            product="3RL 0.25 mm",
            lot_number="N3RL-7781",
            expires_on=today + dt.timedelta(days=900),
        ),
    )
    # a client treated three years ago (touch-up due soon), one between sessions, one before the first
    people = [
        ("James", "Carter", dt.date(1984, 3, 12), 3, today - dt.timedelta(days=3 * 365)),
        ("Omar", "Haddad", dt.date(1979, 11, 2), 1, today - dt.timedelta(days=10)),
        ("Liam", "Nguyen", dt.date(1991, 6, 25), 0, today + dt.timedelta(days=10)),
    ]
    docs = demo_plans([p[4] for p in people])
    for i, ((first, last, dob, done, start), doc) in enumerate(zip(people, docs, strict=True)):
        client = services.create_client(
            db,
            actor,
            s.ClientCreate(
                first_name=first,
                last_name=last,
                date_of_birth=dob,
                email=f"{first.lower()}@example.com",
                phone="+44 20 7946 0000",
                address=f"{10 + i} Demo Street, London",
                medical_intake={k: False for k in s.CONTRAINDICATIONS},
                patch_test_result=s.PatchTestResult.negative if done else None,
                patch_test_at=dt.datetime.combine(start - dt.timedelta(days=7), dt.time(10), dt.UTC) if done else None,
            ),
        )
        consent = services.create_consent(
            db,
            actor,
            client.id,
            s.ConsentCreate(
                version="2026-01",
                text=CONSENT_TEXT,
                signed_at=min(
                    dt.datetime.now(dt.UTC), dt.datetime.combine(start - dt.timedelta(days=8), dt.time(9), dt.UTC)
                ),
                signature=f"{first} {last}",
            ),
        )
        plan = services.create_plan(db, actor, client.id, s.PlanCreate(seed=doc.seed, plan=doc))
        area = {z.name: z.area_cm2 for z in doc.zones if z.area_cm2 > 0}
        # the sessions as the plan has them: dates, dilution, hours, impressions (by zone area)
        for entry in [x for x in doc.sessions or [] if isinstance(x, SessionBlock) and not x.suggested]:
            status = s.SessionStatus.done if entry.index <= done else s.SessionStatus.planned
            if status == "done":  # the safety rules: a negative patch test read 24-72 h before (domain.md §7)
                read = dt.datetime.combine((entry.date or start) - dt.timedelta(days=2), dt.time(10), dt.UTC)
                negative = s.ClientUpdate(patch_test_result=s.PatchTestResult.negative, patch_test_at=read)
                services.update_client(db, actor, client.id, negative)
            services.create_session(
                db,
                actor,
                client.id,
                s.SessionCreate(
                    status=status,
                    date=entry.date or start,
                    number=entry.index,
                    plan_id=plan.id,
                    consent_id=consent.id,
                    operator_id=owner.id if status == "done" else None,
                    needle_configuration=entry.needle[-1].configuration,
                    needle_gauge=f"{entry.needle[-1].diameter_mm:.2f} mm",
                    needle_lot_id=needle.id,
                    pigment_brand="Demo Pigments",
                    pigment_shade=entry.pigment.name,
                    pigment_lot_id=pigment.id,
                    dilution=entry.dilution,
                    machine="rotary, 3.5 mm stroke",
                    duration_min=round(entry.duration_h * 60) if status == "done" else None,
                    anaesthetic="topical lidocaine 5%",
                    aftercare_given=status == "done",
                    zones=[
                        s.ZoneIn(zone=z, impressions=round(entry.impressions * a / sum(area.values()))
                                 if status == "done" else None)
                        for z, a in area.items()
                    ],
                ),
            )
    return True
