"""The overview's figures, each one the size of a filtered table it links to.

Every query reads live deals only (`Deal.deleted_at IS NULL`, as app/queries/deals.py does), and
the page costs a fixed number of statements whatever the number of deals: one per figure.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate, Precision
from app.domain.vocabulary import (
    DENIED_STATUSES,
    OFFICIAL_STATUSES,
    RUMOR_STATUSES,
    HardwareType,
    Role,
)
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealParty,
    Hardware,
    Organization,
)
from app.queries.deals import deal_conditions

LIVE = Deal.deleted_at.is_(None)
MAX_QUARTERS = 12
PROVIDERS_LISTED = 25  # rows of the provider table; the page says how many there are
RUMORS_LISTED = 50  # deals listed under each rumor outcome; the counts are exact


@dataclass(frozen=True)
class HardwareGroup:
    """A band of the chart: the hardware types it covers, so `/deals?hardware_type=…` matches."""

    key: str
    label: str
    types: tuple[str, ...]
    description: str


# Grouped by hardware type (not by the in-house flag) because the table filters by type: each
# band is then exactly a `/deals?hardware_type=…` table. TPU and Trainium are in-house silicon
# with their own bands; every `custom_accelerator` model (Maia, MTIA, Inferentia, …) is designed
# by a cloud or lab for its own use, so that band is "other in-house accelerators".
HARDWARE_GROUPS: tuple[HardwareGroup, ...] = (
    HardwareGroup("gpu", "GPU", (HardwareType.GPU,), "NVIDIA, AMD and other GPUs"),
    HardwareGroup("tpu", "TPU", (HardwareType.TPU,), "Google's in-house TPUs"),
    HardwareGroup("trainium", "Trainium", (HardwareType.TRAINIUM,), "Amazon's in-house Trainium"),
    HardwareGroup(
        "in_house",
        "Other in-house",
        (HardwareType.CUSTOM_ACCELERATOR,),
        "custom accelerators a cloud or lab designs for itself (Maia, MTIA, Inferentia, …)",
    ),
    HardwareGroup(
        "accelerator",
        "Other accelerators",
        (HardwareType.WAFER_SCALE, HardwareType.LPU, HardwareType.NPU),
        "wafer-scale engines, LPUs and NPUs sold to others",
    ),
    HardwareGroup(
        "cpu_other", "CPU and other", (HardwareType.CPU, HardwareType.OTHER), "CPUs and the rest"
    ),
)
UNSPECIFIED = HardwareGroup("unspecified", "Unspecified", (), "deals that name no hardware")
CHART_GROUPS = (*HARDWARE_GROUPS, UNSPECIFIED)
_GROUP_OF_TYPE = {t: g.key for g in HARDWARE_GROUPS for t in g.types}


def quarter_of(day: date) -> PartialDate:
    return PartialDate(date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), Precision.QUARTER)


@dataclass
class QuarterRow:
    quarter: PartialDate
    deals: int = 0
    # Deals with hardware of each group; a deal naming GPUs and TPUs counts in both.
    by_group: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class HardwareByQuarter:
    quarters: list[QuarterRow]  # oldest first, no gaps, at most MAX_QUARTERS
    earlier_deals: int  # live deals first reported before the first quarter shown
    earlier_to: PartialDate | None  # the quarter just before the first one shown


def _quarter_number(day: Any, dialect: str) -> Any:
    """year * 4 + quarter index (0–3) of a date column, as an integer, in SQL."""
    year: Any
    month: Any
    if dialect == "postgresql":
        year = cast(func.extract("year", day), Integer)
        month = cast(func.extract("month", day), Integer)
    else:
        year = cast(func.strftime("%Y", day), Integer)
        month = cast(func.strftime("%m", day), Integer)
    return year * 4 + (month - 1) // 3


def _from_quarter_number(number: int) -> PartialDate:
    return PartialDate(date(number // 4, 3 * (number % 4) + 1, 1), Precision.QUARTER)


def hardware_by_quarter(session: Session, max_quarters: int = MAX_QUARTERS) -> HardwareByQuarter:
    """Deals per quarter of their first report, by hardware group: two grouped statements."""
    quarter = _quarter_number(Deal.first_reported_on, session.get_bind().dialect.name)
    per_quarter: dict[int, int] = {
        int(number): count
        for number, count in session.execute(
            select(quarter, func.count()).where(LIVE).group_by(quarter)
        )
    }
    if not per_quarter:
        return HardwareByQuarter([], 0, None)
    group = case(
        *((Hardware.type.in_(g.types), g.key) for g in HARDWARE_GROUPS),
        else_=UNSPECIFIED.key,
    )
    by_group = session.execute(
        select(quarter, group, func.count(func.distinct(Deal.id)))
        .outerjoin(DealHardware, DealHardware.deal_id == Deal.id)
        .outerjoin(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(LIVE)
        .group_by(quarter, group)
    ).all()
    first, last = min(per_quarter), max(per_quarter)
    rows = {
        number: QuarterRow(
            _from_quarter_number(number),
            per_quarter.get(number, 0),
            {g.key: 0 for g in CHART_GROUPS},
        )
        for number in range(first, last + 1)
    }
    for number, key, count in by_group:
        rows[int(number)].by_group[key] = count
    ordered = list(rows.values())
    shown, hidden = ordered[-max_quarters:], ordered[:-max_quarters]
    earlier_to = hidden[-1].quarter if hidden else None
    return HardwareByQuarter(shown, sum(r.deals for r in hidden), earlier_to)


def _days_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


@dataclass(frozen=True)
class ProviderTotal:
    organization: Organization
    deals: int
    value_usd: int | None  # the sum of the stated values, whatever their qualifier
    valued_deals: int
    capacity_mw: float | None
    sized_deals: int


@dataclass(frozen=True)
class ProviderTotals:
    rows: list[ProviderTotal]
    providers: int  # all organizations that provide in a live deal (the rows may be fewer)


def provider_totals(session: Session, limit: int = PROVIDERS_LISTED) -> ProviderTotals:
    """Organizations in the provider role with their deals' summed value and capacity: the
    `limit` with the most deals (then the highest value, then by name), and how many in all."""
    deals = func.count(Deal.id)
    value = func.sum(Deal.value_usd)
    stmt = (
        select(
            Organization,
            deals,
            value,
            func.count(Deal.value_usd),
            func.sum(Deal.capacity_mw),
            func.count(Deal.capacity_mw),
        )
        .join(DealParty, DealParty.organization_id == Organization.id)
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(LIVE, DealParty.role == Role.PROVIDER)
        .group_by(Organization.id)
    )
    ordered = stmt.order_by(
        deals.desc(), func.coalesce(value, 0).desc(), func.lower(Organization.name), Organization.id
    )
    rows = [
        ProviderTotal(
            org,
            count,
            int(total) if total is not None else None,
            valued,
            float(mw) if mw is not None else None,
            sized,
        )
        for org, count, total, valued, mw, sized in session.execute(ordered.limit(limit))
    ]
    everyone = select(func.count(func.distinct(DealParty.organization_id))).where(
        DealParty.role == Role.PROVIDER, DealParty.deal_id.in_(select(Deal.id).where(LIVE))
    )
    return ProviderTotals(rows, session.scalar(everyone) or 0)


@dataclass(frozen=True)
class TimedRef:
    id: int
    title: str
    status: str
    days: int | None  # first report → first official word (announced, confirmed, completed)


@dataclass(frozen=True)
class Listed:
    """The deals of one outcome: how many, and the first RUMORS_LISTED of them in order."""

    count: int
    first: list[TimedRef]


@dataclass(frozen=True)
class Durations:
    """What became of the deals first reported before any official word (first status rumored
    or in talks), and how long the official word took; deals first known from an official
    word are counted apart."""

    reported_first: int
    official: Listed  # reached announced, confirmed or completed (by days, then title)
    ended: Listed  # denied or cancelled without any official word
    open: Listed  # still rumored or in talks
    official_first: int  # first known from an announcement or a confirmation
    median: float | None
    quartiles: tuple[float, float] | None  # lower and upper

    def share(self, part: Listed) -> int:
        return round(100 * part.count / self.reported_first) if self.reported_first else 0


def quartiles(counts: list[tuple[int, int]]) -> tuple[float | None, tuple[float, float] | None]:
    """The median and the lower and upper quartiles of values given as (value, how many),
    sorted by value: the medians of the lower and upper halves (the middle value, for an odd
    count, in neither)."""
    total = sum(n for _, n in counts)
    if not total:
        return None, None

    def nth(index: int) -> int:
        seen = 0
        for value, n in counts:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)

    def median(start: int, size: int) -> float:
        middle = start + size // 2
        return nth(middle) if size % 2 else (nth(middle - 1) + nth(middle)) / 2

    half = total // 2
    if not half:
        return median(0, total), (nth(0), nth(0))
    return median(0, total), (median(0, half), median(total - half, half))


def rumor_durations(session: Session) -> Durations:
    """From each live deal's first status and first official word (DealDerived, worked out when
    it is saved): two statements, each one pass over the deals — the outcomes counted with
    the days to the official word, and the first RUMORS_LISTED deals of each outcome."""
    dialect = session.get_bind().dialect.name
    official_on = DealDerived.official_on
    raw = _days_between(official_on, Deal.first_reported_on, dialect)
    rumor = DealDerived.first_status.in_(RUMOR_STATUSES)
    outcome = case(  # NULL-safe: a deal with no status event is "other"
        (rumor & official_on.is_not(None), "official"),
        (rumor & Deal.status.in_(DENIED_STATUSES), "ended"),
        (rumor, "open"),
        (DealDerived.first_status.in_(OFFICIAL_STATUSES), "first"),
        else_="other",
    )
    # Only for the deals that reached it; 0 when it came with the first report.
    days = case((outcome != "official", None), (raw < 0, 0), else_=raw)
    deals = select(Deal.id).join(DealDerived, DealDerived.deal_id == Deal.id).where(LIVE)
    counts: dict[str, int] = {}
    waits: list[tuple[int, int]] = []
    for key, value, n in session.execute(
        deals.with_only_columns(outcome, days, func.count()).group_by(outcome, days)
    ):
        counts[key] = counts.get(key, 0) + int(n)
        if key == "official":
            waits.append((int(value), int(n)))
    # Each outcome's first deals: by days (the official word only), then title as the table
    # sorts it, then id.
    place = (
        func.row_number()
        .over(partition_by=outcome, order_by=(days, func.lower(Deal.title), Deal.id))
        .label("place")
    )
    ranked = (
        deals.with_only_columns(
            outcome.label("outcome"), Deal.id, Deal.title, Deal.status, days.label("days"), place
        )
        .where(rumor)
        .subquery()
    )
    first: dict[str, list[TimedRef]] = {"official": [], "ended": [], "open": []}
    for key, *ref in session.execute(
        select(ranked.c.outcome, ranked.c.id, ranked.c.title, ranked.c.status, ranked.c.days)
        .where(ranked.c.place <= RUMORS_LISTED)
        .order_by(ranked.c.outcome, ranked.c.place)
    ):
        first[key].append(TimedRef(*ref))
    listed = {key: Listed(counts.get(key, 0), refs) for key, refs in first.items()}
    median, bounds = quartiles(sorted(waits))
    return Durations(
        sum(part.count for part in listed.values()),
        listed["official"],
        listed["ended"],
        listed["open"],
        counts.get("first", 0),
        median,
        bounds,
    )


SHARE_MEASURES = {
    "deals": "deal count",
    "capacity": "capacity (MW)",
    "value": "value (USD)",
}


@dataclass(frozen=True)
class ShareCell:
    group: HardwareGroup
    amount: float
    percent: float  # of the quarter's total over the groups
    start: float  # the percent of the groups before it, where its bar segment begins
    query: str  # the /deals query of the deals it counts


@dataclass(frozen=True)
class ShareRow:
    quarter: PartialDate
    total: float
    cells: list[ShareCell]


def hardware_share(
    session: Session, rf: Any, measure: str, max_quarters: int = MAX_QUARTERS
) -> list[ShareRow]:
    """Each hardware group's share of a quarter's deals, capacity or value (newest last),
    over the deals the table's filters select (`rf`: app.queries.deals.ResolvedFilters).

    A deal naming hardware of two groups counts in both, so shares are of the sum over the
    groups; capacity and value shares count only deals that state one. One statement."""
    quarter = _quarter_number(Deal.first_reported_on, session.get_bind().dialect.name)
    group = case(
        *((Hardware.type.in_(g.types), g.key) for g in HARDWARE_GROUPS),
        else_=UNSPECIFIED.key,
    )
    pairs = (
        select(DealHardware.deal_id.label("deal_id"), group.label("grp"))
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .distinct()
        .subquery()
    )
    grp = func.coalesce(pairs.c.grp, UNSPECIFIED.key)
    amount: Any = {
        "deals": func.count(),
        "capacity": func.sum(Deal.capacity_mw),
        "value": func.sum(Deal.value_usd),
    }[measure]
    found = session.execute(
        select(quarter, grp, amount)
        .outerjoin(pairs, pairs.c.deal_id == Deal.id)
        .where(*deal_conditions(rf))
        .group_by(quarter, grp)
    ).all()
    by_quarter: dict[int, dict[str, float]] = {}
    for number, key, total in found:
        if total:
            by_quarter.setdefault(int(number), {})[key] = float(total)
    if not by_quarter:
        return []
    rows: list[ShareRow] = []
    for number in range(max(by_quarter) - max_quarters + 1, max(by_quarter) + 1):
        if number < min(by_quarter):
            continue
        amounts = by_quarter.get(number, {})
        total = sum(amounts.values())
        when = _from_quarter_number(number)
        cells = []
        start = 0.0
        for g in CHART_GROUPS:
            presets: dict[str, Any] = {"reported_from": when, "reported_to": when}
            if g.types:
                presets["hardware_type"] = g.types
            else:  # the deals that name no hardware
                presets["hardware_named"] = ("no",)
            part = amounts.get(g.key, 0.0)
            query = rf.filters._replace(**presets).on_page(1).query_string(paging=False)
            percent = 100 * part / total if total else 0.0
            cells.append(ShareCell(g, part, percent, start, query))
            start += percent
        rows.append(ShareRow(when, total, cells))
    return rows
