"""Data out: `/deals.csv` (every matching deal, streamed) and `/feed.atom` (status events).

Both read the filters of `/deals` through the one dependency; a bad value is a plain-text 400
naming it (app/web/filtering.py). `page` and `per_page` are checked but ignored: an export
holds every matching deal, and the feed its latest 50 status events. The feed also ignores
`sort` (always newest first).
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response, StreamingResponse

from app.exchange.export import export_csv, export_filename
from app.exchange.feed import build_feed, feed_events, feed_title
from app.filters import FilterError
from app.queries.deals import ResolvedFilters
from app.unit_of_work import SessionDep
from app.web.filtering import FilterQuery, Filters

router = APIRouter()
CsvFilters = Annotated[ResolvedFilters, Depends(FilterQuery(own=("bom",)))]


def deal_url_prefix(request: Request) -> str:
    """What a deal id is appended to for its absolute URL: `http://host/deals/`."""
    return f"{request.url_for('deals_index')}/"


@router.get("/deals.csv", name="deals_csv")
def deals_csv(request: Request, session: SessionDep, rf: CsvFilters) -> Response:
    """Every deal the filters match, in their sort, as CSV; `bom=1` adds a BOM for Excel."""
    bom_values = set(request.query_params.getlist("bom"))
    if bad := sorted(bom_values - {"", "0", "1"}):
        raise FilterError([f"bom '{bad[0]}' is not allowed — expected 1 (add a BOM) or 0"])
    filename = export_filename(rf.filters, datetime.now(UTC).date())
    # The request's session stays open until the response has been sent (FastAPI closes
    # `yield` dependencies after the body), so the generator may read from it while streaming.
    return StreamingResponse(
        export_csv(session, rf, deal_url_prefix(request), bom="1" in bom_values),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/feed.atom", name="feed_atom")
def feed_atom(request: Request, session: SessionDep, rf: Filters) -> Response:
    """The latest status events of the deals the filters match, newest first, as Atom."""
    query = rf.filters.query_string(paging=False)
    html_url = str(request.url_for("deals_index")) + (f"?{query}" if query else "")
    body = build_feed(
        feed_events(session, rf),
        title=feed_title(rf),
        self_url=str(request.url),
        html_url=html_url,
        deal_url_prefix=deal_url_prefix(request),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
