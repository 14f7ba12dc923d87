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
from tests.live import ARTIFACTS, Console, assert_accessible, live_server, sign_in_as

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
    "/commitments",
    "/network",
    "/network?party=openai",
    "/methodology",
    "/activity",
    "/views",
)
# The pages of a signed-in analyst.
ANALYST_PAGES = (
    "/deals/new",
    "/deals/1/edit",
    "/deals/from-article",
    "/import",
    "/account",
    "/following",
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


def sign_in(page: Page, base: str) -> None:
    sign_in_as(page, base, *ANALYST)


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


def test_every_organization_is_reachable_from_the_facets(page: Page, site: str) -> None:
    console = Console(page)
    page.goto(f"{site}/deals")
    facet = page.locator(".facet", has=page.get_by_role("heading", name="Organizations"))
    expect(facet.locator("> ul li")).to_have_count(12)
    expect(facet.locator(".facet-more li")).to_have_count(0)  # listed only when asked
    facet.get_by_text(re.compile(r"^Show all \d+$")).click()
    finder = facet.get_by_label("Find in organizations")
    expect(finder).to_be_visible()  # swapped in at the facet, the page where it was
    expect(page).to_have_url(f"{site}/deals")
    assert_accessible(page)
    facet.screenshot(path=str(ARTIFACTS / "facet-show-all.png"))
    finder.fill("xai")
    expect(facet.locator(".facet-more li:visible")).to_have_count(1)
    facet.locator(".facet-more").get_by_role("link", name=re.compile(r"^xAI")).click()
    expect(page.locator(".chip")).to_contain_text(["Party: xAI"])
    expect(page).to_have_url(re.compile(r"party=xai"))
    assert console.errors == []


def test_columns_are_chosen_and_kept_in_the_url(page: Page, site: str) -> None:
    console = Console(page)
    page.goto(f"{site}/deals")
    page.get_by_text("Columns", exact=True).click()
    page.get_by_label("Capacity", exact=True).check()
    expect(page).to_have_url(re.compile(r"col=capacity"))
    page.get_by_label("Sources", exact=True).check()
    expect(page).to_have_url(re.compile(r"col=capacity&col=sources"))
    headers = page.locator("#deal-table thead th")
    expect(headers).to_contain_text(["Deal", "Capacity", "Sources"])
    # Sorting by the new column (the chooser closed first: open, it lies over the table's
    # head), then a facet: the columns stay.
    page.locator(".column-chooser summary").click()
    page.locator("#deal-table thead").get_by_role("link", name="Capacity").click()
    expect(page.locator("#deal-table thead th[aria-sort]")).to_contain_text("Capacity")
    page.locator(".facet li a").first.click()
    expect(page).to_have_url(re.compile(r"col=capacity"))
    expect(headers).to_contain_text(["Capacity", "Sources"])
    sources = page.locator("#deal-table tbody tr").first.locator("td").last
    expect(sources).to_have_text(re.compile(r"^\d+$"))
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "grid-columns.png"))
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


@pytest.mark.parametrize("width", [390, 1400])
def test_an_analysts_pages_fit_the_screen(browser: Browser, site: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    console = Console(page)
    sign_in(page, site)
    for path in ANALYST_PAGES:
        response = page.goto(f"{site}{path}")
        assert response is not None and response.ok, path
        assert page_width(page) <= width, f"{path} is {page_width(page)} px wide"
        assert_accessible(page)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(ARTIFACTS / f"{'phone' if width < 900 else 'wide'}-{name}.png"))
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


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server on an empty database, with one analyst."""
    url = f"sqlite:///{tmp_path_factory.mktemp('grid-entry') / 'entry.sqlite3'}"
    with live_server(url, demo=False) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, ANALYST[0], ANALYST[1], "analyst")
        engine.dispose()
        yield base


class Actions:
    """Counts what the analyst does: each click, tick, choice or filled field is one action."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def fill(self, label: str, value: str, **kwargs: bool) -> None:
        self.count += 1
        self.page.get_by_label(label, **kwargs).fill(value)

    def choose(self, label: str, value: str, **kwargs: bool) -> None:
        self.count += 1
        self.page.get_by_label(label, **kwargs).select_option(value)

    def tick(self, label: str) -> None:
        self.count += 1
        self.page.get_by_label(label).check()

    def click(self, role: str, name: str) -> None:
        self.count += 1
        self.page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]


def test_the_founding_example_in_one_pass_of_the_form(browser: Browser, empty_site: str) -> None:
    """Unknown organizations, an unknown model and a bad date come back in one answer, each
    in its row with "Create" beside it; the deal is recorded in at most 25 actions."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    console = Console(page)
    sign_in(page, empty_site)
    page.goto(f"{empty_site}/deals")
    act = Actions(page)
    act.click("link", "Record a deal")
    expect(page.locator("h1")).to_have_text("Record a deal")
    act.fill("Title", "Anthropic in talks to rent Microsoft capacity on Maia 200 chips")
    act.tick("Cloud capacity")
    act.fill("Organization 1", "Anthropic", exact=True)
    act.choose("Role of organization 1", "customer")
    act.fill("Organization 2", "Microsoft", exact=True)
    act.choose("Role of organization 2", "provider")
    act.fill("Hardware model 1", "Maia 200", exact=True)
    act.fill("First reported", "2026-05-41")
    act.choose("Status", "in_talks", exact=True)
    source = page.get_by_role("group", name="Source", exact=True)
    relay = page.get_by_role("group", name=re.compile(r"^Relayed by"))
    act.count += 4  # the same labels in two groups
    source.get_by_label("Publisher").fill("The Information")
    source.get_by_label("Published").fill("2026-05-21")
    relay.get_by_label("Publisher").fill("Odaily")
    relay.get_by_label("Link").fill("https://example.org/odaily/relay")
    act.click("button", "Save deal")

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("'Anthropic' is not a known organization")
    expect(summary).to_contain_text("'Maia 200' is not a known hardware model")
    expect(page.locator("#first_reported_on-error")).to_be_visible()
    expect(page.locator("#party-0")).to_contain_text("'Anthropic' is not a known organization")
    expect(page.get_by_label("Organization 2", exact=True)).to_have_value("Microsoft")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "entry-one-pass-errors.png"), full_page=True)

    act.fill("First reported", "2026-05-21")
    act.tick("Create 'Anthropic'")
    act.tick("Create 'Microsoft'")
    act.tick("Create 'Maia 200'")
    act.choose("Type of model 1, if new", "custom_accelerator")
    act.fill("Vendor of model 1, if new", "Microsoft")
    act.click("button", "Save deal")
    expect(page.locator(".flash")).to_have_text(re.compile(r"Deal #\d+ recorded\."))
    expect(page.locator(".deal-badges .badge").first).to_have_text("In talks")
    expect(page.locator(".sources")).to_contain_text("Odaily")
    assert act.count <= 25, act.count
    page.screenshot(path=str(ARTIFACTS / "entry-one-pass-saved.png"), full_page=True)
    assert [e for e in console.errors if "status of 422" not in e] == [], console.errors
    context.close()


def test_rows_are_numbered_again_after_a_removal(page: Page, site: str) -> None:
    console = Console(page)
    sign_in(page, site)
    page.get_by_role("link", name="Record a deal").click()
    page.get_by_label("Organization 2", exact=True).fill("Microsoft")
    page.get_by_role("button", name="Remove organization 1").click()
    expect(page.get_by_label("Organization 1", exact=True)).to_have_value("Microsoft")
    expect(page.get_by_role("button", name="Remove organization 2")).to_be_visible()
    expect(page.get_by_label("Organization 3", exact=True)).to_have_count(0)
    page.goto(f"{site}/hardware/h100")
    expect(page.locator(".crumbs")).to_have_text("Hardware / H100")
    assert console.errors == []


def test_sources_are_searched_shown_all_and_sorted_by_hit_rate(page: Page, site: str) -> None:
    """The track records without JavaScript's help: a GET form for the search and the box
    that shows publishers with no first reports; sort links keep both. Checked with axe."""
    page.goto(f"{site}/sources")
    assert_accessible(page)
    shown = page.locator("tbody tr").count()
    expect(page.locator(".table-count")).to_contain_text("with no first reports hidden")
    page.get_by_label("Show publishers with no first reports").check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"all=1"))
    assert page.locator("tbody tr").count() > shown
    page.get_by_label("Publisher", exact=True).fill("reuters")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=reuters"))
    publishers = page.locator("tbody th").all_inner_texts()
    assert publishers and all("reuters" in p.lower() for p in publishers)
    page.get_by_role("link", name="Hit rate").click()
    expect(page).to_have_url(re.compile(r"q=reuters.*sort=-hit_rate"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Hit rate")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "sources-searched.png"), full_page=True)
