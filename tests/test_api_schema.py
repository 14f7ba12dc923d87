"""schemathesis against the published OpenAPI schema, on both databases with the demo data:
no request it makes gets a server error, an undocumented status or content type, or a body
the schema does not describe. Writes carry an analyst's token, so they reach the rules."""

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import StaticPool
from sqlalchemy.orm import Session

from app.accounts.users import create_token, create_user
from app.config import Settings
from app.db import Base, make_engine
from app.main import create_app
from app.services.demo import load_demo
from app.unit_of_work import AppSession
from tests.conftest import _test_app
from tests.databases import enabled_databases

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module", params=enabled_databases())
def demo_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """The demo data once per database for the whole module (loading it per operation would
    triple the run time); as in conftest, nothing written outlives the module."""
    if request.param == "sqlite":
        engine = make_engine("sqlite://", poolclass=StaticPool)
        Base.metadata.create_all(engine)
        with AppSession(engine, expire_on_commit=False) as session:
            load_demo(session)
            yield session
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    with engine.connect() as connection:
        transaction = connection.begin()
        with AppSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as session:
            load_demo(session)
            yield session
        transaction.rollback()


@pytest.fixture(scope="module")
def demo_app(demo_session: Session) -> FastAPI:
    return _test_app(demo_session)


@pytest.fixture(scope="module")
def api_token(demo_session: Session) -> str:
    user = create_user(demo_session, "schemathesis@example.org", "analyst password 1", "analyst")
    return create_token(demo_session, user, "schemathesis")[1]


# The schema as the app publishes it (it does not depend on the data); each test calls the
# app of its own database. (schemathesis.pytest.from_fixture does not run on pytest 9.)
schema = schemathesis.openapi.from_asgi(
    "/api/openapi.json",
    create_app(Settings(environment="test", database_url="sqlite://", secret_key="s" * 32)),  # type: ignore[call-arg]
)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(
    case: schemathesis.Case, demo_app: FastAPI, api_token: str
) -> None:
    # Our token replaces any Authorization value generated for the security scheme.
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_token}"}
    case.call_and_validate(app=demo_app, checks=CHECKS)
