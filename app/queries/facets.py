"""Facet counts beside the table, and the active filters as removable chips.

Each facet counts the deals that match every *other* active filter, so a count is the size of
the result you get by clicking it (when nothing else in that facet is selected).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.domain.formatting import money_label
from app.domain.vocabulary import Confidence, DealType, HardwareType, Status, label, values
from app.filters import DealFilters
from app.models import Deal, DealHardware, DealParty, DealTypeRow, Hardware, Organization
from app.queries.deals import ResolvedFilters, deal_conditions

TOP_ORGANIZATIONS = 12
TOP_VENDORS = 8
UrlFor = Callable[[DealFilters], str]


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    values: list[FacetValue]


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def _ids(rf: ResolvedFilters, exclude: str) -> Select[int]:
    return select(Deal.id).where(*deal_conditions(rf, exclude=exclude))


def _vocabulary_facet(
    rf: ResolvedFilters,
    url_for: UrlFor,
    name: str,
    title: str,
    counts: dict[str, int],
    order: list[str],
) -> Facet:
    selected = set(getattr(rf.filters, name))
    return Facet(
        name,
        title,
        [
            FacetValue(
                v, label(v), counts.get(v, 0), v in selected, url_for(rf.filters.toggled(name, v))
            )
            for v in order
            if counts.get(v, 0) or v in selected
        ],
    )


@dataclass(frozen=True)
class FacetCounts:
    """The counts behind the facets (what app/derived/cache.py keeps): by value, and the top
    organizations and vendors as (slug, name, count), most deals first."""

    status: dict[str, int]
    confidence: dict[str, int]
    deal_type: dict[str, int]
    hardware_type: dict[str, int]
    party: list[tuple[str, str, int]]
    vendor: list[tuple[str, str, int]]


def facet_counts(session: Session, rf: ResolvedFilters) -> FacetCounts:
    """One grouped statement per facet, each under every *other* active filter."""

    def grouped(stmt: Any) -> dict[str, int]:
        return {value: count for value, count in session.execute(stmt)}

    def top(stmt: Any) -> list[tuple[str, str, int]]:
        return [(slug, name, count) for slug, name, count in session.execute(stmt)]

    party_deals = func.count(func.distinct(DealParty.deal_id))
    vendor_deals = func.count(func.distinct(DealHardware.deal_id))
    return FacetCounts(
        status=grouped(
            select(Deal.status, func.count())
            .where(*deal_conditions(rf, exclude="status"))
            .group_by(Deal.status)
        ),
        confidence=grouped(
            select(Deal.confidence, func.count())
            .where(*deal_conditions(rf, exclude="confidence"))
            .group_by(Deal.confidence)
        ),
        deal_type=grouped(
            select(DealTypeRow.type, func.count())
            .where(DealTypeRow.deal_id.in_(_ids(rf, "deal_type")))
            .group_by(DealTypeRow.type)
        ),
        hardware_type=grouped(
            select(Hardware.type, func.count(func.distinct(DealHardware.deal_id)))
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .where(DealHardware.deal_id.in_(_ids(rf, "hardware_type")))
            .group_by(Hardware.type)
        ),
        party=top(
            select(Organization.slug, Organization.name, party_deals)
            .join(Organization, Organization.id == DealParty.organization_id)
            .where(DealParty.deal_id.in_(_ids(rf, "party")))
            .group_by(Organization.slug, Organization.name)
            .order_by(party_deals.desc(), Organization.name)
        ),
        vendor=top(
            select(Organization.slug, Organization.name, vendor_deals)
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .join(Organization, Organization.id == Hardware.vendor_id)
            .where(DealHardware.deal_id.in_(_ids(rf, "vendor")))
            .group_by(Organization.slug, Organization.name)
            .order_by(vendor_deals.desc(), Organization.name)
        ),
    )


def deal_facets(
    session: Session, rf: ResolvedFilters, url_for: UrlFor, counts: FacetCounts | None = None
) -> list[Facet]:
    """Status, hardware type, deal type, confidence, top organizations and vendors."""
    c = counts if counts is not None else facet_counts(session, rf)
    return [
        _vocabulary_facet(rf, url_for, "status", "Status", c.status, values(Status)),
        _vocabulary_facet(
            rf, url_for, "hardware_type", "Hardware type", c.hardware_type, values(HardwareType)
        ),
        _vocabulary_facet(rf, url_for, "deal_type", "Deal type", c.deal_type, values(DealType)),
        _vocabulary_facet(
            rf, url_for, "confidence", "Confidence", c.confidence, values(Confidence)
        ),
        _top_facet(rf, url_for, "party", "Organizations", c.party, TOP_ORGANIZATIONS),
        _top_facet(rf, url_for, "vendor", "Hardware vendor", c.vendor, TOP_VENDORS),
    ]


def _top_facet(
    rf: ResolvedFilters,
    url_for: UrlFor,
    name: str,
    title: str,
    rows: Sequence[Any],
    limit: int,
) -> Facet:
    selected = set(getattr(rf.filters, name))
    items = list(rows)
    shown = [row for i, row in enumerate(items) if i < limit or row[0] in selected]
    return Facet(
        name,
        title,
        [
            FacetValue(
                slug, display, count, slug in selected, url_for(rf.filters.toggled(name, slug))
            )
            for slug, display, count in shown
        ],
    )


def filter_chips(rf: ResolvedFilters, url_for: UrlFor) -> list[Chip]:
    """One removable chip per active filter value: "Status: Rumored ×"."""
    f = rf.filters
    chips: list[Chip] = []
    if f.q:
        chips.append(Chip(f"Search: “{f.q}”", url_for(f.without("q"))))
    titles = {
        "status": "Status",
        "party": "Party",
        "customer": "Customer",
        "provider": "Provider",
        "hardware": "Hardware",
        "hardware_type": "Hardware type",
        "vendor": "Vendor",
        "deal_type": "Deal type",
        "confidence": "Confidence",
    }
    for name, title in titles.items():
        for value in getattr(f, name):
            if name in ("party", "customer", "provider", "vendor"):
                shown = rf.organizations[value].name
            elif name == "hardware":
                shown = rf.hardware[value].name
            else:
                shown = label(value)
            chips.append(Chip(f"{title}: {shown}", url_for(f.toggled(name, value))))
    scalar_chips: tuple[tuple[str, Callable[[Any], str]], ...] = (
        ("reported_from", lambda v: f"Reported from {v.label}"),
        ("reported_to", lambda v: f"Reported to {v.label}"),
        ("min_value", lambda v: f"Value ≥ {money_label(v)}"),
        ("max_value", lambda v: f"Value ≤ {money_label(v)}"),
    )
    for name, describe in scalar_chips:
        value = getattr(f, name)
        if value is not None:
            chips.append(Chip(describe(value), url_for(f.without(name))))
    return chips
