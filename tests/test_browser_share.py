"""In a real Chromium: the overview's hardware share changes with its selector (chart and
table alike), every percentage opens exactly the deals it counts, "Unspecified" included, and
the filters it takes read as words."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.live import assert_accessible, live_server

pytestmark = pytest.mark.browser

CHART = "Share of each hardware type"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("browser-share") / "share.sqlite3"
    with live_server(f"sqlite:///{database}") as url:
        yield url


def bar_labels(page: Page) -> list[str]:
    chart = page.get_by_role("group", name=re.compile(CHART))
    return [a.get_attribute("aria-label") or "" for a in chart.locator("a.share-link").all()]


def table_cells(page: Page) -> list[str]:
    return page.locator("table.share-table tbody").inner_text().split()


def open_table(page: Page) -> Locator:
    page.locator("summary", has_text="The shares as a table").click()
    table = page.locator("table.share-table")
    expect(table).to_be_visible()
    return table


def test_the_selector_changes_the_chart_and_its_table(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("#hw-share-heading")).to_contain_text("by deal count")
    by_count = bar_labels(page)
    assert by_count, "no share bars"
    open_table(page)
    count_cells = table_cells(page)
    assert_accessible(page)

    page.get_by_label("Share of", exact=True).select_option("value")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"share_by=value"))
    expect(page.locator("#hw-share-heading")).to_contain_text("by value (USD)")
    expect(page.get_by_label("Share of", exact=True)).to_have_value("value")
    by_value = bar_labels(page)
    assert by_value and by_value != by_count
    open_table(page)
    value_cells = table_cells(page)
    assert value_cells != count_cells
    header = page.locator("table.share-table thead").inner_text()
    assert "Total (value (USD))" in header
    assert_accessible(page)


def test_every_percentage_opens_the_deals_it_counts(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?share_by=deals")
    open_table(page)
    links = page.locator("table.share-table a.share-link")
    found = [(a.get_attribute("href") or "", a.get_attribute("title") or "") for a in links.all()]
    assert found, "no linked percentages"
    assert any("hardware_named=no" in href for href, _ in found), "no Unspecified link"
    for href, title in found:
        counted = re.fullmatch(r"([\d,]+) of [\d,]+", title)
        assert counted, title
        deals = int(counted[1].replace(",", ""))
        page.goto(href if href.startswith("http") else f"{base_url}{href}")
        expect(page.locator("#deal-table tbody tr")).to_have_count(deals)
        expect(page.locator(".table-count")).to_contain_text(f"of {deals} deal")
        if "hardware_named=no" in href:  # the deals that name no hardware
            expect(page.locator(".chips")).to_contain_text("Hardware named: No")
            expect(page.locator("#deal-table tbody a[href*='/hardware/']")).to_have_count(0)


def test_the_filters_read_as_words(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?status=confirmed&party=openai&share_by=deals")
    scope = page.locator(".share-section")
    chips = scope.locator(".chips")
    expect(chips).to_contain_text("Status: Confirmed")
    expect(chips).to_contain_text("Party: OpenAI")
    expect(scope.locator("form")).not_to_contain_text("status=")
    expect(scope.locator("#share-scope")).not_to_contain_text("=")
    # Removing a chip keeps the measure and the other filter.
    chips.get_by_role("link", name="Remove filter Status: Confirmed").click()
    page.wait_for_url(re.compile(r"party=openai&share_by=deals$"))
    expect(page.locator(".share-section .chips")).not_to_contain_text("Status")
