"""consultations in progress survive a restart: the consults table (inputs, crop, revision, previews sent);
a consent's signer and drawn signature in their own columns (they were JSON in consents.signature)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 21:10:00
"""

from __future__ import annotations

import base64
import binascii
import json

import sqlalchemy as sa
from alembic import op

from smpstudio.records.models import JSONText, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PNG_URL = "data:image/png;base64,"
CONSENTS = sa.table("consents", sa.column("id", sa.Integer()), sa.column("signature", sa.Text()),
                    sa.column("signer", sa.String(200)), sa.column("signature_png", sa.LargeBinary()))


def _drawn(signature: str) -> tuple[str, bytes] | None:
    """``(signer, PNG)`` of a signature the app stored as JSON ``{"signer", "image": PNG data URL}``."""
    try:
        data = json.loads(signature)
        if isinstance(data, dict) and isinstance(data.get("signer"), str) and \
                isinstance(data.get("image"), str) and data["image"].startswith(PNG_URL):
            return data["signer"], base64.b64decode(data["image"][len(PNG_URL):], validate=True)
    except (ValueError, binascii.Error):
        pass
    return None


def _signatures_to_columns() -> None:
    conn = op.get_bind()
    for cid, signature in conn.execute(sa.select(CONSENTS.c.id, CONSENTS.c.signature)).all():
        drawn = _drawn(signature)
        if drawn is not None:
            conn.execute(CONSENTS.update().where(CONSENTS.c.id == cid).values(
                signature=drawn[0], signer=drawn[0], signature_png=drawn[1]))


def _signatures_to_json() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(CONSENTS.c.id, CONSENTS.c.signature, CONSENTS.c.signer, CONSENTS.c.signature_png)
                        .where(CONSENTS.c.signature_png.is_not(None))).all()
    for cid, signature, signer, png in rows:
        packed = json.dumps({"signer": signer or signature, "image": PNG_URL + base64.b64encode(png).decode()},
                            ensure_ascii=True)
        conn.execute(CONSENTS.update().where(CONSENTS.c.id == cid).values(signature=packed))


def upgrade() -> None:
    op.create_table(
        "consults",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("photo_id", sa.Integer(), sa.ForeignKey("photos.id"), nullable=False),
        sa.Column("inputs", JSONText(), nullable=False),
        sa.Column("crop_px", JSONText(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("served", JSONText(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_consults_clinic_user", "consults", ["clinic_id", "user_id"])
    op.create_index("ix_consults_client_id", "consults", ["client_id"])
    op.add_column("consents", sa.Column("signer", sa.String(200), nullable=True))
    op.add_column("consents", sa.Column("signature_png", sa.LargeBinary(), nullable=True))
    _signatures_to_columns()


def downgrade() -> None:
    _signatures_to_json()
    for col in ("signature_png", "signer"):
        if op.get_bind().dialect.name == "sqlite":  # SQLite >= 3.35 drops a plain column in place (no table copy)
            op.execute(f"ALTER TABLE consents DROP COLUMN {col}")
        else:
            op.drop_column("consents", col)
    op.drop_index("ix_consults_client_id", table_name="consults")
    op.drop_index("ix_consults_clinic_user", table_name="consults")
    op.drop_table("consults")
