"""`deal_derived.official_on`, the date of a deal's first announced, confirmed or completed
event, in place of `confirmed_on` (its first confirmed or completed one), which no figure reads
any more: the overview's "days from first report to the official word" and its rumor outcomes
are then grouped statements over one flat row per deal rather than every deal read into Python.

Filled from the status events in the same statement on either database; the downgrade fills
`confirmed_on` back the same way.

Revision ID: d8f2a4c6e1b3
Revises: c5e1b7a3d902
Create Date: 2026-11-30 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d8f2a4c6e1b3"
down_revision: str | None = "c5e1b7a3d902"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses as stored (app.domain.vocabulary at the time of writing).
OFFICIAL = ("announced", "confirmed", "completed")
CONFIRMED = ("confirmed", "completed")


def _fill(column: str, statuses: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{s}'" for s in statuses)
    op.execute(
        f"UPDATE deal_derived SET {column} = (SELECT min(e.effective_on) FROM status_event e "
        f"WHERE e.deal_id = deal_derived.deal_id AND e.status IN ({listed}))"
    )


def upgrade() -> None:
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.add_column(sa.Column("official_on", sa.Date(), nullable=True))
    _fill("official_on", OFFICIAL)
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.drop_column("confirmed_on")


def downgrade() -> None:
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_on", sa.Date(), nullable=True))
    _fill("confirmed_on", CONFIRMED)
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.drop_column("official_on")
