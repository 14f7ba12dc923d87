"""Reading the deal filters of a request, once, as a dependency (of the pages, the CSV, the
feed and the API alike), and the 400 a bad value gets where no handler of its own renders it.

A bad value raises FilterError from the dependency; each surface renders it in one place: HTML
pages by `filter_error_page` below (the page the route named with ErrorPage, with what was
typed), the CSV export and the feed by the same handler as plain text, and the API as a 422
problem (app/api/__init__.py).
"""

from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import PlainTextResponse, Response

from app.filters import DealFilters, FilterError
from app.queries.deals import ResolvedFilters, resolve_filters
from app.unit_of_work import SessionDep
from app.web.render import render


class FilterQuery:
    """Dependency: the request's filters, checked and their slugs resolved; FilterError if any
    value is bad. `own` names parameters the route reads itself (`check_own` gives their
    problems, reported with the filters'), `refused` those it does not take (with what a value
    for one gets), `preset` fixes a filter to a path parameter, and `blanks=False` refuses a
    blank value rather than reading it as absent (the API: a form sends blanks, a script need
    not)."""

    def __init__(
        self,
        *,
        own: Collection[str] = (),
        check_own: Callable[[list[tuple[str, str]]], list[str]] | None = None,
        refused: Mapping[str, str] | None = None,
        preset: Mapping[str, str] | None = None,
        blanks: bool = True,
    ) -> None:
        self.own = frozenset(own)
        self.check_own = check_own
        self.refused = dict(refused or {})
        self.preset = dict(preset or {})
        self.blanks = blanks

    def __call__(self, request: Request, session: SessionDep) -> ResolvedFilters:
        pairs = request.query_params.multi_items()
        own_problems = self.check_own(pairs) if self.check_own else []
        try:
            filters = DealFilters.from_query(
                [(k, v) for k, v in pairs if k not in self.own],
                refused=self.refused,
                blanks=self.blanks,
            )
        except FilterError as exc:
            raise FilterError(exc.messages + own_problems, exc.params) from exc
        if own_problems:
            raise FilterError(own_problems)
        if self.preset:
            fixed = {name: (request.path_params[param],) for name, param in self.preset.items()}
            filters = filters.with_preset(**fixed)
        return resolve_filters(session, filters)


Filters = Annotated[ResolvedFilters, Depends(FilterQuery())]
ApiFilters = Annotated[ResolvedFilters, Depends(FilterQuery(blanks=False))]


class ErrorPage:
    """The page that shows bad filter values: its template, the block htmx swaps, and what else
    the template needs. As a route dependency it names itself for the request; a dependency
    that loads the rest of a page (an organization's) calls `name_for` with what it loaded."""

    def __init__(self, template: str, block: str, context: Mapping[str, Any] | None = None):
        self.template = template
        self.block = block
        self.context = dict(context or {})

    def name_for(self, request: Request) -> None:
        request.state.filter_error_page = self

    __call__ = name_for


def filter_error_page(request: Request, exc: Exception) -> Response:
    """400 on the page the route named, with the typed values and what was expected; routes
    that named none (the CSV export, the feed) answer in plain text."""
    assert isinstance(exc, FilterError)
    page: ErrorPage | None = getattr(request.state, "filter_error_page", None)
    if page is None:
        lines = "".join(f"- {message}\n" for message in exc.messages)
        return PlainTextResponse(f"Bad filter values:\n{lines}", status_code=400)
    return render(
        request,
        page.template,
        {
            **page.context,
            "errors": exc.messages,
            "bad_params": exc.params,
            "raw": request.query_params,
        },
        block=page.block,
        status_code=400,
    )
