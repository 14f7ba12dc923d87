"""Data out: `/deals.csv` (every matching deal, streamed) and `/feed.atom` (status events).

Both read the filters of `/deals` through the one parser; a bad value is a plain-text 400
naming it. `page` and `per_page` are checked but ignored: an export holds every matching deal,
and the feed its latest 50 status events. The feed also ignores `sort` (always newest first).
"""

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from app.exchange.export import export_csv, export_filename
from app.exchange.feed import build_feed, feed_events, feed_title
from app.filters import DealFilters, FilterError
from app.queries.deals import resolve_filters
from app.unit_of_work import SessionDep
from app.web.deals import read_filters

router = APIRouter()


def _bad_filters(exc: FilterError) -> Response:
    return PlainTextResponse(
        "Bad filter values:\n" + "\n".join(f"- {message}" for message in exc.messages) + "\n",
        status_code=400,
    )


def deal_url_prefix(request: Request) -> str:
    """What a deal id is appended to for its absolute URL: `http://host/deals/`."""
    return f"{request.url_for('deals_index')}/"


@router.get("/deals.csv", name="deals_csv")
def deals_csv(request: Request, session: SessionDep) -> Response:
    """Every deal the filters match, in their sort, as CSV; `bom=1` adds a BOM for Excel."""
    params = request.query_params.multi_items()
    bom_values = {value for name, value in params if name == "bom"}
    try:
        if bad := sorted(bom_values - {"", "0", "1"}):
            raise FilterError([f"bom '{bad[0]}' is not allowed — expected 1 (add a BOM) or 0"])
        filters = DealFilters.from_query((k, v) for k, v in params if k != "bom")
        rf = resolve_filters(session, filters)
    except FilterError as exc:
        return _bad_filters(exc)
    filename = export_filename(rf.filters, datetime.now(UTC).date())
    # The request's session stays open until the response has been sent (FastAPI closes
    # `yield` dependencies after the body), so the generator may read from it while streaming.
    return StreamingResponse(
        export_csv(session, rf, deal_url_prefix(request), bom="1" in bom_values),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/feed.atom", name="feed_atom")
def feed_atom(request: Request, session: SessionDep) -> Response:
    """The latest status events of the deals the filters match, newest first, as Atom."""
    try:
        rf = read_filters(request, session)
    except FilterError as exc:
        return _bad_filters(exc)
    query = rf.filters.query_string(paging=False)
    html_url = str(request.url_for("deals_index")) + (f"?{query}" if query else "")
    body = build_feed(
        feed_events(session, rf),
        title=feed_title(rf),
        self_url=str(request.url),
        html_url=html_url,
        deal_url_prefix=deal_url_prefix(request),
    )
    return Response(body, media_type="application/atom+xml")
