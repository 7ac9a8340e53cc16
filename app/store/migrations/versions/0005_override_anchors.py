"""Overrides remember the restrictions they were granted against (issue 13, item 2).

An override lifted every window inside its span, including a manual window the Clerk added
later ("account under review"). Now each override lists the elections and manual windows in
force somewhere in its span when it was granted, and lifts only those. Existing overrides are
given the restrictions that overlapped their span and existed when they were granted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:30:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("override", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anchors", sa.JSON(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table("override", schema=None) as batch_op:
        batch_op.alter_column("anchors", existing_type=sa.JSON(), nullable=False)


def _backfill(bind: sa.Connection) -> None:
    overrides = bind.execute(
        sa.text(
            "SELECT id, organisation_id, account_id, starts_at, ends_at, created_at FROM override"
        )
    ).all()
    for row in overrides:
        span = {
            "org": row.organisation_id,
            "lo": row.starts_at,
            "hi": row.ends_at,
            "made": row.created_at,
        }
        elections = bind.execute(
            sa.text(
                "SELECT p.election_id FROM restricted_period p JOIN election e "
                "ON e.organisation_id = p.organisation_id AND e.election_id = p.election_id "
                "WHERE p.organisation_id = :org AND p.starts_at < :hi AND :lo < p.ends_at "
                "AND e.created_at <= :made"
            ),
            span,
        ).scalars()
        manual = bind.execute(
            sa.text(
                "SELECT id, account_ids FROM manual_window WHERE organisation_id = :org "
                "AND starts_at < :hi AND :lo < ends_at AND created_at <= :made"
            ),
            span,
        ).all()
        anchors = {f"election:{e}" for e in elections}
        for window in manual:
            accounts = window.account_ids
            if isinstance(accounts, str):
                accounts = json.loads(accounts)
            if row.account_id is None or accounts is None or row.account_id in accounts:
                anchors.add(f"manual:{window.id}")
        bind.execute(
            sa.text("UPDATE override SET anchors = :anchors WHERE id = :id").bindparams(
                sa.bindparam("anchors", type_=sa.JSON)
            ),
            {"anchors": sorted(anchors), "id": row.id},
        )


def downgrade() -> None:
    with op.batch_alter_table("override", schema=None) as batch_op:
        batch_op.drop_column("anchors")
