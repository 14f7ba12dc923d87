"""In a real Chromium: the network map of OpenAI's deals, an edge opening its deals, axe, and
screenshots at desktop and phone widths."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.live import ARTIFACTS, assert_accessible, live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("network") / "network.sqlite3"
    with live_server(f"sqlite:///{database}") as url:
        yield url


def test_an_edge_opens_the_table_of_its_deals(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{base_url}/network?party=openai")
    expect(page.locator("svg.network-map a.node")).not_to_have_count(0)
    for name in ("OpenAI", "NVIDIA", "AMD", "Microsoft", "Oracle", "CoreWeave", "Broadcom"):
        expect(page.locator("svg.network-map text", has_text=name).first).to_be_visible()
    expect(page.locator("#circles + ol")).to_contain_text("NVIDIA → OpenAI")
    expect(page.locator("#circles + ol")).to_contain_text("Microsoft → OpenAI")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "network-1400.png"), full_page=True)
    page.locator("figure.network-figure").screenshot(path=str(ARTIFACTS / "network-map.png"))
    edge = page.locator('svg.network-map a.edge[data-pair="openai nvidia"]')
    expect(edge).to_have_count(1)
    # Hovering says what it is (the SVG title), then a click opens exactly those deals.
    expect(edge.locator("title")).to_contain_text("NVIDIA")
    edge.locator("line").last.click(force=True)
    page.wait_for_url("**/deals?**")
    assert "parties_all=openai" in page.url and "parties_all=nvidia" in page.url
    rows = page.locator("table tbody tr")
    expect(rows).not_to_have_count(0)
    for i in range(rows.count()):
        text = rows.nth(i).inner_text()
        assert "NVIDIA" in text and "OpenAI" in text
    expect(page.locator(".chips")).to_contain_text("Involving all of: NVIDIA")


def test_the_map_on_a_phone(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base_url}/network")
    expect(page.locator("svg.network-map")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "network-390.png"))
    # A node opens its organization.
    page.locator('svg.network-map a.node[data-slug="coreweave"] circle').click(force=True)
    page.wait_for_url("**/organizations/coreweave")
