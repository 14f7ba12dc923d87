"""The timeline: the filtered deals' status events in date order, paged, grouped, and as lanes."""

from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate, Precision
from app.filters import DealFilters
from app.models import Deal, StatusEvent
from app.queries.deals import list_deals, resolve_filters
from app.queries.lifecycles import lifecycle, list_lifecycles
from app.queries.timeline import Cursor, event_sort_key, list_timeline
from tests.conftest import StatementCounter
from tests.factories import make_deal

FILTERS = [
    "",
    "status=confirmed",
    "status=rumored&status=denied",
    "party=microsoft",
    "customer=openai&hardware_type=gpu",
    "hardware_type=tpu&hardware_type=trainium",
    "vendor=nvidia&reported_from=2025",
    "deal_type=equity_investment",
    "reported_from=2025-06&reported_to=2025-12-31",
    "min_value=10B",
    "q=msft",
    "q=no-such-word-anywhere",
]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def resolved(session: Session, query: str, **extra: str) -> object:
    pairs = parse_qsl(query) + list(extra.items())
    return resolve_filters(session, DealFilters.from_query(pairs))


def walk(session: Session, query: str, per_page: int) -> list[StatusEvent]:
    """Every event of the timeline, page by page through the cursor."""
    rf = resolved(session, query)
    events: list[StatusEvent] = []
    before = None
    while True:
        page = list_timeline(session, rf, before=before, per_page=per_page)  # type: ignore[arg-type]
        events += page.events
        if page.next_cursor is None:
            return events
        before = page.next_cursor


def table_ids(session: Session, query: str) -> set[int]:
    rf = resolved(session, query, per_page="500")
    return {deal.id for deal in list_deals(session, rf).rows}  # type: ignore[arg-type]


def oracle(session: Session, deal_ids: set[int]) -> list[int]:
    """The expected order, computed in Python from every event of the given deals."""
    events = session.scalars(select(StatusEvent).where(StatusEvent.deal_id.in_(deal_ids))).all()
    return [e.id for e in sorted(events, key=event_sort_key, reverse=True)]


@pytest.mark.parametrize("query", FILTERS)
def test_the_timelines_deals_are_the_tables_deals(demo: Session, query: str) -> None:
    events = walk(demo, query, per_page=7)
    expected = table_ids(demo, query)
    assert {e.deal_id for e in events} == expected
    assert [e.id for e in events] == oracle(demo, expected)  # all of them, in order, once


def test_the_filters_are_not_trivial(demo: Session) -> None:
    sizes = [len(table_ids(demo, query)) for query in FILTERS]
    assert sizes[0] == 58 and sizes[-1] == 0
    assert all(0 < size < 58 for size in sizes[1:-1])


@pytest.mark.parametrize("query", ["", "status=confirmed", "party=microsoft", "reported_from=2025"])
def test_the_page_and_its_plain_links_show_the_tables_deals(
    demo_client: TestClient, demo: Session, query: str
) -> None:
    """Following "Load earlier" as a plain link (no JS) walks the whole filtered timeline."""
    url: str | None = f"/timeline?{query}"
    deal_ids: list[int] = []
    event_ids: list[int] = []
    while url:
        response = demo_client.get(url)
        assert response.status_code == 200
        page = soup(response.text)
        deal_ids += [int(a["href"].rsplit("/", 1)[1]) for a in page.select("a.tl-title")]
        event_ids += [int(li["id"].removeprefix("event-")) for li in page.select("li.tl-event")]
        more = page.select_one("#timeline-more a.load-earlier")
        url = more["href"] if more else None
    assert set(deal_ids) == table_ids(demo, query)
    assert event_ids == oracle(demo, set(deal_ids))


def test_deleted_deals_never_appear(demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia"))).one()
    deal.deleted_at = datetime.now(UTC)
    demo.flush()
    events = walk(demo, "", per_page=50)
    assert deal.id not in {e.deal_id for e in events}
    assert len(events) == demo.scalar(
        select(func.count()).select_from(StatusEvent).where(StatusEvent.deal_id != deal.id)
    )
    lanes = list_lifecycles(demo, resolved(demo, ""), today=date(2026, 6, 1))  # type: ignore[arg-type]
    assert deal.id not in {lc.deal.id for lc in lanes.lifecycles} and lanes.total == 57


# Partial dates, newest first: a coarser date sorts after the finer ones starting the same day.
DATES = [
    "2026-05-21",
    "2026-05",
    "2026-Q2",
    "2026-01-01",
    "2026-01",
    "2026-Q1",
    "2026",
    "2025-12-31",
]


@pytest.fixture
def dated(session: Session) -> dict[str, int]:
    """One event per date in DATES (given in scrambled order); returns event id by date."""
    ids: dict[str, int] = {}
    for text in reversed(DATES[::2] + DATES[1::2]):
        deal = make_deal(session, f"Deal of {text}", first_reported=PartialDate.parse(text))
        ids[text] = deal.status_events[0].id
    session.commit()
    return ids


def test_partial_dates_sort_by_their_start_then_precision(
    client: TestClient, session: Session, dated: dict[str, int]
) -> None:
    events = walk(session, "", per_page=3)
    assert [e.id for e in events] == [dated[text] for text in DATES]
    keys = [event_sort_key(e) for e in events]
    assert all(a > b for a, b in zip(keys, keys[1:], strict=False))  # strictly descending

    page = soup(client.get("/timeline").text)
    shown = [li.select_one(".tl-date").get_text() for li in page.select("li.tl-event")]
    assert shown == [
        "21 May 2026", "May 2026", "Q2 2026", "1 Jan 2026", "Jan 2026", "Q1 2026", "2026",
        "31 Dec 2025",
    ]  # fmt: skip
    assert "2026-05-01" not in page.select_one("#timeline-events").get_text()


@pytest.mark.parametrize(
    ("group", "headings"),
    [
        (None, ["May 2026", "Q2 2026", "January 2026", "Q1 2026", "2026", "December 2025"]),
        ("month", ["May 2026", "Q2 2026", "January 2026", "Q1 2026", "2026", "December 2025"]),
        ("quarter", ["Q2 2026", "Q1 2026", "2026", "Q4 2025"]),
        ("year", ["2026", "2025"]),
    ],
)
def test_grouping_gives_period_headings(
    client: TestClient, dated: dict[str, int], group: str | None, headings: list[str]
) -> None:
    response = client.get("/timeline" + (f"?group={group}" if group else ""))
    assert response.status_code == 200
    page = soup(response.text)
    assert [h.get_text(strip=True) for h in page.select("h2.tl-heading")] == headings
    # Every event sits under exactly one heading, in order.
    assert len(page.select("li.tl-event")) == len(DATES)


def test_paging_never_repeats_or_skips_with_ties(session: Session) -> None:
    """Many events on the same day and precision: the id breaks the tie across pages."""
    for n in range(7):
        make_deal(session, f"Same day {n}", first_reported=PartialDate.parse("2026-03-02"))
        make_deal(session, f"Same month {n}", first_reported=PartialDate.parse("2026-03"))
    session.commit()
    everything = [e.id for e in walk(session, "", per_page=1000)]
    for per_page in (1, 2, 3, 5, 13):
        assert [e.id for e in walk(session, "", per_page=per_page)] == everything
    assert len(everything) == 14 == len(set(everything))


def test_htmx_gets_fragments(demo_client: TestClient) -> None:
    response = demo_client.get("/timeline?status=confirmed", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = soup(response.text)
    assert fragment.select_one("#timeline-results") is not None
    assert fragment.select_one("#q") is None
    assert "HX-Request" in response.headers["vary"]

    first = soup(demo_client.get("/timeline").text)
    link = first.select_one("#timeline-more a.load-earlier")
    assert link["hx-get"] == link["href"] and link["hx-push-url"] == "true"
    more = demo_client.get(link["href"], headers={"HX-Request": "true"})
    assert "<html" not in more.text
    page = soup(more.text)
    assert page.select_one("#timeline-results") is None  # only the events, to append
    assert len(page.select("li.tl-event")) == 70 - 50
    last_shown = first.select("h2.tl-heading")[-1].get_text(strip=True)
    headings = [h.get_text(strip=True) for h in page.select("h2.tl-heading")]
    assert last_shown not in headings  # the last heading continues instead of repeating
    plain = soup(demo_client.get(link["href"]).text)
    assert "<html" in str(plain) and plain.select_one("p.newest a") is not None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("group=week", "unknown group 'week' — expected one of month, quarter, year"),
        ("view=gantt", "unknown view 'gantt' — expected one of events, lanes"),
        (
            "view=lanes&lanes=hardware",
            "unknown lanes 'hardware' — expected one of deal, organization",
        ),
        ("sort=value", "'sort' does not apply to the timeline"),
        ("page=2", "'page' does not apply to the timeline"),
        ("before=yesterday", "before 'yesterday' is not a place in the timeline"),
        ("before=2026-13_4", "before '2026-13_4' is not a place in the timeline"),
        ("group=month&group=year", "'group' was given twice"),
        ("status=confirmd", "unknown status 'confirmd'"),
        ("party=nobody", "unknown organization 'nobody'"),
    ],
)
def test_bad_parameters_are_a_clear_400(demo_client: TestClient, query: str, message: str) -> None:
    response = demo_client.get(f"/timeline?{query}")
    assert response.status_code == 400
    assert message in soup(response.text).select_one(".filter-errors").get_text()


def test_every_bad_parameter_is_named_at_once_and_the_rest_kept(
    demo_client: TestClient,
) -> None:
    response = demo_client.get("/timeline?status=confirmd&sort=value&group=week&party=meta")
    assert response.status_code == 400
    page = soup(response.text)
    messages = [li.get_text() for li in page.select(".filter-errors li")]
    assert len(messages) == 3 and "unknown group 'week'" in messages[-1]
    assert [(i["name"], i["value"]) for i in page.select("input[type=hidden]")] == [
        ("status", "confirmd"), ("group", "week"), ("party", "meta"),
    ]  # fmt: skip


def test_a_cursor_reads_back_what_it_writes() -> None:
    for text in ("2026-05-21_12", "2026-05_3", "2026-Q2_40", "2026_7"):
        assert str(Cursor.parse(text)) == text
    assert Cursor.parse("2026-Q2_40").effective == PartialDate.parse("2026-Q2")


def test_a_page_costs_the_same_statements_whatever_its_size(
    demo: Session, demo_client: TestClient, count_statements: type[StatementCounter]
) -> None:
    demo_client.app.state.figures.max_entries = 0  # type: ignore[attr-defined]  # count them all
    rf = resolved(demo, "")
    list_timeline(demo, rf, per_page=1)  # type: ignore[arg-type]  # opens the transaction
    counts = []
    for per_page in (3, 50, 500):
        demo.expunge_all()
        with count_statements() as counter:
            page = list_timeline(demo, rf, per_page=per_page)  # type: ignore[arg-type]
            for event in page.events:  # everything the page shows, already loaded
                _ = [p.organization.name for p in event.deal.parties]
                _ = [line.hardware.name for line in event.deal.hardware_lines]
                _ = event.source.publisher if event.source else None
        counts.append(counter.count)
    assert counts == [4, 4, 4]  # events with their deals, parties, hardware, sources

    demo_client.get("/timeline")  # warm up
    pages = []
    for query in ("", "status=confirmed", "status=rumored&q=azure", "view=lanes"):
        with count_statements() as counter:
            assert demo_client.get(f"/timeline?{query}").status_code == 200
        pages.append(counter.count)
    # The facets are counted from the worker's sets of deal ids (app/derived/dealsets.py): a
    # facet's value chosen costs nothing more, a filter that is no facet (the search) one
    # statement, reading the ids it matches.
    assert pages[0] == pages[1] == pages[2] - 1, pages
    # Events: count, events, parties, hardware, sources. Lanes: count, ids, deals, events, parties.
    assert pages[3] == pages[0]


def test_multi_step_demo_deals_show_every_step(demo: Session, demo_client: TestClient) -> None:
    steps = dict(
        demo.execute(
            select(StatusEvent.deal_id, func.count())
            .group_by(StatusEvent.deal_id)
            .having(func.count() > 1)
        ).all()
    )
    assert len(steps) >= 10
    shown: dict[int, int] = {}
    url: str | None = "/timeline"
    while url:
        page = soup(demo_client.get(url).text)
        for a in page.select("a.tl-title"):
            deal_id = int(a["href"].rsplit("/", 1)[1])
            shown[deal_id] = shown.get(deal_id, 0) + 1
        more = page.select_one("#timeline-more a.load-earlier")
        url = more["href"] if more else None
    assert {deal_id: shown[deal_id] for deal_id in steps} == steps

    lanes = soup(demo_client.get("/timeline?view=lanes").text)
    for deal_id, count in steps.items():
        lane = lanes.select_one(f'li.lane:has(a[href$="/deals/{deal_id}"])')
        assert lane is not None
        status_segments = [r for r in lane.select("rect.seg") if "seg-none" not in r["class"]]
        assert len(status_segments) == count > 1
        assert len(lane.select("line.mark")) == count
        svg = lane.select_one("svg")
        assert svg["role"] == "img" and svg["aria-label"].startswith(lane.select_one("a").text)
        assert all(r.select_one("title").get_text() for r in status_segments)


def test_a_lifecycle_runs_from_first_report_to_today(session: Session) -> None:
    deal = make_deal(session, "Rumor then denial", first_reported=PartialDate.parse("2025-03-01"))
    deal.status_events[0].effective = PartialDate.parse("2025-03-06")
    deal.status_events.append(
        StatusEvent(status="denied", effective=PartialDate.parse("2025-03-20"))
    )
    session.flush()
    lc = lifecycle(deal, today=date(2025, 6, 1))
    assert [(s.status, s.start, s.end, s.days) for s in lc.segments] == [
        (None, date(2025, 3, 1), date(2025, 3, 6), 5),
        ("rumored", date(2025, 3, 6), date(2025, 3, 20), 14),
        ("denied", date(2025, 3, 20), date(2025, 6, 1), 73),
    ]
    assert lc.duration == "Rumored → Denied in 14 days"
    assert lc.segments[1].description == "Rumored, 6 Mar 2025 – 20 Mar 2025, 14 days"
    assert lc.segments[2].description == "Denied, 20 Mar 2025 – today, 73 days"

    open_deal = make_deal(session, "Still a rumor", first_reported=PartialDate.parse("2025-05"))
    still = lifecycle(open_deal, today=date(2025, 6, 15))
    assert still.duration == "Rumored, no outcome after ~45 days"
    assert [s.since.label for s in still.segments] == ["May 2025"]


def test_lanes_are_capped_at_the_most_recent_and_say_so(
    session: Session, client: TestClient
) -> None:
    for n in range(62):
        year, month = divmod(n, 12)
        make_deal(
            session,
            f"Deal {n:02d}",
            first_reported=PartialDate(date(2020 + year, month + 1, 1), Precision.MONTH),
        )
    session.commit()
    lanes = list_lifecycles(session, resolved(session, ""), today=date(2026, 1, 1), limit=5)  # type: ignore[arg-type]
    assert lanes.total == 62 and lanes.capped
    assert [lc.deal.title for lc in lanes.lifecycles] == [f"Deal {n}" for n in range(61, 56, -1)]

    page = soup(client.get("/timeline?view=lanes").text)
    assert len(page.select("ol.lane-list > li.lane")) == 60
    assert (
        "Showing the 60 deals with the most recent activity, of 62"
        in page.select_one(".results .table-count").get_text()
    )
    assert "Deal 00" not in page.select_one(".lane-list").get_text()
    rows = page.select("details.lanes-text tbody tr")
    assert len(rows) == 60  # the same information as text


def test_organization_lanes(demo_client: TestClient, demo: Session) -> None:
    page = soup(demo_client.get("/timeline?view=lanes&lanes=organization&party=microsoft").text)
    lanes = page.select("ol.lane-list > li.lane")
    names = [lane.select_one(".lane-label a").get_text() for lane in lanes]
    assert "Microsoft" in names and len(names) == len(set(names)) > 1
    microsoft = lanes[names.index("Microsoft")]
    deals = len(table_ids(demo, "party=microsoft"))
    assert f"{deals} deals" in microsoft.select_one(".lane-label").get_text()
    assert {r["y"] for r in microsoft.select("rect.seg")} == {str(1 + 16 * i) for i in range(deals)}
    # Each deal's row is labelled with its title, and the busiest organization comes first.
    titles = [a.get_text() for a in microsoft.select(".lane-deals a")]
    assert len(titles) == deals and all(titles)
    counts = [len(lane.select(".lane-deals li")) for lane in lanes]
    assert counts == sorted(counts, reverse=True)
    assert microsoft.select_one('a[aria-current="true"]') is None
    assert page.select_one('.option-links a[aria-current="true"]').get_text() == "organization"


def test_links_carry_the_view(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/timeline?party=microsoft&group=quarter").text)
    facet = page.select_one('.facet a[href*="status=confirmed"]')
    assert dict(parse_qsl(urlsplit(facet["href"]).query)) == {
        "status": "confirmed", "party": "microsoft", "group": "quarter",
    }  # fmt: skip
    lanes = page.select_one('.view-switch a[href*="view=lanes"]')
    assert "party=microsoft" in lanes["href"]
    hidden = {(i["name"], i["value"]) for i in page.select('input[type="hidden"]')}
    assert {("party", "microsoft"), ("group", "quarter")} <= hidden

    deals = soup(demo_client.get("/deals?party=microsoft&sort=value").text)
    link = deals.find("a", string="Timeline of these deals")
    assert link["href"].endswith("/timeline?party=microsoft")  # no sort: it means nothing there
    nav = soup(demo_client.get("/").text).select_one("nav[aria-label=Main]")
    assert nav.select_one('a[href$="/timeline"]').get_text() == "Timeline"
