"""Signing in and out, the account page (password, sessions, API tokens), user management and
the audit log."""

import time
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.accounts import sessions, users
from app.domain.vocabulary import UserRole
from app.models import User
from app.queries.audit import AuditFilters, list_audit_events
from app.unit_of_work import SessionDep
from app.web.forms import FormDataDep, field, redirect_after_post, safe_next
from app.web.render import render
from app.web.security import (
    SESSION_COOKIE,
    Admin,
    CurrentUser,
    SignedIn,
    session_cookie,
    session_token,
)

router = APIRouter()
# Each failed sign-in in the lock window adds this many seconds to the next refusal (max 2 s).
FAILURE_DELAY_STEP = 0.25


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", name="login_form")
def login_form(request: Request, user: CurrentUser, next: str = "/") -> Response:
    return render(request, "accounts/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", name="login_submit")
def login_submit(request: Request, session: SessionDep, form: FormDataDep) -> Response:
    """Sign in; 401 for a wrong password (slowed as failures mount), 429 when locked out."""
    email, password = field(form, "email"), str(form.get("password") or "")
    target = safe_next(field(form, "next"))
    context = {"next": target, "email": email}
    user = users.authenticate(session, email, password, _client(request))
    if isinstance(user, users.Lockout):
        response = render(
            request, "accounts/login.html", {**context, "error": user.message}, status_code=429
        )
        response.headers["Retry-After"] = str(user.retry_after)
        return response
    if user is None:
        # Each failure in the window makes the next answer slower, up to two seconds.
        time.sleep(min(FAILURE_DELAY_STEP * users.recent_failures(session, email), 2.0))
        return render(
            request,
            "accounts/login.html",
            {**context, "error": "Wrong email or password."},
            status_code=401,
        )
    response = redirect_after_post(request, target)
    response.set_cookie(**session_cookie(request, session, user))
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End this browser's session on the server too: a copy of the cookie stops working."""
    if token := session_token(request):
        sessions.end_session(session, token)
    response = redirect_after_post(request, "/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account_page(
    request: Request, session: SessionDep, user: User, status_code: int = 200, **context: object
) -> Response:
    """/account with its tokens and sessions, and whatever a form's answer adds."""
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": users.list_tokens(session, user),
            "sessions": sessions.list_sessions(session, user),
            "current_session": session_token(request),
            "is_current": sessions.is_current,
            **context,
        },
        status_code=status_code,
    )


@router.get("/account", name="account")
def account(request: Request, session: SessionDep, user: SignedIn) -> Response:
    return _account_page(request, session, user)


@router.post("/account/password", name="password_change")
def password_change(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    """The current password and the new one twice; the user's other sessions are ended, this
    one stays. Problems are shown beside their fields (422); no password is sent back."""
    problems = users.change_password(
        session,
        user,
        str(form.get("current_password") or ""),
        str(form.get("new_password") or ""),
        str(form.get("new_password_again") or ""),
        keep_session=session_token(request),
    )
    if problems:
        return _account_page(request, session, user, 422, password_errors=problems)
    return redirect_after_post(
        request,
        str(request.url_for("account")),
        flash="Password changed. Your other sessions are signed out.",
    )


@router.post("/account/sessions/end", name="sessions_end")
def sessions_end(request: Request, session: SessionDep, user: SignedIn) -> Response:
    """Sign out everywhere: every session of this user ends, this browser's too."""
    sessions.end_sessions(session, user)
    response = redirect_after_post(
        request, str(request.url_for("login_form")), flash="You are signed out everywhere."
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/account/tokens", name="token_create")
def token_create(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    """Analysts and admins make API tokens; the token is shown on this response only."""
    if user.role == UserRole.VIEWER:
        raise HTTPException(403, "API tokens are for analysts and admins.")
    name = field(form, "name")
    try:
        token, clear = users.create_token(session, user, name)
    except users.UserError as exc:
        return _account_page(request, session, user, 422, token_error=str(exc), name=name)
    return _account_page(request, session, user, 201, new_token=clear, new_name=token.name)


@router.post("/account/tokens/{token_id:int}/revoke", name="token_revoke")
def token_revoke(request: Request, session: SessionDep, user: SignedIn, token_id: int) -> Response:
    try:
        users.revoke_token(session, user, token_id)
    except users.UserError as exc:
        raise HTTPException(404, str(exc)) from exc
    return redirect_after_post(request, str(request.url_for("account")))


@router.get("/admin/users", name="admin_users")
def admin_users(request: Request, session: SessionDep, admin: Admin) -> Response:
    return render(
        request,
        "accounts/users.html",
        {"users": users.list_users(session), "roles": list(UserRole)},
    )


@router.post("/admin/users/{user_id:int}", name="admin_user_update")
def admin_user_update(
    request: Request, session: SessionDep, admin: Admin, user_id: int, form: FormDataDep
) -> Response:
    """Change a user's role or switch the account on or off (not one's own)."""
    target = session.get(User, user_id)
    if target is None:
        raise HTTPException(404, f"There is no user {user_id}.")
    if target.id == admin.id:
        raise HTTPException(403, "Ask another admin to change your own account.")
    try:
        if role := field(form, "role"):
            users.set_role(session, target.email, role)
        if active := field(form, "active"):
            users.set_active(session, target.email, active == "true")
    except users.UserError as exc:
        raise HTTPException(400, str(exc)) from exc
    return redirect_after_post(request, str(request.url_for("admin_users")))


@router.get("/audit", name="audit_index")
def audit_index(request: Request, session: SessionDep, admin: Admin) -> Response:
    filters = AuditFilters.from_query(request.query_params)
    page = list_audit_events(session, filters)
    next_url = previous_url = None
    if page.has_more:
        next_url = "?" + urlencode({**filters.params(), "page": filters.page + 1})
    if filters.page > 1:
        previous_url = "?" + urlencode({**filters.params(), "page": filters.page - 1})
    return render(
        request,
        "accounts/audit.html",
        {"page": page, "filters": filters, "next_url": next_url, "previous_url": previous_url},
    )
