"""Saved views, follows, notifications (also the mail outbox), and the users' display name,
mail preference and private feed token.

Revision ID: c414f12aa429
Revises: d2a7c5e9f104
Create Date: 2026-11-29 13:55:09.010635
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c414f12aa429"
down_revision: str | None = "d2a7c5e9f104"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "target_type IN ('deal', 'organization', 'hardware', 'view')",
            name=op.f("ck_follow_target_type"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_follow_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint(
            "user_id",
            "target_type",
            "target_id",
            name=op.f("uq_follow_user_id_target_type_target_id"),
        ),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index("ix_follow_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("page IN ('deals', 'timeline')", name=op.f("ck_saved_view_page")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_saved_view_owner_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_saved_view_owner_id_name")),
    )
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_view_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=False),
        sa.Column("email_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "email_state IN ('none', 'pending', 'sent')", name=op.f("ck_notification_email_state")
        ),
        sa.ForeignKeyConstraint(
            ["audit_event_id"],
            ["audit_event.id"],
            name=op.f("fk_notification_audit_event_id_audit_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "user_id", "audit_event_id", name=op.f("uq_notification_user_id_audit_event_id")
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_audit_event_id"), ["audit_event_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_email_due", ["email_state", "email_due_at"], unique=False
        )
        batch_op.create_index("ix_notification_user_read", ["user_id", "read_at"], unique=False)

    # Plain ALTER TABLE, no batch: rebuilding user_account on SQLite would lose its
    # lower(email) index. The mail preference's check goes with its column.
    op.add_column("user_account", sa.Column("display_name", sa.String(length=100), nullable=True))
    op.add_column(
        "user_account",
        sa.Column(
            "email_mode",
            sa.String(length=10),
            sa.CheckConstraint(
                "email_mode IN ('off', 'instant', 'digest')", name="ck_user_account_email_mode"
            ),
            server_default="off",
            nullable=False,
        ),
    )
    op.add_column("user_account", sa.Column("feed_token", sa.String(length=64), nullable=True))
    op.add_column(
        "user_account", sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(op.f("ix_user_account_feed_token"), "user_account", ["feed_token"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_user_account_feed_token"), table_name="user_account")
    for column in ("digest_sent_at", "feed_token", "email_mode", "display_name"):
        op.drop_column("user_account", column)

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_read")
        batch_op.drop_index("ix_notification_email_due")
        batch_op.drop_index(batch_op.f("ix_notification_audit_event_id"))

    op.drop_table("notification")
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_view_owner_id"))

    op.drop_table("saved_view")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_target")

    op.drop_table("follow")
