"""Every API error as `application/problem+json` (RFC 9457), HTML pages untouched.

The handlers below answer for paths under /api/ only and hand anything else to the handler
the app had before (the HTML error pages, the redirect to /login).
"""

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from app.inputs.errors import WHOLE, api_path, message

PROBLEM_MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"
# Problem types: URNs, so they name the kind of problem without pointing at any host.
VALIDATION = "urn:compute-deal-tracker:problem:validation"
BAD_FILTER = "urn:compute-deal-tracker:problem:bad-filter"
STALE_VERSION = "urn:compute-deal-tracker:problem:stale-version"
POSSIBLE_DUPLICATE = "urn:compute-deal-tracker:problem:possible-duplicate"
TOKEN_REQUIRED = "urn:compute-deal-tracker:problem:token-required"


class DuplicateRef(BaseModel):
    id: int
    title: str
    url: str
    api_url: str


class Problem(BaseModel):
    """An error (RFC 9457); `errors` holds the messages for each bad field or parameter."""

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(None, description="What went wrong this time, in a sentence.")
    instance: str | None = Field(None, description="The path the request was made to.")
    errors: dict[str, list[str]] | None = Field(
        None,
        description="Messages per field (JSON path such as `parties[1]` or `source.url`) or "
        "per query parameter; `__all__` for the request as a whole.",
    )
    current_version: int | None = Field(
        None, description="On 409 for a stale edit: the version now saved; re-read and retry."
    )
    duplicates: list[DuplicateRef] | None = Field(
        None, description="On 409 for a likely duplicate: the deals this one resembles."
    )


class ApiProblem(Exception):
    """Raised by API routes; answered as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str = "about:blank",
        title: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(
            type=type,
            title=title or HTTPStatus(status).phrase,
            status=status,
            detail=detail,
            errors=dict(errors) if errors is not None else None,
            **extra,
        )
        self.headers = dict(headers or {})


def problem_response(
    request: Request, problem: Problem, headers: Mapping[str, str] | None = None
) -> Response:
    if problem.instance is None:
        problem = problem.model_copy(update={"instance": request.url.path})
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def api_problem_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc.problem, exc.headers)


def _field_name(loc: tuple[int | str, ...]) -> str:
    """`("body", "parties", 1, "role")` → `parties[1].role`; `("query", "page")` → `page`."""
    parts = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
    return api_path(parts) if parts else (str(loc[0]) if loc else WHOLE)


def validation_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    """Each message (worded as the entry form words it) under its parameter or JSON path."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        name = _field_name(tuple(error.get("loc", ())))
        errors.setdefault(name, []).append(message(error))
    return errors


def wrap_handlers(
    previous_http: Callable[[Request, Exception], Any] | None,
    previous_validation: Callable[[Request, Exception], Any] | None,
) -> tuple[Callable[[Request, Exception], Any], Callable[[Request, Exception], Any]]:
    """Handlers for HTTP errors and request-validation errors: problems under /api/, else the
    previous behaviour."""

    async def http_error(request: Request, exc: Exception) -> Any:
        if is_api(request) and isinstance(exc, StarletteHTTPException):
            problem = Problem(
                title=HTTPStatus(exc.status_code).phrase,
                status=exc.status_code,
                detail=_http_detail(request, exc),
            )
            return problem_response(request, problem, exc.headers)
        assert previous_http is not None
        return await _maybe_await(previous_http(request, exc))

    async def request_invalid(request: Request, exc: Exception) -> Any:
        if is_api(request) and isinstance(exc, RequestValidationError):
            errors = validation_errors(exc)
            problem = Problem(
                type=VALIDATION,
                title="Invalid request",
                status=422,
                detail="Some values are missing or of the wrong kind: "
                + ", ".join(sorted(errors))
                + ".",
                errors=errors,
            )
            return problem_response(request, problem)
        if previous_validation is not None:
            return await _maybe_await(previous_validation(request, exc))
        assert isinstance(exc, RequestValidationError)
        return await request_validation_exception_handler(request, exc)

    return http_error, request_invalid


def _http_detail(request: Request, exc: StarletteHTTPException) -> str:
    if exc.status_code == 404 and exc.detail == HTTPStatus(404).phrase:
        return f"There is nothing at {request.url.path}; see /api/docs for the API's paths."
    if exc.status_code == 405:
        return f"{request.method} is not allowed on {request.url.path}; see /api/docs."
    return str(exc.detail)


async def _maybe_await(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes; the content type is made
    application/problem+json when the schema is built (app/api/docs.py)."""
    descriptions = {
        400: "The body could not be read as JSON.",
        401: "No valid credentials: this instance is private, the API token is unknown or "
        "revoked, or a write was sent without an API token.",
        403: "The API token's user lacks the analyst role.",
        404: "No such record (deleted deals count as missing).",
        409: "A conflict: the record changed since `version` was read, or a likely "
        "duplicate needs a `duplicate_decision`.",
        422: "Invalid values: `errors` names each bad field or query parameter.",
    }
    return {code: {"model": Problem, "description": descriptions[code]} for code in codes}
