"""The timeline's whole order in one index: status events by date, then the coarser date
after the finer ones starting on the same day, then id.

The precision's rank is a generated column (`effective_rank`, computed by the database: STORED
on Postgres, VIRTUAL on SQLite, which cannot add a stored one to a table), and the index
(effective_on, effective_rank, id) replaces (effective_on, id). Before, a page sorted every
event sharing the newest date: 20k of them in the generated 100k deals, 100 ms on Postgres.

Revision ID: 7f3a9c1e5b20
Revises: e5b0d9a3f217
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7f3a9c1e5b20"
down_revision: str | None = "e5b0d9a3f217"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.precision_rank_sql("effective_precision") says today: a migration keeps the
# SQL it ran with.
RANK = (
    "CASE effective_precision WHEN 'year' THEN 0 WHEN 'quarter' THEN 1 "
    "WHEN 'month' THEN 2 WHEN 'day' THEN 3 END"
)


def upgrade() -> None:
    stored = op.get_bind().dialect.name == "postgresql"
    op.add_column(
        "status_event",
        sa.Column(
            "effective_rank", sa.Integer(), sa.Computed(RANK, persisted=stored), nullable=False
        ),
    )
    op.drop_index("ix_status_event_effective", table_name="status_event")
    op.create_index(
        "ix_status_event_timeline", "status_event", ["effective_on", "effective_rank", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_status_event_timeline", table_name="status_event")
    op.create_index("ix_status_event_effective", "status_event", ["effective_on", "id"])
    op.drop_column("status_event", "effective_rank")
