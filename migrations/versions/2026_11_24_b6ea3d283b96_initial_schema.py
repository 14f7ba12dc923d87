"""Initial schema.

Organizations, hardware, deals with parties, hardware lines, sources, status events and
relations; users and the audit log.

Revision ID: b6ea3d283b96
Revises:
Create Date: 2026-11-24 23:48:37.126970
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b6ea3d283b96"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('ai_lab', 'hyperscaler', 'neocloud', 'chipmaker', 'datacenter_developer', 'investor', 'sovereign', 'other')",
            name=op.f("ck_organization_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("slug", name=op.f("uq_organization_slug")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('viewer', 'analyst', 'admin')", name=op.f("ck_user_account_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("entity_type", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'delete', 'restore')",
            name=op.f("ck_audit_event_action"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_audit_event_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index("ix_audit_event_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)

    op.create_table(
        "deal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.String(length=10), nullable=False),
        sa.Column("confidence_note", sa.Text(), nullable=True),
        sa.Column("value_usd", sa.BigInteger(), nullable=True),
        sa.Column("value_qualifier", sa.String(length=10), nullable=True),
        sa.Column("capacity_mw", sa.Double(), nullable=True),
        sa.Column("capacity_qualifier", sa.String(length=10), nullable=True),
        sa.Column("chips", sa.BigInteger(), nullable=True),
        sa.Column("chips_qualifier", sa.String(length=10), nullable=True),
        sa.Column("first_reported_on", sa.Date(), nullable=False),
        sa.Column("first_reported_precision", sa.String(length=10), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("announced_precision", sa.String(length=10), nullable=True),
        sa.Column("term_start_on", sa.Date(), nullable=True),
        sa.Column("term_start_precision", sa.String(length=10), nullable=True),
        sa.Column("term_end_on", sa.Date(), nullable=True),
        sa.Column("term_end_precision", sa.String(length=10), nullable=True),
        sa.Column("region", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(announced_on IS NULL AND announced_precision IS NULL) OR (announced_on IS NOT NULL AND announced_precision IS NOT NULL AND announced_precision IN ('year', 'quarter', 'month', 'day'))",
            name=op.f("ck_deal_announced_precision"),
        ),
        sa.CheckConstraint(
            "(capacity_mw IS NULL AND capacity_qualifier IS NULL) OR (capacity_mw IS NOT NULL AND capacity_mw >= 0 AND capacity_qualifier IS NOT NULL AND capacity_qualifier IN ('exact', 'up_to', 'at_least', 'estimated'))",
            name=op.f("ck_deal_capacity_mw"),
        ),
        sa.CheckConstraint(
            "(chips IS NULL AND chips_qualifier IS NULL) OR (chips IS NOT NULL AND chips >= 0 AND chips_qualifier IS NOT NULL AND chips_qualifier IN ('exact', 'up_to', 'at_least', 'estimated'))",
            name=op.f("ck_deal_chips"),
        ),
        sa.CheckConstraint(
            "(first_reported_on IS NULL AND first_reported_precision IS NULL) OR (first_reported_on IS NOT NULL AND first_reported_precision IS NOT NULL AND first_reported_precision IN ('year', 'quarter', 'month', 'day'))",
            name=op.f("ck_deal_first_reported_precision"),
        ),
        sa.CheckConstraint(
            "(term_end_on IS NULL AND term_end_precision IS NULL) OR (term_end_on IS NOT NULL AND term_end_precision IS NOT NULL AND term_end_precision IN ('year', 'quarter', 'month', 'day'))",
            name=op.f("ck_deal_term_end_precision"),
        ),
        sa.CheckConstraint(
            "(term_start_on IS NULL AND term_start_precision IS NULL) OR (term_start_on IS NOT NULL AND term_start_precision IS NOT NULL AND term_start_precision IN ('year', 'quarter', 'month', 'day'))",
            name=op.f("ck_deal_term_start_precision"),
        ),
        sa.CheckConstraint(
            "(value_usd IS NULL AND value_qualifier IS NULL) OR (value_usd IS NOT NULL AND value_usd >= 0 AND value_qualifier IS NOT NULL AND value_qualifier IN ('exact', 'up_to', 'at_least', 'estimated'))",
            name=op.f("ck_deal_value_usd"),
        ),
        sa.CheckConstraint(
            "confidence IN ('high', 'medium', 'low')", name=op.f("ck_deal_confidence")
        ),
        sa.CheckConstraint(
            "status IN ('rumored', 'in_talks', 'announced', 'confirmed', 'completed', 'denied', 'cancelled')",
            name=op.f("ck_deal_status"),
        ),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_deal_title_not_empty")),
        sa.CheckConstraint(
            "term_end_on IS NULL OR term_start_on IS NULL OR term_end_on >= term_start_on",
            name=op.f("ck_deal_term_order"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_deal_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_deal_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal")),
    )
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_capacity_mw"), ["capacity_mw"], unique=False)
        batch_op.create_index(batch_op.f("ix_deal_confidence"), ["confidence"], unique=False)
        batch_op.create_index(
            "ix_deal_live_first_reported", ["deleted_at", "first_reported_on", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deal_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_deal_value_usd"), ["value_usd"], unique=False)

    op.create_table(
        "hardware",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("family", sa.String(length=100), nullable=True),
        sa.Column("in_house", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('gpu', 'tpu', 'trainium', 'custom_accelerator', 'wafer_scale', 'lpu', 'npu', 'cpu', 'other')",
            name=op.f("ck_hardware_type"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["organization.id"],
            name=op.f("fk_hardware_vendor_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardware")),
        sa.UniqueConstraint("slug", name=op.f("uq_hardware_slug")),
    )
    with op.batch_alter_table("hardware", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hardware_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_hardware_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "organization_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_alias_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_alias")),
    )
    with op.batch_alter_table("organization_alias", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_alias_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "deal_hardware",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("hardware_id", sa.Integer(), nullable=False),
        sa.Column("chips", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("chips IS NULL OR chips >= 0", name=op.f("ck_deal_hardware_chips")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_hardware_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hardware_id"],
            ["hardware.id"],
            name=op.f("fk_deal_hardware_hardware_id_hardware"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_hardware")),
        sa.UniqueConstraint(
            "deal_id", "hardware_id", name=op.f("uq_deal_hardware_deal_id_hardware_id")
        ),
    )
    with op.batch_alter_table("deal_hardware", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_hardware_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(
            "ix_deal_hardware_hardware_deal", ["hardware_id", "deal_id"], unique=False
        )

    op.create_table(
        "deal_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('customer', 'provider', 'supplier', 'investor', 'investee', 'developer', 'operator', 'financier', 'designer', 'co_developer', 'licensor', 'licensee', 'partner')",
            name=op.f("ck_deal_party_role"),
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_party_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_deal_party_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_party")),
        sa.UniqueConstraint(
            "deal_id",
            "organization_id",
            "role",
            name=op.f("uq_deal_party_deal_id_organization_id_role"),
        ),
    )
    with op.batch_alter_table("deal_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_party_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(
            "ix_deal_party_org_role_deal", ["organization_id", "role", "deal_id"], unique=False
        )

    op.create_table(
        "deal_relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("related_deal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('expands', 'supersedes', 'duplicate_of')", name=op.f("ck_deal_relation_kind")
        ),
        sa.CheckConstraint("deal_id <> related_deal_id", name=op.f("ck_deal_relation_not_self")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_relation_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["related_deal_id"],
            ["deal.id"],
            name=op.f("fk_deal_relation_related_deal_id_deal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_relation")),
        sa.UniqueConstraint(
            "deal_id",
            "related_deal_id",
            "kind",
            name=op.f("uq_deal_relation_deal_id_related_deal_id_kind"),
        ),
    )
    with op.batch_alter_table("deal_relation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_relation_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deal_relation_related_deal_id"), ["related_deal_id"], unique=False
        )

    op.create_table(
        "deal_type",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.CheckConstraint(
            "type IN ('cloud_capacity', 'chip_purchase', 'equity_investment', 'datacenter', 'custom_chip', 'licensing', 'joint_venture')",
            name=op.f("ck_deal_type_type"),
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_type_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("deal_id", "type", name=op.f("pk_deal_type")),
    )
    with op.batch_alter_table("deal_type", schema=None) as batch_op:
        batch_op.create_index("ix_deal_type_type_deal", ["type", "deal_id"], unique=False)

    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("published_precision", sa.String(length=10), nullable=True),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("relays_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(published_on IS NULL AND published_precision IS NULL) OR (published_on IS NOT NULL AND published_precision IS NOT NULL AND published_precision IN ('year', 'quarter', 'month', 'day'))",
            name=op.f("ck_source_published_precision"),
        ),
        sa.CheckConstraint(
            "tier IN ('primary', 'original', 'secondary', 'relay')", name=op.f("ck_source_tier")
        ),
        sa.CheckConstraint(
            "url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'",
            name=op.f("ck_source_url_http"),
        ),
        sa.CheckConstraint(
            "relays_id IS NULL OR relays_id <> id", name=op.f("ck_source_relays_other")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_source_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_source_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["relays_id"],
            ["source.id"],
            name=op.f("fk_source_relays_id_source"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_source_publisher"), ["publisher"], unique=False)

    op.create_table(
        "status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("effective_precision", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(effective_on IS NULL AND effective_precision IS NULL) OR (effective_on IS NOT NULL AND effective_precision IS NOT NULL AND effective_precision IN ('year', 'quarter', 'month', 'day'))",
            name=op.f("ck_status_event_effective_precision"),
        ),
        sa.CheckConstraint(
            "status IN ('rumored', 'in_talks', 'announced', 'confirmed', 'completed', 'denied', 'cancelled')",
            name=op.f("ck_status_event_status"),
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_status_event_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_status_event_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_status_event_source_id_source"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_event")),
    )
    with op.batch_alter_table("status_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_event_deal_effective", ["deal_id", "effective_on"], unique=False
        )
        batch_op.create_index("ix_status_event_effective", ["effective_on", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_event_source_id"), ["source_id"], unique=False)

    # Case-insensitive uniqueness, on both SQLite and Postgres.
    op.create_index(
        "uq_organization_name_lower", "organization", [sa.text("lower(name)")], unique=True
    )
    op.create_index(
        "uq_organization_alias_alias_lower",
        "organization_alias",
        [sa.text("lower(alias)")],
        unique=True,
    )
    op.create_index("uq_hardware_name_lower", "hardware", [sa.text("lower(name)")], unique=True)
    op.create_index(
        "uq_user_account_email_lower", "user_account", [sa.text("lower(email)")], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_organization_name_lower", table_name="organization")
    op.drop_index("uq_organization_alias_alias_lower", table_name="organization_alias")
    op.drop_index("uq_hardware_name_lower", table_name="hardware")
    op.drop_index("uq_user_account_email_lower", table_name="user_account")
    with op.batch_alter_table("status_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_event_source_id"))
        batch_op.drop_index("ix_status_event_effective")
        batch_op.drop_index("ix_status_event_deal_effective")

    op.drop_table("status_event")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_publisher"))
        batch_op.drop_index(batch_op.f("ix_source_deal_id"))

    op.drop_table("source")
    with op.batch_alter_table("deal_type", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_type_type_deal")

    op.drop_table("deal_type")
    with op.batch_alter_table("deal_relation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_relation_related_deal_id"))
        batch_op.drop_index(batch_op.f("ix_deal_relation_deal_id"))

    op.drop_table("deal_relation")
    with op.batch_alter_table("deal_party", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_party_org_role_deal")
        batch_op.drop_index(batch_op.f("ix_deal_party_deal_id"))

    op.drop_table("deal_party")
    with op.batch_alter_table("deal_hardware", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_hardware_hardware_deal")
        batch_op.drop_index(batch_op.f("ix_deal_hardware_deal_id"))

    op.drop_table("deal_hardware")
    with op.batch_alter_table("organization_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_alias_organization_id"))

    op.drop_table("organization_alias")
    with op.batch_alter_table("hardware", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hardware_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_hardware_type"))

    op.drop_table("hardware")
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_value_usd"))
        batch_op.drop_index(batch_op.f("ix_deal_status"))
        batch_op.drop_index("ix_deal_live_first_reported")
        batch_op.drop_index(batch_op.f("ix_deal_confidence"))
        batch_op.drop_index(batch_op.f("ix_deal_capacity_mw"))

    op.drop_table("deal")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_occurred_at"))
        batch_op.drop_index("ix_audit_event_entity")
        batch_op.drop_index(batch_op.f("ix_audit_event_deal_id"))

    op.drop_table("audit_event")
    op.drop_table("user_account")
    op.drop_table("organization")
