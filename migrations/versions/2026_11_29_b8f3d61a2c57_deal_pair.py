"""Each deal's pairs of organizations, with what flows between them, for the network map:
`deal_pair` (see app/derived/pairs.py), filled in here from `deal_party` and kept in step by a
session hook afterwards.

Revision ID: b8f3d61a2c57
Revises: a8f3c6d21e57
Create Date: 2026-11-29 15:00:00
"""

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

import sqlalchemy as sa
from alembic import op

revision: str = "b8f3d61a2c57"
down_revision: str | None = "a8f3c6d21e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The flows of app/domain/flows.py as they are at this revision, and their bits
# (app.domain.flows.FLOW_BITS): money a → b 1, b → a 2; compute a → b 4, b → a 8.
MONEY = {
    ("customer", "provider"),
    ("customer", "supplier"),
    ("customer", "developer"),
    ("customer", "operator"),
    ("licensee", "licensor"),
    ("investor", "investee"),
    ("financier", "investee"),
    ("financier", "developer"),
}
COMPUTE = {
    ("provider", "customer"),
    ("supplier", "customer"),
    ("operator", "customer"),
    ("developer", "customer"),
}
BATCH = 5000


def _bits(a_roles: set[str], b_roles: set[str]) -> int:
    bits = 0
    for ra in a_roles:
        for rb in b_roles:
            bits |= (1 if (ra, rb) in MONEY else 0) | (2 if (rb, ra) in MONEY else 0)
            bits |= (4 if (ra, rb) in COMPUTE else 0) | (8 if (rb, ra) in COMPUTE else 0)
    return bits


def upgrade() -> None:
    pair = op.create_table(
        "deal_pair",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("org_a", sa.Integer(), nullable=False),
        sa.Column("org_b", sa.Integer(), nullable=False),
        sa.Column("flows", sa.Integer(), nullable=False),
        sa.CheckConstraint("org_a <= org_b", name=op.f("ck_deal_pair_ordered")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_pair_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_a"],
            ["organization.id"],
            name=op.f("fk_deal_pair_org_a_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_b"],
            ["organization.id"],
            name=op.f("fk_deal_pair_org_b_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deal_id", "org_a", "org_b", name=op.f("pk_deal_pair")),
    )
    connection = op.get_bind()
    roles: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for deal_id, organization_id, role in connection.execute(
        sa.text("SELECT deal_id, organization_id, role FROM deal_party")
    ):
        roles[deal_id][organization_id].add(role)
    rows = []
    for deal_id, parties in sorted(roles.items()):
        orgs = sorted(parties)
        rows.extend({"deal_id": deal_id, "org_a": o, "org_b": o, "flows": 0} for o in orgs)
        rows.extend(
            {"deal_id": deal_id, "org_a": a, "org_b": b, "flows": _bits(parties[a], parties[b])}
            for a, b in combinations(orgs, 2)
        )
        if len(rows) >= BATCH:
            op.bulk_insert(pair, rows)
            rows = []
    if rows:
        op.bulk_insert(pair, rows)
    op.create_index("ix_deal_pair_pair", "deal_pair", ["org_a", "org_b", "flows", "deal_id"])
    if connection.dialect.name == "postgresql":
        op.execute("ANALYZE deal_pair")  # the planner's first maps should not wait for autovacuum


def downgrade() -> None:
    op.drop_index("ix_deal_pair_pair", table_name="deal_pair")
    op.drop_table("deal_pair")
