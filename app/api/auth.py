"""Who may write through the API: an analyst (or admin) holding an API token.

Reads follow the site's read setting (app/web/security.py enforce_read_access). A cookie
session is not enough for an API write: scripts use tokens, and cookie-authenticated writes
would need CSRF protection the API does not offer.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.errors import TOKEN_REQUIRED, ApiProblem
from app.domain.vocabulary import UserRole
from app.models import User
from app.web.security import ROLE_RANK, CurrentUser

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
