"""Each deal's answer in the API's lists, rendered ahead: `deal_derived.api_json` (see
app/derived/dealjson.py), so that a page of `/api/v1/deals` is one query of stored texts.

The texts are rendered by `deals db upgrade` right after the migrations
(app.derived.refresh.refresh_missing, which fills every deal whose text is missing, with the
application's own serializer) and kept in step by the session hook afterwards; until a deal has
one, the API renders it on the fly.

Revision ID: f1c2d3e4a5b6
Revises: f4c2a8d1e609
Create Date: 2026-11-29 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1c2d3e4a5b6"
down_revision: str | None = "f4c2a8d1e609"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deal_derived", schema=None) as batch_op:
        batch_op.drop_column("api_json")
