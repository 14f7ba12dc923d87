"""The source track record: who reported each deal first, and what became of those deals."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.dates import PartialDate
from app.models import Deal, DealDerived, Source, StatusEvent
from app.queries.sources import track_records
from tests.conftest import StatementCounter
from tests.factories import make_deal


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def source(publisher: str, when: str | None = None, tier: str = "original", **kw: object) -> Source:
    published = PartialDate.parse(when) if when else None
    return Source(publisher=publisher, published=published, tier=tier, url=None, **kw)


def deal_with(session: Session, status: str, first: Source, *more: Source) -> Deal:
    """A deal whose sources are `first` (the factory's own source, rewritten) and `more`."""
    deal = make_deal(session, status=status)
    own = deal.sources[0]
    own.publisher, own.published, own.tier = first.publisher, first.published, first.tier
    deal.sources.extend(more)
    session.flush()
    return deal


@pytest.fixture
def deals(session: Session) -> dict[str, Deal]:
    a = deal_with(
        session,
        "confirmed",
        source("The Information", "2026-01-10"),
        source("Reuters", "2026-01-12"),
    )
    b = deal_with(
        session, "denied", source("Reuters", "2026-01-20"), source("the information", "2026-02")
    )
    c = deal_with(session, "rumored", source("The Information ", "2026-03-01"))
    # Earlier, but a relay and a story repeating C's first source: neither is credited.
    c.sources.append(source("Aggregator", "2025-12-01", tier="relay"))
    c.sources.append(source("Echo", "2025-11-01", tier="secondary", relays=c.sources[0]))
    d = deal_with(session, "completed", source("Bloomberg"), source("REUTERS", "2026-04"))
    e = deal_with(session, "in_talks", source("Bloomberg"))  # only undated sources
    gone = deal_with(session, "confirmed", source("The Information", "2020-01-01"))
    gone.deleted_at = datetime.now(UTC)
    session.flush()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def as_tuples(session: Session) -> dict[str, tuple[str, int, int, int, int, int, int]]:
    return {
        key: (r.publisher, r.first_reports, r.came_true, r.did_not, r.open, r.sources, r.deals)
        for key, r in track_records(session).items()
    }


def test_track_record_on_known_sources(session: Session, deals: dict[str, Deal]) -> None:
    assert as_tuples(session) == {
        # publisher: first reports, came true, did not, open, sources, deals cited
        "the information": ("The Information", 2, 1, 0, 1, 3, 3),
        "reuters": ("Reuters", 2, 1, 1, 0, 3, 3),
        "bloomberg": ("Bloomberg", 1, 0, 0, 1, 2, 2),
        "aggregator": ("Aggregator", 0, 0, 0, 0, 1, 1),
        "echo": ("Echo", 0, 0, 0, 0, 1, 1),
    }


def test_the_best_tier_is_credited_and_a_relay_only_when_nothing_else_exists(
    session: Session,
) -> None:
    # An earlier secondary summary and an earlier relay lose to the original report.
    deal_with(
        session,
        "announced",
        source("Original Desk", "2026-03-10"),
        source("Summary Weekly", "2026-03-01", tier="secondary"),
        source("Relay Feed", "2026-02-01", tier="relay"),
    )
    # A secondary source beats a relay.
    deal_with(
        session,
        "cancelled",
        source("Summary Weekly", "2026-04-10", tier="secondary"),
        source("Relay Feed", "2026-04-01", tier="relay"),
    )
    # Nothing but a relay: it is credited, and marked so.
    deal_with(session, "rumored", source("Relay Feed", "2026-05-01", tier="relay"))
    records = track_records(session)
    original, summary, relay = (
        records[k] for k in ("original desk", "summary weekly", "relay feed")
    )
    assert (original.first_reports, original.came_true, original.by_relay) == (1, 1, 0)
    assert (summary.first_reports, summary.did_not) == (1, 1)
    assert (relay.first_reports, relay.open, relay.by_relay) == (1, 1, 1)


def test_a_deal_citing_one_publisher_under_two_spellings_is_one_deal_cited(
    session: Session,
) -> None:
    deal_with(session, "rumored", source("Reuters", "2026-01-01"), source("REUTERS", "2026-01"))
    deal_with(session, "rumored", source("reuters", "2026-02-01"))
    for records in (track_records(session), track_records(session, {"Reuters"})):
        reuters = records["reuters"]
        assert (reuters.sources, reuters.deals, reuters.first_reports) == (3, 2, 2)
        assert reuters.spellings == {"Reuters": 1, "REUTERS": 1, "reuters": 1}


def test_records_for_named_publishers_equal_the_full_ones(
    session: Session, deals: dict[str, Deal]
) -> None:
    full = track_records(session)
    named = track_records(session, {"REUTERS", "Bloomberg "})
    assert set(named) == {"reuters", "bloomberg"}
    for key, record in named.items():
        assert record == full[key]


def test_the_sources_page_sorts(client: TestClient, deals: dict[str, Deal]) -> None:
    def order(query: str = "") -> list[str]:
        response = client.get(f"/sources{query}")
        assert response.status_code == 200
        return [th.get_text(strip=True) for th in soup(response.text).select("tbody th")]

    assert order("?all=1") == ["Reuters", "The Information", "Bloomberg", "Aggregator", "Echo"]
    alphabetical = ["Aggregator", "Bloomberg", "Echo", "Reuters", "The Information"]
    assert order("?sort=publisher&all=1") == alphabetical
    assert order("?sort=-publisher&all=1") == alphabetical[::-1]
    assert order("?sort=-did_not")[0] == "Reuters"
    assert order("?sort=sources&all=1") == [
        "Aggregator",
        "Echo",
        "Bloomberg",
        "Reuters",
        "The Information",
    ]
    page = soup(client.get("/sources?sort=sources").text)
    active = page.select_one("th[aria-sort]")
    assert active is not None and active["aria-sort"] == "ascending"
    assert active.a["href"] == "/sources?sort=-sources"  # asking again flips the direction
    assert page.select_one("nav a[aria-current=page]").get_text() == "Sources"

    bad = client.get("/sources?sort=nonsense")
    assert bad.status_code == 400
    message = soup(bad.text).select_one("main").get_text(" ", strip=True)
    assert "unknown sort 'nonsense'" in message and "first_reports" in message


def test_the_deal_page_shows_each_publishers_record(
    client: TestClient, deals: dict[str, Deal]
) -> None:
    page = soup(client.get(f"/deals/{deals['a'].id}").text)
    lines = [s.get_text(" ", strip=True) for s in page.select(".sources .track-record")]
    assert lines == [
        "The Information: 2 first reports, 1 came true, 0 did not, 1 open",
        "Reuters: 2 first reports, 1 came true, 1 did not, 0 open",
    ]
    page = soup(client.get(f"/deals/{deals['c'].id}").text)
    text = page.select_one(".sources").get_text(" ", strip=True)
    assert "Aggregator: no first reports (cited on 1 deal)" in text


def test_the_deal_page_asks_once_for_all_its_publishers(
    client: TestClient, session: Session, count_statements: type[StatementCounter]
) -> None:
    client.app.state.figures.max_entries = 0  # type: ignore[attr-defined]  # count them all
    client.app.state.deal_pages.max_entries = 0  # type: ignore[attr-defined]
    one = deal_with(session, "rumored", source("Solo", "2026-01-01"))
    many = deal_with(
        session, "rumored", source("P1", "2026-01-01"), *(source(f"P{n}") for n in range(2, 8))
    )
    client.get(f"/deals/{one.id}")  # warm up
    with count_statements() as few:
        client.get(f"/deals/{one.id}")
    with count_statements() as seven:
        response = client.get(f"/deals/{many.id}")
    assert response.text.count('class="muted track-record"') == 7
    assert few.count == seven.count


def test_demo_track_record_credits_each_deal_once(demo_client: TestClient, demo: Session) -> None:
    live = demo.scalars(
        select(Deal).where(Deal.deleted_at.is_(None)).options(selectinload(Deal.sources))
    ).all()
    creditable = [d for d in live if d.sources]
    records = track_records(demo)
    assert sum(r.first_reports for r in records.values()) == len(creditable)
    assert sum(r.sources for r in records.values()) == sum(len(d.sources) for d in live)
    top = soup(demo_client.get("/sources").text).select_one("tbody tr")
    most = max(r.first_reports for r in records.values())
    assert top is not None and int(top.select_one("td").get_text()) == most
    # The Information's announced outcomes count as came true.
    firsts = (
        demo.execute(
            select(Deal.status)
            .join(DealDerived, DealDerived.deal_id == Deal.id)
            .where(Deal.deleted_at.is_(None), DealDerived.first_publisher == "the information")
        )
        .scalars()
        .all()
    )
    assert "announced" in firsts
    info = records["the information"]
    assert info.came_true == sum(s in ("announced", "confirmed", "completed") for s in firsts)
    assert info.open == sum(s in ("rumored", "in_talks") for s in firsts)

    # The founding example was first reported by The Information; deleting it takes it out.
    before = records["the information"]
    maia = next(d for d in live if "Maia 200 chips" in d.title)
    maia.deleted_at = datetime.now(UTC)
    demo.flush()
    after = track_records(demo)["the information"]
    assert (after.first_reports, after.open, after.deals) == (
        before.first_reports - 1,
        before.open - 1,
        before.deals - 1,
    )


def add_event(session: Session, deal: Deal, status: str, when: str) -> None:
    deal.status_events.append(StatusEvent(status=status, effective=PartialDate.parse(when)))
    deal.refresh_status()
    session.flush()


def test_lead_time_from_first_report_to_the_official_word(session: Session) -> None:
    """Counted per publisher over the deals it reported before any official word that then
    got one: the days from the deal's first report to its first announced, confirmed or
    completed event; a deal first known from an announcement, or never announced, adds none."""

    def rumor(publisher: str, when: str, status: str = "rumored") -> Deal:
        deal = make_deal(session, status=status, first_reported=PartialDate.parse(when))
        deal.sources[0].publisher = publisher
        session.flush()
        return deal

    a = rumor("Scoop Desk", "2026-01-01")
    add_event(session, a, "announced", "2026-01-03")  # 2 days
    add_event(session, a, "confirmed", "2026-02-01")  # later: the first word counts
    b = rumor("Scoop Desk", "2026-01-10", "in_talks")
    add_event(session, b, "completed", "2026-03-11")  # 60 days
    c = rumor("Scoop Desk", "2026-02-01")
    add_event(session, c, "confirmed", "2026-02-11")  # 10 days
    d = rumor("Scoop Desk", "2026-02-01")
    add_event(session, d, "denied", "2026-02-05")  # no official word: no lead
    rumor("Scoop Desk", "2026-03-01")  # still open
    rumor("Press Office", "2026-01-01", "announced")  # first known from an announcement
    gone = rumor("Scoop Desk", "2025-01-01")
    add_event(session, gone, "confirmed", "2026-01-01")
    gone.deleted_at = datetime.now(UTC)
    session.flush()

    records = track_records(session)
    scoop, office = records["scoop desk"], records["press office"]
    assert scoop.leads == [2, 10, 60] and scoop.lead_days == 10
    assert (scoop.first_reports, scoop.came_true, scoop.did_not, scoop.open) == (5, 3, 1, 1)
    assert scoop.hit_rate == 3 / 5
    assert office.leads == [] and office.lead_days == -1 and office.hit_rate == 1
    add_event(session, c, "announced", "2026-02-05")  # an earlier word: 4 days, not 10
    named = track_records(session, {"Scoop Desk"})["scoop desk"]
    assert named.leads == [2, 4, 60] == track_records(session)["scoop desk"].leads
    assert named.lead_days == 4


def test_the_sources_page_searches_hides_and_sorts_by_hit_rate_and_lead(
    client: TestClient, deals: dict[str, Deal]
) -> None:
    def rows(query: str = "") -> list[list[str]]:
        response = client.get(f"/sources{query}")
        assert response.status_code == 200
        return [
            [cell.get_text(" ", strip=True) for cell in tr.select("th, td")]
            for tr in soup(response.text).select("tbody tr")
        ]

    # Publishers with no first reports are hidden unless asked for, and the page says so.
    page = soup(client.get("/sources").text)
    assert [r[0] for r in rows()] == ["Reuters", "The Information", "Bloomberg"]
    count = page.select_one(".table-count").get_text(" ", strip=True)
    assert "2 publishers with no first reports hidden" in count
    assert page.select_one(".table-count a")["href"] == "/sources?all=1"
    box = page.select_one("input#source-all[type=checkbox]")
    assert box is not None and not box.has_attr("checked")
    assert page.select_one("label[for=source-all]") and page.select_one("label[for=source-search]")
    assert soup(client.get("/sources?all=1").text).select_one("#source-all").has_attr("checked")

    # Search by publisher, any case, a part of the name; sorting keeps the search.
    assert [r[0] for r in rows("?q=REUT")] == ["Reuters"]
    assert [r[0] for r in rows("?q=e")] == ["Reuters", "The Information", "Bloomberg"]
    assert [r[0] for r in rows("?q=ech")] == []
    assert [r[0] for r in rows("?q=ech&all=1")] == ["Echo"]
    searched = soup(client.get("/sources?q=e&sort=publisher").text)
    assert searched.select_one("#source-search")["value"] == "e"
    links = {a.get_text(strip=True).split()[0]: a["href"] for a in searched.select("thead a")}
    assert links["Hit"] == "/sources?q=e&sort=-hit_rate"

    # Hit rate: came true / first reports. Reuters 1 of 2, The Information 1 of 2, Bloomberg 0.
    by_rate = rows("?sort=-hit_rate")
    assert [(r[0], r[3]) for r in by_rate] == [
        ("Reuters", "50%"),
        ("The Information", "50%"),
        ("Bloomberg", "0%"),
    ]
    assert [r[0] for r in rows("?sort=hit_rate")] == ["Bloomberg", "Reuters", "The Information"]
    # No deal here was reported before an official word it then got: no lead times.
    assert {r[6] for r in by_rate} == {"–"}


def test_the_sources_page_shows_lead_times(client: TestClient, session: Session) -> None:
    slow = make_deal(session, status="rumored", first_reported=PartialDate.parse("2026-01-01"))
    add_event(session, slow, "confirmed", "2026-01-21")
    fast = make_deal(session, status="rumored", first_reported=PartialDate.parse("2026-01-01"))
    fast.sources[0].publisher = "Quick Wire"
    session.flush()
    add_event(session, fast, "announced", "2026-01-04")
    table = soup(client.get("/sources?sort=-lead_days").text)
    rows = [
        [c.get_text(" ", strip=True) for c in tr.select("th, td")]
        for tr in table.select("tbody tr")
    ]
    assert [(r[0], r[6]) for r in rows] == [("The Information", "20 d"), ("Quick Wire", "3 d")]
    active = table.select_one("th[aria-sort]")
    assert active["aria-sort"] == "descending" and "Lead time" in active.get_text()


@pytest.mark.parametrize("query", ["", "?q=reuters", "?all=1&sort=-hit_rate", "?sort=lead_days"])
def test_demo_sources_page_counts_every_first_report_however_filtered(
    demo_client: TestClient, demo: Session, query: str
) -> None:
    """Hiding and sorting never change a record: each row equals the publisher's own."""
    records = {r.publisher: r for r in track_records(demo).values()}
    table = soup(demo_client.get(f"/sources{query}").text)
    shown = [
        [c.get_text(" ", strip=True) for c in tr.select("th, td")]
        for tr in table.select("tbody tr")
    ]
    assert shown, query
    for row in shown:
        record = records[row[0]]
        assert int(row[1].split()[0]) == record.first_reports
        assert "all=1" in query or record.first_reports > 0
        assert "q=" not in query or "reuters" in row[0].lower()
    if not query:
        assert len(shown) == sum(1 for r in records.values() if r.first_reports)
