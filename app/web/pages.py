"""The overview, health checks and the error pages."""

from typing import Annotated, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.config import PROJECT_ROOT
from app.derived.cache import FigureCache, generation_before_reading
from app.domain.methodology import CONFIDENCE_DEFINITIONS, STATUS_DEFINITIONS, TIER_DEFINITIONS
from app.filters import DealFilters
from app.outage import RETRY_AFTER, is_unavailable, outage_message
from app.queries.deals import ResolvedFilters
from app.queries.directory import Counts, latest_status_events, overview_counts
from app.queries.facets import filter_chips
from app.queries.overview import (
    SHARE_MEASURES,
    Durations,
    HardwareByQuarter,
    ProviderTotals,
    hardware_by_quarter,
    hardware_share,
    provider_totals,
    rumor_durations,
)
from app.unit_of_work import SessionDep
from app.web.charts import hardware_chart
from app.web.filtering import FilterQuery
from app.web.methods import allowed_methods
from app.web.render import figures_within, render, render_kept, templates

router = APIRouter()


def _check_share_by(pairs: list[tuple[str, str]]) -> list[str]:
    chosen = [v for k, v in pairs if k == "share_by"]
    if any(v not in SHARE_MEASURES for v in chosen) or len(chosen) > 1:
        return [f"share_by: choose one of {', '.join(SHARE_MEASURES)}"]
    return []


OverviewFilters = Annotated[
    ResolvedFilters, Depends(FilterQuery(own={"share_by"}, check_own=_check_share_by))
]


@router.get("/", name="home")
def home(request: Request, session: SessionDep, rf: OverviewFilters) -> Response:
    """Every figure links to the /deals table it counts (see app/queries/overview.py); the
    hardware share takes the table's filters and `share_by` (deals, capacity or value)."""
    share_by = request.query_params.get("share_by", "deals")

    def share_url(f: DealFilters) -> str:
        """The overview with these filters and the same measure (a chip's removal)."""
        query = f.query_string(paging=False)
        return f"{request.url_for('home')}?{query + '&' if query else ''}share_by={share_by}"

    def compute() -> tuple[Counts, HardwareByQuarter, Durations, ProviderTotals]:
        return (
            overview_counts(session),
            hardware_by_quarter(session),
            rumor_durations(session),
            provider_totals(session),
        )

    # None: not ready in time (a cold cache over many deals); the page says so, the figures
    # are computed after the response and htmx asks for the page again.
    generation = generation_before_reading(session)
    known, later = figures_within(request, session, "overview", compute, generation=generation)

    def context() -> dict[str, Any]:
        figures: FigureCache = request.app.state.figures
        share = figures.get(
            session,
            ("share", rf.filters.query_string(paging=False), share_by),
            lambda: hardware_share(session, rf, share_by),
            generation=generation,
        )
        values: dict[str, Any] = {
            "counts": None,
            "events": latest_status_events(session),
            "share": share,
            "share_by": share_by,
            "share_measures": SHARE_MEASURES,
            "share_filters": rf.filters.pairs(paging=False),
            "share_query": rf.filters.query_string(paging=False),
            "share_chips": filter_chips(rf, share_url),
        }
        if known is not None:
            counts, by_quarter, durations, providers = known
            values |= {
                "counts": counts,
                "by_quarter": by_quarter,
                "chart": hardware_chart(by_quarter),
                "durations": durations,
                "providers": providers,
            }
        return values

    if known is not None:  # every figure known: the same page for every reader signed out
        kept_tables: FigureCache = request.app.state.kept_tables
        return render_kept(
            request,
            session,
            kept_tables,
            "home.html",
            context,
            key="overview",
            generation=generation,
        )
    response = render(request, "home.html", context())
    response.background = later
    return response


@router.get("/methodology", name="methodology")
def methodology(request: Request) -> Response:
    """What each status, confidence and tier means, and what each figure counts."""
    return render(
        request,
        "methodology.html",
        {
            "definitions": {
                "status": STATUS_DEFINITIONS,
                "confidence": CONFIDENCE_DEFINITIONS,
                "tier": TIER_DEFINITIONS,
            },
        },
    )


@router.get("/healthz", name="healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


def migration_heads() -> set[str]:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    return set(ScriptDirectory.from_config(config).get_heads())


@router.get("/readyz", name="readyz")
def readyz(session: SessionDep) -> JSONResponse:
    """Readiness: the database answers and its schema is at the latest migration."""
    try:
        session.execute(text("SELECT 1"))
        current = set(MigrationContext.configure(session.connection()).get_current_heads())
    except Exception as exc:  # any database failure means "not ready", said plainly
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    expected = migration_heads()
    if current != expected:
        return JSONResponse(
            {
                "status": "migrations pending",
                "database": sorted(current),
                "expected": sorted(expected),
            },
            503,
        )
    return JSONResponse({"status": "ok", "migration": sorted(current)})


def http_error_page(request: Request, exc: Exception) -> Response:
    """Errors as pages people can read, with the navigation still there. A method the path
    lacks names those it has (OPTIONS answers with just them)."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        site_root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
        allow = ", ".join(allowed_methods(request, site_root))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        detail = f"{request.method} is not allowed here, only {allow}."
        exc = StarletteHTTPException(405, detail, {"Allow": allow})
    titles = {
        400: "Bad request",
        403: "Forbidden",
        404: "Not found",
        405: "Not allowed",
        503: "Service unavailable",
    }
    response = templates.TemplateResponse(
        request,
        "error.html",
        {
            "status_code": exc.status_code,
            "title": titles.get(exc.status_code, "Error"),
            "message": exc.detail,
        },
        status_code=exc.status_code,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def database_unavailable_page(request: Request, exc: Exception) -> Response:
    """The database is away (or lost a write's COMMIT): 503 with Retry-After, on a page drawn
    without it (the navigation as for a visitor, no unread count). Any other database error
    is raised again, to be the 500 it is."""
    if not is_unavailable(exc):
        raise exc
    request.state.user = None
    request.state.db = None
    message = outage_message(request.method, exc)
    return http_error_page(
        request, StarletteHTTPException(503, message, {"Retry-After": RETRY_AFTER})
    )
