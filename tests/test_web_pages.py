"""The first pages: full pages and fragments, details at their precision, errors as pages."""

import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.models import Deal, DealParty, Organization
from tests.conftest import StatementCounter, page_routes
from tests.factories import make_deal


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def deal_id(session: Session, title_part: str) -> int:
    return session.scalars(select(Deal.id).where(Deal.title.contains(title_part))).one()


def test_home_shows_counts_and_latest_changes(demo_client: TestClient) -> None:
    response = demo_client.get("/")
    assert response.status_code == 200
    page = soup(response.text)
    assert "58" in page.select_one(".stats").get_text()
    assert len(page.select(".events li")) == 10
    assert page.select_one("nav a[aria-current=page]").get_text() == "Overview"


def test_deals_table_pages_newest_first(demo_client: TestClient, demo: Session) -> None:
    page = soup(demo_client.get("/deals").text)
    rows = page.select("#deal-table tbody tr")
    assert len(rows) == 50
    assert "Showing 1–50 of 58 deals" in page.select_one(".table-count").get_text()
    newest = demo.scalars(
        select(Deal.title).order_by(Deal.first_reported_on.desc(), Deal.id.desc())
    ).first()
    assert rows[0].select_one("td.title").get_text(strip=True) == newest

    second = soup(demo_client.get("/deals?page=2").text)
    assert len(second.select("#deal-table tbody tr")) == 8
    assert "Showing 51–58 of 58" in second.select_one(".table-count").get_text()


def test_a_month_is_shown_as_a_month(demo_client: TestClient) -> None:
    text = demo_client.get("/deals?page=2").text + demo_client.get("/deals").text
    assert "Nov 2024" in text
    assert "2024-11-01" not in text


def test_htmx_gets_only_the_table(demo_client: TestClient) -> None:
    response = demo_client.get("/deals", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert soup(response.text).select_one("#deal-table") is not None
    assert "HX-Request" in response.headers["vary"]


def test_history_restore_gets_the_full_page(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/deals", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text


def test_the_founding_example_page(demo_client: TestClient, demo: Session) -> None:
    response = demo_client.get(f"/deals/{deal_id(demo, 'Maia 200')}")
    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one(".deal-badges .badge").get_text() == "In talks"
    assert "21 May 2026" in page.select_one(".facts").get_text()
    source_links = [a["href"] for a in page.select(".sources a:not(.badge-link)")]
    assert source_links and all(h.startswith("https://") for h in source_links)
    original = next(li for li in page.select(".sources > li") if "The Information" in li.text)
    assert "Odaily" in original.select_one(".relays").get_text()
    assert "Original" in original.get_text()
    assert page.select_one(".history").get_text().count("In talks") == 1


def test_a_deal_page_shows_the_whole_history(demo_client: TestClient, demo: Session) -> None:
    page = soup(demo_client.get(f"/deals/{deal_id(demo, 'OpenAI is renting Google TPUs')}").text)
    steps = [b.get_text() for b in page.select(".history .badge")]
    assert steps == ["Denied", "Rumored"]  # newest first


def test_output_is_escaped(client: TestClient, session: Session) -> None:
    deal = make_deal(session, title="<script>alert(1)</script>")
    session.commit()
    response = client.get(f"/deals/{deal.id}")
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text


def test_organization_page_lists_its_deals(demo_client: TestClient, demo: Session) -> None:
    microsoft = demo.scalars(select(Organization).where(Organization.slug == "microsoft")).one()
    expected = demo.scalar(
        select(func.count(func.distinct(DealParty.deal_id))).where(
            DealParty.organization_id == microsoft.id
        )
    )
    page = soup(demo_client.get("/organizations/microsoft").text)
    assert page.select_one("h1").get_text() == "Microsoft"
    assert "MSFT" in page.select_one(".facts").get_text()
    assert len(page.select("#deal-table tbody tr")) == expected

    directory = soup(demo_client.get("/organizations").text)
    row = next(tr for tr in directory.select("tbody tr") if tr.select_one("a").text == "Microsoft")
    assert row.select_one("td.num").get_text() == str(expected)


def test_hardware_page_lists_its_deals(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/hardware/maia-200").text)
    assert "Custom accelerator" in page.select_one(".facts").get_text()
    titles = [a.get_text() for a in page.select("#deal-table td.title a")]
    assert len(titles) == 1 and "Anthropic" in titles[0]
    assert "Maia 200" in demo_client.get("/hardware").text


def test_missing_things_get_a_real_404_page(demo_client: TestClient) -> None:
    for path in ("/deals/999999", "/organizations/nobody", "/hardware/nothing", "/nowhere"):
        response = demo_client.get(path)
        assert response.status_code == 404, path
        page = soup(response.text)
        assert "Not found" in page.select_one("h1").get_text(), path
        assert page.select_one("nav a[href$='/deals']") is not None


def test_a_bad_page_number_is_a_clear_400(demo_client: TestClient) -> None:
    response = demo_client.get("/deals?page=abc")
    assert response.status_code == 400
    assert "page 'abc' is not allowed — expected a whole number" in soup(response.text).get_text()


def test_statements_do_not_grow_with_rows(
    demo_client: TestClient, demo: Session, count_statements: type[StatementCounter]
) -> None:
    demo_client.app.state.kept_tables.max_entries = 0  # type: ignore[attr-defined]  # render them
    demo_client.get("/deals")  # warm up: connection set-up is not the page's cost
    with count_statements() as full:
        demo_client.get("/deals")  # 50 rows
    with count_statements() as partial:
        demo_client.get("/deals?page=2")  # 8 rows
    assert full.count == partial.count
    assert full.count <= 12  # count, rows, 3 select-in loads, 6 facets


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_needs_the_schema_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ready.sqlite3'}"
    settings = Settings(environment="test", database_url=url, secret_key="k" * 32)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "migrations pending"
        migrate.upgrade(url)
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"


STARTS_TWO_APPS = """
import gc, sys
from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app

settings = Settings(environment="test", database_url=sys.argv[1], secret_key="k" * 32)
print(gc.get_freeze_count())
with TestClient(create_app(settings)) as client:
    assert client.get("/readyz").status_code == 200
    print(gc.get_freeze_count())
with TestClient(create_app(settings)) as client:
    print(gc.get_freeze_count())
"""


def test_a_running_app_keeps_what_start_up_made_out_of_the_collectors_walks(
    tmp_path: Path,
) -> None:
    """Full collections walk only what requests made (app/main.py `settle_collector`): the
    first app a process starts freezes what exists then, and a second one leaves it be. In a
    fresh interpreter, so that no earlier test has frozen anything yet."""
    url = f"sqlite:///{tmp_path / 'frozen.sqlite3'}"
    migrate.upgrade(url)
    done = subprocess.run(
        [sys.executable, "-c", STARTS_TWO_APPS, url],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    before, first, second = map(int, done.stdout.split())
    assert before == 0
    assert first > 10_000
    assert second <= first  # frozen objects may still be freed; a second freeze would add ~11,000


def test_options_names_the_methods_of_every_page(client: TestClient) -> None:
    """Every page's path, read from the app's routes (so a new page is covered): OPTIONS is a
    204 naming the methods its routes have, and a method it lacks a 405 naming the same."""
    declared: dict[str, set[str]] = {}
    for route in page_routes(client.app):  # type: ignore[arg-type]
        path = re.sub(r"\{[a-z_]+\}", "1", route.path)
        declared.setdefault(path, set()).update(route.methods)
    assert len(declared) > 30 and "/deals/1/edit" in declared
    for path, methods in declared.items():
        expected = ", ".join(sorted({*methods, "OPTIONS"}))
        response = client.options(path)
        assert (response.status_code, response.headers.get("allow")) == (204, expected), path
        assert response.content == b""
        lacking = next(m for m in ("PUT", "DELETE", "PATCH") if m not in methods)
        refused = client.request(lacking, path)
        assert (refused.status_code, refused.headers.get("allow")) == (405, expected), path
        assert expected in soup(refused.text).select_one("main").get_text(), path
    static = client.options("/static/pico-2.1.1.min.css")
    assert (static.status_code, static.headers["allow"]) == (204, "GET, HEAD, OPTIONS")
