"""Accounts on both databases: sign-in and its limits, CSRF, roles, tokens, private reading."""

import hashlib
import time
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.models import ApiToken, AuditEvent, Deal, LoginAttempt, User
from app.web import accounts
from tests.conftest import _test_app

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed sign-ins are slowed by design; one test below measures that, the rest skip it."""
    monkeypatch.setattr(accounts, "FAILURE_DELAY_STEP", 0.0)


def make_user(session: Session, email: str, role: str = "analyst") -> User:
    return create_user(session, email, PASSWORD, role)


def csrf(client: TestClient, path: str = "/login") -> str:
    page = BeautifulSoup(client.get(path).text, "html.parser")
    return str(page.select_one("input[name=csrf_token]")["value"])


def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": password, "csrf_token": csrf(client), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def deal_id(session: Session) -> int:
    return session.scalars(select(Deal.id).where(Deal.title.contains("Maia 200"))).one()


def test_passwords_are_hashed_with_argon2(session: Session) -> None:
    user = make_user(session, "ana@example.org")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_sets_a_signed_httponly_lax_cookie(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    response = sign_in(client, "ANA@example.org", next="/deals?status=rumored")
    assert response.status_code == 303
    assert response.headers["location"] == "/deals?status=rumored"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "cdt_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert PASSWORD not in cookie
    assert "Signed in as ana@example.org" in client.get("/deals").text


def test_sign_in_never_sends_people_to_another_site(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    for target in ("https://evil.example/", "//evil.example/x"):
        response = sign_in(client, "ana@example.org", next=target)
        assert response.headers["location"] == "/"


def test_a_wrong_password_is_refused_and_recorded(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    response = sign_in(client, "ana@example.org", "wrong password!")
    assert response.status_code == 401
    page = BeautifulSoup(response.text, "html.parser")
    assert "Wrong email or password." in page.select_one(".form-error").get_text()
    assert page.select_one("#email")["value"] == "ana@example.org"
    assert "cdt_session" not in response.headers.get("set-cookie", "")
    attempts = session.scalars(select(LoginAttempt)).all()
    assert [(a.email_key, a.succeeded) for a in attempts] == [("ana@example.org", False)]
    unknown = sign_in(client, "nobody@example.org")
    assert unknown.status_code == 401 and "Wrong email or password." in unknown.text


def test_failures_are_slowed(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "FAILURE_DELAY_STEP", 0.2)
    real_sleep = time.sleep
    slept: list[float] = []

    def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(accounts.time, "sleep", recording_sleep)
    make_user(session, "ana@example.org")
    started = time.monotonic()
    for _ in range(3):
        sign_in(client, "ana@example.org", "wrong password!")
    # Each failure waits longer than the one before (exact figures: a loaded machine makes
    # wall-clock upper bounds flaky); the waits really happen (a lower bound is safe).
    assert [round(s, 2) for s in slept] == [0.2, 0.4, 0.6]
    assert time.monotonic() - started >= 1.2


def test_repeated_failures_lock_the_account(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    make_user(session, "bo@example.org")
    for _ in range(5):
        assert sign_in(client, "ana@example.org", "wrong password!").status_code == 401
    locked = sign_in(client, "ana@example.org")  # even the right password
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.text
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert sign_in(client, "bo@example.org").status_code == 303  # others are not locked


def test_many_failures_from_one_client_lock_it(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    for n in range(20):
        sign_in(client, f"guess{n}@example.org", "wrong password!")
    locked = sign_in(client, "ana@example.org")
    assert locked.status_code == 429
    assert "from your network address" in locked.text


def test_a_disabled_account_can_no_longer_sign_in_or_use_its_session(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, "ana@example.org")
    assert sign_in(client, "ana@example.org").status_code == 303
    assert client.get("/account").status_code == 200
    user.is_active = False
    session.commit()
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(client, "ana@example.org").status_code == 401


def test_sign_out(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    sign_in(client, "ana@example.org")
    token = csrf(client, "/account")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert 'cdt_session=""' in response.headers["set-cookie"]
    assert client.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_writes_without_the_right_csrf_token_are_refused(
    client: TestClient, session: Session, token: str | None
) -> None:
    make_user(session, "ana@example.org")
    sign_in(client, "ana@example.org")
    data = {} if token is None else {"csrf_token": token}
    response = client.post("/logout", data=data)
    assert response.status_code == 403
    assert "security token" in response.text
    assert client.get("/account").status_code == 200  # still signed in
    login = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert login.status_code == 403


def test_htmx_sends_the_token_as_a_header(client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.org")
    sign_in(client, "ana@example.org")
    page = BeautifulSoup(client.get("/deals").text, "html.parser")
    headers = page.select_one("body")["hx-headers"]
    token = headers.split('"X-CSRF-Token": "')[1].split('"')[0]
    response = client.post("/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 204 and response.headers["hx-redirect"] == "/"


@pytest.fixture
def signed_in(demo: Session) -> Iterator[dict[str, TestClient]]:
    """A client per role, each signed in (plus an anonymous one)."""
    clients = {}
    for role in ("viewer", "analyst", "admin"):
        make_user(demo, f"{role}@example.org", role)
    for role in ("anonymous", "viewer", "analyst", "admin"):
        client = TestClient(_test_app(demo))
        client.__enter__()
        if role != "anonymous":
            assert sign_in(client, f"{role}@example.org").status_code == 303
        clients[role] = client
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def test_who_may_delete_and_restore(signed_in: dict[str, TestClient], demo: Session) -> None:
    target = deal_id(demo)

    def post(role: str, action: str, **headers: str):  # type: ignore[no-untyped-def]
        client = signed_in[role]
        token = csrf(client, "/login")
        return client.post(
            f"/deals/{target}/{action}", data={"csrf_token": token}, headers=headers,
            follow_redirects=False,
        )  # fmt: skip

    anonymous = post("anonymous", "delete")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    htmx = post("anonymous", "delete", **{"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/login")
    assert post("viewer", "delete").status_code == 403
    assert demo.get_one(Deal, target).deleted_at is None

    assert post("analyst", "delete").status_code == 303
    demo.expire_all()
    assert demo.get_one(Deal, target).deleted_at is not None
    assert signed_in["analyst"].get(f"/deals/{target}").status_code == 404
    assert signed_in["admin"].get(f"/deals/{target}").status_code == 200  # to restore it

    assert post("analyst", "restore").status_code == 403
    assert post("admin", "restore").status_code == 303
    demo.expire_all()
    assert demo.get_one(Deal, target).deleted_at is None

    actions = demo.execute(
        select(AuditEvent.action, User.email)
        .join(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.deal_id == target)
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(a) for a in actions] == [
        ("delete", "analyst@example.org"),
        ("restore", "admin@example.org"),
    ]
    # Anonymous readers see who by role (or display name), never by email address.
    history = BeautifulSoup(signed_in["anonymous"].get(f"/deals/{target}").text, "html.parser")
    anonymous_text = history.select_one(".audit").get_text()
    assert "Analyst" in anonymous_text and "analyst@example.org" not in anonymous_text
    history = BeautifulSoup(signed_in["admin"].get(f"/deals/{target}").text, "html.parser")
    assert "analyst@example.org" in history.select_one(".audit").get_text()


def test_admin_pages_are_for_admins(signed_in: dict[str, TestClient]) -> None:
    for path in ("/admin/users", "/audit"):
        assert signed_in["anonymous"].get(path, follow_redirects=False).status_code == 303
        assert signed_in["analyst"].get(path).status_code == 403
        assert signed_in["admin"].get(path).status_code == 200
    assert "viewer@example.org" in signed_in["admin"].get("/admin/users").text


def test_admins_change_roles_and_it_is_audited(
    signed_in: dict[str, TestClient], demo: Session
) -> None:
    viewer = demo.scalars(select(User).where(User.email == "viewer@example.org")).one()
    admin = signed_in["admin"]
    response = admin.post(
        f"/admin/users/{viewer.id}",
        data={"role": "analyst", "csrf_token": csrf(admin, "/admin/users")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    demo.expire_all()
    assert demo.get_one(User, viewer.id).role == "analyst"
    log = BeautifulSoup(admin.get("/audit?entity_type=user").text, "html.parser")
    text = log.select_one(".audit").get_text(" ")
    assert "role" in text and "viewer" in text and "analyst" in text


def test_api_tokens_work_until_revoked(signed_in: dict[str, TestClient], demo: Session) -> None:
    analyst = signed_in["analyst"]
    created = analyst.post(
        "/account/tokens", data={"name": "script", "csrf_token": csrf(analyst, "/account")}
    )
    assert created.status_code == 201
    clear = BeautifulSoup(created.text, "html.parser").select_one("#new-token").get_text()
    stored = demo.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert clear not in (stored.token_hash, stored.prefix)
    assert clear not in analyst.get("/account").text  # shown once

    anonymous = signed_in["anonymous"]
    me = anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"})
    assert me.status_code == 200 and me.json()["email"] == "analyst@example.org"
    # A token is its own credential: no cookie, so no CSRF token needed.
    deleted = anonymous.post(
        f"/deals/{deal_id(demo)}/delete",
        headers={"Authorization": f"Bearer {clear}"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303

    analyst.post(
        f"/account/tokens/{stored.id}/revoke", data={"csrf_token": csrf(analyst, "/account")}
    )
    refused = anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"})
    assert refused.status_code == 401
    assert anonymous.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert anonymous.get("/api/v1/me").status_code == 401


def test_viewers_cannot_make_tokens(signed_in: dict[str, TestClient]) -> None:
    viewer = signed_in["viewer"]
    response = viewer.post(
        "/account/tokens", data={"name": "x", "csrf_token": csrf(viewer, "/account")}
    )
    assert response.status_code == 403


def test_a_token_name_is_needed_and_kept_on_error(signed_in: dict[str, TestClient]) -> None:
    analyst = signed_in["analyst"]
    token = csrf(analyst, "/account")
    analyst.post("/account/tokens", data={"name": "same", "csrf_token": token})
    again = analyst.post("/account/tokens", data={"name": "same", "csrf_token": token})
    assert again.status_code == 422
    page = BeautifulSoup(again.text, "html.parser")
    assert "already have a token named 'same'" in page.select_one(".field-error").get_text()
    assert page.select_one("#token-name")["value"] == "same"


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/", "/deals", "/nowhere", "/static/app.css", "/login"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(demo_client: TestClient, demo: Session) -> None:
    for path in ("/", "/deals", f"/deals/{deal_id(demo)}", "/login", "/organizations"):
        page = BeautifulSoup(demo_client.get(path).text, "html.parser")
        assert all(script.get("src") for script in page.select("script")), path
        assert not page.select("style, [style], [onclick], [hx-on]"), path


def test_private_reading_needs_a_signed_in_user(session: Session) -> None:
    make_user(session, "ana@example.org", "viewer")
    with TestClient(_test_app(session, read_access="private")) as client:
        response = client.get("/deals?status=rumored", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fdeals%3Fstatus%3Drumored"
        assert client.get("/healthz").status_code == 200
        assert client.get("/login").status_code == 200
        assert sign_in(client, "ana@example.org").status_code == 303
        assert client.get("/deals").status_code == 200


def test_every_attempt_is_in_the_database_not_in_memory(
    client: TestClient, session: Session
) -> None:
    make_user(session, "ana@example.org")
    for _ in range(5):
        sign_in(client, "ana@example.org", "wrong password!")
    # A second app (another worker, another machine) sees the same lockout.
    with TestClient(_test_app(session)) as other:
        assert sign_in(other, "ana@example.org").status_code == 429
    # Refused while locked out: the attempt is not even weighed, so it adds nothing.
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 5
