"""Reading deals for pages, exports and the API: one filter object, one query function.

A page costs a fixed number of statements whatever its length: the count, the rows, one
select-in load per kind of related row, and one grouped query per facet.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.derived.search import matching_deal_ids, read_matches_first
from app.filters import DealFilters, Problems
from app.filters.kinds import Condition, Lookup, Records, Slugs
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealParty,
    DealRelation,
    Hardware,
    Organization,
    Source,
    StatusEvent,
)


@dataclass(frozen=True)
class ResolvedFilters:
    """The filters, the records their slugs name (by model), and the database's dialect."""

    filters: DealFilters
    records: dict[Lookup, dict[str, Any]]
    dialect: str

    def records_of(self, name: str) -> Records:
        flt = self.filters.registry[name]
        return self.records.get(flt.model, {}) if isinstance(flt, Slugs) else {}

    def condition(self, name: str) -> Condition | None:
        """The SQL condition of one filter; None when it does not narrow the deals."""
        flt = self.filters.registry[name]
        return flt.where(self.filters.value(name), self.records_of(name), self.dialect)


def resolve_filters(session: Session, f: DealFilters) -> ResolvedFilters:
    """Look up every slug the filters name, one statement per kind of record; FilterError
    naming the unknown ones."""
    slug_filters = [flt for flt in f.registry if isinstance(flt, Slugs) and f.value(flt.name)]
    wanted: dict[Lookup, set[str]] = {}
    for flt in slug_filters:
        wanted.setdefault(flt.model, set()).update(f.value(flt.name))
    records: dict[Lookup, dict[str, Any]] = {}
    for model, slugs in wanted.items():
        found: Iterable[Organization | Hardware] = session.scalars(
            select(model).where(model.slug.in_(slugs))
        )
        records[model] = {record.slug: record for record in found}
    errors = Problems()
    for flt in slug_filters:
        for slug in f.value(flt.name):
            if slug not in records[flt.model]:
                errors.add(flt.name, flt.unknown(slug))
    errors.raise_if_any()
    return ResolvedFilters(f, records, session.get_bind().dialect.name)


def deal_conditions(
    rf: ResolvedFilters, *, exclude: str | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the filters, leaving out one dimension (for its facet)."""
    conditions: list[ColumnElement[bool]] = [Deal.deleted_at.is_(None)]
    for flt in rf.filters.registry:
        condition = None if flt.name == exclude else rf.condition(flt.name)
        if condition is not None:
            conditions.append(condition)
    return conditions


S = TypeVar("S", bound=Select[*tuple[Any, ...]])
R = TypeVar("R")


def unfiltered(rf: ResolvedFilters) -> bool:
    """Whether the filters match every live deal (the kept counts of app/derived/counts.py)."""
    return len(deal_conditions(rf)) == 1


def filter_deals(stmt: S, rf: ResolvedFilters) -> S:
    return stmt.where(*deal_conditions(rf))


def filter_page(session: Session, stmt: S, rf: ResolvedFilters, total: int | None) -> S:
    """The filters of a page of rows: text search reads its matches first when, for this many,
    that is cheaper than walking the order's index (app.derived.search.read_matches_first)."""
    query = rf.filters.value("q")
    if not (query and total is not None):
        return filter_deals(stmt, rf)
    if not read_matches_first(session, total, rf.filters.per_page):
        return filter_deals(stmt, rf)
    first = matching_deal_ids(rf.dialect, query, matches_first=True)
    return stmt.where(*deal_conditions(rf, exclude="q"), *([first] if first is not None else []))


def sort_deals(stmt: S, f: DealFilters) -> S:
    """Order by the chosen column, empty values last, then by id: a stable, total order."""
    ordered = f.registry.sort.order_by(f.sort)
    return stmt.order_by(ordered, Deal.id.desc() if f.sort_descending else Deal.id.asc())


def source_counts(session: Session, deal_ids: list[int]) -> dict[int, int]:
    """How many sources each of these deals cites (relays included), in one statement."""
    if not deal_ids:
        return {}
    rows = session.execute(
        select(Source.deal_id, func.count())
        .where(Source.deal_id.in_(deal_ids))
        .group_by(Source.deal_id)
    ).all()
    return {deal_id: count for deal_id, count in rows}


def table_options() -> list[LoaderOption]:
    """What a table row shows: parties, hardware and types, each in one extra statement."""
    return [
        selectinload(Deal.parties).joinedload(DealParty.organization),
        selectinload(Deal.hardware_lines).joinedload(DealHardware.hardware),
        selectinload(Deal.type_rows),
    ]


@dataclass(frozen=True)
class DealPage(Generic[R]):
    """One page of deals; `total` is None when the matching deals were not counted (too slow
    to wait for), and `more` then says whether a next page exists."""

    rows: list[R]
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
) -> DealPage[Deal]:
    """One page of the filtered deals, in the chosen order, with the total they come from:
    counted here unless the caller knows it (e.g. from app/derived/cache.py) or says not to (`count`
    False: the total stays unknown, and one row more is read to tell whether a page follows)."""
    f = rf.filters
    if total is None and count:
        total = count_deals(session, rf)
    stmt = filter_page(session, select(Deal), rf, total)
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


def list_answers(
    session: Session, rf: ResolvedFilters, *, total: int
) -> DealPage[tuple[int, str | None]]:
    """One page of the filtered deals, in the chosen order, as their ids and their stored API
    answers (app/derived/dealjson.py; None for a deal not rendered yet): one statement."""
    f = rf.filters
    stmt = filter_page(
        session,
        select(Deal.id, DealDerived.api_json).outerjoin(
            DealDerived, DealDerived.deal_id == Deal.id
        ),
        rf,
        total,
    )
    rows = session.execute(
        sort_deals(stmt, f).limit(f.per_page).offset((f.page - 1) * f.per_page)
    ).all()
    return DealPage(
        rows=[(deal_id, text) for deal_id, text in rows],
        total=total,
        page=f.page,
        per_page=f.per_page,
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
            selectinload(Deal.relations).joinedload(DealRelation.related_deal),
            selectinload(Deal.related_from).joinedload(DealRelation.deal),
        )
    )
    if not include_deleted:
        stmt = stmt.where(Deal.deleted_at.is_(None))
    return session.scalars(stmt).first()


def merged_into(session: Session, deal_id: int) -> int | None:
    """The deal that kept `deal_id` when it was merged as a duplicate, if it was."""
    return session.scalar(select(Deal.merged_into_id).where(Deal.id == deal_id))
