"""An index on source.relays_id: a deal page lists, for each of its sources, the sources that
relay it, and without the index that lookup read every source (22 ms at 100k deals).

Revision ID: c41f6e2a8d17
Revises: 9a7c2e51d0b4
Create Date: 2026-11-25 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c41f6e2a8d17"
down_revision: str | None = "9a7c2e51d0b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_source_relays_id"), "source", ["relays_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_source_relays_id"), table_name="source")
