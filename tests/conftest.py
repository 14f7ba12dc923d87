"""Fixtures: every database test runs on SQLite and on the machine's real Postgres."""

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine, StaticPool, event
from sqlalchemy.orm import Session
from starlette.routing import Mount

from app import migrate
from app.accounts.users import create_user
from app.config import Settings
from app.db import Base, make_engine
from app.main import create_app
from app.services.demo import load_demo
from app.unit_of_work import AppSession, get_session
from tests.databases import enabled_databases, throwaway_postgres
from tests.live import ARTIFACTS, CHROMIUM_ARGS, chromium_path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """One throwaway Postgres database per run, migrated with Alembic and left empty."""
    with throwaway_postgres() as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_demo_engine() -> Iterator[Engine]:
    """A second throwaway Postgres database per run, migrated and holding the demo data,
    loaded once; each test that asks for `demo` works inside a transaction rolled back."""
    with throwaway_postgres("cdt_demo") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        with AppSession(engine) as session:
            load_demo(session)
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_demo_template() -> Iterator[sqlite3.Connection]:
    """An in-memory SQLite database holding the demo data, built once per run; each test that
    asks for `demo` gets its own copy of it (sqlite3's online backup, a few milliseconds)."""
    engine = make_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with AppSession(engine) as session:
        load_demo(session)
    raw = engine.raw_connection()
    yield cast(sqlite3.Connection, raw.driver_connection)
    raw.close()
    engine.dispose()


@pytest.fixture(params=enabled_databases())
def db_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _wants_demo(request: pytest.FixtureRequest) -> bool:
    """Whether the test uses the demo data (directly or through a fixture built on it)."""
    return "demo" in request.fixturenames


@pytest.fixture
def session(db_name: str, request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session on an empty schema, or on the demo data when the test asks for `demo`;
    nothing it writes outlives the test.

    SQLite: a new in-memory database per test (a copy of the run's demo database when the
    demo is asked for). Postgres: the run's empty or demo database, each test inside an outer
    transaction that is rolled back, commits becoming savepoints.
    """
    if db_name == "sqlite":
        engine = make_engine("sqlite://", poolclass=StaticPool)
        if _wants_demo(request):
            template = request.getfixturevalue("sqlite_demo_template")
            raw = engine.raw_connection()
            template.backup(cast(sqlite3.Connection, raw.driver_connection))
            raw.close()
        else:
            Base.metadata.create_all(engine)
        with AppSession(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()
        return
    engine = request.getfixturevalue(
        "postgres_demo_engine" if _wants_demo(request) else "postgres_engine"
    )
    with engine.connect() as connection:
        transaction = connection.begin()
        with AppSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as session:
            yield session
        transaction.rollback()


@pytest.fixture
def demo(session: Session) -> Session:
    """The session, on a database holding the shipped demo data (built once per run)."""
    return session


def _test_app(session: Session, **settings: object) -> FastAPI:
    # Pages wait for their counts however busy the machine is: a test that reads a total must
    # not see "still counting" because the machine was slow. tests/test_scale.py sets the
    # time limit itself where it is what is tested.
    settings.setdefault("figure_time_limit_ms", 60_000)
    app = create_app(
        Settings(environment="test", database_url="sqlite://", secret_key="t" * 32, **settings)  # type: ignore[arg-type]
    )

    def _session() -> Iterator[Session]:
        yield session

    for each in site_apps(app):
        each.dependency_overrides[get_session] = _session
    return app


def site_apps(app: FastAPI) -> list[FastAPI]:
    """The site and the apps mounted in it (the JSON API): FastAPI keeps dependency overrides
    per app."""
    mounted = [r.app for r in app.routes if isinstance(r, Mount) and isinstance(r.app, FastAPI)]
    return [app, *mounted]


@dataclass(frozen=True)
class PageRoute:
    name: str
    path: str  # with {parameters}
    methods: frozenset[str]


def page_routes(app: FastAPI) -> list[PageRoute]:
    """The site's own routes (the pages and their forms, not the mounted API or static files),
    as the app holds them: a route added to any router is in the list."""
    routes = []
    for route in iter_route_contexts(app.routes):
        if route.methods and route.path_format and route.name:
            routes.append(PageRoute(route.name, route.path_format, frozenset(route.methods)))
    return routes


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    with TestClient(_test_app(session)) as client:
        yield client


@pytest.fixture
def demo_client(demo: Session) -> Iterator[TestClient]:
    with TestClient(_test_app(demo)) as client:
        yield client


def sign_in(client: TestClient, email: str, password: str) -> None:
    """Sign `client` in through the login form; later writes send the CSRF header."""
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "the login page has no CSRF field"
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    assert response.status_code == 200 and "Sign out" in response.text, "sign-in failed"
    client.headers["X-CSRF-Token"] = token.group(1)


@pytest.fixture
def analyst(demo: Session) -> Iterator[TestClient]:
    """A client signed in as an analyst, on the demo data."""
    create_user(demo, "ana@example.org", "analyst password 1", "analyst")
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "ana@example.org", "analyst password 1")
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system Chromium, driven by Playwright (never a downloaded one)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


class StatementCounter:
    """Counts the SQL statements an engine runs while it is active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _on_execute(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.statements.append(statement)

    def __enter__(self) -> "StatementCounter":
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


@pytest.fixture
def count_statements(session: Session) -> type[StatementCounter] | object:
    engine = session.get_bind()
    engine = engine.engine if hasattr(engine, "engine") else engine
    return lambda: StatementCounter(engine)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on each database and in the browser, so CI logs show it."""
    passed = terminalreporter.stats.get("passed", [])
    failed = terminalreporter.stats.get("failed", [])
    lines = []
    for label, marker in (("SQLite", "[sqlite"), ("Postgres", "[postgresql")):
        ok = sum(marker in r.nodeid for r in passed)
        bad = sum(marker in r.nodeid for r in failed)
        lines.append(f"{label}: {ok} passed, {bad} failed")
    browser_ok = sum("tests/test_browser" in r.nodeid for r in passed)
    browser_bad = sum("tests/test_browser" in r.nodeid for r in failed)
    lines.append(f"Chromium: {browser_ok} passed, {browser_bad} failed")
    terminalreporter.write_sep("-", "where the tests ran")
    for line in lines:
        terminalreporter.write_line(line)
