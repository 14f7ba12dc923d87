"""The timeline page: status events of the filtered deals, or their lifecycles as lanes.

It takes the same filters as /deals, plus its own parameters: `view` (events or lanes),
`group` (month, quarter, year), `lanes` (deal or organization) and the paging cursor `before`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.derived.cache import current_generation
from app.derived.dealsets import table_counts
from app.domain.dates import Precision
from app.filters import DealFilters
from app.filters.form import FilterForm
from app.queries.deals import ResolvedFilters
from app.queries.facets import SHOW_PARAM, deal_facets, filter_chips, show_problems, shown_whole
from app.queries.lifecycles import list_lifecycles
from app.queries.timeline import Cursor, count_timeline, list_timeline, period_of
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.lanes import LaneChart
from app.web.render import facet_markup, figures_within, is_htmx, render

router = APIRouter()

# The timeline's own parameters: allowed values, the first being the default.
CHOICES: dict[str, tuple[str, ...]] = {
    "view": ("events", "lanes"),
    "group": ("month", "quarter", "year"),
    "lanes": ("deal", "organization"),
}
OWN_PARAMS = (*CHOICES, "before")
# Table parameters that mean nothing here: refused by name rather than silently ignored.
NOT_ON_TIMELINE = {
    "sort": "'sort' does not apply to the timeline — it is always newest first",
    "page": "'page' does not apply to the timeline — it pages with “Load earlier” (before=…)",
    "per_page": "'per_page' does not apply to the timeline — it shows 50 events at a time",
}
# The cursor is left behind when the filters change: they start again at the newest events.
TIMELINE_FORM = FilterForm(refused=frozenset(NOT_ON_TIMELINE), dropped=frozenset({"before"}))


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
        return TIMELINE_FORM.carried(self.filters.pairs(paging=False)) + self.own_pairs()


def read_options(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """The timeline's own parameters, and a message for each problem with them."""
    own: dict[str, str] = {}
    errors: list[str] = []
    for name, raw_value in pairs:
        value = raw_value.strip()
        if name in OWN_PARAMS and value:
            if name in own and own[name] != value:
                errors.append(f"'{name}' was given twice ('{own[name]}', '{value}')")
            else:
                own[name] = value
    for name, allowed in CHOICES.items():
        if name in own and own[name] not in allowed:
            errors.append(f"unknown {name} '{own[name]}' — expected one of {', '.join(allowed)}")
    if "before" in own and own.get("view") == "lanes":
        errors.append("'before' pages the events view only; the lanes view is one page")
    return own, errors


def read_view(request: Request, rf: ResolvedFilters) -> TimelineView:
    """The request's view of these filters (its options were checked with them)."""
    own, _ = read_options(request.query_params.multi_items())
    before = Cursor.parse(own["before"]) if "before" in own else None
    options = {name: own[name] for name in CHOICES if name in own}
    return TimelineView(rf.filters, request.url.path, before=before, **options)


TimelineFilters = Annotated[
    ResolvedFilters,
    Depends(
        FilterQuery(
            own=(*OWN_PARAMS, SHOW_PARAM),
            check_own=lambda pairs: read_options(pairs)[1] + show_problems(pairs),
            refused=NOT_ON_TIMELINE,
        )
    ),
]
ERROR_PAGE = ErrorPage(
    "timeline/index.html", "timeline_results", {"view": None, "form": TIMELINE_FORM}
)


@router.get("/timeline", name="timeline", dependencies=[Depends(ERROR_PAGE)])
def timeline(request: Request, session: SessionDep, rf: TimelineFilters) -> Response:
    """The events (or lanes) of the filtered deals; 400 naming each bad parameter."""
    view = read_view(request, rf)
    context: dict[str, Any] = {"view": view, "form": TIMELINE_FORM, "raw": request.query_params}
    query = rf.filters.query_string(paging=False)
    sets = request.app.state.deal_sets
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
            return count_timeline(session, rf), table_counts(sets, session, rf)[1]
    else:
        lanes = list_lifecycles(session, rf, today=date.today())
        context["lanes"] = lanes
        context["chart"] = LaneChart.for_lanes(lanes)
        key = ("facets", query)

        def compute() -> Any:
            return table_counts(sets, session, rf)[1]

    # None: not ready in time; the events come first, the counts after the response.
    generation = current_generation(session)
    known, later = figures_within(request, session, key, compute, generation=generation)
    if view.view == "events":
        context["counts"], counts = known if known is not None else (None, None)
    else:
        counts = known
    context["facets"] = None
    if counts is not None:
        shown = counts
        whole = shown_whole(request.query_params.multi_items())
        context["facets"] = facet_markup(
            request,
            session,
            view.url(rf.filters),
            lambda: deal_facets(session, rf, view.url, shown, whole=whole),
            whole=whole,
            generation=generation,
        )
    context["chips"] = filter_chips(rf, view.url)
    response = render(request, "timeline/index.html", context, block="timeline_results")
    response.background = later
    return response
