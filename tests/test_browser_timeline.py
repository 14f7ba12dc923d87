"""In a real Chromium: the filtered timeline, "Load earlier", and the lifecycle lanes."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.live import ARTIFACTS, assert_accessible, live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("timeline") / "timeline.sqlite3"
    with live_server(f"sqlite:///{database}") as url:
        yield url


def test_filtered_timeline_loads_earlier_events_then_shows_lanes(page: Page, base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/timeline?reported_from=2025")
    page.wait_for_function("window.htmx !== undefined")
    expect(page.locator(".results .table-count")).to_contain_text("55 status events of 47 deals")
    expect(page.locator(".chips")).to_contain_text("Reported from 2025")
    events = page.locator("li.tl-event")
    expect(events).to_have_count(50)
    expect(page.locator("h2.tl-heading").first).to_have_text(re.compile(r"^[A-Z][a-z]+ \d{4}$"))
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)

    page.get_by_role("link", name="Load earlier").click()
    expect(events).to_have_count(55)
    expect(page).to_have_url(re.compile(r"reported_from=2025&before=\d{4}[-\dQ]*_\d+$"))
    expect(page.locator("#timeline-more")).to_contain_text("The start of the record")
    ids = events.evaluate_all("items => items.map(item => item.id)")
    assert len(set(ids)) == 55  # appended, nothing repeated
    assert_accessible(page)

    page.reload()  # the pushed URL reproduces the earlier page on its own
    expect(events).to_have_count(5)
    expect(page.locator("p.newest a")).to_be_visible()

    page.get_by_role("link", name="Lifecycles").click()
    expect(page).to_have_url(re.compile(r"view=lanes"))
    expect(page.locator("ol.lane-list > li.lane")).to_have_count(47)
    expect(page.locator(".results .table-count")).to_contain_text("All 47 deals")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "timeline-lanes.png"), full_page=True)
