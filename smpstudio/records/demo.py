"""A demo clinic with a few clients, consents, plans, lots and sessions, for a first look."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from smpstudio.plan.cost import load_prices
from smpstudio.records import schemas as s
from smpstudio.records import services
from smpstudio.records.models import User

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


def demo_plan(seed: int, touch_up: dt.date) -> dict[str, object]:
    return {
        "schema": "smpstudio-plan/1",
        "seed": seed,
        "sessions": [{"number": n, "interval_days": 10} for n in (1, 2, 3)],
        "pigment": {"brand": "Demo Pigments", "shade": "Dark Ash", "dilution": "1:3"},
        "touch_up": {"due_date": touch_up.isoformat(), "reason": "predicted fading"},
    }


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
    people = [
        ("James", "Carter", dt.date(1984, 3, 12), 3),
        ("Omar", "Haddad", dt.date(1979, 11, 2), 1),
        ("Liam", "Nguyen", dt.date(1991, 6, 25), 0),
    ]
    for i, (first, last, dob, done) in enumerate(people):
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
                patch_test_at=dt.datetime.combine(today - dt.timedelta(days=40), dt.time(10), dt.UTC) if done else None,
            ),
        )
        consent = services.create_consent(
            db,
            actor,
            client.id,
            s.ConsentCreate(
                version="2026-01", text=CONSENT_TEXT, signed_at=dt.datetime.now(dt.UTC), signature=f"{first} {last}"
            ),
        )
        start = today - dt.timedelta(days=10 * done + 5)
        plan = services.create_plan(
            db, actor, client.id, s.PlanCreate(seed=1000 + i, plan=demo_plan(1000 + i, start + dt.timedelta(days=365)))
        )
        for n in range(1, 4):
            status = s.SessionStatus.done if n <= done else s.SessionStatus.planned
            services.create_session(
                db,
                actor,
                client.id,
                s.SessionCreate(
                    status=status,
                    date=start + dt.timedelta(days=10 * (n - 1) + (10 if done == 0 else 0)),
                    number=n,
                    plan_id=plan.id,
                    consent_id=consent.id,
                    operator_id=owner.id if status == "done" else None,
                    needle_configuration="3RL",
                    needle_gauge="0.25 mm",
                    needle_lot_id=needle.id,
                    pigment_brand="Demo Pigments",
                    pigment_shade="Dark Ash",
                    pigment_lot_id=pigment.id,
                    dilution="1:3" if n > 1 else "1:2",
                    machine="rotary, 3.5 mm stroke",
                    duration_min=180 if status == "done" else None,
                    anaesthetic="topical lidocaine 5%",
                    aftercare_given=status == "done",
                    zones=[
                        s.ZoneIn(zone=z, impressions=4000 if status == "done" else None, density_per_cm2=30.0)
                        for z in ("hairline", "top", "crown")
                    ],
                ),
            )
    return True
