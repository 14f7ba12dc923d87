"""In a real Chromium: the overview is accessible, and a chart bar leads to its table."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.live import ARTIFACTS, assert_accessible, live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("browser-overview") / "overview.sqlite3"
    with live_server(f"sqlite:///{database}") as url:
        yield url


def test_overview_chart_bar_opens_its_table(page: Page, base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/")
    chart = page.get_by_role("group", name="Deals per quarter by hardware type")
    expect(chart).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    bar = chart.locator("a.chart-link[href*='hardware_type=tpu']").last
    label = bar.get_attribute("aria-label") or ""
    match = re.search(r"TPU, (Q\d) (\d{4}): (\d+) deals?", label)
    assert match, label
    quarter, year, claimed = match[1], match[2], int(match[3])
    bar.click()
    expect(page).to_have_url(
        re.compile(rf"/deals\?hardware_type=tpu&reported_from={year}-{quarter}&reported_to=")
    )
    expect(page.locator("#deal-table tbody tr")).to_have_count(claimed)
    expect(page.locator(".table-count")).to_contain_text(f"of {claimed} deal")
    expect(page.locator(".chips")).to_contain_text("TPU")
