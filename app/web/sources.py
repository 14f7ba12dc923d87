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

DESCENDING_FIRST = ("first_reports", "came_true", "did_not", "open", "sources", "deals")


def sort_links(path: str, current: str) -> dict[str, str]:
    """Each column's sort URL: asking for the current column again flips the direction."""
    links: dict[str, str] = {}
    for key in SORT_KEYS:
        if current.removeprefix("-") == key:
            sort = key if current.startswith("-") else f"-{key}"
        else:
            sort = f"-{key}" if key in DESCENDING_FIRST else key
        links[key] = path if sort == DEFAULT_SORT else f"{path}?{urlencode({'sort': sort})}"
    return links


@router.get("/sources", name="sources_index")
def sources_index(request: Request, session: SessionDep) -> Response:
    """400 for an unknown `sort`. Records not ready within the figure time limit (a cold cache
    over many deals) are computed after the response; the page says so and htmx asks again."""
    sort = request.query_params.get("sort", "").strip() or DEFAULT_SORT
    try:
        sort_column(sort)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None

    def compute() -> dict[str, TrackRecord]:
        return track_records(session)

    records, later = figures_within(request, session, "track_records", compute)
    rows = None if records is None else sorted_records(records, sort)
    response = render(
        request,
        "sources/index.html",
        {
            "records": rows,
            "sort": sort,
            "sort_links": sort_links(request.url.path, sort),
            "total_sources": sum(r.sources for r in rows or ()),
            "total_first_reports": sum(r.first_reports for r in rows or ()),
        },
    )
    response.background = later
    return response
