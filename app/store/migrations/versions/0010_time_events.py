"""Time events: the announcements of windows upcoming, started and ended, and of a review due.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "time_schedule",
        sa.Column("organisation_id", sa.String(length=80), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    op.create_table(
        "time_event",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("anchor", sa.String(length=200), nullable=False),
        sa.Column("boundary_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "organisation_id", "kind", "anchor", "boundary_at", name="uq_time_event_boundary"
        ),
    )
    with op.batch_alter_table("time_event", schema=None) as batch_op:
        batch_op.create_index("ix_time_event_due", ["fired_at", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_time_event_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("time_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_event_organisation_id"))
        batch_op.drop_index("ix_time_event_due")
    op.drop_table("time_event")
    op.drop_table("time_schedule")
