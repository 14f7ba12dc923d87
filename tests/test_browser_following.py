"""In a real Chromium: save a view, follow an organization, another analyst records a status
change, and the first sees the unread count and the change on /following."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts.users import create_user
from app.db import make_engine
from app.unit_of_work import make_sessionmaker
from tests.live import ARTIFACTS, assert_accessible, live_server, sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('following') / 'following.sqlite3'}"
    with live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, "ana@example.org", "ana password 1", "analyst")
            create_user(session, "bob@example.org", "bob password 1", "analyst")
        engine.dispose()
        yield base


def _signed_in(browser: Browser, base: str, email: str, password: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_as(page, base, email, password)
    return page


def test_save_a_view_follow_an_organization_and_see_anothers_change(
    browser: Browser, site: str
) -> None:
    ana = _signed_in(browser, site, "ana@example.org", "ana password 1")
    ana.goto(f"{site}/deals?party=microsoft&sort=-value")
    ana.get_by_role("link", name="Save this view…").click()
    expect(ana.locator("h1")).to_have_text("Save this view")
    assert_accessible(ana)
    ana.get_by_label("Name").fill("Microsoft by value")
    ana.get_by_label("Share with the team").check()
    ana.get_by_role("button", name="Save view").click()
    expect(ana.locator(".flash")).to_have_text("View “Microsoft by value” saved.")
    expect(ana.get_by_role("link", name="Microsoft by value")).to_be_visible()
    assert_accessible(ana)
    ana.screenshot(path=str(ARTIFACTS / "views.png"), full_page=True)
    ana.get_by_role("link", name="Microsoft by value").click()
    expect(ana).to_have_url(re.compile(r"/deals\?party=microsoft&sort=-value$"))

    ana.goto(f"{site}/organizations/microsoft")
    ana.get_by_role("button", name="Follow this organization").click()
    expect(ana.get_by_role("button", name="Following this organization")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(ana.locator("nav .unread-count")).to_have_count(0)

    bob = _signed_in(browser, site, "bob@example.org", "bob password 1")
    bob.goto(f"{site}/deals?party=microsoft&sort=title")
    bob.locator("#deal-table td.title a").first.click()
    title = bob.locator("h1").inner_text()
    bob.locator("#record-status summary").click()
    bob.get_by_label("New status").select_option("cancelled")
    bob.get_by_label("Since").fill("2026-11-20")
    details = bob.locator("#record-status")
    details.locator("#source_publisher").fill("Reuters")
    details.locator("#source_url").fill("https://example.org/reuters/cancelled")
    details.get_by_role("button", name="Record status").click()
    expect(bob.locator(".flash")).to_have_text("Status change recorded.")

    ana.goto(f"{site}/")
    expect(ana.locator("nav .unread-count")).to_have_text("1")
    ana.get_by_role("link", name=re.compile(r"^Following")).click()
    change = ana.locator(".notifications li.unread")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(title)
    expect(change).to_contain_text("via organization Microsoft")
    expect(change).to_contain_text("→ cancelled")
    assert_accessible(ana)
    ana.screenshot(path=str(ARTIFACTS / "following.png"), full_page=True)
    ana.get_by_role("button", name="Mark all read").click()
    expect(ana.locator(".notifications li.unread")).to_have_count(0)
    expect(ana.locator("nav .unread-count")).to_have_count(0)

    # The activity stream, as an anonymous reader: Bob's change, by role, never his email.
    anonymous = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    anonymous.goto(f"{site}/activity?party=microsoft")
    expect(anonymous.locator(".activity li").first).to_contain_text(title)
    expect(anonymous.locator("main")).not_to_contain_text("bob@example.org")
    expect(anonymous.locator(".activity li").first).to_contain_text("Analyst")
    assert_accessible(anonymous)
    anonymous.screenshot(path=str(ARTIFACTS / "activity.png"), full_page=True)
