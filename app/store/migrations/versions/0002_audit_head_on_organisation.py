"""Audit head on organisation: the latest audit hash and the event count, so a deleted tail shows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:55:57
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_head", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("audit_events", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE organisation SET "
        "audit_events = (SELECT COUNT(*) FROM audit_event WHERE audit_event.organisation_id = organisation.id), "
        "audit_head = (SELECT hash FROM audit_event WHERE audit_event.organisation_id = organisation.id "
        "ORDER BY seq DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("audit_events")
        batch_op.drop_column("audit_head")
