"""A deal's page, a counted table and the overview, the same for every reader who is not signed
in, are rendered once per change and kept (app/web/render.py `render_kept`), the change counter
read before any transaction (app/derived/cache.py `generation_before_reading`). Against a real
uvicorn on each database: each reader still gets their own CSRF token, which their posts pass
with; signed-in readers get their own page; a change shows at once; another host gets its own
links."""

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, event, select

from app.accounts.users import create_user
from app.db import make_engine
from app.derived.cache import current_generation, generation_before_reading
from app.models import Deal, User
from app.unit_of_work import make_sessionmaker
from tests.databases import enabled_databases, server_database
from tests.live import live_server

PASSWORD = "kept pages passphrase"
TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')


@dataclass
class Server:
    base: str
    engine: Engine
    deal_id: int


@pytest.fixture(scope="module", params=enabled_databases())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    database = server_database(request.param, "cdt_kept_pages", tmp_path_factory.mktemp("kept"))
    with database as url, live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, "kept@example.org", PASSWORD, "analyst")
            deal_id = session.scalars(
                select(Deal.id).where(Deal.deleted_at.is_(None)).order_by(Deal.id)
            ).first()
        assert deal_id is not None
        yield Server(base, engine, deal_id)
        engine.dispose()


def token_of(page: str) -> str:
    found = TOKEN.search(page)
    assert found is not None
    return found.group(1)


def total_of(overview: str) -> int:
    found = re.search(r"<strong>(\d+)</strong> deals</a>", overview)
    assert found is not None
    return int(found.group(1))


def test_every_reader_gets_the_same_page_with_their_own_token(server: Server) -> None:
    path = f"/deals/{server.deal_id}"
    with (
        closing(httpx.Client(base_url=server.base)) as one,
        closing(httpx.Client(base_url=server.base)) as other,
    ):
        first, second = one.get(path), other.get(path)
        assert first.status_code == second.status_code == 200
        mine, theirs = token_of(first.text), token_of(second.text)
        assert mine != theirs
        assert first.text.replace(mine, "") == second.text.replace(theirs, "")
        # The token is the one this browser's cookie holds: it stays, and its posts pass.
        assert token_of(one.get(path).text) == mine
        refused = one.post(
            "/login",
            data={"email": "kept@example.org", "password": "not it"},
            headers={"X-CSRF-Token": mine},
        )
        assert refused.status_code != 403 and "password" in refused.text.lower()
        # Another browser's token does not pass for this one.
        assert one.post("/logout", headers={"X-CSRF-Token": theirs}).status_code == 403


def test_a_signed_in_reader_gets_their_own_page(server: Server) -> None:
    path = f"/deals/{server.deal_id}"
    with (
        closing(httpx.Client(base_url=server.base)) as reader,
        closing(httpx.Client(base_url=server.base)) as analyst,
    ):
        token = token_of(analyst.get("/login").text)
        signed = analyst.post(
            "/login",
            data={"email": "kept@example.org", "password": PASSWORD},
            headers={"X-CSRF-Token": token},
        )
        assert signed.status_code == 303
        assert "Record status" not in reader.get(path).text
        assert "Record status" in analyst.get(path).text
        assert "Record status" not in reader.get(path).text
        assert "Sign out" not in reader.get(path).text


def test_a_change_shows_at_once_and_each_host_gets_its_own_links(server: Server) -> None:
    path = f"/deals/{server.deal_id}"
    searched = "/deals?q=behind"
    with closing(httpx.Client(base_url=server.base)) as reader:
        assert reader.get(path).status_code == 200
        overview = reader.get("/").text
        assert "A title changed behind" not in reader.get(searched).text
        with make_sessionmaker(server.engine)() as session:
            deal = session.get(Deal, server.deal_id)
            assert deal is not None
            deal.title = "A title changed behind the kept page"
            session.commit()
        assert "A title changed behind the kept page" in reader.get(path).text
        assert "A title changed behind the kept page" in reader.get(searched).text
        assert reader.get("/").text == overview  # no figure of the overview moved
        with make_sessionmaker(server.engine)() as session:
            deal = session.get(Deal, server.deal_id)
            assert deal is not None
            deal.deleted_at, deleted = deal.updated_at, total_of(overview)
            session.commit()
        assert total_of(reader.get("/").text) == deleted - 1
        with make_sessionmaker(server.engine)() as session:
            deal = session.get(Deal, server.deal_id)
            assert deal is not None
            deal.deleted_at = None
            session.commit()
        assert total_of(reader.get("/").text) == deleted
        port = server.base.rsplit(":", 1)[1]
        elsewhere = reader.get(path, headers={"Host": f"localhost:{port}"}).text
        assert f"http://localhost:{port}/static/" in elsewhere
        assert f"http://127.0.0.1:{port}/static/" in reader.get(path).text


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_counter_is_read_in_autocommit_and_leaves_the_session_alone(
    server: Server, signed_in: bool
) -> None:
    """Read outside any transaction: no BEGIN and no ROLLBACK for a kept page, and what the
    request has loaded (the signed-in user) stays loaded."""
    seen: list[bool] = []

    def note(conn: Connection, cursor: object, statement: str, *_: object) -> None:
        if "change_counter" in statement:
            seen.append(_driver_autocommits(conn))

    event.listen(server.engine, "before_cursor_execute", note)
    try:
        with make_sessionmaker(server.engine)() as session:
            user = None
            if signed_in:
                user = session.scalars(select(User).where(User.email == "kept@example.org")).one()
                session.commit()  # as load_user ends its read
            generation = generation_before_reading(session)
            assert not session.in_transaction()
            if user is not None:
                assert "role" in user.__dict__  # not expired: no reload to show the page
            assert generation == current_generation(session)
    finally:
        event.remove(server.engine, "before_cursor_execute", note)
    assert seen[0] is True


def _driver_autocommits(conn: Connection) -> bool:
    """Whether the driver itself will send no BEGIN (psycopg's autocommit; sqlite3's
    isolation_level None)."""
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        return bool(driver.autocommit)
    return driver.isolation_level is None


def test_inside_a_transaction_the_counter_is_read_in_it(server: Server) -> None:
    with make_sessionmaker(server.engine)() as session:
        session.execute(select(Deal.id).limit(1))
        assert session.in_transaction()
        assert generation_before_reading(session) == current_generation(session)
        assert session.in_transaction()
