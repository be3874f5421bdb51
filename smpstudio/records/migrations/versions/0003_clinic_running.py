"""running the clinic (issue 12): appointments, calendar feeds, reminders queue with attempts and
templates; clinic date order, time zone, address and consent version; client opt-out; session start,
appointment and owner override; no two live sessions of a client with one number

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smpstudio.records.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'cancelled'")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    # plain ADD COLUMNs, no batch copy: on SQLite a table copy of clinics/clients/sessions would drop a
    # table other tables' rows refer to, which the enforced foreign keys refuse
    op.add_column("clinics", sa.Column("date_order", sa.String(3), nullable=False, server_default="DMY"))
    op.add_column("clinics", sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"))
    op.add_column("clinics", sa.Column("address", sa.String(500), nullable=True))
    op.add_column("clinics", sa.Column("consent_version", sa.String(50), nullable=False, server_default="v1"))
    op.add_column("clients", sa.Column("reminders_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=True),
        sa.Column("artist_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("room", sa.String(60), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=True),
        sa.Column("series", sa.String(32), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_appointments_clinic_start", "appointments", ["clinic_id", "starts_at"])
    op.create_index("ix_appointments_artist_start", "appointments", ["artist_id", "starts_at"])
    op.create_index("ix_appointments_client", "appointments", ["client_id"])
    op.add_column("sessions", sa.Column("started_at", UTCDateTime(), nullable=True))
    op.add_column("sessions", sa.Column("override_reason", sa.Text(), nullable=True))
    if _sqlite():  # SQLite adds a column with its reference in place (a named constraint would need a copy)
        op.execute("ALTER TABLE sessions ADD COLUMN appointment_id INTEGER REFERENCES appointments (id)")
    else:
        op.add_column("sessions", sa.Column("appointment_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_sessions_appointment", "sessions", "appointments", ["appointment_id"], ["id"])
    dupes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT client_id, number FROM sessions WHERE status != 'cancelled' "
                "GROUP BY client_id, number HAVING COUNT(*) > 1"
            )
        )
        .all()
    )
    if dupes:
        listed = ", ".join(f"client {c} session {n}" for c, n in dupes[:10])
        raise RuntimeError(f"sessions share a number ({listed}): cancel or renumber the wrong ones, then upgrade again")
    op.create_index(
        "uq_sessions_client_number_live",
        "sessions",
        ["client_id", "number"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_calendar_feeds_user_id", "calendar_feeds", ["user_id"])
    op.create_table(
        "reminder_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("clinic_id", "kind", "channel", name="uq_templates_clinic_kind_channel"),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointments.id"), nullable=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id"), nullable=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=True),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("clinic_id", "key", name="uq_reminders_clinic_key"),
    )
    op.create_index("ix_reminders_status_due", "reminders", ["status", "due_at"])
    op.create_index("ix_reminders_client_id", "reminders", ["client_id"])
    op.create_table(
        "reminder_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reminder_id", sa.Integer(), sa.ForeignKey("reminders.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("to", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
    )
    op.create_index("ix_reminder_attempts_reminder_id", "reminder_attempts", ["reminder_id"])


def _drop_columns(table: str, *columns: str) -> None:
    for col in columns:
        if _sqlite():  # SQLite >= 3.35 drops a plain column in place (no table copy)
            op.execute(f"ALTER TABLE {table} DROP COLUMN {col}")
        else:
            op.drop_column(table, col)


def downgrade() -> None:
    op.drop_table("reminder_attempts")
    op.drop_table("reminders")
    op.drop_table("reminder_templates")
    op.drop_table("calendar_feeds")
    op.drop_index("uq_sessions_client_number_live", table_name="sessions")
    if _sqlite():
        # a referencing column cannot be dropped in place: copy the table (refused by SQLite's foreign
        # keys when photos or zones refer to its sessions; downgrade such a database from a backup)
        with op.batch_alter_table("sessions", recreate="always") as b:
            b.drop_column("appointment_id")
    else:
        op.drop_constraint("fk_sessions_appointment", "sessions", type_="foreignkey")
        op.drop_column("sessions", "appointment_id")
    _drop_columns("sessions", "override_reason", "started_at")
    op.drop_table("appointments")
    _drop_columns("clients", "reminders_opt_out")
    _drop_columns("clinics", "consent_version", "address", "timezone", "date_order")
