"""The source track record: which publishers reported deals first, and how those turned out."""

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.queries.sources import (
    DEFAULT_SORT,
    SORT_KEYS,
    TrackRecord,
    sort_column,
    sorted_records,
    track_records,
)
from app.unit_of_work import SessionDep
from app.web.render import figures_within, render

router = APIRouter()

# Every column but the publisher sorts biggest first on its first click.
DESCENDING_FIRST = frozenset(SORT_KEYS) - {"publisher"}


def page_url(path: str, sort: str, search: str, show_all: bool) -> str:
    """The page's URL with these choices, leaving out the defaults."""
    params = {
        "q": search,
        "all": "1" if show_all else "",
        "sort": "" if sort == DEFAULT_SORT else sort,
    }
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


def sort_links(path: str, current: str, search: str = "", show_all: bool = False) -> dict[str, str]:
    """Each column's sort URL, keeping the search and the choice to show every publisher:
    asking for the current column again flips the direction."""
    links: dict[str, str] = {}
    for key in SORT_KEYS:
        if current.removeprefix("-") == key:
            sort = key if current.startswith("-") else f"-{key}"
        else:
            sort = f"-{key}" if key in DESCENDING_FIRST else key
        links[key] = page_url(path, sort, search, show_all)
    return links


def shown_records(
    records: list[TrackRecord], search: str, show_all: bool
) -> tuple[list[TrackRecord], int]:
    """The publishers whose name holds the search (any case), without the ones with no first
    report unless `show_all`; and how many of the searched were left out for that."""
    needle = search.strip().casefold()
    found = [r for r in records if needle in r.publisher.casefold() or needle in r.key]
    shown = found if show_all else [r for r in found if r.first_reports]
    return shown, len(found) - len(shown)


@router.get("/sources", name="sources_index")
def sources_index(request: Request, session: SessionDep) -> Response:
    """400 for an unknown `sort`. Records not ready within the figure time limit (a cold cache
    over many deals) are computed after the response; the page says so and htmx asks again."""
    sort = request.query_params.get("sort", "").strip() or DEFAULT_SORT
    search = request.query_params.get("q", "").strip()
    show_all = request.query_params.get("all", "").strip() not in ("", "0")
    try:
        sort_column(sort)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None

    def compute() -> dict[str, TrackRecord]:
        return track_records(session)

    records, later = figures_within(request, session, "track_records", compute)
    rows, hidden = (None, 0)
    if records is not None:
        rows, hidden = shown_records(sorted_records(records, sort), search, show_all)
    path = request.url.path
    response = render(
        request,
        "sources/index.html",
        {
            "records": rows,
            "sort": sort,
            "search": search,
            "show_all": show_all,
            "hidden": hidden,
            "hidden_url": page_url(path, sort, search, True),
            "sort_links": sort_links(path, sort, search, show_all),
            "total_sources": sum(r.sources for r in rows or ()),
            "total_first_reports": sum(r.first_reports for r in rows or ()),
        },
    )
    response.background = later
    return response
