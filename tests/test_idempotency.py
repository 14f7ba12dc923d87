"""`Idempotency-Key` on the API's POSTs, on both databases: a retry replays the first answer
and writes nothing, another request under the key is a 422, a key still in use a 409, an
error frees the key, an expired key is forgotten, and the schema documents the header."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.users import create_token, create_user
from app.api.examples import NEW_DEAL
from app.api.idempotency import claim, request_digest
from app.models import ApiToken, Deal, IdempotencyKey, utcnow

KEY = "7f4c1e9a-2b3d-4c5e-8f60-1a2b3c4d5e6f"


def auth(session: Session, email: str = "ana@example.org") -> dict[str, str]:
    user = create_user(session, email, "a long password 1", "analyst")
    return {"Authorization": f"Bearer {create_token(session, user, 'script')[1]}"}


def deals(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Deal)) or 0)


def post(client: TestClient, headers: dict[str, str], body: dict[str, Any], key: str = KEY) -> Any:
    return client.post("/api/v1/deals", json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retry_replays_the_first_answer_and_writes_nothing(
    demo_client: TestClient, demo: Session
) -> None:
    headers, before = auth(demo), deals(demo)
    first = post(demo_client, headers, NEW_DEAL)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = post(demo_client, headers, NEW_DEAL)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["content-type"] == "application/json"
    assert deals(demo) == before + 1
    row = demo.scalars(select(IdempotencyKey)).one()
    assert (row.key, row.status_code) == (KEY, 201)
    assert row.expires_at - row.created_at == timedelta(days=1)
    # Another token's key is its own: the same key from it is a new write.
    other = post(demo_client, auth(demo, "bo@example.org"), NEW_DEAL)
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    assert deals(demo) == before + 2


def test_the_key_with_another_body_is_a_422(demo_client: TestClient, demo: Session) -> None:
    headers = auth(demo)
    assert post(demo_client, headers, NEW_DEAL).status_code == 201
    before = deals(demo)
    response = post(demo_client, headers, {**NEW_DEAL, "title": "Another deal altogether"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == {"Idempotency-Key": ["This key was used for another request."]}
    assert deals(demo) == before
    elsewhere = demo_client.post(  # the same body to another path is another request too
        "/api/v1/organizations",
        json=NEW_DEAL,
        headers={**headers, "Idempotency-Key": KEY},
    )
    assert elsewhere.status_code == 422 and "Idempotency-Key" in elsewhere.json()["errors"]


def test_a_key_whose_first_request_still_runs_is_a_409(
    demo_client: TestClient, demo: Session
) -> None:
    headers, before = auth(demo), deals(demo)
    token = demo.scalars(select(ApiToken)).one()
    body = demo_client.build_request("POST", "/api/v1/deals", json=NEW_DEAL).content
    claim(demo, token.id, token.user_id, KEY, request_digest("POST", "/api/v1/deals", body))
    response = post(demo_client, headers, NEW_DEAL)
    assert response.status_code == 409
    assert response.headers["retry-after"] == "1"
    assert "still being answered" in response.json()["detail"]
    assert deals(demo) == before


def test_an_error_frees_the_key_for_the_corrected_request(
    demo_client: TestClient, demo: Session
) -> None:
    headers = auth(demo)
    refused = post(demo_client, headers, {**NEW_DEAL, "title": ""})
    assert refused.status_code == 422 and "title" in refused.json()["errors"]
    assert demo.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    corrected = post(demo_client, headers, {**NEW_DEAL, "title": "Corrected title"})
    assert corrected.status_code == 201 and corrected.json()["title"] == "Corrected title"


def test_an_expired_key_is_forgotten(demo_client: TestClient, demo: Session) -> None:
    headers, before = auth(demo), deals(demo)
    assert post(demo_client, headers, NEW_DEAL).status_code == 201
    row = demo.scalars(select(IdempotencyKey)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    demo.commit()
    again = post(demo_client, headers, NEW_DEAL)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert deals(demo) == before + 2
    assert demo.scalar(select(func.count()).select_from(IdempotencyKey)) == 1  # purged


def test_a_malformed_key_is_a_422_naming_the_header(client: TestClient, session: Session) -> None:
    headers = auth(session)
    for key in ("x" * 256, "two words"):
        response = client.post(
            "/api/v1/organizations",
            json={"name": "Crusoe", "kind": "neocloud"},
            headers={**headers, "Idempotency-Key": key},
        )
        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["Idempotency-Key"]


def test_the_schema_offers_the_header_on_every_post_and_only_there(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    seen = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            seen[(method, path)] = "Idempotency-Key" in names
            if method == "post":
                assert {"409", "422"} <= set(operation["responses"]), (method, path)
    posts = {k: v for k, v in seen.items() if k[0] == "post"}
    assert len(posts) >= 6 and all(posts.values()), posts
    assert not any(v for k, v in seen.items() if k[0] != "post")
