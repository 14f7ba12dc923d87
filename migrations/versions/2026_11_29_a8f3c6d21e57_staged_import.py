"""Staged imports: an uploaded CSV kept between its preview and its confirmation.

Revision ID: a8f3c6d21e57
Revises: a8e4c1f07d35
Create Date: 2026-11-29 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a8f3c6d21e57"
down_revision: str | None = "a8e4c1f07d35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staged_import",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_staged_import_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_staged_import")),
    )
    with op.batch_alter_table("staged_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staged_import_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_staged_import_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staged_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staged_import_expires_at"))
        batch_op.drop_index(batch_op.f("ix_staged_import_user_id"))

    op.drop_table("staged_import")
