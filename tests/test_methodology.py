"""/methodology defines every status, confidence and tier; badges carry their definition; a step
back in the lifecycle needs a note, and the history marks it."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.domain.methodology import (
    CONFIDENCE_DEFINITIONS,
    STATUS_DEFINITIONS,
    TIER_DEFINITIONS,
    moves_backwards,
)
from app.domain.vocabulary import Confidence, SourceTier, Status
from app.models import Deal, StatusEvent
from tests.factories import make_deal


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_every_value_of_each_vocabulary_is_defined_with_an_example() -> None:
    for vocabulary, definitions in (
        (Status, STATUS_DEFINITIONS),
        (Confidence, CONFIDENCE_DEFINITIONS),
        (SourceTier, TIER_DEFINITIONS),
    ):
        assert set(definitions) == {v.value for v in vocabulary}
        for definition in definitions.values():
            assert definition.short and definition.long and definition.example


def test_the_page_has_an_anchor_per_value_and_per_figure(client: TestClient) -> None:
    response = client.get("/methodology")
    assert response.status_code == 200
    page = soup(response.text)
    for prefix, definitions in (
        ("status", STATUS_DEFINITIONS),
        ("confidence", CONFIDENCE_DEFINITIONS),
        ("tier", TIER_DEFINITIONS),
    ):
        for value, definition in definitions.items():
            term = page.find(id=f"{prefix}-{value}")
            assert term is not None, f"{prefix}-{value}"
            assert definition.long in term.find_next_sibling("dd").get_text(" ", strip=True)
    for anchor in ("backwards", "first-reports", "figures"):
        assert page.find(id=anchor) is not None, anchor
    assert page.select_one('nav a[aria-current="page"][href$="/methodology"]') is not None


def test_moving_back_in_the_lifecycle() -> None:
    assert moves_backwards("announced", "rumored")
    assert moves_backwards("confirmed", "announced")
    assert moves_backwards("denied", "rumored")
    assert not moves_backwards("in_talks", "rumored")  # talks reported as signed: same stage
    assert not moves_backwards("rumored", "announced")
    assert not moves_backwards("announced", "cancelled")
    assert not moves_backwards("denied", "announced")
    assert not moves_backwards(None, "rumored")


def test_every_badge_on_a_deal_page_links_to_its_definition(
    demo_client: TestClient, demo: Session
) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    page = soup(demo_client.get(f"/deals/{deal.id}").text)
    badges = page.select("article.deal .badge")
    assert len(badges) >= 3
    methodology = soup(demo_client.get("/methodology").text)
    for badge in badges:
        link = badge.find_parent("a")
        assert link is not None, badge
        anchor = link["href"].removeprefix("/methodology#")
        assert methodology.find(id=anchor) is not None, anchor
        assert badge["title"], badge


def test_table_badges_carry_their_definition(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals").text)
    badges = page.select("#deal-table .badge")
    assert badges
    for badge in badges:
        status = next(c.removeprefix("status-") for c in badge["class"] if c.startswith("status-"))
        assert badge["title"] == STATUS_DEFINITIONS[status].short


def _status(analyst: TestClient, deal_id: int, status: str, note: str = "") -> int:
    response = analyst.post(
        f"/deals/{deal_id}/status",
        data={"status": status, "effective_on": "2026-07-01", "note": note},
        follow_redirects=False,
    )
    return response.status_code


def test_a_step_back_needs_a_note_and_the_history_shows_it(
    analyst: TestClient, demo: Session
) -> None:
    deal = make_deal(
        demo, "Backwards", status="announced", first_reported=PartialDate.parse("2026-05")
    )
    demo.commit()
    response = analyst.post(
        f"/deals/{deal.id}/status", data={"status": "rumored", "effective_on": "2026-07-01"}
    )
    assert response.status_code == 422
    assert "moves the deal back from announced to rumored" in response.text
    assert soup(response.text).select_one("#record-status").has_attr("open")
    assert _status(analyst, deal.id, "rumored", "The announcement was withdrawn.") == 303
    page = soup(analyst.get(f"/deals/{deal.id}").text)
    marked = page.select(".history li.backwards")
    assert len(marked) == 1
    assert "withdrawn" in marked[0].get_text()
    assert marked[0].select_one('a[href="/methodology#backwards"]') is not None


def test_a_step_forward_needs_no_note(analyst: TestClient, demo: Session) -> None:
    deal = make_deal(
        demo, "Forwards", status="rumored", first_reported=PartialDate.parse("2026-05")
    )
    demo.commit()
    assert _status(analyst, deal.id, "announced") == 303
    assert not soup(analyst.get(f"/deals/{deal.id}").text).select(".history li.backwards")


def test_an_earlier_dated_event_is_compared_with_the_status_then(
    analyst: TestClient, demo: Session
) -> None:
    """Recording a rumor dated before an announcement is history filled in, not a step back."""
    deal = make_deal(
        demo, "Filled in", status="announced", first_reported=PartialDate.parse("2026-08")
    )
    demo.commit()
    assert _status(analyst, deal.id, "rumored") == 303


def test_every_step_back_in_the_demo_data_has_a_note(demo: Session) -> None:
    for deal in demo.scalars(select(Deal)):
        for event, backwards in deal.history():
            if backwards:
                assert event.note, (deal.id, event.status)
    assert demo.scalar(select(StatusEvent.id).limit(1)) is not None
