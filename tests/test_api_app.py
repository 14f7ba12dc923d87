"""The JSON API as its own app mounted at /api: its methods and errors, the site's middleware
and dependencies around it, links across the two apps, `servers` behind a root path, and the
state it shares with the site."""

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from app.accounts.users import create_token, create_user
from app.config import Settings
from app.main import create_app
from app.web.security import SECURITY_HEADERS
from tests.conftest import _test_app, sign_in, site_apps

PROBLEM = "application/problem+json"
TOKEN_REQUIRED = "urn:compute-deal-tracker:problem:token-required"


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def bearer(session: Session, role: str = "analyst") -> dict[str, str]:
    user = create_user(session, f"{role}-app@example.org", "a long password 1", role)
    return {"Authorization": f"Bearer {create_token(session, user, 'tests')[1]}"}


def api_of(app: FastAPI) -> FastAPI:
    site, api = site_apps(app)
    assert site is app
    return api


# Methods ------------------------------------------------------------------------------------

ALLOW = {
    "/api/v1/deals": "GET, OPTIONS, POST",
    "/api/v1/deals/1": "DELETE, GET, OPTIONS, PATCH",
    "/api/v1/deals/1/sources": "GET, OPTIONS, POST",
    "/api/v1/organizations/openai": "GET, OPTIONS, PATCH",
    "/api/v1/me": "GET, OPTIONS",
    "/api/docs": "GET, HEAD, OPTIONS",
}


@pytest.mark.parametrize("path", ALLOW)
def test_options_names_every_method_of_the_path(client: TestClient, path: str) -> None:
    response = client.options(path)
    assert response.status_code == 204 and response.content == b""
    assert response.headers["allow"] == ALLOW[path]


@pytest.mark.parametrize("path", ALLOW)
def test_a_method_the_path_lacks_is_a_405_naming_those_it_has(
    client: TestClient, path: str
) -> None:
    allowed = ALLOW[path].split(", ")
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = client.request(method, path)
        if method in allowed:  # answered by its route (perhaps 401 or 404), never 405
            assert response.status_code != 405, (method, path)
            continue
        body = problem(response, 405)
        assert response.headers["allow"] == ALLOW[path]
        assert ALLOW[path] in body["detail"] and body["instance"] == path


def test_unknown_paths_under_api_are_problems_and_pages_stay_html(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/"),
        ("GET", "/api/v2/deals"),
        ("OPTIONS", "/api/v1/nowhere"),
        ("POST", "/api/v1/nowhere"),  # routing comes before the token check
    ]:
        body = problem(client.request(method, path), 404)
        assert body["instance"] == path and "/api/docs" in body["detail"]
    assert problem(client.get("/api"), 404)["instance"] == "/api/"  # via its slash
    page = client.get("/api-nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_a_path_with_a_newline_is_still_the_apis(client: TestClient) -> None:
    """Starlette's mount pattern stops at a newline; the API's takes every path under /api."""
    for path in ("/api/v1/organizations/a%0Ab", "/api/v1/hardware/%0A", "/api/%0A"):
        assert problem(client.get(path), 404)["status"] == 404


# The site around the API ---------------------------------------------------------------------


def test_the_sites_security_headers_cover_every_api_answer(client: TestClient) -> None:
    answers = [
        client.get("/api/v1/deals"),
        client.get("/api/v1/nowhere"),
        client.put("/api/v1/deals"),
        client.options("/api/v1/deals"),
        client.get("/api/openapi.json"),
        client.get("/api/docs"),
    ]
    for response in answers:
        for name, value in SECURITY_HEADERS:
            assert response.headers[name.decode()] == value.decode(), response.request.url


def test_an_unexpected_failure_is_a_problem_that_keeps_its_cause(session: Session) -> None:
    app = _test_app(session)

    @api_of(app).get("/v1/failing")
    def failing() -> None:
        raise RuntimeError("the cause, for the log only")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/failing")
    body = problem(response, 500)
    assert "the cause" not in response.text and body["instance"] == "/api/v1/failing"
    assert response.headers["x-frame-options"] == "DENY"


def test_the_api_takes_cookies_for_reading_and_tokens_for_writing(demo: Session) -> None:
    """The site's own dependencies apply: who is asking (cookie or token) and private reading;
    in place of the CSRF check, writes need a token, with or without a CSRF token."""
    create_user(demo, "vi@example.org", "viewer password 1", "viewer")
    headers = bearer(demo)
    with TestClient(_test_app(demo, read_access="private")) as client:
        assert "private" in problem(client.get("/api/v1/deals"), 401)["detail"]
        sign_in(client, "vi@example.org", "viewer password 1")
        assert client.get("/api/v1/me").json()["email"] == "vi@example.org"
        assert client.get("/api/v1/deals?per_page=1").status_code == 200
        for csrf in ({}, {"X-CSRF-Token": client.headers.pop("X-CSRF-Token")}):
            refused = client.post("/api/v1/organizations", json={"name": "Crusoe"}, headers=csrf)
            assert problem(refused, 401)["type"] == TOKEN_REQUIRED
            assert refused.headers["www-authenticate"] == "Bearer"
    with TestClient(_test_app(demo, read_access="private")) as client:  # no cookies at all
        created = client.post("/api/v1/organizations", json={"name": "Crusoe"}, headers=headers)
        assert created.status_code == 201, created.text
        bogus = client.get("/api/v1/deals", headers={"Authorization": "Bearer cdt_nope"})
        assert "unknown or revoked" in problem(bogus, 401)["detail"]


# Links across the two apps ------------------------------------------------------------------


@pytest.mark.parametrize("root_path", ["", "/tracker"])
def test_api_answers_link_to_pages_and_pages_to_the_api(demo: Session, root_path: str) -> None:
    """`url` is the deal's page on the site, `api_url` its place in the API, both absolute,
    behind a proxy's root path too; names of either app resolve from the site."""
    app = _test_app(demo)
    client = TestClient(app, root_path=root_path)
    base = f"http://testserver{root_path}"
    deal = client.get(f"{root_path}/api/v1/deals?per_page=1").json()["items"][0]
    assert deal["url"] == f"{base}/deals/{deal['id']}"
    assert deal["api_url"] == f"{base}/api/v1/deals/{deal['id']}"
    page = client.get(deal["url"])
    assert page.headers["content-type"].startswith("text/html")
    assert deal["title"] in BeautifulSoup(page.text, "html.parser").get_text()
    assert client.get(deal["api_url"]).json()["id"] == deal["id"]
    slug = deal["parties"][0]["organization"]["slug"]
    organization = client.get(f"{root_path}/api/v1/organizations/{slug}").json()
    assert organization["url"] == f"{base}/organizations/{slug}"
    assert client.get(organization["url"]).status_code == 200
    assert organization["deals_url"] == f"{base}/api/v1/deals?party={slug}"
    assert deal["id"] in [d["id"] for d in client.get(organization["deals_url"]).json()["items"]]
    assert app.url_path_for("api_deal_detail", deal_id=7) == "/api/v1/deals/7"
    assert api_of(app).url_path_for("api_deal_detail", deal_id=7) == "/v1/deals/7"


@pytest.mark.parametrize("root_path", ["", "/tracker"])
def test_the_docs_page_links_to_the_site_and_its_schema(client: TestClient, root_path: str) -> None:
    docs = TestClient(client.app, root_path=root_path).get(f"{root_path}/api/docs")
    page = BeautifulSoup(docs.text, "html.parser")
    base = f"http://testserver{root_path}"
    assert page.select_one("[data-schema-url]")["data-schema-url"] == f"{base}/api/openapi.json"
    assert page.select_one("noscript a[href$='/']")["href"] == f"{base}/"
    assert all(s["src"].startswith(f"{base}/static/") for s in page.select("script"))


@pytest.mark.parametrize("root_path", ["", "/tracker"])
def test_servers_and_paths_together_are_where_the_api_answers(
    demo: Session, root_path: str
) -> None:
    headers = bearer(demo, "viewer")
    client = TestClient(_test_app(demo), root_path=root_path)
    schema = client.get(f"{root_path}/api/openapi.json").json()
    assert schema["servers"] == [{"url": f"{root_path}/api"}]
    plain = [p for p, ops in schema["paths"].items() if "get" in ops and "{" not in p]
    assert sorted(plain) == [
        "/v1/commitments", "/v1/deals", "/v1/hardware", "/v1/me", "/v1/network",
        "/v1/organizations",
    ]  # fmt: skip
    for path in plain:
        response = client.get(schema["servers"][0]["url"] + path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert "api_deal_create" in ids and len(ids) == len(set(ids))


# What it shares with the site --------------------------------------------------------------


def test_the_api_shares_the_sites_settings_sessions_and_figures() -> None:
    """Handed over by create_app: one engine (which the site's lifespan disposes of; a mounted
    app's own lifespan would never run) and one figure cache under one change counter."""
    app = create_app(Settings(environment="test", database_url="sqlite://", secret_key="k" * 32))  # type: ignore[call-arg]
    api = api_of(app)
    assert api.state.settings is app.state.settings
    assert api.state.sessionmaker is app.state.sessionmaker
    assert api.state.sessionmaker.kw["bind"] is app.state.engine
    assert api.state.figures is app.state.figures
    with TestClient(app) as client:  # the site's lifespan, around the API
        assert client.get("/api/openapi.json").json()["info"]["title"] == api.title


def test_nothing_tells_the_api_apart_by_its_path() -> None:
    app_dir = Path(__file__).resolve().parent.parent / "app"
    asking = [
        f"{path.relative_to(app_dir.parent)}:{number}"
        for path in app_dir.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"""startswith\(\s*(["']/api|API_PREFIX)""", line)
    ]
    assert asking == []
