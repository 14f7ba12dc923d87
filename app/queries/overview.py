"""The overview's figures, each one the size of a filtered table it links to.

Every query reads live deals only (`Deal.deleted_at IS NULL`, as app/queries/deals.py does), and
the page costs a fixed number of statements whatever the number of deals: one per figure.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate, Precision
from app.domain.vocabulary import (
    CONFIRMED_STATUSES,
    DENIED_STATUSES,
    RUMOR_STATUSES,
    HardwareType,
    Role,
    Status,
)
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealParty,
    Hardware,
    Organization,
    StatusEvent,
)
from app.queries.deals import deal_conditions

LIVE = Deal.deleted_at.is_(None)
MAX_QUARTERS = 12
PROVIDERS_LISTED = 25  # rows of the provider table; the page says how many there are
RUMORS_LISTED = 20  # deals listed under each rumor outcome; the counts are exact


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


@dataclass(frozen=True)
class DealRef:
    id: int
    title: str
    status: str


@dataclass(frozen=True)
class RumorGroup:
    """Deals first heard of as rumors that ended one way: how many, and the first few."""

    count: int
    deals: list[DealRef]  # at most RUMORS_LISTED, by title


@dataclass(frozen=True)
class Outcomes:
    """How long confirmation takes, and what became of the deals first heard of as rumors."""

    confirmed_deals: int  # live deals now confirmed or completed: /deals?status=…
    median_days: float | None  # first report → first confirmed-or-completed event
    same_day: int  # of those, confirmed when first reported (0 days)
    median_days_later: float | None  # the median of the others
    rumors: int  # deals whose first event was rumored or in talks
    rumors_confirmed: RumorGroup
    rumors_denied: RumorGroup
    rumors_open: RumorGroup

    def share(self, part: RumorGroup) -> int:
        """`part` as a whole percentage of the rumors."""
        return round(100 * part.count / self.rumors) if self.rumors else 0

    @property
    def listed(self) -> int:
        return sum(
            len(g.deals) for g in (self.rumors_confirmed, self.rumors_denied, self.rumors_open)
        )


def _days_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _median(counts: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many), sorted by value."""
    total = sum(n for _, n in counts)
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found: list[int] = []
    seen = 0
    for value, n in counts:
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return sum(found) / len(found)


def deal_outcomes(session: Session) -> Outcomes:
    """The median and the rumor shares of live deals, from each deal's first status and first
    confirmation (DealDerived, worked out when it is saved): two grouped statements, and one
    short list per rumor outcome."""
    dialect = session.get_bind().dialect.name
    # A confirmation dated before the first report means both came out together: 0 days.
    raw = _days_between(DealDerived.confirmed_on, Deal.first_reported_on, dialect)
    days = case((raw < 0, 0), else_=raw)
    waits = sorted(
        (int(value), int(n))
        for value, n in session.execute(
            select(days, func.count())
            .select_from(Deal)
            .join(DealDerived, DealDerived.deal_id == Deal.id)
            .where(LIVE, Deal.status.in_(CONFIRMED_STATUSES), DealDerived.confirmed_on.is_not(None))
            .group_by(days)
        ).all()
    )
    later = [(value, n) for value, n in waits if value > 0]
    rumor = (
        select(Deal.id, Deal.title, Deal.status)
        .join(DealDerived, DealDerived.deal_id == Deal.id)
        .where(LIVE, DealDerived.first_status.in_(RUMOR_STATUSES))
    )
    ended = CONFIRMED_STATUSES + DENIED_STATUSES
    counts: Counter[str] = Counter()
    for status, n in session.execute(
        rumor.with_only_columns(Deal.status, func.count()).group_by(Deal.status)
    ):
        outcome = (
            "confirmed" if status in CONFIRMED_STATUSES else "denied" if status in ended else "open"
        )
        counts[outcome] += n
    outcomes = {
        "confirmed": Deal.status.in_(CONFIRMED_STATUSES),
        "denied": Deal.status.in_(DENIED_STATUSES),
        "open": Deal.status.not_in(ended),
    }
    groups: dict[str, RumorGroup] = {}
    for key, condition in outcomes.items():
        listed = session.execute(
            rumor.where(condition).order_by(func.lower(Deal.title), Deal.id).limit(RUMORS_LISTED)
        ).all()
        groups[key] = RumorGroup(counts[key], [DealRef(*row) for row in listed])
    return Outcomes(
        confirmed_deals=sum(n for _, n in waits),
        median_days=_median(waits),
        same_day=sum(n for value, n in waits if value == 0),
        median_days_later=_median(later),
        rumors=sum(g.count for g in groups.values()),
        rumors_confirmed=groups["confirmed"],
        rumors_denied=groups["denied"],
        rumors_open=groups["open"],
    )


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


OFFICIAL_STATUSES = (Status.ANNOUNCED.value, *CONFIRMED_STATUSES)


@dataclass(frozen=True)
class TimedRef:
    id: int
    title: str
    status: str
    days: int | None  # first report → first official word (announced, confirmed, completed)


@dataclass(frozen=True)
class Durations:
    """What became of the deals first reported before any official word (first status rumored
    or in talks), and how long the official word took; deals first known from an official
    word are counted apart."""

    reported_first: int
    official: list[TimedRef]  # reached announced, confirmed or completed (by days, then title)
    ended: list[TimedRef]  # denied or cancelled without any official word
    open: list[TimedRef]  # still rumored or in talks
    official_first: int  # first known from an announcement or a confirmation
    median: float | None
    quartiles: tuple[float, float] | None  # lower and upper

    def share(self, part: list[TimedRef]) -> int:
        return round(100 * len(part) / self.reported_first) if self.reported_first else 0


def quartiles(values: list[int]) -> tuple[float | None, tuple[float, float] | None]:
    """The median and the lower and upper quartiles: the medians of the lower and upper
    halves (the middle value, for an odd count, in neither)."""
    ordered = sorted(values)
    if not ordered:
        return None, None

    def median(part: list[int]) -> float:
        middle = len(part) // 2
        return part[middle] if len(part) % 2 else (part[middle - 1] + part[middle]) / 2

    half = len(ordered) // 2
    lower, upper = ordered[:half], ordered[len(ordered) - half :]
    if not lower:
        return median(ordered), (ordered[0], ordered[0])
    return median(ordered), (median(lower), median(upper))


def rumor_durations(session: Session) -> Durations:
    """Two statements: the live deals with their first status, and each deal's first official
    event."""
    deals = session.execute(
        select(Deal.id, Deal.title, Deal.status, Deal.first_reported_on, DealDerived.first_status)
        .join(DealDerived, DealDerived.deal_id == Deal.id)
        .where(LIVE)
    ).all()
    official_on = dict(
        session.execute(
            select(StatusEvent.deal_id, func.min(StatusEvent.effective_on))
            .join(Deal, Deal.id == StatusEvent.deal_id)
            .where(LIVE, StatusEvent.status.in_(OFFICIAL_STATUSES))
            .group_by(StatusEvent.deal_id)
        ).all()
    )
    official: list[TimedRef] = []
    ended: list[TimedRef] = []
    still_open: list[TimedRef] = []
    official_first = 0
    for deal_id, title, status, reported_on, first_status in deals:
        if first_status not in RUMOR_STATUSES:
            official_first += first_status in OFFICIAL_STATUSES
            continue
        word = official_on.get(deal_id)
        if word is not None:
            days = max(0, (word - reported_on).days)
            official.append(TimedRef(deal_id, title, status, days))
        elif status in DENIED_STATUSES:
            ended.append(TimedRef(deal_id, title, status, None))
        else:
            still_open.append(TimedRef(deal_id, title, status, None))
    official.sort(key=lambda r: (r.days, r.title.lower(), r.id))
    ended.sort(key=lambda r: (r.title.lower(), r.id))
    still_open.sort(key=lambda r: (r.title.lower(), r.id))
    median, bounds = quartiles([r.days for r in official if r.days is not None])
    return Durations(
        len(official) + len(ended) + len(still_open),
        official,
        ended,
        still_open,
        official_first,
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
