"""The timeline: the status events of the filtered deals, newest first, under period headings.

A page of events is one LIMITed keyset query over (effective date, precision, id), read in that
order from one index (ix_status_event_timeline) and joined to the filtered deals, plus one
select-in load per kind of related row, so it costs the same on a thousand deals or a million.
Partial dates sort by the start of their period, and a coarser date sorts after the finer ones
that start on the same day (as `PartialDate.sort_key` does).
"""

import calendar
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.domain.dates import PartialDate, PartialDateError, Precision, precision_rank
from app.filters import FilterError
from app.inputs.types import as_id
from app.models import Deal, DealHardware, DealParty, StatusEvent
from app.queries.deals import ResolvedFilters, deal_conditions

PAGE_SIZE = 50


def event_sort_key(event: StatusEvent) -> tuple[date, int, int]:
    """The timeline's order, oldest first: period start, then precision, then id."""
    start, rank = event.effective.sort_key()
    return (start, rank, event.id)


@dataclass(frozen=True)
class Cursor:
    """A place in the timeline: the events strictly older than this one come next."""

    effective: PartialDate
    event_id: int

    @classmethod
    def after(cls, event: StatusEvent) -> "Cursor":
        return cls(event.effective, event.id)

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """Read `2026-05_412` (a partial date and an event id); FilterError otherwise."""
        head, sep, tail = text.strip().rpartition("_")
        problem = (
            f"before '{text}' is not a place in the timeline — expected a date and an event id "
            "such as 2026-05_412 (follow the “Load earlier” link)"
        )
        if not sep or as_id(tail) is None:
            raise FilterError([problem])
        try:
            return cls(PartialDate.parse(head), int(tail))
        except PartialDateError:
            raise FilterError([problem]) from None

    def __str__(self) -> str:
        return f"{self.effective}_{self.event_id}"

    def condition(self) -> ColumnElement[bool]:
        """Events older than the cursor, in the order of `event_sort_key`: a row comparison,
        which both databases bound the index scan with."""
        start, rank = self.effective.sort_key()
        order = tuple_(StatusEvent.effective_on, StatusEvent.effective_rank, StatusEvent.id)
        return order < tuple_(start, rank, self.event_id)


def period_of(effective: PartialDate, grouping: Precision) -> PartialDate:
    """The heading an event goes under: its period at the grouping's precision, or coarser
    when the date itself is only known to a quarter or a year ("Q2 2026" under month grouping).
    """
    precision = min(grouping, effective.precision, key=precision_rank)
    start = effective.start
    if precision is Precision.YEAR:
        start = date(start.year, 1, 1)
    elif precision is Precision.QUARTER:
        start = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    elif precision is Precision.MONTH:
        start = start.replace(day=1)
    return PartialDate(start, precision)


def heading(period: PartialDate) -> str:
    """`May 2026`, `Q2 2026`, `2026`."""
    if period.precision is Precision.MONTH:
        return f"{calendar.month_name[period.start.month]} {period.start.year}"
    return period.label


@dataclass(frozen=True)
class EventGroup:
    period: PartialDate
    events: list[StatusEvent]

    @property
    def heading(self) -> str:
        return heading(self.period)


@dataclass(frozen=True)
class TimelinePage:
    events: list[StatusEvent]
    grouping: Precision
    next_cursor: Cursor | None

    @property
    def groups(self) -> list[EventGroup]:
        return [
            EventGroup(period, list(events))
            for period, events in groupby(
                self.events, key=lambda e: period_of(e.effective, self.grouping)
            )
        ]


# Status events newest first, as the index ix_status_event_timeline holds them (read
# backwards): the rank is app.domain.dates.precision_rank, computed by the database.
NEWEST_FIRST = (
    StatusEvent.effective_on.desc(),
    StatusEvent.effective_rank.desc(),
    StatusEvent.id.desc(),
)


def timeline_statement(rf: ResolvedFilters) -> Select[StatusEvent]:
    """The status events of the filtered (live) deals, newest first."""
    return (
        select(StatusEvent)
        .join(Deal, Deal.id == StatusEvent.deal_id)
        .where(*deal_conditions(rf))
        .order_by(*NEWEST_FIRST)
    )


def list_timeline(
    session: Session,
    rf: ResolvedFilters,
    *,
    before: Cursor | None = None,
    grouping: Precision = Precision.MONTH,
    per_page: int = PAGE_SIZE,
) -> TimelinePage:
    """One page of events older than `before`, with the deal, parties, hardware and source."""
    stmt = timeline_statement(rf)
    if before is not None:
        stmt = stmt.where(before.condition())
    deal = contains_eager(StatusEvent.deal)
    stmt = stmt.limit(per_page + 1).options(
        deal,
        deal.selectinload(Deal.parties).joinedload(DealParty.organization),
        deal.selectinload(Deal.hardware_lines).joinedload(DealHardware.hardware),
        selectinload(StatusEvent.source),
    )
    events = list(session.scalars(stmt))
    more = len(events) > per_page
    events = events[:per_page]
    next_cursor = Cursor.after(events[-1]) if more else None
    return TimelinePage(events, grouping, next_cursor)


def count_timeline(session: Session, rf: ResolvedFilters) -> tuple[int, int]:
    """How many events the timeline holds, and across how many deals."""
    row = session.execute(
        select(func.count(StatusEvent.id), func.count(func.distinct(StatusEvent.deal_id)))
        .join(Deal, Deal.id == StatusEvent.deal_id)
        .where(*deal_conditions(rf))
    ).one()
    return int(row[0]), int(row[1])
