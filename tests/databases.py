"""Throwaway test databases: a fresh in-memory SQLite, and a Postgres database per run."""

import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from pathlib import Path

import psycopg
from sqlalchemy import StaticPool
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate
from app.db import Base, make_engine
from app.unit_of_work import AppSession

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def enabled_databases() -> list[str]:
    """Both by default; TEST_DATABASES=sqlite is for a machine without Postgres, never CI."""
    chosen = [d.strip() for d in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")]
    unknown = set(chosen) - {"sqlite", "postgresql"}
    if unknown or not chosen:
        raise RuntimeError(f"TEST_DATABASES lists {sorted(unknown)}; use sqlite and/or postgresql")
    return chosen


def _admin_conninfo() -> str:
    url = make_url(POSTGRES_ADMIN_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def throwaway_postgres(prefix: str = "cdt_test") -> Iterator[str]:
    """Create an empty Postgres database, yield its URL, drop it afterwards.

    Fails loudly (never skips) when Postgres cannot be reached.
    """
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"Postgres is not reachable at {POSTGRES_ADMIN_URL} ({exc}). Start it, or set "
            "TEST_DATABASES=sqlite to run only the SQLite half of the suite."
        ) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_database(kind: str, prefix: str = "cdt_empty") -> Iterator[Session]:
    """A new, empty database of this kind beside the test's own: SQLite in memory, or a
    throwaway Postgres database migrated with Alembic. Objects stay readable after commit."""
    with ExitStack() as cleanup:
        if kind == "sqlite":
            engine = make_engine("sqlite://", poolclass=StaticPool)
            Base.metadata.create_all(engine)
        else:
            url = cleanup.enter_context(throwaway_postgres(prefix))
            migrate.upgrade(url)
            engine = make_engine(url)
        cleanup.callback(engine.dispose)
        with AppSession(engine, expire_on_commit=False) as session:
            yield session


def server_database(kind: str, prefix: str, folder: Path) -> AbstractContextManager[str]:
    """The URL of an empty database for a live server: a SQLite file in `folder`, or a
    throwaway Postgres database (dropped on leaving)."""
    if kind == "sqlite":
        return nullcontext(f"sqlite:///{folder / (prefix + '.sqlite3')}")
    return throwaway_postgres(prefix)
