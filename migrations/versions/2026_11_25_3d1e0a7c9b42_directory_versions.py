"""Version numbers on organizations and hardware, so stale edits are refused.

Revision ID: 3d1e0a7c9b42
Revises: fc68c4bb26fe
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d1e0a7c9b42"
down_revision: str | None = "fc68c4bb26fe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organization", "hardware")


# Plain ALTER TABLE on both databases (SQLite 3.35+ drops columns natively): a batch rebuild
# on SQLite would lose the case-insensitive unique indexes, which it cannot reflect.


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
