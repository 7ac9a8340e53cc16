"""The SHA-256 of the policy file each organisation's decisions follow, as last recorded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not a batch: SQLite adds and drops a column in place (3.35+), while a
# batch would copy the table, which other tables' foreign keys refer to.
def upgrade() -> None:
    op.add_column("organisation", sa.Column("policy_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("organisation", "policy_sha256")
