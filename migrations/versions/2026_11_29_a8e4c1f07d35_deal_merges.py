"""Merging duplicates: a merged deal points at the deal that kept it, with what was copied.

Plain ALTER TABLE on both databases (SQLite 3.35+ drops columns natively): a batch rebuild on
SQLite would lose the expression indexes on deal, which it cannot reflect. No foreign key for
the same reason (deals are never removed, only marked deleted).

Revision ID: a8e4c1f07d35
Revises: c414f12aa429
Create Date: 2026-11-29 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a8e4c1f07d35"
down_revision: str | None = "c414f12aa429"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deal", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.add_column("deal", sa.Column("merge_copies", sa.JSON(), nullable=True))
    op.create_index("ix_deal_merged_into_id", "deal", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_deal_merged_into_id", table_name="deal")
    op.execute("ALTER TABLE deal DROP COLUMN merge_copies")
    op.execute("ALTER TABLE deal DROP COLUMN merged_into_id")
