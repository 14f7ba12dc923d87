"""Extended statistics on deal (status, confidence), Postgres: which go together.

Postgres keeps their most common combinations (mcv). Without them the planner takes the two
as independent: `status=confirmed&confidence=low` looks like 3 % of deals, so the timeline
reads every status event in date order looking for theirs; no confirmed deal is rated low in
the generated data, and the page took 318 ms at 100k deals, against 2 ms when the planner
knows and starts from the deals. SQLite has no such statistics; nothing changes there.

Revision ID: d2a7c5e9f104
Revises: 9b4e2d7c1a63
Create Date: 2026-11-25 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d2a7c5e9f104"
down_revision: str | None = "9b4e2d7c1a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS st_deal_status_confidence (mcv) ON status, confidence FROM deal"
        )
        op.execute("ANALYZE deal")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS st_deal_status_confidence")
