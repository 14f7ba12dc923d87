"""`/feed.atom`: one entry per status event of the filtered deals, newest first, as Atom."""

import re
from calendar import timegm
from datetime import timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.domain.vocabulary import label
from app.exchange.feed import FEED_LIMIT
from app.models import Deal, DealParty, Organization, Source, StatusEvent, utcnow
from tests.factories import make_deal

ENTRY_ID = re.compile(r"^http://testserver/deals/(\d+)#status-event-(\d+)$")


def parse(client: TestClient, query: str = "") -> feedparser.FeedParserDict:
    response = client.get(f"/feed.atom?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def event_ids(feed: feedparser.FeedParserDict) -> list[int]:
    ids = []
    for entry in feed.entries:
        match = ENTRY_ID.match(entry.id)
        assert match, entry.id
        assert entry.link == f"http://testserver/deals/{match[1]}"
        ids.append(int(match[2]))
    return ids


def newest_first(events: list[StatusEvent]) -> list[int]:
    ordered = sorted(events, key=lambda e: (e.effective_on, e.recorded_at, e.id), reverse=True)
    return [e.id for e in ordered]


def test_a_party_filter_gives_exactly_that_partys_events_newest_first(
    demo: Session, demo_client: TestClient
) -> None:
    feed = parse(demo_client, "party=microsoft")
    microsoft_deals = (
        select(DealParty.deal_id).join(Organization).where(Organization.slug == "microsoft")
    )
    events = list(
        demo.scalars(
            select(StatusEvent)
            .join(Deal)
            .where(Deal.id.in_(microsoft_deals), Deal.deleted_at.is_(None))
        )
    )
    assert 3 <= len(events) <= FEED_LIMIT
    assert event_ids(feed) == newest_first(events)
    assert feed.feed.title == "Compute Deal Tracker: status changes — Party: Microsoft"


def test_every_entry_names_the_status_and_links_to_its_deal(
    demo: Session, demo_client: TestClient
) -> None:
    feed = parse(demo_client, "status=confirmed&hardware_type=gpu")
    assert feed.entries
    events = {e.id: e for e in demo.scalars(select(StatusEvent))}
    for entry, event_id in zip(feed.entries, event_ids(feed), strict=True):
        event = events[event_id]
        assert event.deal.status == "confirmed"
        assert entry.title == f"{label(event.status)}: {event.deal.title}"
        assert entry.updated_parsed is not None
        assert timegm(entry.updated_parsed) == int(event.recorded_at.timestamp())


def test_the_unfiltered_feed_holds_the_latest_fifty(demo: Session, demo_client: TestClient) -> None:
    feed = parse(demo_client)
    events = list(demo.scalars(select(StatusEvent)))
    assert len(events) > FEED_LIMIT
    assert event_ids(feed) == newest_first(events)[:FEED_LIMIT]
    assert feed.feed.title == "Compute Deal Tracker: status changes — all deals"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": "http://testserver/feed.atom", "alternate": "http://testserver/deals"}


def test_content_has_the_date_at_its_precision_and_the_source(
    session: Session, client: TestClient
) -> None:
    deal = make_deal(session, "Anthropic rents Microsoft Maia capacity")
    source = Source(publisher="The Information", tier="original", url="https://example.org/ti")
    deal.sources.append(source)
    deal.status_events.append(
        StatusEvent(
            status="confirmed",
            effective=PartialDate.parse("2026-Q3"),
            source=source,
            note="Both parties <confirmed>.",
            recorded_at=utcnow() + timedelta(minutes=1),
        )
    )
    deal.refresh_status()
    session.flush()
    feed = parse(client)
    newest = feed.entries[0]
    assert newest.title == "Confirmed: Anthropic rents Microsoft Maia capacity"
    content = newest.content[0].value
    assert "Q3 2026" in content and "2026-Q3" in content
    assert "2026-07-01" not in content
    assert '<a href="https://example.org/ti">The Information</a>' in content
    assert "Both parties &lt;confirmed&gt;." in content
    assert [tag.term for tag in newest.tags] == ["confirmed"]


def test_deleted_deals_and_other_deals_stay_out(session: Session, client: TestClient) -> None:
    kept = make_deal(session, "Kept", status="announced")
    gone = make_deal(session, "Gone")
    other = make_deal(session, "Other", status="denied")
    gone.deleted_at = utcnow()
    session.flush()
    feed = parse(client)
    assert {e.link for e in feed.entries} == {
        f"http://testserver/deals/{kept.id}",
        f"http://testserver/deals/{other.id}",
    }
    only = parse(client, "status=announced")
    assert [e.title for e in only.entries] == ["Announced: Kept"]


def test_hostile_titles_are_escaped(session: Session, client: TestClient) -> None:
    make_deal(session, "<script>alert(1)</script> & co")
    response = client.get("/feed.atom")
    assert b"<script>" not in response.content
    entry = feedparser.parse(response.content).entries[0]
    assert entry.title == "Rumored: <script>alert(1)</script> & co"


@pytest.mark.parametrize(
    ("query", "named"),
    [("status=confirmd", "unknown status 'confirmd'"), ("party=nobody", "'nobody'")],
)
def test_a_bad_filter_is_a_400_naming_the_value(
    demo_client: TestClient, query: str, named: str
) -> None:
    response = demo_client.get(f"/feed.atom?{query}")
    assert response.status_code == 400
    assert named in response.text


def test_the_table_page_advertises_the_feed_of_its_view(demo_client: TestClient) -> None:
    page = demo_client.get("/deals?party=microsoft&hardware=maia-200").text
    head = page.split("</head>")[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Status changes of these deals" '
        'href="http://testserver/feed.atom?party=microsoft&amp;hardware=maia-200">'
    ) in head
    assert (
        'href="http://testserver/feed.atom?party=microsoft&amp;hardware=maia-200" hx-boost' in page
    )
    assert parse(demo_client, "party=microsoft&hardware=maia-200").entries
