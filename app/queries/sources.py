"""Each publisher's track record: the deals it reported first, and what became of them.

The first report of a deal is its earliest source of the best tier it has: primary or
original first, then secondary; sources that relay another, or whose tier is `relay`, repeat
someone else's story and are credited only when a deal has nothing else (counted apart, in
`by_relay`). Within a tier, the earliest by published date wins (the start of the period; at
the same start the coarser date, then the source recorded first); undated sources come after
dated ones. Outcomes are each deal's status today: came true (announced, confirmed or
completed), did not (denied or cancelled), open (rumored or in talks). The lead time is, for
each deal credited to the publisher and first reported before any official word (its first
status rumored or in talks) that then got one, the days from the deal's first report to its
first announced, confirmed or completed status event: how far ahead of the parties the
publisher was. Publishers are grouped case-insensitively.
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from app.derived.publishers import publisher_key
from app.domain.vocabulary import DENIED_STATUSES, OFFICIAL_STATUSES, RUMOR_STATUSES
from app.models import Deal, DealDerived, Source, StatusEvent

SORT_KEYS = (
    "publisher",
    "first_reports",
    "came_true",
    "hit_rate",
    "did_not",
    "open",
    "lead_days",
    "sources",
    "deals",
)
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
    # Days from first report to the official word, one per deal it reported before that word.
    leads: list[int] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        """The share of its first reports that came true (0 when it has none)."""
        return self.came_true / self.first_reports if self.first_reports else 0.0

    @property
    def lead_days(self) -> float:
        """The median lead time in days; -1 when no deal of it had one (sorts below 0 days)."""
        ordered = sorted(self.leads)
        if not ordered:
            return -1
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def track_records(
    session: Session, publishers: Collection[str] | None = None
) -> dict[str, TrackRecord]:
    """Track records keyed by `publisher_key`, for all publishers or only the ones named.

    One statement (three grouped parts, whatever the number of deals), so one snapshot even
    while sources are being added: the live deals' sources per spelling, the deals citing
    each publisher under any of its spellings, and their first reports per credited publisher,
    status and whether only relays carry the deal, read from DealDerived.first_publisher (each
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
    by_relay = case((relay_only, 1), else_=0)
    firsts = (
        select(
            literal("f").label("part"),
            DealDerived.first_publisher.label("publisher"),
            null().cast(String).label("lower"),
            Deal.status.label("status"),
            by_relay.label("by_relay"),
            func.count().label("n"),
        )
        .join(Deal, Deal.id == DealDerived.deal_id)
        .where(live, DealDerived.first_publisher.is_not(None))
        .group_by(DealDerived.first_publisher, Deal.status, by_relay)
    )
    # One row per deal reported before the official word that then got it: (publisher, day of
    # the first report, day of the official word), dates as ISO text to share the union.
    official = StatusEvent.status.in_(OFFICIAL_STATUSES)
    leads = (
        select(
            literal("l"),
            DealDerived.first_publisher,
            cast(Deal.first_reported_on, String),
            cast(func.min(StatusEvent.effective_on), String),
            literal(0),
            Deal.id,
        )
        .join(Deal, Deal.id == DealDerived.deal_id)
        .join(StatusEvent, (StatusEvent.deal_id == Deal.id) & official)
        .where(
            live,
            DealDerived.first_publisher.is_not(None),
            DealDerived.first_status.in_(RUMOR_STATUSES),
        )
        .group_by(Deal.id, DealDerived.first_publisher, Deal.first_reported_on)
    )
    if publishers is not None:
        wanted = {publisher_key(p) for p in publishers}
        cited = cited.where(or_(Source.publisher.in_(list(publishers)), lowered.in_(wanted)))
        firsts = firsts.where(DealDerived.first_publisher.in_(wanted))
        leads = leads.where(DealDerived.first_publisher.in_(wanted))
    spellings = cited.add_columns(
        literal("s"), Source.publisher, lowered, null().cast(String), literal(0), func.count()
    ).group_by(Source.publisher)
    deals = cited.add_columns(
        literal("d"),
        null().cast(String),
        lowered,
        null().cast(String),
        literal(0),
        func.count(func.distinct(Source.deal_id)),
    ).group_by(lowered)
    rows = session.execute(union_all(spellings, deals, firsts, leads)).all()
    records: dict[str, TrackRecord] = {}
    # The database's lowercase of each spelling → our key (SQLite lowercases ASCII only, so
    # two spellings differing in the case of a non-ASCII letter are counted apart there).
    keys: dict[str, str] = {}
    for _, publisher, lower, _, _, sources in (r for r in rows if r[0] == "s"):
        key = keys[lower] = publisher_key(publisher)
        record = records.setdefault(key, TrackRecord(key))
        record.sources += sources
        record.spellings[publisher.strip()] += sources
    for _, _, lower, _, _, count in (r for r in rows if r[0] == "d"):
        records[keys[lower]].deals += count
    for _, first_publisher, _, status, relayed, count in (r for r in rows if r[0] == "f"):
        key = str(first_publisher)  # never NULL here (see the WHERE above)
        record = records.setdefault(key, TrackRecord(key))
        record.first_reports += count
        if relayed:
            record.by_relay += count
        if status in OFFICIAL_STATUSES:
            record.came_true += count
        elif status in DENIED_STATUSES:
            record.did_not += count
        else:
            record.open += count
    for _, first_publisher, reported_on, word_on, _, _ in (r for r in rows if r[0] == "l"):
        days = (
            date.fromisoformat(str(word_on)[:10]) - date.fromisoformat(str(reported_on)[:10])
        ).days
        records.setdefault(str(first_publisher), TrackRecord(str(first_publisher))).leads.append(
            max(0, days)
        )
    for record in records.values():
        record.leads.sort()
        if record.spellings:  # always, in one snapshot; a guard all the same
            record.publisher = min(record.spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        else:
            record.publisher = record.key
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
