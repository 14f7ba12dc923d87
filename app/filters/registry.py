"""Every filter of the deal table, declared once: name, kind, vocabulary, SQL condition, facet,
help, label and form field. The parser, slug resolution, SQL conditions, facets, chips, OpenAPI
parameters, `deals export` options and the filter form are all read from FILTERS.

The order is the order of the query string (and of the facets beside the table).
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import Executable, Select, and_, func, select
from sqlalchemy.orm import aliased

from app.derived.search import matching_deal_ids
from app.domain.vocabulary import (
    Confidence,
    DealType,
    HardwareType,
    RelationKind,
    Role,
    Status,
    values,
)
from app.filters.bounds import AmountBound, DateBound
from app.filters.kinds import (
    AllOrganizations,
    Choice,
    Condition,
    Facet,
    Field,
    Filter,
    HardwareModels,
    Organizations,
    Text,
)
from app.filters.ordering import Paging, Sort, SortKey
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    DealRelation,
    DealTypeRow,
    Hardware,
    Organization,
)

MAX_PAGE = 1_000_000  # keeps the row offset a size every database takes
MAX_PER_PAGE = 500
_DATES = "(`2026`, `2026-Q2`, `2026-05`, `2026-05-21`)"
_DOLLARS = "in US dollars; `500M`, `10B` and plain numbers are accepted."


class Registry:
    """Filters by name, in query-string order; `with_filter` makes a copy with one more."""

    def __init__(self, *filters: Filter) -> None:
        self.filters = filters
        self.by_name = {flt.name: flt for flt in filters}

    def __iter__(self) -> Iterator[Filter]:
        return iter(self.filters)

    def __getitem__(self, name: str) -> Filter:
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    @property
    def sort(self) -> Sort:
        found = self.by_name["sort"]
        assert isinstance(found, Sort)
        return found

    def with_filter(self, extra: Filter, *, before: str = "sort") -> "Registry":
        at = self.filters.index(self.by_name[before])
        return Registry(*self.filters[:at], extra, *self.filters[at:])


def _deals_with_party(*roles: str) -> Callable[[list[int]], Condition]:
    def condition(org_ids: list[int]) -> Condition:
        stmt = select(DealParty.deal_id).where(DealParty.organization_id.in_(org_ids))
        return Deal.id.in_(stmt.where(DealParty.role.in_(roles)) if roles else stmt)

    return condition


def _deals_with_every_party(org_ids: list[int]) -> Condition:
    """Deals that have each of the organizations as a party (in any role)."""
    return and_(
        *(
            Deal.id.in_(select(DealParty.deal_id).where(DealParty.organization_id == org_id))
            for org_id in org_ids
        )
    )


def replaced_ids() -> Select[tuple[int]]:
    """Deals another live deal supersedes, or that are recorded as a duplicate of a live deal:
    counted once, through the newer or the original record."""
    newer = aliased(Deal)
    superseded = (
        select(DealRelation.related_deal_id)
        .join(newer, newer.id == DealRelation.deal_id)
        .where(DealRelation.kind == RelationKind.SUPERSEDES, newer.deleted_at.is_(None))
    )
    duplicates = (
        select(DealRelation.deal_id)
        .join(newer, newer.id == DealRelation.related_deal_id)
        .where(DealRelation.kind == RelationKind.DUPLICATE_OF, newer.deleted_at.is_(None))
    )
    return superseded.union(duplicates)  # type: ignore[return-value]


def _replaced(chosen: tuple[str, ...]) -> Condition:
    if set(chosen) >= {"yes", "no"}:
        return Deal.id.is_not(None)
    if "yes" in chosen:
        return Deal.id.in_(replaced_ids())
    return Deal.id.not_in(replaced_ids())


def _deals_with_hardware(condition: Condition) -> Condition:
    return Deal.id.in_(
        select(DealHardware.deal_id)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(condition)
    )


def _hardware_named(chosen: tuple[str, ...]) -> Condition:
    if set(chosen) >= {"yes", "no"}:
        return Deal.id.is_not(None)
    named = select(DealHardware.deal_id)
    return Deal.id.in_(named) if "yes" in chosen else Deal.id.not_in(named)


def _ids(conditions: list[Condition]) -> Select[int]:
    return select(Deal.id).where(*conditions)


def _top_organizations(
    deal_id: Any, organization_id: Any, *joins: Any
) -> Callable[[list[Condition]], Executable]:
    """(slug, name, deals) of the organizations reached from `deal_id`'s table, most first.

    Each (deal, organization) once, counted per organization id, then named: hash aggregates
    over ids, where count(DISTINCT) grouped by name sorted every row (on disk at 100k deals)."""

    def count(conditions: list[Condition]) -> Executable:
        stmt = select(organization_id.label("organization_id"), deal_id.label("deal_id"))
        for target, on in joins:
            stmt = stmt.join(target, on)
        return _named(stmt.where(deal_id.in_(_ids(conditions))).distinct().subquery())

    return count


def _named(rows: Any) -> Executable:
    """(slug, name, count) of the organization ids of `rows`, most first, then by name."""
    counted = (
        select(rows.c.organization_id, func.count().label("deals"))
        .group_by(rows.c.organization_id)
        .subquery()
    )
    return (
        select(Organization.slug, Organization.name, counted.c.deals)
        .join(counted, counted.c.organization_id == Organization.id)
        .order_by(counted.c.deals.desc(), Organization.name)
    )


def _hardware_types(deals: list[Condition]) -> Executable:
    """(type, deals): each (deal, type) once, then counted per type."""
    pairs = (
        select(Hardware.type.label("type"), DealHardware.deal_id)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(DealHardware.deal_id.in_(_ids(deals)))
        .distinct()
        .subquery()
    )
    return select(pairs.c.type, func.count()).group_by(pairs.c.type)


FILTERS = Registry(
    Text(
        "q",
        label="Search",
        help="Words that start words of the title, summary, parties and their aliases, "
        "hardware or source publishers.",
        field=Field(
            "Search deals",
            placeholder="Search titles, parties and aliases (MSFT), hardware, publishers…",
        ),
        flags=("--search",),
        condition=lambda text, dialect: matching_deal_ids(dialect, text),
    ),
    Choice(
        "status",
        label="Status",
        help="How real the deal is.",
        vocabulary=values(Status),
        condition=lambda chosen: Deal.status.in_(chosen),
        facet=Facet(
            lambda deals: select(Deal.status, func.count()).where(*deals).group_by(Deal.status)
        ),
    ),
    Choice(
        "hardware_type",
        label="Hardware type",
        help="The type of any of the deal's hardware.",
        vocabulary=values(HardwareType),
        condition=lambda chosen: _deals_with_hardware(Hardware.type.in_(chosen)),
        facet=Facet(_hardware_types),
    ),
    Choice(
        "deal_type",
        label="Deal type",
        help="Any of the deal's types.",
        vocabulary=values(DealType),
        condition=lambda chosen: Deal.id.in_(
            select(DealTypeRow.deal_id).where(DealTypeRow.type.in_(chosen))
        ),
        facet=Facet(
            lambda deals: (
                select(DealTypeRow.type, func.count())
                .where(DealTypeRow.deal_id.in_(_ids(deals)))
                .group_by(DealTypeRow.type)
            )
        ),
    ),
    Choice(
        "confidence",
        label="Confidence",
        help="How sure we are of the record.",
        vocabulary=values(Confidence),
        condition=lambda chosen: Deal.confidence.in_(chosen),
        facet=Facet(
            lambda deals: (
                select(Deal.confidence, func.count()).where(*deals).group_by(Deal.confidence)
            )
        ),
    ),
    Organizations(
        "party",
        label="Party",
        help="Organization slug, in any role",
        condition=_deals_with_party(),
        facet=Facet(
            _top_organizations(DealParty.deal_id, DealParty.organization_id),
            title="Organizations",
            limit=12,
        ),
    ),
    AllOrganizations(
        "parties_all",
        label="Involving all of",
        help="Organization slug, in any role, that every deal must involve",
        condition=_deals_with_every_party,
    ),
    Organizations(
        "customer",
        label="Customer",
        help="Organization slug, in the customer role",
        condition=_deals_with_party(Role.CUSTOMER),
    ),
    Organizations(
        "provider",
        label="Provider",
        help="Organization slug, in the provider role",
        condition=_deals_with_party(Role.PROVIDER),
    ),
    Organizations(
        "seller",
        label="Seller",
        help="Organization slug, in the provider or supplier role (it sells the compute or chips)",
        condition=_deals_with_party(Role.PROVIDER, Role.SUPPLIER),
    ),
    Organizations(
        "investor",
        label="Investor",
        help="Organization slug, in the investor role",
        condition=_deals_with_party(Role.INVESTOR),
    ),
    Choice(
        "replaced",
        label="Replaced",
        help="`yes`: deals superseded by a newer live deal or recorded as a duplicate of one; "
        "`no`: the others — each commitment once, as /commitments counts it.",
        vocabulary=["no", "yes"],
        condition=_replaced,
    ),
    Organizations(
        "vendor",
        label="Vendor",
        noun="vendor",
        help="Slug of the organization that makes the hardware",
        condition=lambda org_ids: _deals_with_hardware(Hardware.vendor_id.in_(org_ids)),
        facet=Facet(
            _top_organizations(
                DealHardware.deal_id,
                Hardware.vendor_id,
                (Hardware, Hardware.id == DealHardware.hardware_id),
            ),
            title="Hardware vendor",
            limit=8,
        ),
    ),
    HardwareModels(
        "hardware",
        label="Hardware",
        help="Hardware model slug",
        condition=lambda hardware_ids: _deals_with_hardware(Hardware.id.in_(hardware_ids)),
    ),
    Choice(
        "hardware_named",
        label="Hardware named",
        help="`no`: deals that name no hardware (the overview's share calls them "
        "Unspecified); `yes`: deals that name some.",
        vocabulary=["no", "yes"],
        condition=_hardware_named,
    ),
    DateBound(
        "reported_from",
        label="Reported from",
        help=f"First reported on or after the start of this partial date {_DATES}.",
        field=Field("From", group="Reported", placeholder="2025 or 2025-Q3", inputmode="numeric"),
        condition=lambda day: Deal.first_reported_on >= day.start,
    ),
    DateBound(
        "reported_to",
        label="Reported to",
        help=f"First reported by the end of this partial date {_DATES}.",
        field=Field("To", group="Reported", placeholder="2026-05", inputmode="numeric"),
        condition=lambda day: Deal.first_reported_on < day.next_start,
        after="reported_from",
    ),
    DateBound(
        "updated_since",
        label="Changed since",
        help="Changed — edited, or given a status event or a source — on or after the start of "
        f"this partial date {_DATES}; /activity lists those changes.",
        condition=lambda day: Deal.updated_at >= datetime.combine(day.start, time(), UTC),
    ),
    AmountBound(
        "min_value",
        label="Value ≥",
        help=f"Least value {_DOLLARS}",
        field=Field("At least", group="Value (USD)", placeholder="500M"),
        condition=lambda amount: Deal.value_usd >= amount,
    ),
    AmountBound(
        "max_value",
        label="Value ≤",
        help=f"Greatest value {_DOLLARS}",
        field=Field("At most", group="Value (USD)", placeholder="10B"),
        condition=lambda amount: Deal.value_usd <= amount,
        after="min_value",
    ),
    Sort(
        "sort",
        label="Sort",
        help="Order by this column; a leading `-` means descending. Ties are broken by id.",
        field=Field("Sort by"),
        standard="-reported",
        keys=(
            SortKey(
                "reported", Deal.first_reported_on, "Newest report first", "Oldest report first"
            ),
            SortKey(
                "value",
                Deal.value_usd,
                "Largest value first",
                "Smallest value first",
                nullable=True,
            ),  # fmt: skip
            SortKey(
                "capacity",
                Deal.capacity_mw,
                "Largest capacity first",
                "Smallest capacity first",
                nullable=True,
            ),  # fmt: skip
            SortKey(
                "updated",
                Deal.updated_at,
                "Recently changed first",
                "Least recently changed first",
            ),  # fmt: skip
            SortKey(
                "title", func.lower(Deal.title), "Title Z–A", "Title A–Z", ascending_first=True
            ),
        ),
    ),
    Paging(
        "per_page",
        label="Rows per page",
        help=f"Deals per page, at most {MAX_PER_PAGE}.",
        field=Field("Rows per page"),
        start=50,
        maximum=MAX_PER_PAGE,
        choices=(25, 50, 100, 250, 500),
    ),
    Paging("page", label="Page", help="Page number, from 1.", start=1, maximum=MAX_PAGE),
)
