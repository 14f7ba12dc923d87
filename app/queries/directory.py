"""Organizations and hardware: the directories and the counts beside them."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.derived.counts import figure_rows
from app.domain.vocabulary import Status
from app.models import Deal, DealHardware, DealParty, Hardware, Organization, StatusEvent
from app.queries.timeline import NEWEST_FIRST


@dataclass(frozen=True)
class OrganizationRow:
    organization: Organization
    deal_count: int


@dataclass(frozen=True)
class HardwareRow:
    hardware: Hardware
    deal_count: int


def list_organizations(session: Session) -> list[OrganizationRow]:
    deal_counts = (
        select(DealParty.organization_id, func.count(func.distinct(DealParty.deal_id)).label("n"))
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(Deal.deleted_at.is_(None))
        .group_by(DealParty.organization_id)
        .subquery()
    )
    stmt = (
        select(Organization, func.coalesce(deal_counts.c.n, 0))
        .outerjoin(deal_counts, deal_counts.c.organization_id == Organization.id)
        .options(selectinload(Organization.aliases))
        .order_by(func.lower(Organization.name))
    )
    return [OrganizationRow(org, count) for org, count in session.execute(stmt)]


def get_organization(session: Session, slug: str) -> Organization | None:
    stmt = (
        select(Organization)
        .where(Organization.slug == slug)
        .options(selectinload(Organization.aliases), selectinload(Organization.hardware))
    )
    return session.scalars(stmt).first()


def list_hardware(session: Session) -> list[HardwareRow]:
    deal_counts = (
        select(DealHardware.hardware_id, func.count(func.distinct(DealHardware.deal_id)).label("n"))
        .join(Deal, Deal.id == DealHardware.deal_id)
        .where(Deal.deleted_at.is_(None))
        .group_by(DealHardware.hardware_id)
        .subquery()
    )
    stmt = (
        select(Hardware, func.coalesce(deal_counts.c.n, 0))
        .outerjoin(deal_counts, deal_counts.c.hardware_id == Hardware.id)
        .options(selectinload(Hardware.vendor))
        .order_by(Hardware.type, func.lower(Hardware.name))
    )
    return [HardwareRow(hw, count) for hw, count in session.execute(stmt)]


def get_hardware(session: Session, slug: str) -> Hardware | None:
    stmt = select(Hardware).where(Hardware.slug == slug).options(selectinload(Hardware.vendor))
    return session.scalars(stmt).first()


@dataclass(frozen=True)
class Counts:
    deals: int
    organizations: int
    hardware: int
    by_status: list[tuple[str, int]]


def overview_counts(session: Session, *, kept: bool = True) -> Counts:
    """Live deals by status (as kept when deals are written, or counted afresh), and how many
    organizations and hardware models there are."""
    found = figure_rows(session, ("status",), kept=kept)["status"]
    by_status = {status: n for status, (n, _) in found.items()}
    return Counts(
        deals=sum(by_status.values()),
        organizations=session.scalar(select(func.count()).select_from(Organization)) or 0,
        hardware=session.scalar(select(func.count()).select_from(Hardware)) or 0,
        by_status=[(s.value, by_status.get(s.value, 0)) for s in Status],
    )


def latest_events_statement(limit: int = 10) -> Select[StatusEvent]:
    """The newest status events of live deals, in the timeline's order (read from its index,
    however many events share the latest date)."""
    return (
        select(StatusEvent)
        .join(Deal, Deal.id == StatusEvent.deal_id)
        .where(Deal.deleted_at.is_(None))
        .order_by(*NEWEST_FIRST)
        .limit(limit)
    )


def latest_status_events(session: Session, limit: int = 10) -> list[StatusEvent]:
    stmt = latest_events_statement(limit).options(
        selectinload(StatusEvent.deal), selectinload(StatusEvent.source)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Partner:
    """Another organization in deals with this one: how many deals, in which roles."""

    organization: Organization
    deal_count: int
    roles: dict[str, int]  # the partner's role -> live deals where it held it


def organization_partners(session: Session, organization_id: int) -> list[Partner]:
    """Everyone this organization has live deals with, most deals first (two statements)."""
    mine = aliased(DealParty)
    theirs = aliased(DealParty)
    shared = (
        select(theirs.organization_id, theirs.role, theirs.deal_id)
        .join(mine, (mine.deal_id == theirs.deal_id) & (mine.organization_id == organization_id))
        .join(Deal, Deal.id == theirs.deal_id)
        .where(Deal.deleted_at.is_(None), theirs.organization_id != organization_id)
        .distinct()
        .subquery()
    )
    roles: dict[int, dict[str, int]] = {}
    by_role = select(shared.c.organization_id, shared.c.role, func.count()).group_by(
        shared.c.organization_id, shared.c.role
    )
    for org_id, role, count in session.execute(by_role):
        roles.setdefault(org_id, {})[role] = count
    totals = (
        select(Organization, func.count(func.distinct(shared.c.deal_id)).label("n"))
        .join(shared, shared.c.organization_id == Organization.id)
        .group_by(Organization.id)
        .order_by(func.count(func.distinct(shared.c.deal_id)).desc(), func.lower(Organization.name))
    )
    return [
        Partner(org, n, dict(sorted(roles.get(org.id, {}).items(), key=lambda kv: -kv[1])))
        for org, n in session.execute(totals)
    ]
