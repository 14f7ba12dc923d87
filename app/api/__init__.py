"""The JSON API: a FastAPI app of its own, which create_app mounts at /api.

Its own exception handlers answer everything under /api with application/problem+json, its
own dependencies say who is asking (app/api/auth.py), and its own OpenAPI schema and docs page
describe it. What it shares with the site (settings, the sessionmaker, the figure cache) is
handed to `create_api_app`, never read through the site's app.
"""

import re

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.orm import sessionmaker
from starlette.routing import Mount

from app.api import deals, directory, extract, network
from app.api.auth import API_DEPENDENCIES, ApiUser, credentials_required
from app.api.docs import DESCRIPTION, install_docs
from app.api.errors import problem_handlers, problem_responses
from app.api.idempotency import IdempotentRoute
from app.api.schemas import MeOut
from app.config import Settings
from app.derived.cache import FigureCache
from app.derived.dealsets import DealSets
from app.unit_of_work import AppSession
from app.web.security import SignInRequired

router = APIRouter(prefix="/v1", route_class=IdempotentRoute)
router.include_router(deals.router)
router.include_router(directory.router)
router.include_router(extract.router)
router.include_router(network.router)
router.include_router(deals.commitments_router)


@router.get(
    "/me",
    name="api_me",
    response_model=MeOut,
    responses=problem_responses(401),
    tags=["accounts"],
    summary="Who the credentials belong to",
)
def api_me(user: ApiUser) -> MeOut:
    return MeOut(id=user.id, email=user.email, role=user.role)


def route_name(route: APIRoute) -> str:
    return route.name


def create_api_app(
    settings: Settings,
    sessions: sessionmaker[AppSession],
    figures: FigureCache,
    deal_sets: DealSets | None = None,
) -> FastAPI:
    """The API, on the site's settings, database sessions and figure cache.

    It has no lifespan: a mounted app's is never run, and the site's disposes of the engine
    they share."""
    api = FastAPI(
        title="Compute Deal Tracker API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=API_DEPENDENCIES,
        # Operation ids are the route names (api_deal_create): unique, and the same wherever
        # the API is mounted.
        generate_unique_id_function=route_name,
    )
    api.state.settings = settings
    api.state.sessionmaker = sessions
    api.state.figures = figures
    api.state.deal_sets = deal_sets or DealSets(sessions)
    for exception, handler in problem_handlers().items():
        api.add_exception_handler(exception, handler)
    api.add_exception_handler(SignInRequired, credentials_required)
    api.include_router(router)
    install_docs(api)
    return api


class ApiMount(Mount):
    """Where the site hands requests to the API: every path under the prefix. Starlette's own
    pattern (`^/api/(?P<path>.*)$`) stops at a newline, so `/api/v1/organizations/a%0Ab` fell
    through to the site's HTML 404 instead of the API's problem."""

    def __init__(self, path: str, app: FastAPI) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)
