"""In a real Chromium: browse the table, follow a deal, check accessibility, save screenshots."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts.users import bootstrap_admin, create_user
from app.db import make_engine
from app.unit_of_work import make_sessionmaker
from tests.live import ARTIFACTS, assert_accessible, live_server, sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite3'}"


@pytest.fixture(scope="module")
def base_url(database_url: str) -> Iterator[str]:
    with live_server(database_url) as url:
        yield url


@pytest.fixture(scope="module")
def live_admin(base_url: str, database_url: str) -> str:
    """The first-run admin of the live server; its password, as `make run` prints it."""
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        created = bootstrap_admin(session)
    engine.dispose()
    assert created is not None
    return created[1]


def test_browse_deals_and_open_one(page: Page, base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/deals")
    expect(page.locator(".table-count")).to_contain_text("of 58 deals")
    expect(page.locator("#deal-table tbody tr")).to_have_count(50)
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "deals.png"))

    link = page.locator("#deal-table td.title a", has_text="Maia 200")
    title = link.inner_text()
    link.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".deal-badges .badge").first).to_have_text("In talks")
    expect(page.locator(".facts")).to_contain_text("21 May 2026")
    expect(page.locator(".sources a:not(.badge-link)").first).to_have_attribute(
        "href", re.compile(r"^https://")
    )
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "deal.png"), full_page=True)


def test_pages_work_on_a_phone(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in ("/", "/organizations", "/hardware/maia-200"):
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.ok
        assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "phone-hardware.png"))
    context.close()


def test_search_facets_and_back_button(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/deals")
    page.wait_for_function("window.htmx !== undefined")
    total = page.locator(".table-count")
    expect(total).to_contain_text("of 58 deals")

    page.locator("#q").press_sequentially("msft", delay=40)
    expect(page).to_have_url(re.compile(r"[?&]q=msft"))
    expect(total).to_contain_text("of 15 deals")
    expect(page.locator(".chips")).to_contain_text("Search: “msft”")
    assert page.locator("#q").input_value() == "msft"  # typing was never interrupted
    page.screenshot(path=str(ARTIFACTS / "search.png"))

    page.locator(".facet a", has_text="Confirmed").click()
    expect(page).to_have_url(re.compile(r"status=confirmed"))
    expect(total).to_contain_text("of 8 deals")
    expect(page.locator(".facet a.selected")).to_contain_text("Confirmed")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "facet.png"), full_page=True)

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"status=confirmed"))
    expect(total).to_contain_text("of 15 deals")
    page.reload()
    expect(total).to_contain_text("of 15 deals")  # the URL alone reproduces the view

    page.locator(".chips a", has_text="Search").click()
    expect(total).to_contain_text("of 58 deals")


def test_filters_work_with_javascript_off(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/deals")
    page.locator("#q").fill("maia")
    page.locator("button", has_text="Search").click()
    expect(page.locator(".table-count")).to_contain_text("of 1 deals")
    page.locator(".facet a", has_text="In talks").click()
    expect(page).to_have_url(re.compile(r"status=in_talks"))
    page.locator("#reported_from").fill("2026-13")
    page.locator("button", has_text="Apply").click()
    expect(page.locator(".filter-errors")).to_contain_text("has no month 13")
    context.close()


def test_sign_in_see_the_account_and_sign_out(page: Page, base_url: str, live_admin: str) -> None:
    page.goto(f"{base_url}/deals")
    page.get_by_role("link", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    assert_accessible(page)
    page.get_by_label("Email").fill("admin@localhost")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-error")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value("admin@localhost")  # kept

    page.get_by_label("Password").fill(live_admin)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/deals$"))  # back where we were
    page.get_by_role("link", name="Account").click()
    expect(page.locator("h1")).to_have_text("Your account")
    expect(page.locator(".facts")).to_contain_text("admin@localhost")
    page.get_by_label("New token name").fill("browser test")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_contain_text("cdt_")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "account.png"), full_page=True)

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{base_url}/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount"))


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server on an empty database, with one analyst; yields (base URL, password)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('entry') / 'entry.sqlite3'}"
    with live_server(url, demo=False) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, "analyst@example.org", "analyst password 1", "analyst")
        engine.dispose()
        yield base, "analyst password 1"


def test_record_the_founding_example_then_confirm_it(
    page: Page, empty_site: tuple[str, str]
) -> None:
    base, password = empty_site
    sign_in_as(page, base, "analyst@example.org", password)
    page.goto(f"{base}/deals/new")
    expect(page.locator("h1")).to_have_text("Record a deal")
    assert_accessible(page)

    page.get_by_label("Title").fill(
        "Anthropic in talks to rent Microsoft capacity on Maia 200 chips"
    )
    page.get_by_label("Cloud capacity").check()
    page.locator("#party-org-0").fill("Anthropic")
    page.locator("#party-role-0").select_option("customer")
    page.locator("#party-org-1").fill("Microsoft")
    page.locator("#party-role-1").select_option("provider")
    # htmx adds a row in place (the cursor lands in it); "Remove" takes it away again.
    rows = page.locator("#party-rows tr")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Add another party").click()
    expect(rows).to_have_count(4)
    expect(page.get_by_label("Organization 4", exact=True)).to_be_focused()
    page.keyboard.type("Google")
    expect(page.locator("#party-org-0")).to_have_value("Anthropic")  # nothing reloaded
    page.get_by_role("button", name="Remove organization 4").click()
    expect(rows).to_have_count(3)
    page.locator("#hw-name-0").fill("Maia 200")
    page.locator("#hw-type-0").select_option("custom_accelerator")
    page.locator("#hw-vendor-0").fill("Microsoft")
    page.get_by_label("First reported").fill("2026-05-21")
    page.get_by_label("Status", exact=True).select_option("in_talks")
    page.locator("#source_publisher").fill("The Information")
    page.locator("#source_tier").select_option("original")
    page.locator("#source_published_on").fill("2026-05-21")
    page.locator("#relay_publisher").fill("Odaily")
    page.locator("#relay_url").fill("https://example.org/odaily/relay")

    # First without ticking "create": the unknown names are named, and nothing is lost.
    page.get_by_role("button", name="Save deal").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "'Anthropic' is not a known organization"
    )
    expect(page.locator("#party-org-1")).to_have_value("Microsoft")
    expect(page.locator("#relay_url")).to_have_value("https://example.org/odaily/relay")
    page.screenshot(path=str(ARTIFACTS / "entry-errors.png"), full_page=True)

    # Each unknown name is offered for creation in the row that named it.
    page.get_by_label("Create 'Anthropic'").check()
    page.get_by_label("Create 'Microsoft'").first.check()
    page.get_by_label("Create 'Maia 200'").check()
    page.get_by_role("button", name="Save deal").click()
    expect(page.locator(".flash")).to_have_text(re.compile(r"Deal #\d+ recorded\."))
    expect(page.locator(".deal-badges .badge").first).to_have_text("In talks")
    expect(page.locator(".facts")).to_contain_text("21 May 2026")
    expect(page.locator(".sources")).to_contain_text("Odaily")
    page.screenshot(path=str(ARTIFACTS / "entry-saved.png"), full_page=True)

    page.locator("#record-status summary").click()
    page.get_by_label("New status").select_option("confirmed")
    page.get_by_label("Since").fill("2026-06-02")
    details = page.locator("#record-status")
    details.locator("#source_publisher").fill("Reuters")
    details.locator("#source_url").fill("https://example.org/reuters/confirmed")
    details.get_by_role("button", name="Record status").click()
    expect(page.locator(".flash")).to_have_text("Status change recorded.")
    expect(page.locator(".history .badge")).to_have_text(["Confirmed", "In talks"])
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "entry-confirmed.png"), full_page=True)

    page.goto(f"{base}/deals?status=confirmed")
    expect(page.locator("#deal-table td.title")).to_contain_text(["Maia 200"])


def test_add_an_organization_then_refuse_a_clashing_name(
    page: Page, empty_site: tuple[str, str]
) -> None:
    base, password = empty_site
    sign_in_as(page, base, "analyst@example.org", password)
    page.goto(f"{base}/organizations")
    page.get_by_role("link", name="Add an organization").click()
    page.get_by_label("Name").fill("Oracle")
    page.get_by_label("Kind").select_option("hyperscaler")
    page.get_by_label("Also known as (one per line)").fill("OCI\nOracle Cloud")
    page.get_by_label("Country").fill("US")
    assert_accessible(page)
    page.get_by_role("button", name="Add organization").click()
    expect(page.locator(".flash")).to_have_text("Organization Oracle added.")
    expect(page.locator(".facts")).to_contain_text("OCI, Oracle Cloud")

    page.goto(f"{base}/organizations/new")
    page.get_by_label("Name").fill("OCI")
    page.get_by_role("button", name="Add organization").click()
    expect(page.locator(".error-summary")).to_contain_text("'OCI' is already an alias of Oracle")
    expect(page.get_by_label("Name")).to_have_value("OCI")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "organization-clash.png"), full_page=True)
    page.locator(".error-summary").get_by_role("link", name="Oracle", exact=True).click()
    expect(page.locator("h1")).to_have_text("Oracle")
