"""In a real Chromium: export some columns of a filtered view from the table, and preview an
import that changes one deal and clears a field of another (warned before confirming)."""

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from app.accounts.users import bootstrap_admin
from app.db import make_engine
from app.unit_of_work import make_sessionmaker
from tests.live import ARTIFACTS, assert_accessible, live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('exchange') / 'exchange.sqlite3'}"


@pytest.fixture(scope="module")
def base_url(database_url: str) -> Iterator[str]:
    with live_server(database_url) as url:
        yield url


@pytest.fixture
def signed_in(page: Page, base_url: str, database_url: str) -> Page:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        created = bootstrap_admin(session)
    engine.dispose()
    assert created is not None
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill("admin@localhost")
    page.get_by_label("Password").fill(created[1])
    page.get_by_role("button", name="Sign in").click()
    return page


def test_export_some_columns_then_preview_an_import(signed_in: Page, base_url: str) -> None:
    page = signed_in
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/deals?party=oracle")
    page.get_by_text("Export some columns").click()
    for column in ("hardware_types", "url", "confidence_note", "notes"):
        page.get_by_label(column, exact=True).uncheck()
    assert_accessible(page)
    # What the form submits (a download, read here through the page's own session).
    query = page.eval_on_selector(
        "#csv-export", "f => new URLSearchParams(new FormData(f)).toString()"
    )
    response = page.request.get(f"{base_url}/deals.csv?{query}")
    assert response.ok and "attachment" in response.headers["content-disposition"]
    text = response.text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "notes" not in rows[0] and "summary" in rows[0] and "version" in rows[0]
    assert len(rows) >= 5  # the filtered view, not every deal

    rows[0]["region"] = "Antarctica"
    cleared = next(r for r in rows[1:] if r["summary"])
    cleared["summary"] = ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    page.goto(f"{base_url}/import")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "oracle.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#report-heading")).to_contain_text(f"{len(rows) - 2} unchanged")
    expect(page.locator(".import-changes")).to_contain_text("Antarctica")
    expect(page.locator(".import-changes")).to_contain_text("cleared")
    expect(page.locator(".import-confirm [role=alert]")).to_contain_text(
        f"#{cleared['id']} (summary)"
    )
    # Its buttons side by side, each as wide as its words, not stacked across the page.
    boxes = [
        page.get_by_role("button", name=name).bounding_box()
        for name in (re.compile(r"^Import \d+ deals?$"), "Check again", "Check the file")
    ]
    assert all(box is not None for box in boxes)
    confirm, again, upload = (box for box in boxes if box is not None)
    assert abs(confirm["y"] - again["y"]) < 2 and again["x"] > confirm["x"] + confirm["width"]
    assert max(b["width"] for b in (confirm, again, upload)) < 400
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)
