"""The log of which deals' facts changed at which generation of the change counter.

A deal's facts are what it counts towards in the deal table's totals and facets (its status,
confidence, types, hardware types, vendors and parties: app/derived/counts.py). The
transaction that changes them writes `fact_change(generation, deal_id)` at a new generation
(the flush hook in app/derived/refresh.py, and bulk loads), so every worker's per-value sets of
deal ids (app/derived/dealsets.py) catch up by re-reading just those deals. Deal id 0 stands
for every deal: the sets are then built again.
"""

from collections.abc import Collection

from sqlalchemy import Connection, delete, select

from app.db import insert_rows
from app.derived.cache import bump_generation, current_generation
from app.models import FactChange

EVERY_DEAL = 0
REBUILD_AT = 20_000  # more deals than this at once are logged as every deal
KEEP = 100_000  # generations of the log kept; a worker further behind builds its sets again


def note_changes(connection: Connection, deal_ids: Collection[int]) -> None:
    """Log, in the writing transaction, that these deals' facts changed, at a new generation
    (the counter's row stays locked until commit, so generations commit in order); trim what
    is older than KEEP generations."""
    if not deal_ids:
        return
    bump_generation(connection)
    generation = current_generation(connection)
    ids = [EVERY_DEAL] if len(deal_ids) > REBUILD_AT else sorted(set(deal_ids))
    insert_rows(connection, FactChange, [{"generation": generation, "deal_id": i} for i in ids])
    connection.execute(delete(FactChange).where(FactChange.generation <= generation - KEEP))


def note_everything(connection: Connection) -> None:
    """Every deal's facts may have changed (a recount, a load behind the ORM)."""
    note_changes(connection, [EVERY_DEAL])


def changed_since(connection: Connection, generation: int) -> set[int] | None:
    """The deals whose facts changed after `generation`; None when that is every deal (or
    more than is worth catching up with, or the log no longer reaches back that far)."""
    if current_generation(connection) - generation > KEEP:
        return None
    changed = set(
        connection.scalars(
            select(FactChange.deal_id).where(FactChange.generation > generation).distinct()
        )
    )
    return None if EVERY_DEAL in changed or len(changed) > REBUILD_AT else changed
