"""Against a real uvicorn on each database: a copied session cookie stops working after
sign-out, a password change signs the other browsers out, and concurrent API writes sharing
one Idempotency-Key make one deal, whose answer every retry gets back."""

import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, func, select

from app.accounts.users import create_token, create_user
from app.api.examples import NEW_DEAL
from app.db import make_engine
from app.models import Deal
from app.unit_of_work import make_sessionmaker
from tests.databases import enabled_databases, server_database
from tests.live import live_server

PASSWORD = "correct horse battery staple"
WRITERS = 8


@dataclass
class Server:
    base: str
    engine: Engine
    token: str

    def deals(self) -> int:
        with make_sessionmaker(self.engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Deal)) or 0)


@pytest.fixture(scope="module", params=enabled_databases())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    database = server_database(request.param, "cdt_live_sessions", tmp_path_factory.mktemp("live"))
    with database as url, live_server(url, demo=False) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            user = create_user(session, "ana@example.org", PASSWORD, "analyst")
            _, token = create_token(session, user, "script")
        yield Server(base, engine, token)
        engine.dispose()


def signed_in(base: str, password: str = PASSWORD) -> httpx.Client:
    """A browser signed in through /login, sending its CSRF token with every post."""
    client = httpx.Client(base_url=base, timeout=120)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.headers["x-csrf-token"] = token.group(1)
    answer = client.post("/login", data={"email": "ana@example.org", "password": password})
    assert answer.status_code == 303, answer.text[:500]
    return client


def account_status(base: str, cookie: str) -> int:
    """What /account answers a browser holding only this session cookie."""
    with httpx.Client(base_url=base, cookies={"cdt_session": cookie}) as client:
        response = client.get("/account")
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")
        return response.status_code


def test_a_copied_cookie_stops_working_after_sign_out(server: Server) -> None:
    with closing(signed_in(server.base)) as browser:
        cookie = browser.cookies["cdt_session"]
        assert account_status(server.base, cookie) == 200
        assert browser.post("/logout").status_code == 303
    assert account_status(server.base, cookie) == 303


def test_a_password_change_signs_the_other_browsers_out(server: Server) -> None:
    with closing(signed_in(server.base)) as here, closing(signed_in(server.base)) as elsewhere:
        new = "another long passphrase"
        form = {"current_password": PASSWORD, "new_password": new, "new_password_again": new}
        assert here.post("/account/password", data=form).status_code == 303
        assert account_status(server.base, elsewhere.cookies["cdt_session"]) == 303
        assert account_status(server.base, here.cookies["cdt_session"]) == 200
        back = {"current_password": new, "new_password": PASSWORD, "new_password_again": PASSWORD}
        assert here.post("/account/password", data=back).status_code == 303


def test_concurrent_posts_with_one_key_make_one_deal(server: Server) -> None:
    before = server.deals()
    headers = {"Authorization": f"Bearer {server.token}", "Idempotency-Key": "once-only-1"}
    body = {**NEW_DEAL, "create_missing": True, "hardware": [], "relay": None}

    def send(client: httpx.Client) -> httpx.Response:
        return client.post(f"{server.base}/api/v1/deals", json=body, headers=headers)

    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(lambda _: send(client), range(WRITERS)))
        codes = Counter(a.status_code for a in answers)
        assert set(codes) <= {201, 409}, [a.text for a in answers]
        assert server.deals() == before + 1
        made = [a for a in answers if a.status_code == 201]
        first = next(a for a in made if "idempotent-replayed" not in a.headers)
        # Every 201 but one is a replay of it; a 409 (the first still running) retried later
        # gets the same answer.
        assert sum("idempotent-replayed" not in a.headers for a in made) == 1
        assert all(a.content == first.content for a in made)
        retry = send(client)
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content
    assert retry.json()["title"] == NEW_DEAL["title"]
    assert server.deals() == before + 1
