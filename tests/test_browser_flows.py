"""In a real Chromium, by visible labels: a search that finds nothing suggests close names, a
status change to announced offers the announced date, an amount comes back as it was typed,
the audit log pages and speaks in names, the lifecycle lanes label and order organizations,
breadcrumbs end in a page, Apply after a choice adds no second history entry; pages stay
clean under the strict CSP and axe, at 1400 and 390 px."""

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts.users import create_user
from app.db import make_engine
from app.unit_of_work import make_sessionmaker
from tests.live import ARTIFACTS, Console, assert_accessible, live_server, sign_in_as

pytestmark = pytest.mark.browser

ANALYST = ("flows-analyst@example.org", "flows analyst password 1")
ADMIN = ("flows-admin@example.org", "flows admin password 1")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data behind a real uvicorn, with an analyst and an admin."""
    url = f"sqlite:///{tmp_path_factory.mktemp('flows') / 'flows.sqlite3'}"
    with live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, ANALYST[0], ANALYST[1], "analyst")
            create_user(session, ADMIN[0], ADMIN[1], "admin")
        engine.dispose()
        yield base


def sign_in(page: Page, base: str, who: tuple[str, str] = ANALYST) -> None:
    sign_in_as(page, base, *who)


def test_a_search_that_finds_nothing_suggests_the_closest_names(page: Page, site: str) -> None:
    console = Console(page)
    page.goto(f"{site}/deals")
    page.get_by_label("Search deals").fill("maia200")
    suggestion = page.locator(".did-you-mean")
    expect(suggestion).to_contain_text("Did you mean")
    expect(suggestion).to_contain_text("Maia 200")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "flows-did-you-mean.png"))
    suggestion.get_by_role("link", name="Maia 200").click()
    expect(page).to_have_url(re.compile(r"q=Maia\+200"))
    expect(page.locator("#deal-table tbody tr").first).to_contain_text("Maia")
    assert console.errors == []


def test_an_amount_comes_back_to_the_edit_form_as_typed(page: Page, site: str) -> None:
    console = Console(page)
    sign_in(page, site)
    page.goto(f"{site}/deals/1/edit")
    page.get_by_label("Value (USD)").fill("3.2B")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_have_text("Changes saved.")
    expect(page.locator(".facts")).to_contain_text("$3.2B")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Value (USD)")).to_have_value("3.2B")
    expect(page.locator(".crumbs")).to_have_text("Deals / #1 / Edit")
    assert console.errors == []


def test_the_chip_count_is_asked_and_shown_once(page: Page, site: str) -> None:
    console = Console(page)
    sign_in(page, site)
    page.goto(f"{site}/deals/new")
    expect(page.get_by_role("textbox", name=re.compile("chip", re.IGNORECASE))).to_have_count(1)
    expect(page.get_by_label("Chips", exact=True)).to_be_visible()

    # Deal 12: 100,000 GB300s, stored both as the deal's count and as the model's.
    page.goto(f"{site}/deals/12")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("GB300")
    assert facts.inner_text().count("100,000") == 1, facts.inner_text()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.locator("#hardware")).to_contain_text("100K chips of this model")
    page.get_by_label("Summary").fill("Saved again: the model's own count stays.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_have_text("Changes saved.")
    exported = page.request.get(f"{site}/deals.csv").text()
    row = next(r for r in csv.DictReader(io.StringIO(exported)) if r["id"] == "12")
    assert row["hardware"] == "GB300 (100000)" and row["chips"] == "100000"
    assert console.errors == []


def test_recording_announced_offers_the_announced_date(page: Page, site: str) -> None:
    console = Console(page)
    sign_in(page, site)
    page.goto(f"{site}/deals?status=in_talks")
    page.locator("#deal-table td.title a").first.click()
    expect(page.locator(".deal-badges .badge").first).to_have_text("In talks")
    page.locator("#record-status summary").click()
    announced = page.get_by_label("Announced on")
    expect(announced).to_be_hidden()  # not beside "choose…"
    page.get_by_label("New status").select_option("rumored")
    expect(announced).to_be_hidden()
    page.get_by_label("New status").select_option("announced")
    expect(announced).to_be_visible()
    page.get_by_label("Since", exact=True).fill("2026-06-02")
    announced.fill("2026-06")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "flows-status-announced.png"))
    page.get_by_role("button", name="Record status").click()
    expect(page.locator(".flash")).to_have_text("Status change recorded.")
    expect(page.locator(".deal-badges .badge").first).to_have_text("Announced")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Announced")
    expect(facts).to_contain_text("Jun 2026")

    # Beside a status that announces nothing, a date is refused with a message.
    page.locator("#record-status summary").click()
    page.get_by_label("New status").select_option("confirmed")
    page.get_by_label("Since", exact=True).fill("2026-07-01")
    page.get_by_label("Announced on").fill("2026-13")
    page.get_by_role("button", name="Record status").click()
    expect(page.locator("#record-status .form-error")).to_contain_text("Nothing was saved")
    assert [e for e in console.errors if "status of 422" not in e] == [], console.errors


def test_the_audit_log_pages_and_speaks_in_names(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    console = Console(page)
    sign_in(page, site, ADMIN)
    # Some changes of the analyst's, to read back (the demo itself is recorded by no one).
    other = browser.new_context()
    analyst = other.new_page()
    sign_in(analyst, site)
    for n in range(3):
        analyst.goto(f"{site}/deals/{2 + n}/edit")
        analyst.get_by_label("Region").fill(f"Region {n}")
        analyst.get_by_role("button", name="Save changes").click()
        expect(analyst.locator(".flash")).to_have_text("Changes saved.")
    other.close()

    page.goto(f"{site}/audit")
    expect(page.get_by_label("Since", exact=True)).to_have_attribute("placeholder", "2025-06-27")
    page.get_by_label("Record", exact=True).select_option("deal")
    page.get_by_label("Action", exact=True).select_option("update")
    page.get_by_label("Since", exact=True).fill("2025")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"since=2025"))
    expect(page.get_by_label("Since", exact=True)).to_have_value("2025")
    changes = page.locator(".audit table.changes").first
    expect(changes.get_by_role("rowheader", name="updated by")).to_be_visible()
    expect(changes).to_contain_text(ANALYST[0])
    expect(page.locator(".audit")).not_to_contain_text("updated_by_id")
    expect(page.locator(".audit")).not_to_contain_text("updated by id")

    page.get_by_label("Since", exact=True).fill("2025-13")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#since-hint")).to_contain_text("'2025-13' is not a date")

    # 50 a page, with a way forward and back.
    page.goto(f"{site}/audit")
    expect(page.locator("ol.audit > li")).to_have_count(50)
    page.get_by_role("link", name="Older changes →").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_role("link", name="← Newer changes")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "flows-audit.png"))
    page.get_by_role("link", name="← Newer changes").click()
    expect(page).to_have_url(re.compile(r"page=1"))
    assert console.errors == []
    context.close()


def test_organization_lanes_are_labelled_and_ordered(page: Page, site: str) -> None:
    console = Console(page)
    page.goto(f"{site}/timeline")
    page.get_by_role("link", name="Lifecycles").click()
    expect(page).to_have_url(re.compile(r"view=lanes"))
    page.get_by_role("link", name="organization", exact=True).click()
    expect(page.locator(".results .table-count")).to_contain_text("most deals first")
    lanes = page.locator("ol.lane-list > li.lane-org")
    expect(lanes.first.locator(".lane-deals a").first).to_be_visible()
    counts = lanes.evaluate_all("ls => ls.map(l => l.querySelectorAll('.lane-deals li').length)")
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    # Each deal's title sits beside its own row of the lane.
    first = lanes.first
    title_box = first.locator(".lane-deals li").nth(1).bounding_box()
    svg_box = first.locator("svg").bounding_box()
    assert title_box is not None and svg_box is not None
    assert abs(title_box["y"] - (svg_box["y"] + 16)) <= 2, (title_box, svg_box)
    # Quarter ticks: one cell a quarter, years named at their first quarter.
    labels = page.locator(".lane-axis .axis span").all_inner_texts()
    assert len(labels) > 10 and all(re.fullmatch(r"(\d{4})?", t.strip()) for t in labels)
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "flows-lanes-organization.png"), full_page=True)
    assert console.errors == []


def test_rows_per_page_then_apply_adds_one_history_entry(page: Page, site: str) -> None:
    console = Console(page)
    page.goto(f"{site}/deals")
    page.wait_for_function("window.htmx !== undefined")
    before = page.evaluate("history.length")
    page.get_by_label("Rows per page").select_option("100")
    expect(page).to_have_url(re.compile(r"per_page=100"))
    assert page.evaluate("history.length") == before + 1
    with page.expect_response(re.compile(r"/deals\?")):
        page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"per_page=100"))
    assert page.evaluate("history.length") == before + 1
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"per_page"))
    assert console.errors == []


def test_breadcrumbs_end_in_a_page_and_the_api_docs_lead_back(page: Page, site: str) -> None:
    console = Console(page)
    sign_in(page, site)
    for path in ("/deals/from-article", "/deals/1", "/hardware/h100", "/organizations/new"):
        page.goto(f"{site}{path}")
        crumbs = page.locator(".crumbs").inner_text().strip()
        assert not crumbs.endswith("/"), (path, crumbs)
    expect(page.locator(".crumbs")).to_have_text("Organizations / New")
    page.goto(f"{site}/deals/from-article")
    expect(page.locator(".crumbs")).to_have_text("Record a deal / From an article")
    page.goto(f"{site}/api/docs")
    page.get_by_role("link", name="← Compute Deal Tracker").click()
    expect(page).to_have_url(f"{site}/")
    assert console.errors == []


PAGES = (
    "/deals?q=maia200",
    "/deals/1",
    "/deals/1/edit",
    "/deals/from-article",
    "/audit",
    "/timeline?view=lanes&lanes=organization",
    "/api/docs",
)


@pytest.mark.parametrize("width", [1400, 390])
def test_the_pages_touched_at_desktop_and_phone_width(
    browser: Browser, site: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    console = Console(page)
    sign_in(page, site, ADMIN)
    for path in PAGES:
        response = page.goto(f"{site}{path}")
        assert response is not None and response.ok, path
        wide = int(page.evaluate("document.documentElement.scrollWidth"))
        assert wide <= width, f"{path} is {wide} px wide"
        if path != "/api/docs":  # axe runs there once Swagger UI has drawn (test_browser_api)
            assert_accessible(page)
        name = re.sub(r"[/?&=]+", "-", path.strip("/"))
        page.screenshot(path=str(ARTIFACTS / f"flows-{width}-{name}.png"), full_page=True)
    assert console.errors == []
    context.close()


@pytest.mark.parametrize("width", [1024, 1280])
def test_an_admins_navigation_fits_a_laptop_screen(browser: Browser, site: str, width: int) -> None:
    """An admin's navigation has every link (Users, Audit log, Record a deal, Import…); on a
    laptop screen it wraps instead of widening the page."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in(page, site, ADMIN)
    for path in ("/", "/import", "/deals", "/account"):
        response = page.goto(f"{site}{path}")
        assert response is not None and response.ok, path
        wide = int(page.evaluate("document.documentElement.scrollWidth"))
        assert wide <= width, f"{path} is {wide} px wide at {width} px"
        expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_in_viewport()
    context.close()
