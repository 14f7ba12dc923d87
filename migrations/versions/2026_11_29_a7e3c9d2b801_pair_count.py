"""The unfiltered network map's edges, kept: `pair_count(org_a, org_b, flows, status, n,
valued, value_usd)` holds how many live deals have each pair of organizations with those flows
and that status, how many of them have a value and the values' sum, moved by the writing
transactions (app/derived/pair_counts.py). Filled here from the deals' pairs.

Revision ID: a7e3c9d2b801
Revises: f1c2d3e4a5b6
Create Date: 2026-11-29 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7e3c9d2b801"
down_revision: str | None = "f1c2d3e4a5b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same rows as app.derived.pair_counts.recount_pairs_statement, written out so that this
# revision does not change when the app does.
BACKFILL = (
    "INSERT INTO pair_count (org_a, org_b, flows, status, n, valued, value_usd) "
    "SELECT deal_pair.org_a, deal_pair.org_b, deal_pair.flows, deal.status, count(*), "
    "count(deal.value_usd), coalesce(sum(deal.value_usd), 0) "
    "FROM deal_pair JOIN deal ON deal.id = deal_pair.deal_id "
    "WHERE deal_pair.org_a < deal_pair.org_b AND deal.deleted_at IS NULL "
    "GROUP BY deal_pair.org_a, deal_pair.org_b, deal_pair.flows, deal.status"
)


def upgrade() -> None:
    op.create_table(
        "pair_count",
        sa.Column("org_a", sa.Integer(), nullable=False),
        sa.Column("org_b", sa.Integer(), nullable=False),
        sa.Column("flows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("valued", sa.BigInteger(), nullable=False),
        sa.Column("value_usd", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_a", "org_b", "flows", "status", name=op.f("pk_pair_count")),
    )
    op.create_index(
        "ix_pair_count_pair",
        "pair_count",
        ["org_a", "org_b"],
        postgresql_include=["flows", "status", "n", "valued", "value_usd"],
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_pair_count_pair", table_name="pair_count")
    op.drop_table("pair_count")
