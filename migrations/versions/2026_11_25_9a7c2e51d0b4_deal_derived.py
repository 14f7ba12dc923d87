"""What is rendered ahead from each deal (its CSV export row, the publisher credited with its
first report, its first status and the date it was first confirmed), a change counter for
cached figures, and indexes for the publisher lookup and the newest-first table.

The rows are filled in by `deals db upgrade` (app.derived.refresh.refresh_missing) and kept in step by
a session hook; until a deal has one, the export renders it on the fly.

Revision ID: 9a7c2e51d0b4
Revises: 3d1e0a7c9b42
Create Date: 2026-11-25 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a7c2e51d0b4"
down_revision: str | None = "3d1e0a7c9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deal_derived",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("first_publisher", sa.String(length=200), nullable=True),
        sa.Column("first_status", sa.String(length=20), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deal.id"],
            name=op.f("fk_deal_derived_deal_id_deal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_deal_derived")),
    )
    op.create_index(
        "ix_deal_derived_first_publisher", "deal_derived", ["first_publisher", "deal_id"]
    )
    op.create_index("ix_source_publisher_lower", "source", [sa.text("lower(publisher)")])
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "generation": 0}])
    # Live deals in the table's default order (and by last update): a partial index, so that
    # Postgres can read it backwards for "newest first" (an IS NULL leading column cannot order).
    op.drop_index("ix_deal_live_first_reported", table_name="deal")
    for name, column in (("ix_deal_live_reported", "first_reported_on"),
                         ("ix_deal_live_updated", "updated_at")):  # fmt: skip
        op.create_index(
            name,
            "deal",
            [column, "id"],
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        )


def downgrade() -> None:
    op.drop_index("ix_deal_live_updated", table_name="deal")
    op.drop_index("ix_deal_live_reported", table_name="deal")
    op.create_index(
        "ix_deal_live_first_reported", "deal", ["deleted_at", "first_reported_on", "id"]
    )
    op.drop_table("change_counter")
    op.drop_index("ix_source_publisher_lower", table_name="source")
    op.drop_index("ix_deal_derived_first_publisher", table_name="deal_derived")
    op.drop_table("deal_derived")
