"""Reading deals for pages, exports and the API, with a fixed number of statements per page."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.models import Deal, DealHardware, DealParty, Hardware, Source, StatusEvent

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class DealPage:
    rows: list[Deal]
    total: int
    page: int
    per_page: int

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def table_options() -> list[LoaderOption]:
    """What a table row shows: parties, hardware and types, each in one extra statement."""
    return [
        selectinload(Deal.parties).joinedload(DealParty.organization),
        selectinload(Deal.hardware_lines).joinedload(DealHardware.hardware),
        selectinload(Deal.type_rows),
    ]


def live_deals() -> Select[Deal]:
    return select(Deal).where(Deal.deleted_at.is_(None))


def list_deals(
    session: Session,
    stmt: Select[Deal] | None = None,
    *,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> DealPage:
    """One page of deals, newest report first, with the total they were drawn from."""
    stmt = live_deals() if stmt is None else stmt
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ordered = stmt.order_by(Deal.first_reported_on.desc(), Deal.id.desc())
    rows = session.scalars(
        ordered.options(*table_options()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return DealPage(rows=list(rows), total=total, page=page, per_page=per_page)


def get_deal(session: Session, deal_id: int) -> Deal | None:
    """A live deal with everything its page shows, or None."""
    stmt = (
        live_deals()
        .where(Deal.id == deal_id)
        .options(
            *table_options(),
            selectinload(Deal.sources).selectinload(Source.relayed_by),
            selectinload(Deal.status_events).joinedload(StatusEvent.source),
            selectinload(Deal.status_events).joinedload(StatusEvent.recorded_by),
            selectinload(Deal.relations),
        )
    )
    return session.scalars(stmt).first()


def deals_with_party(organization_id: int) -> Select[Deal]:
    return live_deals().where(
        Deal.id.in_(select(DealParty.deal_id).where(DealParty.organization_id == organization_id))
    )


def deals_with_hardware(hardware_id: int) -> Select[Deal]:
    return live_deals().where(
        Deal.id.in_(select(DealHardware.deal_id).where(DealHardware.hardware_id == hardware_id))
    )


def hardware_with_vendor() -> Select[Hardware]:
    return select(Hardware).options(selectinload(Hardware.vendor))
