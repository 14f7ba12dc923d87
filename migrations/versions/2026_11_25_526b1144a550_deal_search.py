"""Deal search: one document of words per deal, indexed by each database's full-text search.

SQLite: an FTS5 table (deal_fts) over deal_search, kept in step by triggers.
Postgres: a GIN index on to_tsvector('simple', document).
Documents for deals that already exist are written by `deals db upgrade` after migrating.

Revision ID: 526b1144a550
Revises: b6ea3d283b96
Create Date: 2026-11-25 00:01:11.617773
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "526b1144a550"
down_revision: str | None = "b6ea3d283b96"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here rather than imported, so this revision stays as it was.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE deal_fts USING fts5("
    "document, content='deal_search', content_rowid='deal_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER deal_search_ai AFTER INSERT ON deal_search BEGIN "
    "INSERT INTO deal_fts(rowid, document) VALUES (new.deal_id, new.document); END",
    "CREATE TRIGGER deal_search_ad AFTER DELETE ON deal_search BEGIN "
    "INSERT INTO deal_fts(deal_fts, rowid, document) "
    "VALUES ('delete', old.deal_id, old.document); END",
    "CREATE TRIGGER deal_search_au AFTER UPDATE ON deal_search BEGIN "
    "INSERT INTO deal_fts(deal_fts, rowid, document) "
    "VALUES ('delete', old.deal_id, old.document); "
    "INSERT INTO deal_fts(rowid, document) VALUES (new.deal_id, new.document); END",
)


def upgrade() -> None:
    op.create_table(
        "deal_search",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_search_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_deal_search")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.create_index(
            "ix_deal_search_tsv",
            "deal_search",
            [sa.text("to_tsvector('simple', document)")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("deal_search_au", "deal_search_ad", "deal_search_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS deal_fts")
    else:
        op.drop_index("ix_deal_search_tsv", table_name="deal_search")
    op.drop_table("deal_search")
