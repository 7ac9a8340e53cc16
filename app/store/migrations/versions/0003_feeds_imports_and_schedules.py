"""Feeds (tokens, published events), imported elections' source, and election schedules.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:01:56.805456
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "election_schedule",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("election_prefix", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("dtstart", sa.Date(), nullable=False),
        sa.Column("exdates", sa.JSON(), nullable=False),
        sa.Column("rdates", sa.JSON(), nullable=False),
        sa.Column("horizon_until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("election_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_election_schedule_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "feed_event",
        sa.Column("organisation_id", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("anchor", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("election_ids", sa.JSON(), nullable=False),
        sa.Column("manual_reasons", sa.JSON(), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("organisation_id", "scope", "anchor"),
    )
    op.create_table(
        "feed_token",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=80), nullable=True),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feed_token_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ref", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_column("source_ref")

    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_token_organisation_id"))

    op.drop_table("feed_token")
    op.drop_table("feed_event")
    with op.batch_alter_table("election_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_schedule_organisation_id"))

    op.drop_table("election_schedule")
