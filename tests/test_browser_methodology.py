"""In a real Chromium: every badge on a deal page leads to its definition on /methodology."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.live import ARTIFACTS, assert_accessible, live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("browser-methodology") / "methodology.sqlite3"
    with live_server(f"sqlite:///{database}") as url:
        yield url


def test_every_badge_on_a_deal_page_reaches_a_definition(page: Page, base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/deals?q=Maia")
    page.locator("#deal-table tbody a").first.click()
    deal_url = page.url
    badges = page.locator("article.deal .badge")
    count = badges.count()
    assert count >= 3
    page.screenshot(path=str(ARTIFACTS / "deal-badges.png"), full_page=True)
    for index in range(count):
        page.goto(deal_url)
        badge = page.locator("article.deal .badge").nth(index)
        text = badge.inner_text()
        assert badge.get_attribute("title"), text
        badge.click()
        expect(page).to_have_url(re.compile(r"/methodology#(status|confidence|tier)-\w+$"))
        anchor = page.url.rsplit("#", 1)[1]
        term = page.locator(f"[id='{anchor}']")
        expect(term).to_be_visible()
        expect(term).to_contain_text(text.replace(" confidence", ""))
        definition = term.locator("xpath=following-sibling::dd[1]")
        expect(definition).to_contain_text("Example:")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "methodology.png"), full_page=True)
