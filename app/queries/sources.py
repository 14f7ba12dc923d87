"""Each publisher's track record: the deals it reported first, and what became of them.

The first report of a deal is its earliest source of the best tier it has: primary or
original first, then secondary; sources that relay another, or whose tier is `relay`, repeat
someone else's story and are credited only when a deal has nothing else (counted apart, in
`by_relay`). Within a tier, the earliest by published date wins (the start of the period; at
the same start the coarser date, then the source recorded first); undated sources come after
dated ones. Outcomes are each deal's status today: came true (announced, confirmed or
completed), did not (denied or cancelled), open (rumored or in talks). Publishers are grouped
case-insensitively.
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.derived.publishers import publisher_key
from app.domain.vocabulary import CONFIRMED_STATUSES, DENIED_STATUSES
from app.models import Deal, DealDerived, Source

SORT_KEYS = ("publisher", "first_reports", "came_true", "did_not", "open", "sources", "deals")
CAME_TRUE = ("announced", *CONFIRMED_STATUSES)
DEFAULT_SORT = "-first_reports"


@dataclass
class TrackRecord:
    key: str
    publisher: str = ""  # the most used spelling
    first_reports: int = 0
    came_true: int = 0  # announced, confirmed or completed
    did_not: int = 0  # denied or cancelled
    open: int = 0  # rumored or in talks
    by_relay: int = 0  # first reports credited to it only because a deal had nothing else
    sources: int = 0
    deals: int = 0
    spellings: Counter[str] = field(default_factory=Counter, repr=False)


def track_records(
    session: Session, publishers: Collection[str] | None = None
) -> dict[str, TrackRecord]:
    """Track records keyed by `publisher_key`, for all publishers or only the ones named.

    Three grouped statements, whatever the number of deals: the live deals' sources per
    spelling, the deals citing each publisher under any of its spellings, and their first
    reports per credited publisher and status, read from DealDerived.first_publisher (each
    deal's first reporter, worked out when it is saved).
    """
    live = Deal.deleted_at.is_(None)
    wanted: set[str] | None = None
    lowered = func.lower(Source.publisher)
    cited = select().select_from(Source).join(Deal, Deal.id == Source.deal_id).where(live)
    relay_only = ~(
        select(Source.id)
        .where(Source.deal_id == Deal.id, Source.relays_id.is_(None), Source.tier != "relay")
        .exists()
    )
    firsts = (
        select(DealDerived.first_publisher, Deal.status, relay_only, func.count())
        .join(Deal, Deal.id == DealDerived.deal_id)
        .where(live, DealDerived.first_publisher.is_not(None))
        .group_by(DealDerived.first_publisher, Deal.status, relay_only)
    )
    if publishers is not None:
        wanted = {publisher_key(p) for p in publishers}
        cited = cited.where(or_(Source.publisher.in_(list(publishers)), lowered.in_(wanted)))
        firsts = firsts.where(DealDerived.first_publisher.in_(wanted))
    records: dict[str, TrackRecord] = {}
    # The database's lowercase of each spelling → our key (SQLite lowercases ASCII only, so
    # two spellings differing in the case of a non-ASCII letter are counted apart there).
    keys: dict[str, str] = {}
    spellings = cited.add_columns(Source.publisher, lowered, func.count())
    for publisher, lower, sources in session.execute(spellings.group_by(Source.publisher)):
        key = keys[lower] = publisher_key(publisher)
        record = records.setdefault(key, TrackRecord(key))
        record.sources += sources
        record.spellings[publisher.strip()] += sources
    deals = cited.add_columns(lowered, func.count(func.distinct(Source.deal_id)))
    for lower, count in session.execute(deals.group_by(lowered)):
        records[keys[lower]].deals += count
    for first_publisher, status, by_relay, count in session.execute(firsts):
        key = str(first_publisher)  # never NULL here (see the WHERE above)
        record = records.setdefault(key, TrackRecord(key))
        record.first_reports += count
        if by_relay:
            record.by_relay += count
        if status in CAME_TRUE:
            record.came_true += count
        elif status in DENIED_STATUSES:
            record.did_not += count
        else:
            record.open += count
    for record in records.values():
        record.publisher = min(record.spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    if wanted is not None:
        records = {k: r for k, r in records.items() if k in wanted}
    return records


def sort_column(sort: str) -> str:
    """The column a sort is by (`-` for descending). ValueError if unknown."""
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        raise ValueError(
            f"unknown sort '{sort}' — expected one of {', '.join(SORT_KEYS)}, "
            "with a leading '-' for descending"
        )
    return key


def sorted_records(records: dict[str, TrackRecord], sort: str) -> list[TrackRecord]:
    """Sorted by one column (`-` for descending), then by publisher. ValueError if unknown."""
    key = sort_column(sort)
    rows = sorted(records.values(), key=lambda r: r.publisher.lower())
    if key == "publisher":
        return rows[::-1] if sort.startswith("-") else rows
    return sorted(rows, key=lambda r: getattr(r, key), reverse=sort.startswith("-"))
