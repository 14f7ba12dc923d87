"""The overview's figures kept like the table's counts: `facet_count` gains a `total` (the sum
of a measure over a fact's deals) and rows for the quarters, hardware groups, rumor outcomes,
official-word delays and providers the overview counts (app/derived/counts.py);
`deal_derived.official_days` holds how long a rumor's official word took, indexed so that the
overview lists the soonest in order. Filled here from the deals on either database; the
downgrade removes what the upgrade added.

Revision ID: a7c3e5f9b214
Revises: d8f2a4c6e1b3
Create Date: 2026-11-30 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e5f9b214"
down_revision: str | None = "d8f2a4c6e1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabularies and groups as they are at the time of writing (app.domain.vocabulary and
# app.domain.figures), written out so that this revision does not change when the app does.
RUMOR = "('rumored', 'in_talks')"
OFFICIAL = "('announced', 'confirmed', 'completed')"
DENIED = "('denied', 'cancelled')"
GROUPS = (
    ("gpu", ("gpu",)),
    ("tpu", ("tpu",)),
    ("trainium", ("trainium",)),
    ("in_house", ("custom_accelerator",)),
    ("accelerator", ("wafer_scale", "lpu", "npu")),
    ("cpu_other", ("cpu", "other")),
)
DIMENSIONS = (
    "quarter",
    "quarter_group",
    "quarter_group_usd",
    "quarter_group_mw",
    "outcome",
    "official_days",
    "provider",
    "provider_usd",
    "provider_mw",
)
_LIVE = "deal.deleted_at IS NULL"


def _quarter(dialect: str) -> str:
    if dialect == "postgresql":
        year = "CAST(extract(year FROM deal.first_reported_on) AS INTEGER)"
        month = "CAST(extract(month FROM deal.first_reported_on) AS INTEGER)"
    else:
        year = "CAST(strftime('%Y', deal.first_reported_on) AS INTEGER)"
        month = "CAST(strftime('%m', deal.first_reported_on) AS INTEGER)"
    return f"({year} * 4 + ({month} - 1) / 3)"


def _counted(name: str, rows: str, value: str) -> list[str]:
    """`name` counted by `value` over the subquery `rows`, and its _usd and _mw sums."""
    statements = [f"SELECT '{name}', {value}, count(*), 0 FROM ({rows}) AS r GROUP BY {value}"]
    for suffix, measure in (("_usd", "r.value_usd"), ("_mw", "r.capacity_mw")):
        statements.append(
            f"SELECT '{name}{suffix}', {value}, count({measure}), "
            f"CAST(sum({measure}) AS DOUBLE PRECISION) FROM ({rows}) AS r "
            f"GROUP BY {value} HAVING count({measure}) > 0"
        )
    return statements


def backfill(dialect: str) -> list[str]:
    quarter = _quarter(dialect)
    group = (
        "CASE "
        + " ".join(
            f"WHEN hardware.type IN ({', '.join(repr(t) for t in types)}) THEN '{key}'"
            for key, types in GROUPS
        )
        + " ELSE 'unspecified' END"
    )
    by_group = (
        f"SELECT DISTINCT deal.id, {quarter} AS quarter, {group} AS grp, deal.value_usd, "
        "deal.capacity_mw FROM deal "
        "LEFT JOIN deal_hardware ON deal_hardware.deal_id = deal.id "
        f"LEFT JOIN hardware ON hardware.id = deal_hardware.hardware_id WHERE {_LIVE}"
    )
    providers = (
        "SELECT DISTINCT deal_party.organization_id AS org, deal.id, deal.value_usd, "
        "deal.capacity_mw FROM deal_party JOIN deal ON deal.id = deal_party.deal_id "
        f"WHERE {_LIVE} AND deal_party.role = 'provider'"
    )
    derived = f"FROM deal JOIN deal_derived ON deal_derived.deal_id = deal.id WHERE {_LIVE}"
    first = "deal_derived.first_status"
    outcome = (
        f"CASE WHEN {first} IN {RUMOR} AND deal_derived.official_on IS NOT NULL THEN 'official' "
        f"WHEN {first} IN {RUMOR} AND deal.status IN {DENIED} THEN 'ended' "
        f"WHEN {first} IN {RUMOR} THEN 'open' "
        f"WHEN {first} IN {OFFICIAL} THEN 'first' ELSE 'other' END"
    )
    return [
        f"SELECT 'quarter', CAST({quarter} AS VARCHAR(100)), count(*), 0 FROM deal "
        f"WHERE {_LIVE} GROUP BY {quarter}",
        *_counted("quarter_group", by_group, "CAST(r.quarter AS VARCHAR(100)) || ' ' || r.grp"),
        f"SELECT 'outcome', {outcome}, count(*), 0 {derived} GROUP BY {outcome}",
        "SELECT 'official_days', CAST(deal_derived.official_days AS VARCHAR(100)), count(*), 0 "
        f"{derived} AND deal_derived.official_days IS NOT NULL "
        "GROUP BY deal_derived.official_days",
        *_counted("provider", providers, "CAST(r.org AS VARCHAR(100))"),
    ]


def _fill_official_days(dialect: str) -> None:
    if dialect == "postgresql":
        days = "deal_derived.official_on - deal.first_reported_on"
        op.execute(
            f"UPDATE deal_derived SET official_days = GREATEST(0, {days}) FROM deal "
            f"WHERE deal.id = deal_derived.deal_id AND deal_derived.first_status IN {RUMOR} "
            "AND deal_derived.official_on IS NOT NULL"
        )
    else:
        reported = "(SELECT deal.first_reported_on FROM deal WHERE deal.id = deal_derived.deal_id)"
        op.execute(
            "UPDATE deal_derived SET official_days = max(0, CAST(julianday(official_on) - "
            f"julianday({reported}) AS INTEGER)) "
            f"WHERE first_status IN {RUMOR} AND official_on IS NOT NULL"
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("facet_count", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total", sa.Double(), server_default="0", nullable=False))
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.add_column(sa.Column("official_days", sa.Integer(), nullable=True))
    _fill_official_days(dialect)
    op.create_index(
        "ix_deal_derived_official_days",
        "deal_derived",
        ["official_days", "deal_id"],
        unique=False,
        postgresql_where=sa.text("official_days IS NOT NULL"),
        sqlite_where=sa.text("official_days IS NOT NULL"),
    )
    for statement in backfill(dialect):
        op.execute(f"INSERT INTO facet_count (dimension, value, n, total) {statement}")


def downgrade() -> None:
    listed = ", ".join(f"'{name}'" for name in DIMENSIONS)
    op.execute(f"DELETE FROM facet_count WHERE dimension IN ({listed})")
    op.drop_index(
        "ix_deal_derived_official_days",
        table_name="deal_derived",
        postgresql_where=sa.text("official_days IS NOT NULL"),
        sqlite_where=sa.text("official_days IS NOT NULL"),
    )
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.drop_column("official_days")
    with op.batch_alter_table("facet_count", schema=None) as batch_op:
        batch_op.drop_column("total")
