"""Organizations and hardware: the directories and the counts beside them."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Deal, DealHardware, DealParty, Hardware, Organization, StatusEvent
from app.vocabulary import Status


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


def overview_counts(session: Session) -> Counts:
    live = Deal.deleted_at.is_(None)
    by_status = dict(
        session.execute(select(Deal.status, func.count()).where(live).group_by(Deal.status)).all()
    )
    return Counts(
        deals=sum(by_status.values()),
        organizations=session.scalar(select(func.count()).select_from(Organization)) or 0,
        hardware=session.scalar(select(func.count()).select_from(Hardware)) or 0,
        by_status=[(s.value, by_status.get(s.value, 0)) for s in Status],
    )


def latest_status_events(session: Session, limit: int = 10) -> list[StatusEvent]:
    stmt = (
        select(StatusEvent)
        .join(Deal, Deal.id == StatusEvent.deal_id)
        .where(Deal.deleted_at.is_(None))
        .order_by(StatusEvent.effective_on.desc(), StatusEvent.id.desc())
        .limit(limit)
        .options(selectinload(StatusEvent.deal), selectinload(StatusEvent.source))
    )
    return list(session.scalars(stmt))
