"""The analyst's flows over HTTP on both databases: amounts shown back as typed, the announced
date set with a status change, suggestions for a search that finds nothing, the audit log in
people's words."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.domain.cells import parse_amount
from app.domain.formatting import amount_text
from app.models import Deal
from app.queries.audit import AuditFilters, list_audit_events
from app.queries.suggestions import did_you_mean
from tests.conftest import _test_app, sign_in


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_an_amount_is_written_short_and_exactly() -> None:
    cases = {
        3_200_000_000: "3.2B",
        10_000_000_000: "10B",
        2_010_000_000: "2.01B",
        500_000_000: "500M",
        24_000: "24K",
        1_250_000_000_000: "1.25T",
        1_234_567_890: "1234567890",  # 1.23456789B would be as long and harder to read
        999: "999",
        0: "0",
    }
    for value, text in cases.items():
        assert amount_text(value) == text
        assert parse_amount(text) == value  # read back to the same number


def test_the_edit_form_shows_an_amount_as_typed(analyst: TestClient, demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.value_usd.is_not(None)).limit(1)).one()
    form = soup(analyst.get(f"/deals/{deal.id}/edit").text)
    assert form.select_one("#value_usd")["value"] == amount_text(deal.value_usd or 0)
    assert "," not in form.select_one("#value_usd")["value"]


def test_a_status_change_may_set_the_announced_date(analyst: TestClient, demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    page = soup(analyst.get(f"/deals/{deal.id}").text)
    assert page.select_one("#record-status .announced-field #announced_on") is not None

    refused = analyst.post(
        f"/deals/{deal.id}/status",
        data={"status": "denied", "effective_on": "2026-06", "announced_on": "2026-06"},
    )
    assert refused.status_code == 422
    assert "goes with the status announced or confirmed" in refused.text

    response = analyst.post(
        f"/deals/{deal.id}/status",
        data={"status": "announced", "effective_on": "2026-06-02", "announced_on": "2026-06"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    demo.expire_all()
    stored = demo.get_one(Deal, deal.id)
    assert stored.status == "announced" and stored.announced is not None
    assert stored.announced.label == "Jun 2026"


def test_a_search_that_finds_nothing_suggests_close_names(
    demo_client: TestClient, demo: Session
) -> None:
    assert did_you_mean(demo, "maia200")[0] == "Maia 200"
    assert did_you_mean(demo, "Core weav")[0] == "CoreWeave"
    assert did_you_mean(demo, "zq") == []
    page = soup(demo_client.get("/deals", params={"q": "maia200", "status": "rumored"}).text)
    link = page.select_one(".did-you-mean a")
    assert link.get_text() == "Maia 200"
    assert "q=Maia+200" in link["href"] and "status=rumored" in link["href"]
    found = soup(demo_client.get("/deals", params={"q": "maia 200"}).text)
    assert found.select_one(".did-you-mean") is None


def test_the_audit_log_pages_by_fifty_in_peoples_words(demo: Session) -> None:
    admin = create_user(demo, "audit-admin@example.org", "audit admin password 1", "admin")
    admin.display_name = "Ada Admin"
    demo.commit()
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "audit-admin@example.org", "audit admin password 1")
        first = list_audit_events(demo, AuditFilters())
        assert len(first.entries) == 50 and first.has_more

        page = soup(client.get("/audit?page=2&since=2025").text)
        assert len(page.select("ol.audit > li")) == 50
        assert page.select_one("a[rel=prev]")["href"] == "?since=2025&page=1"
        assert page.select_one("#since")["value"] == "2025"
        assert page.select_one("#since").get("type") in (None, "text")

        bad = soup(client.get("/audit?since=2025-13").text)
        assert "'2025-13' is not a date" in bad.select_one("#since-hint").get_text()

    # A change names its author in words.
    deal = demo.scalars(select(Deal).order_by(Deal.id).limit(1)).one()
    deal.region = "Somewhere"
    deal.updated_by_id = admin.id
    demo.info["user_id"] = admin.id
    demo.commit()
    entry = list_audit_events(demo, AuditFilters(entity_type="deal", action="update")).entries[0]
    words = {change.field: change.after for change in entry.changes}
    assert words["updated by"] is admin and "updated_by_id" not in words
