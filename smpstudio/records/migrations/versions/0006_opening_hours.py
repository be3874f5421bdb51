"""the clinic's opening hours (the calendar's hour grid spans them): clinics.opens_hour, clinics.closes_hour

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# plain ALTER TABLE (SQLite >= 3.35 drops a column in place; a batch copy of ``clinics`` would trip the
# foreign keys that point at it)
def upgrade() -> None:
    op.add_column("clinics", sa.Column("opens_hour", sa.Integer(), nullable=False, server_default="9"))
    op.add_column("clinics", sa.Column("closes_hour", sa.Integer(), nullable=False, server_default="18"))


def downgrade() -> None:
    op.drop_column("clinics", "closes_hour")
    op.drop_column("clinics", "opens_hour")
