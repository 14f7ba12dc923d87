"""Data out: `/deals.csv` (every matching deal, streamed) and `/feed.atom` (status events).

Both read the filters of `/deals` through the one dependency; a bad value is a plain-text 400
naming it (app/web/filtering.py). `page` and `per_page` are checked but ignored: an export
holds every matching deal, and the feed its latest 50 status events. The feed also ignores
`sort` (always newest first).
"""

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response, StreamingResponse

from app.domain.cells import CellError
from app.exchange.archive import dump
from app.exchange.export import check_columns, export_csv, export_filename
from app.exchange.feed import ATOM_MEDIA_TYPE, build_feed, feed_events, feed_title
from app.filters import FilterError
from app.queries.deals import ResolvedFilters
from app.unit_of_work import SessionDep
from app.web.filtering import FilterQuery, Filters
from app.web.security import Admin

router = APIRouter()
CsvFilters = Annotated[ResolvedFilters, Depends(FilterQuery(own=("bom", "columns")))]


def deal_url_prefix(request: Request) -> str:
    """What a deal id is appended to for its absolute URL: `http://host/deals/`."""
    return f"{request.url_for('deals_index')}/"


@router.get("/deals.csv", name="deals_csv")
def deals_csv(request: Request, session: SessionDep, rf: CsvFilters) -> Response:
    """Every deal the filters match, in their sort, as CSV; `bom=1` adds a BOM for Excel,
    `columns=title,status` (or repeated) picks the columns."""
    bom_values = set(request.query_params.getlist("bom"))
    if bad := sorted(bom_values - {"", "0", "1"}):
        raise FilterError([f"bom '{bad[0]}' is not allowed — expected 1 (add a BOM) or 0"])
    try:
        columns = check_columns(request.query_params.getlist("columns"))
    except CellError as exc:
        raise FilterError([str(exc)]) from None
    filename = export_filename(rf.filters, datetime.now(UTC).date())
    # The request's session stays open until the response has been sent (FastAPI closes
    # `yield` dependencies after the body), so the generator may read from it while streaming.
    return StreamingResponse(
        export_csv(session, rf, deal_url_prefix(request), bom="1" in bom_values, columns=columns),
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
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/admin/archive.zip", name="archive_zip")
def archive_zip(session: SessionDep, admin: Admin) -> Response:
    """Everything the instance holds, as `deals dump` writes it (docs/archive.md); admins only.

    Written to a temporary file first (removed once sent), from one snapshot on Postgres."""
    session.commit()  # end what signing in read, so the dump starts a transaction of its own
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and not isinstance(bind, Connection):
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    spool = tempfile.NamedTemporaryFile(suffix=".zip", delete=False)  # noqa: SIM115 (sent, then removed)
    try:
        with spool:
            dump(session, spool)
        session.rollback()
    except BaseException:
        Path(spool.name).unlink(missing_ok=True)
        raise
    filename = f"deals-archive-{datetime.now(UTC).date().isoformat()}.zip"
    return FileResponse(
        spool.name,
        media_type="application/zip",
        filename=filename,
        background=BackgroundTask(Path(spool.name).unlink, missing_ok=True),
    )
