"""The unfiltered deal table's counts, kept: `facet_count(dimension, value, n)` holds how many
live deals have each value of each facet (and, under "deals", how many live deals there are),
moved by the writing transactions (app/derived/counts.py). Filled here from the deals.

Revision ID: f4c2a8d1e609
Revises: d61c0f9b7a24
Create Date: 2026-11-29 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4c2a8d1e609"
down_revision: str | None = "d61c0f9b7a24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same counts as app.derived.counts.recount_statements, written out so that this revision
# does not change when the app does.
_LIVE = "deal.deleted_at IS NULL"
BACKFILL = (
    f"SELECT 'deals', '', count(*) FROM deal WHERE {_LIVE}",
    f"SELECT 'status', status, count(*) FROM deal WHERE {_LIVE} GROUP BY status",
    f"SELECT 'confidence', confidence, count(*) FROM deal WHERE {_LIVE} GROUP BY confidence",
    "SELECT 'deal_type', deal_type.type, count(*) FROM deal_type "
    f"JOIN deal ON deal.id = deal_type.deal_id WHERE {_LIVE} GROUP BY deal_type.type",
    "SELECT 'hardware_type', hardware.type, count(DISTINCT deal.id) FROM deal_hardware "
    "JOIN hardware ON hardware.id = deal_hardware.hardware_id "
    f"JOIN deal ON deal.id = deal_hardware.deal_id WHERE {_LIVE} GROUP BY hardware.type",
    "SELECT 'vendor', CAST(hardware.vendor_id AS VARCHAR(100)), count(DISTINCT deal.id) "
    "FROM deal_hardware JOIN hardware ON hardware.id = deal_hardware.hardware_id "
    f"JOIN deal ON deal.id = deal_hardware.deal_id WHERE {_LIVE} GROUP BY hardware.vendor_id",
    "SELECT 'party', CAST(deal_party.organization_id AS VARCHAR(100)), count(DISTINCT deal.id) "
    f"FROM deal_party JOIN deal ON deal.id = deal_party.deal_id WHERE {_LIVE} "
    "GROUP BY deal_party.organization_id",
)


def upgrade() -> None:
    op.create_table(
        "facet_count",
        sa.Column("dimension", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "value", name=op.f("pk_facet_count")),
    )
    for statement in BACKFILL:
        op.execute(f"INSERT INTO facet_count (dimension, value, n) {statement}")


def downgrade() -> None:
    op.drop_table("facet_count")
