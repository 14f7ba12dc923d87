"""Every API error as `application/problem+json` (RFC 9457).

The handlers are the API app's own (app/api/__init__.py), so they answer everything under /api
and nothing else: the site's HTML error pages need no knowledge of them.
"""

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from app.filters import FilterError
from app.inputs.errors import WHOLE, api_path, message
from app.outage import HANDLED, OUTCOME_UNKNOWN, RETRY_AFTER, is_unavailable, outage_message
from app.web.methods import allowed_methods

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Problem types: URNs, so they name the kind of problem without pointing at any host.
VALIDATION = "urn:compute-deal-tracker:problem:validation"
BAD_FILTER = "urn:compute-deal-tracker:problem:bad-filter"
STALE_VERSION = "urn:compute-deal-tracker:problem:stale-version"
POSSIBLE_DUPLICATE = "urn:compute-deal-tracker:problem:possible-duplicate"
TOKEN_REQUIRED = "urn:compute-deal-tracker:problem:token-required"
UNAVAILABLE = "urn:compute-deal-tracker:problem:database-unavailable"
OUTCOME_UNKNOWN_TYPE = "urn:compute-deal-tracker:problem:save-outcome-unknown"


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


def bad_filter_problem(exc: FilterError) -> Problem:
    """A bad filter value (GET /api/v1/deals): 422 naming each parameter."""
    return Problem(
        type=BAD_FILTER,
        title="Bad filter values",
        status=422,
        detail="; ".join(exc.messages),
        errors=exc.params or {"__all__": exc.messages},
    )


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


def invalid_request_problem(request: Request, exc: Exception) -> Response:
    """A path, query or body FastAPI could not read: 422 naming each bad field."""
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    problem = Problem(
        type=VALIDATION,
        title="Invalid request",
        status=422,
        detail="Some values are missing or of the wrong kind: " + ", ".join(sorted(errors)) + ".",
        errors=errors,
    )
    return problem_response(request, problem)


def http_problem(request: Request, exc: Exception) -> Response:
    """Starlette's errors (no such path, a wrong method, a refused token) as problems."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        return wrong_method(request)
    detail = str(exc.detail)
    if exc.status_code == 404 and exc.detail == HTTPStatus(404).phrase:
        docs = request.url_for("api_docs").path
        detail = f"There is nothing at {request.url.path}; see {docs} for the API's paths."
    problem = Problem(
        title=HTTPStatus(exc.status_code).phrase, status=exc.status_code, detail=detail
    )
    return problem_response(request, problem, exc.headers)


def wrong_method(request: Request) -> Response:
    """OPTIONS: 204 naming the methods of the path; any other method the path lacks: 405 naming
    them."""
    allow = ", ".join(allowed_methods(request))
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    problem = Problem(
        title=HTTPStatus(405).phrase,
        status=405,
        detail=f"{request.method} is not allowed on {request.url.path}, only {allow}; "
        f"see {request.url_for('api_docs').path}.",
    )
    return problem_response(request, problem, {"Allow": allow})


def server_error_problem(request: Request, exc: Exception) -> Response:
    """An unexpected failure: a problem too (the error itself goes to the log, not the client)."""
    problem = Problem(
        title=HTTPStatus(500).phrase,
        status=500,
        detail="The server failed to answer this request; the error has been logged.",
    )
    return problem_response(request, problem)


def database_unavailable_problem(request: Request, exc: Exception) -> Response:
    """The database is away: 503 with Retry-After; a write whose COMMIT was cut off says it may
    have been saved. Any other database error is raised again, to be the 500 it is."""
    if not is_unavailable(exc):
        raise exc
    detail = outage_message(request.method, exc)
    unknown = detail == OUTCOME_UNKNOWN
    problem = Problem(
        type=OUTCOME_UNKNOWN_TYPE if unknown else UNAVAILABLE,
        title="Save outcome unknown" if unknown else HTTPStatus(503).phrase,
        status=503,
        detail=detail,
    )
    return problem_response(request, problem, {"Retry-After": RETRY_AFTER})


def filter_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FilterError)
    return problem_response(request, bad_filter_problem(exc))


def problem_handlers() -> dict[type[Exception], Callable[[Request, Exception], Response]]:
    """The API app's exception handlers (app/api/auth.py adds the one for private reading)."""
    handlers: dict[type[Exception], Callable[[Request, Exception], Response]] = {
        StarletteHTTPException: http_problem,
        RequestValidationError: invalid_request_problem,
        ApiProblem: api_problem_handler,
        FilterError: filter_problem,
        Exception: server_error_problem,
    }
    handlers.update(dict.fromkeys(HANDLED, database_unavailable_problem))
    return handlers


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes; the content type is made
    application/problem+json when the schema is built (app/api/docs.py)."""
    descriptions = {
        400: "The body could not be read as JSON.",
        401: "No valid credentials: this instance is private, the API token is unknown or "
        "revoked, or a write was sent without an API token.",
        403: "The API token's user lacks the analyst role.",
        404: "No such record (deleted deals count as missing).",
        409: "A conflict: the record changed since `version` was read, a likely "
        "duplicate needs a `duplicate_decision`, or the request first sent with this "
        "`Idempotency-Key` is still running.",
        422: "Invalid values: `errors` names each bad field or query parameter (or the "
        "`Idempotency-Key` sent was used for another request).",
        502: "A link to read could not be fetched: the site failed, was too slow or had no text.",
    }
    return {code: {"model": Problem, "description": descriptions[code]} for code in codes}
