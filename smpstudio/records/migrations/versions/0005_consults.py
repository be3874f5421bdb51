"""consultations in progress survive a restart: the consults table (inputs, crop, revision, previews sent)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smpstudio.records.models import JSONText, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


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


def downgrade() -> None:
    op.drop_index("ix_consults_client_id", table_name="consults")
    op.drop_index("ix_consults_clinic_user", table_name="consults")
    op.drop_table("consults")
