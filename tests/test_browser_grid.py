"""In a real Chromium, as an analyst would: links in result tables land on their own page,
failed htmx requests show their answer, phones get a page as wide as the screen, and the
console stays clean under the strict CSP."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.accounts.users import create_user
from app.db import make_engine
from app.unit_of_work import make_sessionmaker
from tests.live import ARTIFACTS, assert_accessible, live_server

pytestmark = pytest.mark.browser

ANALYST = ("grid-analyst@example.org", "grid analyst password 1")
PAGES = (
    "/",
    "/deals",
    "/deals?status=confirmed&sort=-value",
    "/deals/1",
    "/timeline",
    "/timeline?view=lanes",
    "/organizations",
    "/organizations/anthropic",
    "/hardware",
    "/hardware/h100",
    "/sources",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data behind a real uvicorn, with one analyst."""
    url = f"sqlite:///{tmp_path_factory.mktemp('grid') / 'grid.sqlite3'}"
    with live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, ANALYST[0], ANALYST[1], "analyst")
        engine.dispose()
        yield base


class Console:
    """Every console error and uncaught exception of a page, CSP violations included."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ANALYST[0])
    page.get_by_label("Password").fill(ANALYST[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_link_in_a_result_table_loads_the_page_it_names(page: Page, site: str) -> None:
    console = Console(page)
    page.goto(f"{site}/hardware/h100")
    expect(page.locator("h1")).to_have_text("H100")
    page.locator("#deal-table tbody").get_by_role(
        "link", name="Anthropic", exact=True
    ).first.click()
    expect(page).to_have_url(re.compile(r"/organizations/anthropic$"))
    expect(page.locator("h1")).to_have_text("Anthropic")

    page.goto(f"{site}/deals?status=confirmed")
    expect(page.locator(".facet").first).to_be_visible()
    page.locator("#deal-table tbody").get_by_role("link", name="H100", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/hardware/h100$"))
    expect(page.locator("h1")).to_have_text("H100")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Deals")
    expect(page.locator(".chip")).to_contain_text(["Status: Confirmed"])

    # A deal title, then back: the swap settles without copying inline styles (CSP stays quiet).
    page.locator("#deal-table td.title a").first.click()
    expect(page.locator(".deal-badges")).to_be_visible()
    assert console.errors == []


def test_a_bad_filter_and_a_stale_edit_are_shown_in_place(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    console = Console(page)
    page.goto(f"{site}/deals")
    page.get_by_label("At least", exact=True).fill("lots")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".filter-errors")).to_contain_text("'lots' is not an amount")
    expect(page.get_by_label("At least", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("At least", exact=True)).to_have_value("lots")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "grid-bad-filter.png"))

    sign_in(page, site)
    other = context.new_page()
    page.goto(f"{site}/deals/1/edit")
    other.goto(f"{site}/deals/1/edit")
    other.get_by_label("Summary").fill("Saved first, in another tab.")
    other.get_by_role("button", name="Save changes").click()
    expect(other.locator(".flash")).to_have_text("Changes saved.")

    page.get_by_label("Summary").fill("Typed meanwhile, saved second.")
    page.get_by_role("button", name="Save changes").click()
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Someone saved this deal while you were editing")
    expect(conflict).to_contain_text("Saved first, in another tab.")
    expect(page.get_by_label("Summary")).to_have_value("Typed meanwhile, saved second.")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "grid-stale-edit.png"), full_page=True)
    # The browser logs the 400 and 409 answers themselves as failed loads; nothing else.
    assert [e for e in console.errors if "status of 40" not in e] == [], console.errors

    # A request with no answer at all says so instead of doing nothing.
    page.goto(f"{site}/deals")
    page.route("**/deals?*", lambda route: route.abort())
    page.locator(".facet li a").first.click()
    expect(page.locator("#request-problem")).to_contain_text("could not be reached")
    context.close()


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_on_a_phone_no_page_is_wider_than_the_screen(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    console = Console(page)
    for path in PAGES:
        response = page.goto(f"{site}{path}")
        assert response is not None and response.ok, path
        assert page_width(page) <= 390, f"{path} is {page_width(page)} px wide"
        assert_accessible(page)
        name = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-") or "home"
        page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))

    page.goto(f"{site}/deals")
    first_row = page.locator("#deal-table tbody tr").first
    box = first_row.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box
    # The filters wait behind a button that counts the ones in use.
    page.goto(f"{site}/deals?status=confirmed")
    toggle = page.get_by_text(re.compile(r"^Filters \(1\)$"))
    expect(toggle).to_be_visible()
    expect(page.get_by_label("At least", exact=True)).to_be_hidden()
    toggle.click()
    expect(page.get_by_label("At least", exact=True)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "phone-deals-filters.png"))
    assert console.errors == []
    context.close()


def test_every_page_at_desktop_width(browser: Browser, site: str) -> None:
    context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    console = Console(page)
    for path in PAGES:
        response = page.goto(f"{site}{path}")
        assert response is not None and response.ok, path
        assert page_width(page) <= 1400, f"{path} is {page_width(page)} px wide"
        name = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-") or "home"
        page.screenshot(path=str(ARTIFACTS / f"wide-{name}.png"))
    assert console.errors == []
    context.close()
