"""The source track record: which publishers reported deals first, and how those turned out."""

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.db import SessionDep
from app.queries.sources import DEFAULT_SORT, SORT_KEYS, sorted_records, track_records
from app.web.render import render

router = APIRouter()

DESCENDING_FIRST = ("first_reports", "confirmed", "denied", "open", "sources", "deals")


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
    """400 for an unknown `sort`."""
    sort = request.query_params.get("sort", "").strip() or DEFAULT_SORT
    records = track_records(session)
    try:
        rows = sorted_records(records, sort)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return render(
        request,
        "sources/index.html",
        {
            "records": rows,
            "sort": sort,
            "sort_links": sort_links(request.url.path, sort),
            "total_sources": sum(r.sources for r in rows),
            "total_first_reports": sum(r.first_reports for r in rows),
        },
    )
