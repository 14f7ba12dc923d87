"""The unfiltered network map's edges, kept rather than recounted.

`pair_count` holds, for every pair of organizations (`org_a` < `org_b`), what flows between
them in a deal (bits, app.domain.flows.FLOW_BITS) and that deal's status, how many live deals
have that pair, flows and status, how many of those have a value, and the sum of their values:
what the unfiltered /network and /api/v1/network group from the pairs of every live deal
(app/queries/network.py), read in one statement by every worker alike. Each organization's
number of deals, the map's other figure, is the `party` facet of app/derived/counts.py.

The session hook keeps it exact beside the facet counts (app/derived/refresh.py): before a
flush it reads the pairs (`deal_pair`) of every deal the flush may change, with its status and
value if it is live; after the flush has re-derived those pairs it reads them again, and adds
the differences as `n = n + delta` upserts in key order. Bulk loads count their new deals with
`count_new_pairs`; `recount_pairs` rebuilds the table from the deals.
"""

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Connection, Select, delete, func, insert, select

from app.db import add_rows
from app.models import Deal, DealPair, PairCount

BATCH = 1000
PairKey = tuple[int, int, int, str]  # (org_a, org_b, flows, status)
PairFacts = dict[int, dict[PairKey, int | None]]  # deal id → its pairs and its value


def pair_facts(connection: Connection, deal_ids: Collection[int]) -> PairFacts:
    """The counted pairs of each of these deals that is live, with the deal's value."""
    facts: PairFacts = {}
    ids = sorted(set(deal_ids))
    for start in range(0, len(ids), BATCH):
        for deal_id, org_a, org_b, flows, status, value in connection.execute(
            select(
                DealPair.deal_id,
                DealPair.org_a,
                DealPair.org_b,
                DealPair.flows,
                Deal.status,
                Deal.value_usd,
            )
            .join(Deal, Deal.id == DealPair.deal_id)
            .where(
                DealPair.deal_id.in_(ids[start : start + BATCH]),
                DealPair.org_a < DealPair.org_b,
                Deal.deleted_at.is_(None),
            )
        ):
            facts.setdefault(deal_id, {})[(org_a, org_b, flows, status)] = value
    return facts


def pair_differences(before: PairFacts, after: PairFacts) -> dict[PairKey, list[int]]:
    """How each kept row moves — [deals, deals with a value, sum of values] — when these deals
    go from `before` to `after`."""
    delta: dict[PairKey, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(pairs: dict[PairKey, int | None], sign: int) -> None:
        for key, value in pairs.items():
            moved = delta[key]
            moved[0] += sign
            if value is not None:
                moved[1] += sign
                moved[2] += sign * value

    for deal_id in before.keys() | after.keys():
        old, new = before.get(deal_id, {}), after.get(deal_id, {})
        if old != new:
            add(old, -1)
            add(new, +1)
    return {key: moved for key, moved in delta.items() if any(moved)}


def apply_pairs(connection: Connection, delta: dict[PairKey, list[int]]) -> None:
    """Add the differences to the kept rows: one upsert per changed row, in key order, so
    concurrent writers neither lose an update nor deadlock."""
    rows = [
        {
            "org_a": org_a,
            "org_b": org_b,
            "flows": flows,
            "status": status,
            "n": n,
            "valued": valued,
            "value_usd": value,
        }
        for (org_a, org_b, flows, status), (n, valued, value) in sorted(delta.items())
    ]
    add_rows(connection, PairCount, ["org_a", "org_b", "flows", "status"], rows)


def count_new_pairs(connection: Connection, deal_ids: Collection[int]) -> None:
    """Count the pairs of deals just inserted behind the ORM (their `deal_pair` rows derived)."""
    apply_pairs(connection, pair_differences({}, pair_facts(connection, deal_ids)))


def recount_pairs(connection: Connection) -> int:
    """Rebuild the kept rows from the deals' pairs, in the caller's transaction; how many."""
    connection.execute(delete(PairCount))
    return connection.execute(
        insert(PairCount).from_select(
            ["org_a", "org_b", "flows", "status", "n", "valued", "value_usd"],
            recount_pairs_statement(),
        )
    ).rowcount


def recount_pairs_statement() -> Select[int, int, int, str, int, int, int | None]:
    """(org_a, org_b, flows, status, n, valued, value_usd) of every kept row, computed afresh."""
    return (
        select(
            DealPair.org_a,
            DealPair.org_b,
            DealPair.flows,
            Deal.status,
            func.count(),
            func.count(Deal.value_usd),
            func.coalesce(func.sum(Deal.value_usd), 0),
        )
        .join(Deal, Deal.id == DealPair.deal_id)
        .where(DealPair.org_a < DealPair.org_b, Deal.deleted_at.is_(None))
        .group_by(DealPair.org_a, DealPair.org_b, DealPair.flows, Deal.status)
    )
