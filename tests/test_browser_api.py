"""In a real Chromium: /api/docs renders Swagger UI from vendored files under the site's CSP,
and "Try it out" reaches the live API."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.live import CHROMIUM_ARGS, assert_accessible, chromium_path, live_server

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("browser-api") / "api.sqlite3"
    with live_server(f"sqlite:///{database}") as url:
        yield url


def test_the_api_docs_render_offline_under_the_csp(base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda r: elsewhere.append(r.url) if not r.url.startswith(base_url) else None,
        )
        page.goto(f"{base_url}/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Compute Deal Tracker API")
        schema = httpx.get(f"{base_url}/api/openapi.json").json()
        operations = [op for ops in schema["paths"].values() for op in ops.values()]
        tags = {tag for op in operations for tag in op["tags"]}
        assert {"deals", "network"} <= tags
        expect(page.locator(".opblock-tag-section")).to_have_count(len(tags))
        # Swagger UI's colours and server picker are mended in static/api-docs.*: axe passes.
        assert_accessible(page)
        page.locator(".opblock-summary", has_text="List deals with the table's filters").click()
        page.locator("button.try-out__btn").click()
        page.locator("tr[data-param-name='per_page'] input").fill("3")
        page.locator("button.execute").click()
        expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
            "200"
        )
        expect(page.locator(".live-responses-table")).to_contain_text('"per_page": 3')
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"), full_page=False)
        browser.close()
    csp = [p for p in problems if re.search(r"Content Security Policy|Refused to", p)]
    assert csp == [], csp
    assert elsewhere == []  # nothing from a CDN or a validator
