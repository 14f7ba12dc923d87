"""Sessions kept in the database, on both databases: sign-out ends a copied cookie, "sign out
everywhere", a password change and a role change end sessions, expired ones are refused."""

from datetime import timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.sessions import SESSION_LIFETIME, start_session
from app.accounts.users import create_user
from app.models import User, UserSession, utcnow
from tests.conftest import _test_app

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


def csrf(client: TestClient, path: str = "/login") -> str:
    page = BeautifulSoup(client.get(path).text, "html.parser")
    return str(page.select_one("input[name=csrf_token]")["value"])


def signed_in(session: Session, email: str, password: str = PASSWORD) -> TestClient:
    """A new browser, signed in as `email`; later posts send its CSRF token."""
    client = TestClient(_test_app(session), headers={"User-Agent": f"Browser of {email}"})
    token = csrf(client)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = token
    return client


def is_signed_in(client: TestClient) -> bool:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code in (200, 303)
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login")
    return response.status_code == 200


def sessions_of(session: Session, user: User) -> int:
    stmt = select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    return int(session.scalar(stmt) or 0)


def test_a_sign_in_is_a_session_row_the_cookie_only_names(session: Session) -> None:
    user = create_user(session, "ana@example.org", PASSWORD, "analyst")
    client = signed_in(session, "ana@example.org")
    row = session.scalars(select(UserSession)).one()
    assert row.user_id == user.id and row.user_agent == "Browser of ana@example.org"
    assert row.expires_at - row.created_at == SESSION_LIFETIME == timedelta(days=14)
    cookie = client.cookies["cdt_session"]
    assert row.id not in cookie  # the table keeps a hash of the token, the cookie the token
    page = BeautifulSoup(client.get("/account").text, "html.parser")
    rows = [r.get_text(" ", strip=True) for r in page.select("#sessions-heading ~ table tbody tr")]
    assert len(rows) == 1 and "Browser of ana@example.org (this one)" in rows[0]
    session.delete(row)  # ended on the server: the cookie no longer opens anything
    session.commit()
    assert not is_signed_in(client)


def test_signing_out_ends_a_copied_cookie_too(session: Session) -> None:
    user = create_user(session, "ana@example.org", PASSWORD, "analyst")
    browser = signed_in(session, "ana@example.org")
    thief = TestClient(_test_app(session))
    thief.cookies.set("cdt_session", browser.cookies["cdt_session"])
    assert is_signed_in(thief)
    response = browser.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert not is_signed_in(browser) and not is_signed_in(thief)
    assert sessions_of(session, user) == 0


def test_sign_out_everywhere_ends_every_session_of_the_user(session: Session) -> None:
    ana = create_user(session, "ana@example.org", PASSWORD, "analyst")
    bo = create_user(session, "bo@example.org", PASSWORD, "analyst")
    laptop, phone = signed_in(session, "ana@example.org"), signed_in(session, "ana@example.org")
    other = signed_in(session, "bo@example.org")
    response = phone.post("/account/sessions/end", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/login")
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert is_signed_in(other)  # someone else's sessions stay
    assert (sessions_of(session, ana), sessions_of(session, bo)) == (0, 1)


def test_a_password_change_keeps_this_session_and_ends_the_others(session: Session) -> None:
    user = create_user(session, "ana@example.org", PASSWORD, "analyst")
    here, elsewhere = signed_in(session, "ana@example.org"), signed_in(session, "ana@example.org")
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = here.post("/account/password", data={**form, "new_password_again": NEW_PASSWORD})
    assert response.status_code == 200
    assert "Password changed. Your other sessions are signed out." in response.text
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert sessions_of(session, user) == 1
    signed_in(session, "ana@example.org", NEW_PASSWORD)  # the new one works
    old = TestClient(_test_app(session))
    refused = old.post(
        "/login",
        data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": csrf(old)},
    )
    assert refused.status_code == 401


def test_a_refused_password_change_says_why_beside_each_field(session: Session) -> None:
    user = create_user(session, "ana@example.org", PASSWORD, "analyst")
    client, other = signed_in(session, "ana@example.org"), signed_in(session, "ana@example.org")
    before = user.password_hash
    cases = [
        ({"current_password": "wrong", "new_password": NEW_PASSWORD}, NEW_PASSWORD,
         "current-password-error", "This is not your current password."),
        ({"current_password": PASSWORD, "new_password": "short"}, "short",
         "new-password-error", "The password must be at least 12 characters."),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD}, NEW_PASSWORD + "!",
         "new-password-again-error", "The two new passwords differ."),
    ]  # fmt: skip
    for form, again, error_id, message in cases:
        response = client.post("/account/password", data={**form, "new_password_again": again})
        assert response.status_code == 422
        page = BeautifulSoup(response.text, "html.parser")
        assert page.select_one(f"#{error_id}").get_text(strip=True) == message
        field = page.select_one(f"[aria-describedby={error_id}]")
        assert field["aria-invalid"] == "true"
        for secret in page.select("input[type=password]"):
            assert not secret.get("value")  # no password is sent back
    session.refresh(user)
    assert user.password_hash == before
    assert is_signed_in(other)  # nothing changed, nobody was signed out


def test_an_admin_changing_a_role_ends_that_users_sessions(session: Session) -> None:
    create_user(session, "admin@example.org", PASSWORD, "admin")
    ana = create_user(session, "ana@example.org", PASSWORD, "analyst")
    admin, client = signed_in(session, "admin@example.org"), signed_in(session, "ana@example.org")
    response = admin.post(f"/admin/users/{ana.id}", data={"role": "viewer"}, follow_redirects=False)
    assert response.status_code == 303
    assert not is_signed_in(client) and is_signed_in(admin)
    session.refresh(ana)
    assert ana.role == "viewer" and sessions_of(session, ana) == 0


def test_an_expired_session_is_refused_and_purged_by_the_next_sign_in(session: Session) -> None:
    user = create_user(session, "ana@example.org", PASSWORD, "analyst")
    client = signed_in(session, "ana@example.org")
    row = session.scalars(select(UserSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert not is_signed_in(client)
    start_session(session, user, "another browser")
    assert [r.user_agent for r in session.scalars(select(UserSession))] == ["another browser"]
