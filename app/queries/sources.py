"""Each publisher's track record: the deals it reported first, and what became of them.

The first report of a deal is its earliest source by published date (the start of the period;
at the same start the coarser date, then the source recorded first, wins). Sources that relay
another source, or whose tier is `relay`, repeat someone else's story and are never credited;
undated sources come after dated ones. Publishers are grouped case-insensitively.
"""

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.dates import PartialDate, Precision
from app.models import Deal, Source
from app.vocabulary import SourceTier, Status

CONFIRMED = (Status.CONFIRMED.value, Status.COMPLETED.value)
DENIED = (Status.DENIED.value, Status.CANCELLED.value)
SORT_KEYS = ("publisher", "first_reports", "confirmed", "denied", "open", "sources", "deals")
DEFAULT_SORT = "-first_reports"


def publisher_key(publisher: str) -> str:
    return publisher.strip().lower()


@dataclass
class TrackRecord:
    key: str
    publisher: str = ""  # the most used spelling
    first_reports: int = 0
    confirmed: int = 0
    denied: int = 0
    open: int = 0
    sources: int = 0
    deals: int = 0
    spellings: Counter[str] = field(default_factory=Counter, repr=False)


Order = tuple[int, date, int, int]


def _first_report_order(published_on: date | None, precision: str | None, source_id: int) -> Order:
    if published_on is None or precision is None:
        return (1, date.max, 0, source_id)
    start, rank = PartialDate(published_on, Precision(precision)).sort_key()
    return (0, start, rank, source_id)


def track_records(
    session: Session, publishers: Collection[str] | None = None
) -> dict[str, TrackRecord]:
    """Track records keyed by `publisher_key`, for all publishers or only the ones named.

    One statement: the sources of every live deal (or of the live deals citing one of
    `publishers`, which is all it takes to know who first reported them).
    """
    stmt = (
        select(
            Source.id,
            Source.deal_id,
            Source.publisher,
            Source.published_on,
            Source.published_precision,
            Source.tier,
            Source.relays_id,
            Deal.status,
        )
        .join(Deal, Deal.id == Source.deal_id)
        .where(Deal.deleted_at.is_(None))
    )
    wanted: set[str] | None = None
    if publishers is not None:
        wanted = {publisher_key(p) for p in publishers}
        citing = select(Source.deal_id).where(
            or_(
                Source.publisher.in_(list(publishers)),
                func.lower(func.trim(Source.publisher)).in_(wanted),
            )
        )
        stmt = stmt.where(Source.deal_id.in_(citing))
    records: dict[str, TrackRecord] = {}
    cited: dict[str, set[int]] = defaultdict(set)
    first: dict[int, tuple[Order, str]] = {}
    status_of: dict[int, str] = {}
    for source_id, deal_id, publisher, on, precision, tier, relays_id, status in session.execute(
        stmt
    ):
        key = publisher_key(publisher)
        record = records.setdefault(key, TrackRecord(key))
        record.sources += 1
        record.spellings[publisher.strip()] += 1
        cited[key].add(deal_id)
        status_of[deal_id] = status
        if relays_id is not None or tier == SourceTier.RELAY:
            continue
        order = _first_report_order(on, precision, source_id)
        if deal_id not in first or order < first[deal_id][0]:
            first[deal_id] = (order, key)
    for deal_id, (_, key) in first.items():
        record = records[key]
        record.first_reports += 1
        status = status_of[deal_id]
        if status in CONFIRMED:
            record.confirmed += 1
        elif status in DENIED:
            record.denied += 1
        else:
            record.open += 1
    for key, record in records.items():
        record.deals = len(cited[key])
        record.publisher = min(record.spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    if wanted is not None:
        records = {k: r for k, r in records.items() if k in wanted}
    return records


def sorted_records(records: dict[str, TrackRecord], sort: str) -> list[TrackRecord]:
    """Sorted by one column (`-` for descending), then by publisher. ValueError if unknown."""
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        raise ValueError(
            f"unknown sort '{sort}' — expected one of {', '.join(SORT_KEYS)}, "
            "with a leading '-' for descending"
        )
    rows = sorted(records.values(), key=lambda r: r.publisher.lower())
    if key == "publisher":
        return rows[::-1] if sort.startswith("-") else rows
    return sorted(rows, key=lambda r: getattr(r, key), reverse=sort.startswith("-"))
