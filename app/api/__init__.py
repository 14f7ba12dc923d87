"""The JSON API under /api/v1, its problem+json errors and its OpenAPI description.

`install(app)` is called by create_app after the HTML routers and their error handlers.
"""

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api import deals, directory
from app.api.auth import TOKEN_HELP, ApiUser
from app.api.docs import install_docs
from app.api.errors import (
    ApiProblem,
    Problem,
    api_problem_handler,
    bad_filter_problem,
    is_api,
    problem_response,
    problem_responses,
    wrap_handlers,
)
from app.api.schemas import MeOut
from app.filters import FilterError
from app.web.security import SignInRequired

router = APIRouter(prefix="/api/v1")
router.include_router(deals.router)
router.include_router(directory.router)


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


def install(app: FastAPI) -> None:
    """Routes, error handlers limited to /api/ paths, and the docs."""
    app.include_router(router)
    http_error, request_invalid = wrap_handlers(
        app.exception_handlers.get(StarletteHTTPException),
        app.exception_handlers.get(RequestValidationError),
    )
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(ApiProblem, api_problem_handler)
    previous_sign_in = app.exception_handlers.get(SignInRequired)

    def sign_in_required(request: Request, exc: Exception) -> Any:
        if is_api(request) or previous_sign_in is None:
            problem = Problem(
                title="Credentials required",
                status=401,
                detail=f"This instance is private: reading needs an account. {TOKEN_HELP}",
            )
            return problem_response(request, problem, {"WWW-Authenticate": "Bearer"})
        return previous_sign_in(request, exc)

    app.add_exception_handler(SignInRequired, sign_in_required)
    previous_filter_error = app.exception_handlers.get(FilterError)

    def filter_error(request: Request, exc: Exception) -> Any:
        if is_api(request) or previous_filter_error is None:
            assert isinstance(exc, FilterError)
            return problem_response(request, bad_filter_problem(exc))
        return previous_filter_error(request, exc)

    app.add_exception_handler(FilterError, filter_error)
    install_docs(app)
