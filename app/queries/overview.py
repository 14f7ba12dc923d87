"""The overview's figures, each one the size of a filtered table it links to.

Every query reads live deals only (`Deal.deleted_at IS NULL`, as app/queries/deals.py does), and
the page costs a fixed number of statements whatever the number of deals: one per figure.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.dates import PartialDate, Precision
from app.models import Deal, DealHardware, DealParty, Hardware, Organization, StatusEvent
from app.vocabulary import HardwareType, Role, Status

LIVE = Deal.deleted_at.is_(None)
MAX_QUARTERS = 12


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

CONFIRMED = (Status.CONFIRMED.value, Status.COMPLETED.value)
DENIED = (Status.DENIED.value, Status.CANCELLED.value)
RUMORS = (Status.RUMORED.value, Status.IN_TALKS.value)


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


def hardware_by_quarter(session: Session, max_quarters: int = MAX_QUARTERS) -> HardwareByQuarter:
    """Deals per quarter of their first report, by hardware group: one statement."""
    stmt = (
        select(Deal.id, Deal.first_reported_on, Hardware.type)
        .outerjoin(DealHardware, DealHardware.deal_id == Deal.id)
        .outerjoin(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(LIVE)
        .distinct()
    )
    groups: dict[int, set[str]] = defaultdict(set)
    reported: dict[int, date] = {}
    for deal_id, first_reported_on, hardware_type in session.execute(stmt):
        reported[deal_id] = first_reported_on
        groups[deal_id].add(_GROUP_OF_TYPE[hardware_type] if hardware_type else UNSPECIFIED.key)
    if not reported:
        return HardwareByQuarter([], 0, None)
    rows: dict[date, QuarterRow] = {}
    quarter = quarter_of(min(reported.values()))
    last = quarter_of(max(reported.values()))
    while quarter.start <= last.start:
        rows[quarter.start] = QuarterRow(quarter, by_group={g.key: 0 for g in CHART_GROUPS})
        quarter = quarter_of(quarter.next_start)
    for deal_id, day in reported.items():
        row = rows[quarter_of(day).start]
        row.deals += 1
        for key in groups[deal_id]:
            row.by_group[key] += 1
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
class Outcomes:
    """How long confirmation takes, and what became of the deals first heard of as rumors."""

    confirmed_deals: int  # live deals now confirmed or completed: /deals?status=…
    median_days: float | None  # first report → first confirmed-or-completed event
    same_day: int  # of those, confirmed when first reported (0 days)
    median_days_later: float | None  # the median of the others
    rumors: int  # deals whose first event was rumored or in talks
    rumors_confirmed: list[DealRef]
    rumors_denied: list[DealRef]
    rumors_open: list[DealRef]

    def share(self, part: list[DealRef]) -> int:
        """`part` as a whole percentage of the rumors."""
        return round(100 * len(part) / self.rumors) if self.rumors else 0


def deal_outcomes(session: Session) -> Outcomes:
    """The median and the rumor shares from the status history of live deals: one statement."""
    stmt = (
        select(
            Deal.id,
            Deal.title,
            Deal.status,
            Deal.first_reported_on,
            StatusEvent.status,
            StatusEvent.effective_on,
            StatusEvent.effective_precision,
            StatusEvent.recorded_at,
            StatusEvent.id,
        )
        .join(StatusEvent, StatusEvent.deal_id == Deal.id)
        .where(LIVE)
    )
    first_event: dict[int, tuple[tuple[tuple[date, int], datetime, int], str]] = {}
    confirmed_on: dict[int, date] = {}
    deals: dict[int, tuple[DealRef, date]] = {}
    for (
        deal_id,
        title,
        status,
        reported_on,
        ev_status,
        ev_on,
        ev_precision,
        ev_at,
        ev_id,
    ) in session.execute(stmt):
        deals[deal_id] = (DealRef(deal_id, title, status), reported_on)
        # The same order as app.models.latest_event, read from the other end.
        key = (PartialDate(ev_on, Precision(ev_precision)).sort_key(), ev_at, ev_id)
        if deal_id not in first_event or key < first_event[deal_id][0]:
            first_event[deal_id] = (key, ev_status)
        if status in CONFIRMED and ev_status in CONFIRMED:
            confirmed_on[deal_id] = min(ev_on, confirmed_on.get(deal_id, ev_on))
    # A confirmation dated before the first report means both came out together: 0 days.
    waits = [max(0, (on - deals[d][1]).days) for d, on in confirmed_on.items()]
    rumors = [deals[d][0] for d, (_, first) in first_event.items() if first in RUMORS]
    rumors.sort(key=lambda ref: ref.title.lower())
    return Outcomes(
        confirmed_deals=len(confirmed_on),
        median_days=median(waits) if waits else None,
        same_day=sum(1 for w in waits if w == 0),
        median_days_later=median(later) if (later := [w for w in waits if w > 0]) else None,
        rumors=len(rumors),
        rumors_confirmed=[r for r in rumors if r.status in CONFIRMED],
        rumors_denied=[r for r in rumors if r.status in DENIED],
        rumors_open=[r for r in rumors if r.status not in CONFIRMED + DENIED],
    )


@dataclass(frozen=True)
class ProviderTotal:
    organization: Organization
    deals: int
    value_usd: int | None  # the sum of the stated values, whatever their qualifier
    valued_deals: int
    capacity_mw: float | None
    sized_deals: int


def provider_totals(session: Session) -> list[ProviderTotal]:
    """Organizations in the provider role, with their deals' summed value and capacity."""
    stmt = (
        select(
            Organization,
            func.count(Deal.id),
            func.sum(Deal.value_usd),
            func.count(Deal.value_usd),
            func.sum(Deal.capacity_mw),
            func.count(Deal.capacity_mw),
        )
        .join(DealParty, DealParty.organization_id == Organization.id)
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(LIVE, DealParty.role == Role.PROVIDER)
        .group_by(Organization.id)
    )
    totals = [
        ProviderTotal(
            org,
            deals,
            int(value) if value is not None else None,
            valued,
            float(mw) if mw is not None else None,
            sized,
        )
        for org, deals, value, valued, mw, sized in session.execute(stmt)
    ]
    totals.sort(key=lambda t: (-t.deals, -(t.value_usd or 0), t.organization.name.lower()))
    return totals
