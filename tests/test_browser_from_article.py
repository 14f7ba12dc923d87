"""In a real Chromium, on the demo data: the founding report leads to the deal it is about and
is added to it as one source; a report of a new deal is saved in a handful of actions."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.accounts.users import create_user
from app.db import make_engine
from app.models import Deal, Source
from app.unit_of_work import make_sessionmaker
from tests.live import ARTIFACTS, assert_accessible, live_server, sign_in_as

pytestmark = pytest.mark.browser
ARTICLES = Path(__file__).parent / "data" / "articles"
PASSWORD = "analyst password 1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server on the demo data with one analyst; yields (base URL, database URL)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('article') / 'article.sqlite3'}"
    with live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, "analyst@example.org", PASSWORD, "analyst")
        engine.dispose()
        yield base, url


def counts(database_url: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        found = (
            session.scalar(select(func.count()).select_from(Deal)) or 0,
            session.scalar(select(func.count()).select_from(Source)) or 0,
        )
    engine.dispose()
    return found


def sign_in(page: Page, base: str) -> None:
    sign_in_as(page, base, "analyst@example.org", PASSWORD)


def test_the_founding_report_is_added_to_the_maia_deal(page: Page, site: tuple[str, str]) -> None:
    base, database_url = site
    sign_in(page, base)
    deals, sources = counts(database_url)
    page.goto(f"{base}/deals/new")
    page.get_by_role("link", name="Record it from an article").click()
    expect(page.locator("h1")).to_have_text("Record a deal from an article")
    assert_accessible(page)
    page.get_by_label("The article's text").fill((ARTICLES / "00-founding-report.txt").read_text())
    page.get_by_role("button", name="Read it").click()

    matches = page.get_by_role("region", name="Already recorded? This report may be about")
    expect(matches.get_by_role("link").first).to_contain_text("Maia 200")
    add = matches.locator("form")
    expect(add.get_by_label("Publisher")).to_have_value("Odaily")
    expect(add.get_by_label("Tier")).to_have_value("relay")
    expect(add.get_by_label("It repeats the report of")).to_have_value("The Information")
    expect(add.get_by_label("Status the report supports")).to_have_value("in_talks")
    # the entry form below is drafted too, each field beside the sentence it came from
    expect(page.get_by_label("Status", exact=True)).to_have_value("in_talks")
    expect(page.locator("#status-evidence")).to_contain_text("reportedly negotiating")
    expect(page.locator("#article mark").first).to_contain_text("reportedly negotiating")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "from-article-match.png"), full_page=True)

    button = matches.get_by_role("button", name=re.compile(r"^Add this report to #\d+$")).first
    deal_id = (button.inner_text()).rsplit("#", 1)[1]
    button.click()
    expect(page.locator(".flash")).to_have_text(
        f"Added to deal #{deal_id}: Odaily (relay, relaying The Information)."
    )
    expect(page.locator("h1")).to_contain_text("Maia 200")
    assert counts(database_url) == (deals, sources + 1)
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "from-article-added.png"), full_page=True)


def test_a_new_deal_from_a_report_in_at_most_eight_actions(
    page: Page, site: tuple[str, str]
) -> None:
    base, database_url = site
    sign_in(page, base)
    deals, _ = counts(database_url)
    page.goto(f"{base}/deals")
    actions = [
        lambda: page.get_by_role("link", name="+ Record a deal").click(),
        lambda: page.get_by_role("link", name="Record it from an article").click(),
        lambda: page.get_by_label("The article's text").fill(
            "xAI is in talks to rent 50,000 AMD MI355X GPUs from Oracle for about $3 billion, "
            "people familiar said."
        ),
        lambda: page.get_by_label("Publisher (optional)").fill("Cloud Weekly"),
        lambda: page.get_by_label("Published on (optional)").fill("2025-11-03"),
        lambda: page.get_by_role("button", name="Read it").click(),
        lambda: page.get_by_role("button", name="Save deal").click(),
    ]
    for action in actions[:-1]:
        action()
    # the draft, before saving: the new model offered for creation, the evidence beside fields
    expect(page.locator("#new-names")).to_contain_text("MI355X (GPU by AMD)")
    expect(page.get_by_label("Value (USD)")).to_have_value("3000000000")
    expect(page.locator("#value_usd-evidence")).to_contain_text("about $3 billion")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "from-article-draft.png"), full_page=True)
    actions[-1]()
    assert len(actions) <= 8
    expect(page.locator(".flash")).to_have_text(re.compile(r"Deal #\d+ recorded\."))
    expect(page.locator("h1")).to_contain_text("xAI")
    expect(page.locator(".facts")).to_contain_text("50,000")
    assert counts(database_url)[0] == deals + 1
    page.screenshot(path=str(ARTIFACTS / "from-article-saved.png"), full_page=True)
