"""The `deals` command, run as a user runs it, against SQLite and Postgres."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app.accounts.users import verify_password
from app.config import Settings
from app.db import make_engine
from app.models import Deal, User
from app.unit_of_work import AppSession
from tests.databases import enabled_databases, throwaway_postgres

DEALS = str(Path(sys.executable).parent / "deals")


@pytest.fixture(params=enabled_databases())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        return
    with throwaway_postgres("cdt_cli") as url:
        yield url


def run(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "cli-test-" + "x" * 24}
    return subprocess.run(
        [DEALS, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_upgrade_demo_and_users(database_url: str) -> None:
    assert run(database_url, "db", "upgrade").returncode == 0

    first = run(database_url, "demo")
    assert first.returncode == 0, first.stderr
    assert "Loaded 58 demo deals" in first.stderr
    again = run(database_url, "demo")
    assert "already has deals" in again.stderr

    created = run(
        database_url, "users", "create", "ana@example.org", "--role", "analyst",
        stdin="correct horse battery staple\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    short = run(database_url, "users", "create", "b@example.org", stdin="short\n")
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr
    duplicate = run(
        database_url, "users", "create", "ANA@example.org", stdin="another long password\n"
    )
    assert "already exists" in duplicate.stderr

    engine = make_engine(database_url)
    with AppSession(engine) as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == 58
        user = session.scalars(select(User)).one()
        assert user.role == "analyst"
        assert "correct horse" not in user.password_hash
        assert user.password_hash.startswith("$argon2")
        assert verify_password(user, "correct horse battery staple")
        assert not verify_password(user, "wrong password here")
    engine.dispose()

    assert run(database_url, "users", "set-role", "ana@example.org", "admin").returncode == 0
    assert run(database_url, "users", "disable", "ana@example.org").returncode == 0
    listed = run(database_url, "users", "list")
    assert "ana@example.org" in listed.stdout and "admin" in listed.stdout
    assert "disabled" in listed.stdout
    missing = run(database_url, "users", "set-role", "nobody@example.org", "viewer")
    assert missing.returncode == 1 and "no user with the email" in missing.stderr

    down = run(database_url, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr


def test_first_run_creates_an_admin_once(database_url: str) -> None:
    assert run(database_url, "db", "upgrade").returncode == 0
    first = run(database_url, "users", "bootstrap", "--url", "http://127.0.0.1:8000")
    assert "http://127.0.0.1:8000/login" in first.stderr
    password = first.stderr.split("password:")[1].split()[0]
    assert len(password) >= 12
    engine = make_engine(database_url)
    with AppSession(engine) as session:
        admin = session.scalars(select(User)).one()
        assert admin.role == "admin" and verify_password(admin, password)
    engine.dispose()
    second = run(database_url, "users", "bootstrap")
    assert "Accounts exist already" in second.stderr and "password:" not in second.stderr


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings(environment="production", database_url="sqlite://")


def test_postgres_urls_use_psycopg() -> None:
    settings = Settings(database_url="postgres://u@h/db", secret_key="s" * 32)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
