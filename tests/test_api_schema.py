"""schemathesis against the published OpenAPI schema, on a real uvicorn with the demo data on
both databases, with every check it has: no request gets a server error, an undocumented status,
content type or header; a body the schema forbids is refused and one it allows is not refused
for its form; deleted deals stay gone; and the stateful phase chains the links the schema
declares (create a deal, read it, change it, delete it). Writes carry an analyst's token, so
they reach the rules."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from app.accounts.users import create_token, create_user
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.unit_of_work import make_sessionmaker
from tests.databases import enabled_databases, server_database
from tests.live import live_server

# Every check schemathesis has. A request the schema allows may still break a rule no schema
# can state (an organization must be known, a name is taken, a source must be on this deal):
# that is the 422 (or 409) the API documents for it, so those answers count as accepted.
load_all_checks()
CHECKS_ALL = CHECKS.get_all()
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
SETTINGS = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# One database (Postgres unless only SQLite is enabled): the coverage phase alone makes a few
# hundred requests per operation, and the API's own tests cover both databases.
@pytest.fixture(scope="module", params=enabled_databases()[-1:])
def live_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """A live server with the demo, and an analyst token's header."""
    database = server_database(request.param, "cdt_schema", tmp_path_factory.mktemp("schema"))
    with database as url, live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            user = create_user(session, "schemathesis@example.org", "analyst password 1", "analyst")
            token = create_token(session, user, "schemathesis")[1]
        engine.dispose()
        yield f"{base}/api", {"Authorization": f"Bearer {token}"}


# The schema as the app publishes it (it does not depend on the data); each case is sent to the
# live server of its database. (schemathesis.pytest.from_fixture does not run on pytest 9.)
_APP = create_app(Settings(environment="test", database_url="sqlite://", secret_key="s" * 32))  # type: ignore[call-arg]
schema = schemathesis.openapi.from_dict(
    TestClient(_APP).get("/api/openapi.json").json(), config=CONFIG
)


@schema.parametrize()
@SETTINGS
def test_the_api_keeps_to_its_schema(
    case: schemathesis.Case, live_api: tuple[str, dict[str, str]]
) -> None:
    base, auth = live_api
    # Our token, given as the caller's own (not generated), so the auth checks know it is real.
    case.call_and_validate(base_url=base, headers=auth, checks=CHECKS_ALL)


def test_the_api_keeps_to_its_schema_across_calls(live_api: tuple[str, dict[str, str]]) -> None:
    """The stateful phase: sequences of calls along the schema's links, every check after each."""
    base, auth = live_api
    live = schemathesis.openapi.from_url(f"{base}/openapi.json", config=CONFIG)

    class Calls(live.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": base, "headers": auth}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS_ALL, headers=auth)

    Calls.run(
        settings=settings(
            SETTINGS, max_examples=6, stateful_step_count=6, suppress_health_check=list(HealthCheck)
        )
    )
