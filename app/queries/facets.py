"""Facet counts beside the table, and the active filters as removable chips.

Each facet counts the deals that match every *other* active filter, so a count is the size of
the result you get by clicking it (when nothing else in that facet is selected). Which filters
have a facet, and how it is counted, is declared in app/filters/registry.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.filters import DealFilters
from app.filters.kinds import FacetRow
from app.queries.deals import ResolvedFilters, deal_conditions

UrlFor = Callable[[DealFilters], str]
# The counts behind the facets (what app/derived/cache.py keeps): (value, label, count) rows
# by filter name, values in the vocabulary's order and records most deals first.
FacetCounts = dict[str, list[FacetRow]]


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
    more: list[FacetValue] = field(default_factory=list)  # beyond the first few, by name


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def facet_counts(session: Session, rf: ResolvedFilters) -> FacetCounts:
    """One grouped statement per facet, each under every *other* active filter."""
    return {
        flt.name: flt.facet_rows(session, deal_conditions(rf, exclude=flt.name))
        for flt in rf.filters.registry
        if flt.facet is not None
    }


def deal_facets(
    session: Session, rf: ResolvedFilters, url_for: UrlFor, counts: FacetCounts | None = None
) -> list[Facet]:
    """The facets in the registry's order: status, hardware type, deal type, confidence, top
    organizations and vendors."""
    c = counts if counts is not None else facet_counts(session, rf)
    f = rf.filters
    facets = []
    for flt in f.registry:
        if flt.facet is None:
            continue
        selected = f.value(flt.name)
        rows = c.get(flt.name, [])
        first = flt.facet_shown(rows, selected)
        shown = {row[0] for row in first}
        rest = sorted((row for row in rows if row[0] not in shown), key=lambda r: r[1].lower())
        values = [
            [
                FacetValue(
                    value, text, count, value in selected, url_for(f.toggled(flt.name, value))
                )
                for value, text, count in group
            ]
            for group in (first, rest)
        ]
        facets.append(Facet(flt.name, flt.facet.title or flt.label, values[0], values[1]))
    return facets


def filter_chips(rf: ResolvedFilters, url_for: UrlFor) -> list[Chip]:
    """One removable chip per active filter value: "Status: Rumored ×"."""
    f = rf.filters
    chips = []
    for flt in f.registry:
        for text, item in flt.chips(f.value(flt.name), rf.records_of(flt.name)):
            remaining = f.without(flt.name) if item is None else f.toggled(flt.name, item)
            chips.append(Chip(text, url_for(remaining)))
    return chips
