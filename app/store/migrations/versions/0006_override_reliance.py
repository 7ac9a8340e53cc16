"""Decisions' reliance on overrides, recorded once each and counted per key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "override_reliance",
        sa.Column("organisation_id", sa.String(length=80), nullable=False),
        sa.Column("reliance", sa.String(length=250), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("organisation_id", "reliance"),
    )
    with op.batch_alter_table("override_reliance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_override_reliance_key_time",
            ["organisation_id", "key_id", "recorded_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("override_reliance", schema=None) as batch_op:
        batch_op.drop_index("ix_override_reliance_key_time")
    op.drop_table("override_reliance")
