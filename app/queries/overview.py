"""The overview's figures, each one the size of a filtered table it links to.

They count live deals only (`Deal.deleted_at IS NULL`, as app/queries/deals.py does). Without
filters they are read from the counts every write keeps (app/derived/counts.py: a few hundred
rows whatever the number of deals); `kept=False` counts the same figures from the deals, which
the tests compare them with. The page costs a fixed number of statements either way.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import batches
from app.derived.counts import figure_rows, group_case, quarter_sql
from app.domain.dates import PartialDate, Precision
from app.domain.figures import CHART_GROUPS, UNSPECIFIED, HardwareGroup
from app.domain.vocabulary import DENIED_STATUSES, RUMOR_STATUSES
from app.models import Deal, DealDerived, DealHardware, Hardware, Organization
from app.queries.deals import deal_conditions, unfiltered

MAX_QUARTERS = 12
PROVIDERS_LISTED = 25  # rows of the provider table; the page says how many there are
RUMORS_LISTED = 50  # deals listed under each rumor outcome; the counts are exact


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


def _from_quarter_number(number: int) -> PartialDate:
    return PartialDate(date(number // 4, 3 * (number % 4) + 1, 1), Precision.QUARTER)


def hardware_by_quarter(
    session: Session, max_quarters: int = MAX_QUARTERS, *, kept: bool = True
) -> HardwareByQuarter:
    """Deals per quarter of their first report, by hardware group: the counts kept as deals
    are written (app/derived/counts.py), or (`kept` false) counted afresh."""
    found = figure_rows(session, ("quarter", "quarter_group"), kept=kept)
    per_quarter = {int(number): n for number, (n, _) in found["quarter"].items()}
    if not per_quarter:
        return HardwareByQuarter([], 0, None)
    first, last = min(per_quarter), max(per_quarter)
    rows = {
        number: QuarterRow(
            _from_quarter_number(number),
            per_quarter.get(number, 0),
            {g.key: 0 for g in CHART_GROUPS},
        )
        for number in range(first, last + 1)
    }
    for value, (n, _) in found["quarter_group"].items():
        number, key = value.split(" ")
        rows[int(number)].by_group[key] = n
    ordered = list(rows.values())
    shown, hidden = ordered[-max_quarters:], ordered[:-max_quarters]
    earlier_to = hidden[-1].quarter if hidden else None
    return HardwareByQuarter(shown, sum(r.deals for r in hidden), earlier_to)


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


def provider_totals(
    session: Session, limit: int = PROVIDERS_LISTED, *, kept: bool = True
) -> ProviderTotals:
    """Organizations in the provider role with their deals' summed value and capacity: the
    `limit` with the most deals (then the highest value, then by name), and how many in all.
    From the counts kept as deals are written, or (`kept` false) counted afresh."""
    found = figure_rows(session, ("provider", "provider_usd", "provider_mw"), kept=kept)
    deals = {int(org): n for org, (n, _) in found["provider"].items()}
    usd = {int(org): (n, total) for org, (n, total) in found["provider_usd"].items()}
    mw = {int(org): (n, total) for org, (n, total) in found["provider_mw"].items()}

    def weight(org: int) -> tuple[int, float]:
        return -deals[org], -usd.get(org, (0, 0.0))[1]

    # Names break ties: read for the first `limit` and those tied with the last of them.
    order = sorted(deals, key=weight)
    edge = weight(order[limit - 1]) if 0 < limit < len(order) else None
    candidates = order if edge is None else [org for org in order if weight(org) <= edge]
    names: dict[int, str] = {}
    for batch in batches(candidates, 1000):
        names.update(
            session.execute(
                select(Organization.id, func.lower(Organization.name)).where(
                    Organization.id.in_(batch)
                )
            ).all()
        )
    ranked = sorted(candidates, key=lambda org: (*weight(org), names.get(org, ""), org))[:limit]
    shown = {
        org.id: org
        for org in session.scalars(select(Organization).where(Organization.id.in_(ranked)))
    }
    rows = []
    for org in ranked:
        valued, value = usd.get(org, (0, 0.0))
        sized, capacity = mw.get(org, (0, 0.0))
        rows.append(
            ProviderTotal(
                shown[org],
                deals[org],
                round(value) if valued else None,
                valued,
                capacity if sized else None,
                sized,
            )
        )
    return ProviderTotals(rows, len(deals))


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


def rumor_durations(session: Session, *, kept: bool = True) -> Durations:
    """What became of each live deal first reported as a rumor, and how long the official word
    took: from the counts kept as deals are written (or, `kept` false, counted afresh), and
    each outcome's first RUMORS_LISTED deals in three statements that read an index in order."""
    found = figure_rows(session, ("outcome", "official_days"), kept=kept)
    counts = {key: n for key, (n, _) in found["outcome"].items()}
    waits = sorted((int(days), n) for days, (n, _) in found["official_days"].items())
    live = Deal.deleted_at.is_(None)
    rumor = DealDerived.first_status.in_(RUMOR_STATUSES)
    listed = select(Deal.id, Deal.title, Deal.status, DealDerived.official_days).join(
        DealDerived, DealDerived.deal_id == Deal.id
    )
    by_title = (func.lower(Deal.title), Deal.id)
    unofficial = rumor & DealDerived.official_on.is_(None)
    statements = {
        # by days, then title as the table sorts it, then id
        "official": listed.where(live, DealDerived.official_days.is_not(None)).order_by(
            DealDerived.official_days, *by_title
        ),
        "ended": listed.where(live, unofficial, Deal.status.in_(DENIED_STATUSES)).order_by(
            *by_title
        ),
        "open": listed.where(live, unofficial, Deal.status.not_in(DENIED_STATUSES)).order_by(
            *by_title
        ),
    }
    parts = {
        key: Listed(
            counts.get(key, 0),
            [TimedRef(*ref) for ref in session.execute(statement.limit(RUMORS_LISTED))],
        )
        for key, statement in statements.items()
    }
    median, bounds = quartiles(waits)
    return Durations(
        sum(part.count for part in parts.values()),
        parts["official"],
        parts["ended"],
        parts["open"],
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
    session: Session, rf: Any, measure: str, max_quarters: int = MAX_QUARTERS, *, kept: bool = True
) -> list[ShareRow]:
    """Each hardware group's share of a quarter's deals, capacity or value (newest last),
    over the deals the table's filters select (`rf`: app.queries.deals.ResolvedFilters).

    A deal naming hardware of two groups counts in both, so shares are of the sum over the
    groups; capacity and value shares count only deals that state one. Without filters, the
    counts kept as deals are written; with them (or `kept` false), one statement."""
    if kept and unfiltered(rf):
        dimension = {"deals": "quarter_group", "capacity": "quarter_group_mw"}.get(
            measure, "quarter_group_usd"
        )
        kept_rows = figure_rows(session, (dimension,))[dimension]
        found: list[Any] = [
            (*value.split(" "), n if measure == "deals" else total)
            for value, (n, total) in kept_rows.items()
        ]
    else:
        found = _share_counted(session, rf, measure)
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


def _share_counted(session: Session, rf: Any, measure: str) -> list[Any]:
    """(quarter number, group, amount) of the filtered deals: one statement."""
    quarter = quarter_sql(Deal.first_reported_on, session.get_bind().dialect.name)
    pairs = (
        select(DealHardware.deal_id.label("deal_id"), group_case(Hardware.type).label("grp"))
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
    return list(
        session.execute(
            select(quarter, grp, amount)
            .outerjoin(pairs, pairs.c.deal_id == Deal.id)
            .where(*deal_conditions(rf))
            .group_by(quarter, grp)
        )
    )
