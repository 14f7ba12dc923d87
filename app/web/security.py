"""Who is asking, what they may do, CSRF, and the security headers on every response.

- Sessions live in the database (app/accounts/sessions.py); the signed, HttpOnly, SameSite=Lax
  cookie (Secure over https) holds only the session's random token.
- The JSON API also accepts `Authorization: Bearer <token>`; such requests carry no cookie
  credentials, so they need no CSRF token.
- Every POST/PUT/PATCH/DELETE made with cookies must echo the CSRF token, as the form field
  `csrf_token` or the `X-CSRF-Token` header (htmx sends it; see base.html).
"""

import secrets
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.sessions import SESSION_LIFETIME, session_for, start_session
from app.accounts.users import token_for
from app.config import Settings
from app.domain.vocabulary import UserRole
from app.models import User
from app.unit_of_work import SessionDep

SESSION_COOKIE = "cdt_session"
CSRF_COOKIE = "cdt_csrf"
FLASH_COOKIE = "cdt_flash"
FLASH_MAX_AGE = 120
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ROLE_RANK = {UserRole.VIEWER: 0, UserRole.ANALYST: 1, UserRole.ADMIN: 2}
# Reachable without signing in even on a private instance.
# (A private notification feed's URL carries its own secret.)
PUBLIC_PATHS = ("/login", "/healthz", "/readyz", "/static/", "/notifications/")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SignInRequired(Exception):
    """The request needs a signed-in user; the handler sends the browser to /login."""


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_settings(request).secret_key, salt=salt)


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie(request: Request, session: Session, user: User) -> dict[str, Any]:
    """Start a session for `user`: the arguments for Response.set_cookie that sign them in."""
    token = start_session(session, user, request.headers.get("user-agent", ""))
    return {
        "key": SESSION_COOKIE,
        "value": _serializer(request, "session").dumps({"sid": token}),
        "max_age": SESSION_MAX_AGE,
        "httponly": True,
        "samesite": "lax",
        "secure": _is_https(request),
        "path": "/",
    }


def session_token(request: Request) -> str | None:
    """The session token this browser's signed cookie holds, if it is genuine (whether the
    session still exists is for the database to say)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request, "session").loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    token = data.get("sid") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


def _user_from_cookie(request: Request, session: Session) -> User | None:
    token = session_token(request)
    row = session_for(session, token) if token else None
    return row.user if row is not None else None


def load_user(request: Request, session: SessionDep) -> User | None:
    """Every request: the signed-in user (cookie or API token), also put on request.state."""
    user: User | None = None
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        token = token_for(session, authorization[7:])
        if token is None:
            raise HTTPException(
                401, "The API token is unknown or revoked.", {"WWW-Authenticate": "Bearer"}
            )
        user = token.user
        request.state.token_auth = True
        request.state.api_token_id = token.id  # the client an Idempotency-Key belongs to
    else:
        user = _user_from_cookie(request, session)
    request.state.user = user
    request.state.db = session  # for the navigation's unread count and Follow buttons
    session.info["user_id"] = user.id if user else None
    # End the read: the connection goes back to the pool while the request waits for a thread
    # (a request holding one idle would starve the others under load; nothing is expired).
    session.commit()
    return user


CurrentUser = Annotated[User | None, Depends(load_user)]


def _csrf_from_cookie(request: Request) -> str | None:
    """The token this browser's signed CSRF cookie holds, if it is genuine."""
    raw = request.cookies.get(CSRF_COOKIE)
    if not raw:
        return None
    try:
        return str(_serializer(request, "csrf").loads(raw))
    except BadSignature:
        return None


def csrf_token(request: Request) -> str:
    """This browser's CSRF token, made (and later set as a cookie) on first use."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    token = _csrf_from_cookie(request)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.csrf_cookie = {
            "value": _serializer(request, "csrf").dumps(token),
            "secure": _is_https(request),
        }
    request.state.csrf_token = token
    return str(token)


NUL_REFUSED = (
    "The request contains a NUL character (%00), which no field can hold. Remove it and try again."
)


async def refuse_nul(request: Request) -> None:
    """400 for a NUL character in the path, the query or a posted form field: the database
    cannot store one, and no page has a use for it."""
    if "\x00" in request.url.path or b"%00" in request.scope.get("query_string", b""):
        raise HTTPException(400, NUL_REFUSED)
    if request.method in UNSAFE_METHODS and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        for name, value in form.multi_items():
            if "\x00" in name or (isinstance(value, str) and "\x00" in value):
                raise HTTPException(400, NUL_REFUSED)


async def verify_csrf(request: Request) -> None:
    """403 for a state-changing request made with cookies that lacks the right token (the JSON
    API takes no cookie writes at all: app/api/auth.py writes_need_token)."""
    if request.method not in UNSAFE_METHODS or getattr(request.state, "token_auth", False):
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = _csrf_from_cookie(request)
    if not sent or not expected or not secrets.compare_digest(str(sent), str(expected)):
        raise HTTPException(
            403,
            "This form is missing its security token or the token has expired. "
            "Reload the page and try again.",
        )


def enforce_read_access(request: Request, user: CurrentUser) -> None:
    """On a private instance, everything but sign-in and health checks needs a user."""
    if _settings(request).read_access != "private" or user is not None:
        return
    if not request.url.path.startswith(PUBLIC_PATHS):
        raise SignInRequired()


def require_role(minimum: UserRole) -> Any:
    """A dependency: the signed-in user with at least this role (anonymous: sign in; else 403)."""

    def dependency(user: CurrentUser) -> User:
        if user is None:
            raise SignInRequired()
        if ROLE_RANK[UserRole(user.role)] < ROLE_RANK[minimum]:
            raise HTTPException(
                403, f"This needs the {minimum.value} role; you are signed in as a {user.role}."
            )
        return user

    return Depends(dependency)


SignedIn = Annotated[User, require_role(UserRole.VIEWER)]
Analyst = Annotated[User, require_role(UserRole.ANALYST)]
Admin = Annotated[User, require_role(UserRole.ADMIN)]


def flash_cookie(request: Request, message: str) -> dict[str, Any]:
    """Arguments for Response.set_cookie carrying a one-time message to the next page."""
    return {
        "key": FLASH_COOKIE,
        "value": _serializer(request, "flash").dumps(message),
        "max_age": FLASH_MAX_AGE,
        "httponly": True,
        "samesite": "lax",
        "secure": _is_https(request),
        "path": "/",
    }


def read_flash(request: Request) -> str | None:
    """The message the previous response left for this page, if genuine and fresh."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        return str(_serializer(request, "flash").loads(raw, max_age=FLASH_MAX_AGE))
    except BadSignature:
        return None


def csrf_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token(request))


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, and the CSRF cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                cookie = scope.get("state", {}).get("csrf_cookie")
                if cookie:
                    attributes = "; Path=/; HttpOnly; SameSite=Lax"
                    if cookie["secure"]:
                        attributes += "; Secure"
                    headers.append(
                        (b"set-cookie", f"{CSRF_COOKIE}={cookie['value']}{attributes}".encode())
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
