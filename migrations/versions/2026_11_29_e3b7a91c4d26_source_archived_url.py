"""An optional archived copy of each source (`source.archived_url`, http or https only): an
archive such as archive.today is where a source can still be read, not a publisher relaying it.

Revision ID: e3b7a91c4d26
Revises: b8f3d61a2c57
Create Date: 2026-11-29 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3b7a91c4d26"
down_revision: str | None = "b8f3d61a2c57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _restore_expression_index() -> None:
    """SQLite's batch mode copies the table without its expression index (which reflection
    cannot read); put it back so later revisions find it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_source_publisher_lower ON source (lower(publisher))"
        )


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_url", sa.String(length=2000), nullable=True))
        batch_op.create_check_constraint(
            "archived_url_http",
            "archived_url IS NULL OR archived_url LIKE 'http://%' OR archived_url LIKE 'https://%'",
        )
    _restore_expression_index()


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_constraint("archived_url_http", type_="check")
        batch_op.drop_column("archived_url")
    _restore_expression_index()
