"""Indexes for the deal table's other sorts — value, capacity and title, both directions — on
live deals, ending in the id that breaks ties, so that a sorted page reads its rows in order
instead of sorting every match (a three-filter page sorted by value: 19 ms → 1 ms at 100k
deals on Postgres). They replace the plain value and capacity indexes, which they cover.

Postgres stores NULLs last ascending, so a descending sort with NULLS LAST gets its own index;
SQLite (which cannot say NULLS LAST in an index) reads the ascending one backwards for it.

Revision ID: e5b0d9a3f217
Revises: c41f6e2a8d17
Create Date: 2026-11-25 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b0d9a3f217"
down_revision: str | None = "c41f6e2a8d17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")
SORTED = {"value": "value_usd", "capacity": "capacity_mw"}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, column in SORTED.items():
        op.drop_index(f"ix_deal_{column}", table_name="deal")
        op.create_index(
            f"ix_deal_live_{name}",
            "deal",
            [column, "id"],
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )
        if postgres:
            op.create_index(
                f"ix_deal_live_{name}_desc",
                "deal",
                [sa.text(f"{column} DESC NULLS LAST"), sa.text("id DESC")],
                postgresql_where=LIVE,
            )
    op.create_index(
        "ix_deal_live_title",
        "deal",
        [sa.text("lower(title)"), "id"],
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_deal_live_title", table_name="deal")
    for name, column in SORTED.items():
        if postgres:
            op.drop_index(f"ix_deal_live_{name}_desc", table_name="deal")
        op.drop_index(f"ix_deal_live_{name}", table_name="deal")
        op.create_index(f"ix_deal_{column}", "deal", [column])
