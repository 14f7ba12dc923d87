"""`fact_change(generation, deal_id)`: the deals whose facet facts changed at each generation
of the change counter, so that each worker's per-value sets of deal ids
(app/derived/dealsets.py) catch up by re-reading only those deals. Starts empty: a worker
builds its sets from the deals at first use.

Revision ID: c5e1b7a3d902
Revises: a7e3c9d2b801
Create Date: 2026-11-30 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e1b7a3d902"
down_revision: str | None = "a7e3c9d2b801"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fact_change",
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("generation", "deal_id", name=op.f("pk_fact_change")),
    )


def downgrade() -> None:
    op.drop_table("fact_change")
