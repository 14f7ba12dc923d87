"""The timeline page: status events of the filtered deals, or their lifecycles as lanes.

It takes the same filters as /deals, plus its own parameters: `view` (events or lanes),
`group` (month, quarter, year), `lanes` (deal or organization) and the paging cursor `before`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.domain.dates import Precision
from app.filters import DealFilters, FilterError
from app.queries.deals import ResolvedFilters, resolve_filters
from app.queries.facets import deal_facets, facet_counts, filter_chips
from app.queries.lifecycles import list_lifecycles
from app.queries.timeline import Cursor, count_timeline, list_timeline, period_of
from app.unit_of_work import SessionDep
from app.web.lanes import LaneChart
from app.web.render import figures_within, is_htmx, render

router = APIRouter()

# The timeline's own parameters: allowed values, the first being the default.
CHOICES: dict[str, tuple[str, ...]] = {
    "view": ("events", "lanes"),
    "group": ("month", "quarter", "year"),
    "lanes": ("deal", "organization"),
}
# Table parameters that mean nothing here: refused by name rather than silently ignored.
NOT_ON_TIMELINE = {
    "sort": "'sort' does not apply to the timeline — it is always newest first",
    "page": "'page' does not apply to the timeline — it pages with “Load earlier” (before=…)",
    "per_page": "'per_page' does not apply to the timeline — it shows 50 events at a time",
}


@dataclass(frozen=True)
class TimelineView:
    """What the timeline shows, and the URLs of its links (filters, views, next page)."""

    filters: DealFilters
    base_path: str
    view: str = "events"
    group: str = "month"
    lanes: str = "deal"
    before: Cursor | None = None

    @property
    def grouping(self) -> Precision:
        return Precision(self.group)

    def own_pairs(self) -> list[tuple[str, str]]:
        """The timeline's parameters that differ from their defaults (never the cursor)."""
        return [
            (name, getattr(self, name))
            for name in CHOICES
            if getattr(self, name) != CHOICES[name][0]
        ]

    def url(self, f: DealFilters, **changes: Any) -> str:
        """This view with other filters (back at the newest events) and/or other options."""
        view = replace(self, filters=f, before=None, **changes)
        query = urlencode([*f.pairs(paging=False), *view.own_pairs()])
        return f"{self.base_path}?{query}" if query else self.base_path

    def switch(self, **changes: Any) -> str:
        return self.url(self.filters, **changes)

    def page_url(self, cursor: Cursor) -> str:
        pairs = [*self.filters.pairs(paging=False), *self.own_pairs(), ("before", str(cursor))]
        return f"{self.base_path}?{urlencode(pairs)}"

    @property
    def clear_url(self) -> str:
        """No filters, the same view."""
        return self.url(DealFilters())

    @property
    def hidden_filters(self) -> list[tuple[str, str]]:
        """What the filter form carries besides its visible inputs."""
        visible = {"q", "reported_from", "reported_to", "min_value", "max_value"}
        pairs = [(k, v) for k, v in self.filters.pairs(paging=False) if k not in visible]
        return pairs + self.own_pairs()


def split_query(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], DealFilters]:
    """The timeline's own parameters and the deal filters; FilterError naming every problem."""
    own: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    errors: list[str] = []
    for name, raw_value in pairs:
        value = raw_value.strip()
        if name in CHOICES or name == "before":
            if value and name in own and own[name] != value:
                errors.append(f"'{name}' was given twice ('{own[name]}', '{value}')")
            elif value:
                own[name] = value
        elif name in NOT_ON_TIMELINE:
            if value:
                errors.append(NOT_ON_TIMELINE[name])
        else:
            rest.append((name, raw_value))
    for name, allowed in CHOICES.items():
        if name in own and own[name] not in allowed:
            errors.append(f"unknown {name} '{own[name]}' — expected one of {', '.join(allowed)}")
    if "before" in own and own.get("view") == "lanes":
        errors.append("'before' pages the events view only; the lanes view is one page")
    try:
        filters = DealFilters.from_query(rest)
    except FilterError as exc:
        errors = exc.messages + errors
    if errors:
        raise FilterError(errors)
    return own, filters


def read_view(request: Request, session: Session) -> tuple[TimelineView, ResolvedFilters]:
    """The request's view and resolved filters; FilterError if any value is bad."""
    own, filters = split_query(request.query_params.multi_items())
    before = Cursor.parse(own["before"]) if "before" in own else None
    rf = resolve_filters(session, filters)
    options = {name: own[name] for name in CHOICES if name in own}
    return TimelineView(rf.filters, request.url.path, before=before, **options), rf


@router.get("/timeline", name="timeline")
def timeline(request: Request, session: SessionDep) -> Response:
    """The events (or lanes) of the filtered deals; 400 naming each bad parameter."""
    try:
        view, rf = read_view(request, session)
    except FilterError as exc:
        return render(
            request,
            "timeline/index.html",
            {"errors": exc.messages, "raw": request.query_params, "view": None},
            block="timeline_results",
            status_code=400,
        )
    context: dict[str, Any] = {"view": view, "raw": request.query_params}
    query = rf.filters.query_string(paging=False)
    if view.view == "events":
        page = list_timeline(session, rf, before=view.before, grouping=view.grouping)
        context["timeline"] = page
        if view.before is not None and is_htmx(request):
            # "Load earlier": only the next events, continuing the last heading shown.
            context["continues"] = period_of(view.before.effective, view.grouping)
            return render(request, "timeline/index.html", context, block="timeline_page")
        # One cache entry per page: one read of the change counter.
        key: tuple[str, str] = ("timeline", query)

        def compute() -> Any:
            return count_timeline(session, rf), facet_counts(session, rf)
    else:
        lanes = list_lifecycles(session, rf, today=date.today())
        context["lanes"] = lanes
        context["chart"] = LaneChart.for_lanes(lanes)
        key = ("facets", query)

        def compute() -> Any:
            return facet_counts(session, rf)

    # None: not ready in time; the events come first, the counts after the response.
    known, later = figures_within(request, session, key, compute)
    if view.view == "events":
        context["counts"], counts = known if known is not None else (None, None)
    else:
        counts = known
    context["facets"] = None if counts is None else deal_facets(session, rf, view.url, counts)
    context["chips"] = filter_chips(rf, view.url)
    response = render(request, "timeline/index.html", context, block="timeline_results")
    response.background = later
    return response
