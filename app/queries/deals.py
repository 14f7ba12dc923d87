"""Reading deals for pages, exports and the API: one filter object, one query function.

A page costs a fixed number of statements whatever its length: the count, the rows, one
select-in load per kind of related row, and one grouped query per facet.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.derived.search import matching_deal_ids
from app.domain.vocabulary import Role
from app.filters import ORGANIZATION_PARAMS, DealFilters, Problems
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    DealTypeRow,
    Hardware,
    Organization,
    Source,
    StatusEvent,
)


@dataclass(frozen=True)
class ResolvedFilters:
    """Filters whose slugs have been checked against the database and turned into records."""

    filters: DealFilters
    organizations: dict[str, Organization]
    hardware: dict[str, Hardware]
    dialect: str

    def organization_ids(self, name: str) -> list[int]:
        return [self.organizations[slug].id for slug in getattr(self.filters, name)]

    def hardware_ids(self) -> list[int]:
        return [self.hardware[slug].id for slug in self.filters.hardware]


def resolve_filters(session: Session, f: DealFilters) -> ResolvedFilters:
    """Look up every slug the filters name; FilterError for the unknown ones."""
    org_slugs = {slug for name in ORGANIZATION_PARAMS for slug in getattr(f, name)}
    organizations: dict[str, Organization] = {}
    if org_slugs:
        stmt = select(Organization).where(Organization.slug.in_(org_slugs))
        organizations = {org.slug: org for org in session.scalars(stmt)}
    hardware: dict[str, Hardware] = {}
    if f.hardware:
        stmt_hw = select(Hardware).where(Hardware.slug.in_(f.hardware))
        hardware = {hw.slug: hw for hw in session.scalars(stmt_hw)}
    errors = Problems()
    for name in ORGANIZATION_PARAMS:
        for slug in getattr(f, name):
            if slug not in organizations:
                errors.add(
                    name,
                    f"unknown {'organization' if name != 'vendor' else 'vendor'} '{slug}' in "
                    f"'{name}' — expected an organization slug such as 'microsoft' "
                    "(see /organizations)",
                )
    for slug in f.hardware:
        if slug not in hardware:
            errors.add(
                "hardware",
                f"unknown hardware '{slug}' — expected a hardware slug such as 'h100' "
                "(see /hardware)",
            )
    errors.raise_if_any()
    dialect = session.get_bind().dialect.name
    return ResolvedFilters(f, organizations, hardware, dialect)


def _deals_with_party(org_ids: list[int], role: str | None = None) -> ColumnElement[bool]:
    stmt = select(DealParty.deal_id).where(DealParty.organization_id.in_(org_ids))
    if role:
        stmt = stmt.where(DealParty.role == role)
    return Deal.id.in_(stmt)


def _deals_with_hardware(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return Deal.id.in_(
        select(DealHardware.deal_id)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(condition)
    )


def deal_conditions(
    rf: ResolvedFilters, *, exclude: str | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the filters, leaving out one dimension (for its facet)."""
    f = rf.filters
    conditions: list[ColumnElement[bool]] = [Deal.deleted_at.is_(None)]
    checks: dict[str, Callable[[], ColumnElement[bool]]] = {
        "status": lambda: Deal.status.in_(f.status),
        "confidence": lambda: Deal.confidence.in_(f.confidence),
        "party": lambda: _deals_with_party(rf.organization_ids("party")),
        "customer": lambda: _deals_with_party(rf.organization_ids("customer"), Role.CUSTOMER),
        "provider": lambda: _deals_with_party(rf.organization_ids("provider"), Role.PROVIDER),
        "hardware": lambda: _deals_with_hardware(Hardware.id.in_(rf.hardware_ids())),
        "hardware_type": lambda: _deals_with_hardware(Hardware.type.in_(f.hardware_type)),
        "vendor": lambda: _deals_with_hardware(
            Hardware.vendor_id.in_(rf.organization_ids("vendor"))
        ),
        "deal_type": lambda: Deal.id.in_(
            select(DealTypeRow.deal_id).where(DealTypeRow.type.in_(f.deal_type))
        ),
    }
    for name, condition in checks.items():
        if name != exclude and getattr(f, name):
            conditions.append(condition())
    if f.reported_from is not None:
        conditions.append(Deal.first_reported_on >= f.reported_from.start)
    if f.reported_to is not None:
        conditions.append(Deal.first_reported_on < f.reported_to.next_start)
    if f.min_value is not None:
        conditions.append(Deal.value_usd >= f.min_value)
    if f.max_value is not None:
        conditions.append(Deal.value_usd <= f.max_value)
    if f.q:
        text_match = matching_deal_ids(rf.dialect, f.q)
        if text_match is not None:
            conditions.append(text_match)
    return conditions


def filter_deals(stmt: Select[Deal], rf: ResolvedFilters) -> Select[Deal]:
    return stmt.where(*deal_conditions(rf))


_SORT_COLUMNS = {
    "reported": Deal.first_reported_on,
    "value": Deal.value_usd,
    "capacity": Deal.capacity_mw,
    "updated": Deal.updated_at,
    "title": func.lower(Deal.title),
}


_NULLABLE_SORTS = {"value", "capacity"}


def sort_deals(stmt: Select[Deal], f: DealFilters) -> Select[Deal]:
    """Order by the chosen column, empty values last, then by id: a stable, total order.

    NULLS LAST is said only for columns that can be empty: on the others it would stop
    Postgres from reading an index backwards (which gives NULLS FIRST) for a descending sort.
    """
    column = _SORT_COLUMNS[f.sort_key]
    ordered = column.desc() if f.sort_descending else column.asc()
    if f.sort_key in _NULLABLE_SORTS:
        ordered = ordered.nulls_last()
    return stmt.order_by(ordered, Deal.id.desc() if f.sort_descending else Deal.id.asc())


def table_options() -> list[LoaderOption]:
    """What a table row shows: parties, hardware and types, each in one extra statement."""
    return [
        selectinload(Deal.parties).joinedload(DealParty.organization),
        selectinload(Deal.hardware_lines).joinedload(DealHardware.hardware),
        selectinload(Deal.type_rows),
    ]


@dataclass(frozen=True)
class DealPage:
    """One page of deals; `total` is None when the matching deals were not counted (too slow
    to wait for), and `more` then says whether a next page exists."""

    rows: list[Deal]
    total: int | None
    page: int
    per_page: int
    more: bool = False

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.more if self.total is None else self.page * self.per_page < self.total


def count_deals(session: Session, rf: ResolvedFilters) -> int:
    """How many live deals the filters match."""
    matching = filter_deals(select(Deal.id), rf).subquery()
    return session.scalar(select(func.count()).select_from(matching)) or 0


def list_deals(
    session: Session, rf: ResolvedFilters, *, total: int | None = None, count: bool = True
) -> DealPage:
    """One page of the filtered deals, in the chosen order, with the total they come from:
    counted here unless the caller knows it (e.g. from app/derived/cache.py) or says not to (`count`
    False: the total stays unknown, and one row more is read to tell whether a page follows)."""
    f = rf.filters
    stmt = filter_deals(select(Deal), rf)
    if total is None and count:
        total = count_deals(session, rf)
    limit = f.per_page if total is not None else f.per_page + 1
    rows = list(
        session.scalars(
            sort_deals(stmt, f)
            .options(*table_options())
            .limit(limit)
            .offset((f.page - 1) * f.per_page)
        ).all()
    )
    more = len(rows) > f.per_page
    return DealPage(
        rows=rows[: f.per_page], total=total, page=f.page, per_page=f.per_page, more=more
    )


def get_deal(session: Session, deal_id: int, *, include_deleted: bool = False) -> Deal | None:
    """A live deal (or a deleted one, when asked) with everything its page shows, or None."""
    stmt = (
        select(Deal)
        .where(Deal.id == deal_id)
        .options(
            *table_options(),
            selectinload(Deal.sources).selectinload(Source.relayed_by),
            selectinload(Deal.status_events).joinedload(StatusEvent.source),
            selectinload(Deal.status_events).joinedload(StatusEvent.recorded_by),
            selectinload(Deal.relations),
        )
    )
    if not include_deleted:
        stmt = stmt.where(Deal.deleted_at.is_(None))
    return session.scalars(stmt).first()
