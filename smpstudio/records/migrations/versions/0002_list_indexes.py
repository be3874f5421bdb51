"""indexes for the client list (by name) and the reminders (sessions by date)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:35:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clients_clinic_name", "clients", ["clinic_id", "last_name"])
    op.create_index("ix_sessions_clinic_date", "sessions", ["clinic_id", "date"])


def downgrade() -> None:
    op.drop_index("ix_sessions_clinic_date", table_name="sessions")
    op.drop_index("ix_clients_clinic_name", table_name="clients")
