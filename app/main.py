"""The application factory."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from app import outage
from app.api import ApiMount, create_api_app
from app.config import PROJECT_ROOT, Settings, get_settings
from app.db import make_engine
from app.derived.cache import FigureCache
from app.derived.dealsets import DealSets
from app.filters import FilterError
from app.unit_of_work import make_sessionmaker
from app.web import (
    accounts,
    activity,
    commitments,
    deals,
    directory,
    entry,
    export,
    following,
    from_article,
    imports,
    network,
    pages,
    proxies,
    records,
    sources,
    timeline,
)
from app.web.filtering import filter_error_page
from app.web.render import is_htmx
from app.web.security import (
    SecurityHeaders,
    SignInRequired,
    enforce_read_access,
    load_user,
    refuse_nul,
    verify_csrf,
)


def settle_collector() -> None:
    """Put what start-up made out of the garbage collector's reach, once per process: the
    modules, the routes, the mapped classes, some 200,000 objects that live as long as the
    process. A full collection walks every object it tracks, and one fell every second or two
    under writes: a pause of 50–250 ms in the middle of some request. Frozen, they are never
    walked again, and a full collection walks only what was made since (`gc.freeze`). Once:
    a process that makes many apps (the tests) pays for the first only."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def send_to_sign_in(request: Request, exc: Exception) -> Response:
    """Anonymous requests that need an account go to /login and come back afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = request.headers.get("referer", "/")
        target = "/" if "://" in target and request.url.netloc not in target else target
    url = f"{request.app.url_path_for('login_form')}?{urlencode({'next': target})}"
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured app; the schema must already be migrated (`deals db upgrade`)."""
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper())
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.deal_sets.warm()  # in a thread: the first filtered pages need not wait
        settle_collector()
        yield
        engine.dispose()

    app = FastAPI(
        title="Compute Deal Tracker",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Every request: no NUL, who is asking, the CSRF check for writes, private reading.
        dependencies=[
            Depends(refuse_nul),
            Depends(load_user),
            Depends(verify_csrf),
            Depends(enforce_read_access),
        ],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.figures = FigureCache(
        settings.figure_cache_entries, settings.figure_time_limit_ms / 1000
    )
    # Per-value sets of deal ids: filtered counts without grouped statements.
    app.state.deal_sets = DealSets(app.state.sessionmaker)
    app.state.deal_pages = FigureCache(settings.deal_page_cache_entries)
    # Whole pages that are the same for every reader signed out (app/web/render.py render_kept):
    # deals' pages (some 13 KB each), and tables (up to 400 KB with their facets: fewer kept).
    app.state.kept_pages = FigureCache(settings.deal_page_cache_entries)
    app.state.kept_tables = FigureCache(min(32, settings.figure_cache_entries))
    # The facets' markup, some 360 KB a view at 100k deals: fewer views kept than figures.
    app.state.facet_markup = FigureCache(min(32, settings.figure_cache_entries))
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    # The JSON API is an app of its own (app/api). Mounted without a name, so `url_for` finds
    # the names of either app from both: API answers link to pages, pages to the API.
    api = create_api_app(settings, app.state.sessionmaker, app.state.figures, app.state.deal_sets)
    app.router.routes.append(ApiMount("/api", api))
    app.add_exception_handler(StarletteHTTPException, pages.http_error_page)
    app.add_exception_handler(SignInRequired, send_to_sign_in)
    app.add_exception_handler(FilterError, filter_error_page)
    for database_error in outage.HANDLED:
        app.add_exception_handler(database_error, pages.database_unavailable_page)
    app.add_middleware(SecurityHeaders)
    proxies.install(app, settings)
    # entry before deals and records before directory: /deals/new, /organizations/new and
    # /hardware/new must not be read as an id or a slug.
    for module in (
        pages,
        entry,
        from_article,
        export,
        deals,
        records,
        directory,
        sources,
        accounts,
        timeline,
        imports,
        network,
        following,
        activity,
        commitments,
    ):
        app.include_router(module.router, include_in_schema=False)
    return app
