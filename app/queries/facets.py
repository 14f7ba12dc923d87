"""Facet counts beside the table, and the active filters as removable chips.

Each facet counts the deals that match every *other* active filter, so in a facet with nothing
selected a count is the size of the result you get by clicking it. In a facet where values are
selected, clicking another value adds its deals to the result (values of one filter combine with
OR), so its count is what it adds, shown as "+n": the deals with it that the result lacks. Which
filters have a facet, and how it is counted, is declared in app/filters/registry.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from sqlalchemy import not_
from sqlalchemy.orm import Session

from app.filters import FILTERS, DealFilters
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
    added: bool = False  # the count is of the deals clicking it adds to the result ("+n")


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    values: list[FacetValue]  # the first few (most deals), and any selected further down
    hidden: int = 0  # how many more values have deals: a facet shown whole lists them all
    more: list[FacetValue] = field(default_factory=list)  # those, by name, when shown whole


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def added_key(name: str) -> str:
    """Where FacetCounts keeps what each value of a facet with a selection adds."""
    return f"{name}+"


def facet_counts(session: Session, rf: ResolvedFilters) -> FacetCounts:
    """One grouped statement per facet, each under every *other* active filter; and for a
    facet with values selected, one more counting the deals each value would add."""
    counts: FacetCounts = {}
    for flt in rf.filters.registry:
        if flt.facet is None:
            continue
        others = deal_conditions(rf, exclude=flt.name)
        counts[flt.name] = flt.facet_rows(session, others)
        own = rf.condition(flt.name)
        if own is not None:
            counts[added_key(flt.name)] = flt.facet_rows(session, [*others, not_(own)])
    return counts


def deal_facets(
    session: Session,
    rf: ResolvedFilters,
    url_for: UrlFor,
    counts: FacetCounts | None = None,
    *,
    whole: str | None = None,
) -> list[Facet]:
    """The facets in the registry's order: status, hardware type, deal type, confidence, top
    organizations and vendors. A facet of records shows its first few values; the one named
    `whole` lists the rest too, by name (an organization facet has some 2,000: a page lists
    them only when asked)."""
    c = counts if counts is not None else facet_counts(session, rf)
    f = rf.filters
    facets = []
    for flt in f.registry:
        if flt.facet is None:
            continue
        selected = f.value(flt.name)
        rows = c.get(flt.name, [])
        first = flt.facet_shown(rows, selected)
        adds = {row[0]: row[2] for row in c.get(added_key(flt.name), [])}
        toggle = _toggler(f, flt.name, url_for)
        values = [_value(row, selected, adds, toggle) for row in first]
        shown = {row[0] for row in first}
        rest = [row for row in rows if row[0] not in shown]
        more = []
        if flt.name == whole:
            rest.sort(key=lambda r: r[1].lower())
            more = [_value(row, selected, adds, toggle) for row in rest]
        title = flt.facet.title or flt.label
        facets.append(Facet(flt.name, title, values, len(rest), more))
    return facets


SHOW_PARAM = "show"  # a page's parameter naming the facet it lists whole: `?show=party`


def whole_facets() -> list[str]:
    """The facets that show only their first values unless asked to show all (`show=`)."""
    return [flt.name for flt in FILTERS if flt.facet is not None and flt.facet.limit]


def show_problems(pairs: list[tuple[str, str]]) -> list[str]:
    """A `show=` naming no facet that can be shown whole, named with those that can."""
    known = whole_facets()
    return [
        f"unknown facet '{value}' in '{SHOW_PARAM}' — expected one of {', '.join(known)}"
        for name, value in pairs
        if name == SHOW_PARAM and value.strip() and value.strip() not in known
    ]


def shown_whole(pairs: list[tuple[str, str]]) -> str | None:
    """The facet a page's parameters ask to show whole (checked by show_problems)."""
    return next((v.strip() for k, v in pairs if k == SHOW_PARAM and v.strip()), None)


_MARK = "facet0value0mark"  # stands for a value in a link; urlencode leaves it as it is


def _toggler(f: DealFilters, name: str, url_for: UrlFor) -> Callable[[str], str]:
    """The link that adds a value to the facet's filter, or takes a chosen one out.

    A facet of organizations has some 2,000 values: the link is made once with a mark where
    the value goes, and each value's link is that link with the value in place of the mark
    (an unchosen value goes last among the filter's values, as `toggled` puts it); links
    taking a value out, and any link the mark does not reach as it is, are made whole."""
    chosen = f.value(name)
    marked = url_for(f.toggled(name, _MARK))
    if marked.count(_MARK) != 1:
        return lambda value: url_for(f.toggled(name, value))

    def toggle(value: str) -> str:
        if value in chosen:
            return url_for(f.toggled(name, value))
        return marked.replace(_MARK, quote_plus(value))

    return toggle


def _value(
    row: FacetRow, selected: tuple[str, ...], adds: dict[str, int], toggle: Callable[[str], str]
) -> FacetValue:
    """A value of a facet: its count, or in a facet with values selected (and it not one of
    them) the deals clicking it adds."""
    value, text, count = row
    url = toggle(value)
    if not selected or value in selected:
        return FacetValue(value, text, count, value in selected, url)
    return FacetValue(value, text, adds.get(value, 0), False, url, added=True)


def filter_chips(rf: ResolvedFilters, url_for: UrlFor) -> list[Chip]:
    """One removable chip per active filter value: "Status: Rumored ×"."""
    f = rf.filters
    chips = []
    for flt in f.registry:
        for text, item in flt.chips(f.value(flt.name), rf.records_of(flt.name)):
            remaining = f.without(flt.name) if item is None else f.toggled(flt.name, item)
            chips.append(Chip(text, url_for(remaining)))
    return chips
