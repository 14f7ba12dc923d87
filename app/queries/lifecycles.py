"""Deal lifecycles: each filtered deal's status over time, from first report to today.

A lane is capped (the deals with the most recent activity), so the lanes stay readable with
hundreds of deals; the page says how many it leaves out. Costs a fixed number of statements.
"""

from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.dates import PartialDate, Precision
from app.domain.vocabulary import Status, label
from app.models import Deal, DealParty, Organization, StatusEvent
from app.queries.deals import ResolvedFilters, deal_conditions
from app.queries.timeline import event_sort_key

LANE_LIMIT = 60
OPEN = frozenset({Status.RUMORED, Status.IN_TALKS})
# A step that answers a rumor: made public, made binding, delivered, denied or called off.
OUTCOMES = frozenset(
    {Status.ANNOUNCED, Status.CONFIRMED, Status.COMPLETED, Status.DENIED, Status.CANCELLED}
)


@dataclass(frozen=True)
class Segment:
    """One stretch of a lane: `status` from `since` until the next event (or today).

    `status` is None for the stretch between the first report and the first recorded status.
    """

    status: str | None
    since: PartialDate
    until: PartialDate | None
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def approximate(self) -> bool:
        coarse = self.since.precision is not Precision.DAY
        return coarse or (self.until is not None and self.until.precision is not Precision.DAY)

    @property
    def description(self) -> str:
        """`Rumored, 6 Mar 2025 – 20 Mar 2025, 14 days`, as a tooltip says it."""
        what = label(self.status) if self.status else "Reported, no status recorded"
        until = self.until.label if self.until else "today"
        days = f"{'~' if self.approximate else ''}{self.days:,} day{'s' if self.days != 1 else ''}"
        return f"{what}, {self.since.label} – {until}, {days}"


@dataclass(frozen=True)
class Lifecycle:
    deal: Deal
    events: list[StatusEvent]
    segments: list[Segment]
    today: date

    @property
    def start(self) -> date:
        return self.segments[0].start

    @property
    def last_activity(self) -> date:
        last = self.events[-1].effective.start if self.events else self.deal.first_reported.start
        return max(last, self.deal.first_reported.start)

    @property
    def duration(self) -> str | None:
        """`Rumored → Confirmed in 143 days`, or how long a rumor has stayed open."""
        first_open, outcome = _rumor_and_outcome(self.events)
        if first_open is None:
            return None
        end = outcome.effective if outcome else None
        coarse = first_open.effective.precision is not Precision.DAY or (
            end is not None and end.precision is not Precision.DAY
        )
        days = ((end.start if end else self.today) - first_open.effective.start).days
        text = f"{'~' if coarse else ''}{max(days, 0):,} day{'s' if days != 1 else ''}"
        if outcome is None:
            if self.events[-1].status not in OPEN:
                return None
            return f"{label(first_open.status)}, no outcome after {text}"
        return f"{label(first_open.status)} → {label(outcome.status)} in {text}"

    @property
    def summary(self) -> str:
        """The whole history as one sentence, for screen readers and the table."""
        steps = "; ".join(f"{label(e.status)} {e.effective.label}" for e in self.events)
        return f"{self.deal.title}: {steps}"


def lifecycle(deal: Deal, today: date) -> Lifecycle:
    """A deal's segments: one per status event, each running until the next one or today."""
    events = sorted(deal.status_events, key=event_sort_key)
    segments: list[Segment] = []
    first = deal.first_reported
    if not events or first.start < events[0].effective.start:
        until = events[0].effective if events else None
        end = until.start if until else max(first.start, today)
        segments.append(Segment(None, first, until, first.start, end))
    for index, event in enumerate(events):
        following = events[index + 1] if index + 1 < len(events) else None
        until = following.effective if following else None
        start = event.effective.start
        end = until.start if until else max(start, today)
        segments.append(Segment(event.status, event.effective, until, start, end))
    return Lifecycle(deal, events, segments, today)


@dataclass(frozen=True)
class OrganizationLane:
    organization: Organization
    lifecycles: list[Lifecycle]

    @property
    def last_activity(self) -> date:
        return max(lc.last_activity for lc in self.lifecycles)

    @property
    def duration(self) -> str | None:
        """`3 rumors answered, median 40 days` over the organization's deals shown."""
        days = [
            (outcome.effective.start - first.effective.start).days
            for lc in self.lifecycles
            for first, outcome in [_rumor_and_outcome(lc.events)]
            if first is not None and outcome is not None
        ]
        if not days:
            return None
        answered = f"{len(days)} rumor{'s' if len(days) != 1 else ''} answered"
        return f"{answered}, median {median(days):,.0f} days"


def _rumor_and_outcome(
    events: list[StatusEvent],
) -> tuple[StatusEvent | None, StatusEvent | None]:
    first_open = next((e for e in events if e.status in OPEN), None)
    if first_open is None:
        return None, None
    later = events[events.index(first_open) + 1 :]
    return first_open, next((e for e in later if e.status in OUTCOMES), None)


@dataclass(frozen=True)
class Lanes:
    lifecycles: list[Lifecycle]
    total: int
    today: date

    @property
    def capped(self) -> bool:
        return self.total > len(self.lifecycles)

    def by_organization(self) -> list[OrganizationLane]:
        """A lane per organization taking part in the deals shown: the most deals first, then
        the most recently active, then by name."""
        lanes: dict[int, OrganizationLane] = {}
        for lc in self.lifecycles:
            for organization, _roles in lc.deal.parties_by_organization():
                lane = lanes.setdefault(organization.id, OrganizationLane(organization, []))
                lane.lifecycles.append(lc)
        return sorted(
            lanes.values(),
            key=lambda lane: (
                -len(lane.lifecycles),
                -lane.last_activity.toordinal(),
                lane.organization.name.lower(),
            ),
        )


def list_lifecycles(
    session: Session, rf: ResolvedFilters, *, today: date, limit: int = LANE_LIMIT
) -> Lanes:
    """The filtered deals with the most recent activity (at most `limit`), and their total."""
    conditions = deal_conditions(rf)
    total = session.scalar(select(func.count()).select_from(Deal).where(*conditions)) or 0
    last = func.coalesce(func.max(StatusEvent.effective_on), Deal.first_reported_on)
    ids = list(
        session.scalars(
            select(Deal.id)
            .outerjoin(StatusEvent, StatusEvent.deal_id == Deal.id)
            .where(*conditions)
            .group_by(Deal.id, Deal.first_reported_on)
            .order_by(last.desc(), Deal.id.desc())
            .limit(limit)
        )
    )
    deals = {
        deal.id: deal
        for deal in session.scalars(
            select(Deal)
            .where(Deal.id.in_(ids))
            .options(
                selectinload(Deal.status_events),
                selectinload(Deal.parties).joinedload(DealParty.organization),
            )
        )
    }
    return Lanes([lifecycle(deals[i], today) for i in ids], total, today)
