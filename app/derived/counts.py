"""The unfiltered table's counts, kept rather than recounted.

`facet_count` holds, for every facet of the deal table (app/filters/registry.py) and each of its
values, how many live deals have it, and under TOTAL the number of live deals: what the
unfiltered /deals shows, read in one statement by every worker alike.

The session hook keeps it exact in each writing transaction: before a flush it notes the facts
(status, confidence, types, hardware types, parties, vendors; none unless live) of every deal
the flush may change, after it reads them again and adds the differences, a few
`n = n + delta` upserts in (dimension, value) order, so concurrent writers neither lose an
update nor deadlock. Bulk loads of new deals (app/exchange/bulk.py, the archive's load,
bench.generate) add their deals' facts with `count_new`; `recount` (`deals db recount`)
rebuilds the table from the deals for anything else that writes behind the ORM's back. Both
keep the network map's pairs (app/derived/pair_counts.py) too.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from app.db import add_rows
from app.derived.factlog import note_changes, note_everything
from app.derived.pair_counts import count_new_pairs, recount_pairs
from app.domain.vocabulary import label as word_for
from app.filters.kinds import Choice, FacetRow, Filter, Slugs
from app.filters.registry import FILTERS
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    DealTypeRow,
    FacetCount,
    Hardware,
    Organization,
)

TOTAL = "deals"  # the dimension whose one value ("") counts the live deals
Fact = tuple[str, str]  # (dimension, value)
BATCH = 1000


def deal_facts(connection: Connection, deal_ids: Iterable[int]) -> dict[int, set[Fact]]:
    """What each of these deals counts towards, if it is live (a deleted or merged deal,
    towards nothing): the same rows the facets' grouped statements count."""
    facts: dict[int, set[Fact]] = {}
    for batch in _batches(sorted(set(deal_ids))):
        for deal_id, status, confidence in connection.execute(
            select(Deal.id, Deal.status, Deal.confidence).where(
                Deal.id.in_(batch), Deal.deleted_at.is_(None)
            )
        ):
            facts[deal_id] = {(TOTAL, ""), ("status", status), ("confidence", confidence)}
        live = [deal_id for deal_id in batch if deal_id in facts]
        if not live:
            continue
        for deal_id, kind in connection.execute(
            select(DealTypeRow.deal_id, DealTypeRow.type).where(DealTypeRow.deal_id.in_(live))
        ):
            facts[deal_id].add(("deal_type", kind))
        for deal_id, kind, vendor_id in connection.execute(
            select(DealHardware.deal_id, Hardware.type, Hardware.vendor_id)
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .where(DealHardware.deal_id.in_(live))
        ):
            facts[deal_id] |= {("hardware_type", kind), ("vendor", str(vendor_id))}
        for deal_id, organization_id in connection.execute(
            select(DealParty.deal_id, DealParty.organization_id).where(DealParty.deal_id.in_(live))
        ):
            facts[deal_id].add(("party", str(organization_id)))
    return facts


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def differences(before: dict[int, set[Fact]], after: dict[int, set[Fact]]) -> Counter[Fact]:
    """How each count moves when these deals go from `before` to `after`."""
    delta: Counter[Fact] = Counter()
    for deal_id in before.keys() | after.keys():
        old, new = before.get(deal_id, set()), after.get(deal_id, set())
        delta.update(new - old)
        delta.subtract(old - new)
    return delta


def apply(connection: Connection, delta: Counter[Fact]) -> None:
    """Add the differences to the kept counts: one upsert per changed count, in key order."""
    rows = [
        {"dimension": dimension, "value": value, "n": n}
        for (dimension, value), n in sorted(delta.items())
        if n
    ]
    add_rows(connection, FacetCount, ["dimension", "value"], rows)


def count_new(connection: Connection, deal_ids: Collection[int]) -> None:
    """Count deals just inserted behind the ORM (a bulk load), their derived rows written:
    nothing of theirs was counted. Their pairs too (app/derived/pair_counts.py)."""
    apply(connection, differences({}, deal_facts(connection, deal_ids)))
    count_new_pairs(connection, deal_ids)
    note_changes(connection, deal_ids)


def recount(connection: Connection) -> int:
    """Rebuild the kept counts and the kept pairs (app/derived/pair_counts.py) from the deals,
    in the caller's transaction; how many rows."""
    connection.execute(delete(FacetCount))
    note_everything(connection)
    total = recount_pairs(connection)
    for statement in recount_statements():
        total += connection.execute(
            insert(FacetCount).from_select(["dimension", "value", "n"], statement)
        ).rowcount
    return total


def recount_statements() -> list[Select[str, str, int]]:
    """(dimension, value, n) of every kept count, computed afresh."""
    live = Deal.deleted_at.is_(None)

    def text(column: Any) -> ColumnElement[str]:
        return cast(column, String(100))

    distinct = func.count(func.distinct(Deal.id))
    return [
        select(literal(TOTAL), literal(""), func.count()).select_from(Deal).where(live),
        *(
            select(literal(name), column, func.count()).where(live).group_by(column)
            for name, column in (("status", Deal.status), ("confidence", Deal.confidence))
        ),
        select(literal("deal_type"), DealTypeRow.type, func.count())
        .join(Deal, Deal.id == DealTypeRow.deal_id)
        .where(live)
        .group_by(DealTypeRow.type),
        *(
            select(literal(name), text(column), distinct)
            .select_from(DealHardware)
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .join(Deal, Deal.id == DealHardware.deal_id)
            .where(live)
            .group_by(column)
            for name, column in (("hardware_type", Hardware.type), ("vendor", Hardware.vendor_id))
        ),
        select(literal("party"), text(DealParty.organization_id), distinct)
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(live)
        .group_by(DealParty.organization_id),
    ]


# --- reading ------------------------------------------------------------------------------------


def kept_total(session: Session) -> int:
    """The number of live deals."""
    n = session.scalar(
        select(FacetCount.n).where(FacetCount.dimension == TOTAL, FacetCount.value == "")
    )
    return n or 0


def kept_facet_counts(session: Session) -> dict[str, list[FacetRow]]:
    """The unfiltered facets' rows, as app.queries.facets.facet_counts gives them: a choice's
    values in its vocabulary's order, organizations most deals first (then by name)."""
    counts: dict[str, list[FacetRow]] = {}
    kept: dict[str, dict[str, int]] = {}
    for dimension, value, n in session.execute(
        select(FacetCount.dimension, FacetCount.value, FacetCount.n).where(
            FacetCount.n > 0, FacetCount.dimension.in_(_choices())
        )
    ):
        kept.setdefault(dimension, {})[value] = n
    for flt in FILTERS:
        if isinstance(flt, Choice) and flt.facet is not None:
            found = kept.get(flt.name, {})
            counts[flt.name] = [(v, word_for(v), found[v]) for v in flt.vocabulary if v in found]
        elif isinstance(flt, Slugs) and flt.facet is not None:
            counts[flt.name] = _organizations(session, flt)
    return counts


def _choices() -> list[str]:
    return [flt.name for flt in FILTERS if isinstance(flt, Choice) and flt.facet is not None]


def _organizations(session: Session, flt: Filter) -> list[FacetRow]:
    rows = session.execute(
        select(Organization.slug, Organization.name, FacetCount.n)
        .join(FacetCount, FacetCount.value == cast(Organization.id, String(100)))
        .where(FacetCount.dimension == flt.name, FacetCount.n > 0)
        .order_by(FacetCount.n.desc(), Organization.name)
    )
    return [(slug, name, n) for slug, name, n in rows]
