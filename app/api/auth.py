"""Who may use the API: the API app's dependencies, and who may write (an analyst's token).

Reads follow the site's read setting (app/web/security.py enforce_read_access). A cookie
session is not enough for an API write: scripts use tokens, and cookie-authenticated writes
would need CSRF protection the API does not offer. So the API's own dependencies are the
site's `load_user` and `enforce_read_access` with `writes_need_token` in place of the CSRF
check, and a private instance answers anonymous reads with a 401 problem, not a redirect.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response

from app.api.errors import TOKEN_REQUIRED, ApiProblem, Problem, problem_response
from app.domain.vocabulary import UserRole
from app.models import User
from app.web.security import (
    ROLE_RANK,
    UNSAFE_METHODS,
    CurrentUser,
    enforce_read_access,
    load_user,
)

# Documents the scheme in OpenAPI; the token itself is checked by load_user for every request.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token from your account page (/account): `Authorization: Bearer cdt_…`.",
)
TOKEN_HELP = "Create an API token on your account page (/account) and send it as "
TOKEN_HELP += "`Authorization: Bearer <token>`."


def token_required(what: str) -> ApiProblem:
    return ApiProblem(
        401,
        f"{what} need an API token; a signed-in browser session is not enough. {TOKEN_HELP}",
        type=TOKEN_REQUIRED,
        title="API token required",
        headers={"WWW-Authenticate": "Bearer"},
    )


def writes_need_token(request: Request, user: CurrentUser) -> None:
    """401 for a write without an API token: a browser's cookie never authorises one. (It takes
    the user so that load_user, which notes a token, has run.)"""
    if request.method in UNSAFE_METHODS and not getattr(request.state, "token_auth", False):
        raise token_required("Writes through the API")


# Every API request, in this order: who is asking, writes need a token, private reading.
API_DEPENDENCIES: list[DependsParam] = [
    Depends(load_user),
    Depends(writes_need_token),
    Depends(enforce_read_access),
]


def credentials_required(request: Request, exc: Exception) -> Response:
    """A private instance's anonymous read: 401 saying how to get a token (the site's pages
    send a browser to /login instead)."""
    problem = Problem(
        title="Credentials required",
        status=401,
        detail=f"This instance is private: reading needs an account. {TOKEN_HELP}",
    )
    return problem_response(request, problem, {"WWW-Authenticate": "Bearer"})


def api_analyst(
    request: Request,
    user: CurrentUser,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The token's user, who must be an analyst or admin; 401 without a token, 403 for a viewer."""
    if user is None or not getattr(request.state, "token_auth", False):
        raise token_required("Writes through the API")
    if ROLE_RANK[UserRole(user.role)] < ROLE_RANK[UserRole.ANALYST]:
        raise ApiProblem(
            403,
            f"Writes need the analyst role; this token belongs to a {user.role}.",
            title="Analyst role required",
        )
    return user


def api_user(
    request: Request,
    user: CurrentUser,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """Any signed-in user (token or cookie); 401 otherwise."""
    if user is None:
        raise ApiProblem(
            401,
            f"Nobody is signed in. {TOKEN_HELP}",
            title="Credentials required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


ApiAnalyst = Annotated[User, Depends(api_analyst)]
ApiUser = Annotated[User, Depends(api_user)]
