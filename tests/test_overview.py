"""The overview: every figure is the size of the filtered table it links to, on both databases."""

import re
import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.domain.dates import PartialDate
from app.domain.vocabulary import DENIED_STATUSES, OFFICIAL_STATUSES, RUMOR_STATUSES
from app.filters import DealFilters
from app.models import Deal, FacetCount, Hardware, StatusEvent, User, event_order
from app.queries.deals import list_deals, resolve_filters
from app.queries.directory import overview_counts
from app.queries.overview import (
    RUMORS_LISTED,
    SHARE_MEASURES,
    Durations,
    Listed,
    TimedRef,
    hardware_by_quarter,
    hardware_share,
    provider_totals,
    quartiles,
    rumor_durations,
)
from tests.conftest import StatementCounter
from tests.factories import make_deal, make_hardware, make_organization
from tests.test_kept_counts import FEW_SLOW_EXAMPLES, WRITES, _write


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def table_total(session: Session, href: str) -> int:
    """How many deals the /deals table at `href` lists, through the table's own query."""
    parts = urlsplit(href)
    assert parts.path == "/deals", href
    rf = resolve_filters(session, DealFilters.from_query(parse_qsl(parts.query)))
    return list_deals(session, rf).total


def linked_figures(html: str) -> list[tuple[str, int]]:
    """Every (link to the deals table, number it claims) on the overview."""
    page = soup(html)
    main = page.select_one("main")
    assert isinstance(main, Tag)
    figures: list[tuple[str, int]] = []
    for link in main.select("a[href]"):
        href = str(link["href"])
        if urlsplit(href).path != "/deals" or not urlsplit(href).query:
            continue
        if "share-link" in (link.get("class") or []):
            continue  # a percentage (see test_hardware_share_*)
        # A chart link says "GPU, Q1 2026: 4 deals" in its label; a text link starts with it.
        label = link.get("aria-label")
        if label:
            figures.append((href, int(re.findall(r"\d+", str(label))[-1])))
        elif number := re.match(r"\d+", link.get_text(strip=True)):
            figures.append((href, int(number.group())))
        # (else a status badge or a provider's name: a link beside its figure)
    return figures


def delete(session: Session, deal: Deal) -> None:
    deal.deleted_at = datetime.now(UTC)
    session.flush()


def add_event(session: Session, deal: Deal, status: str, when: str) -> None:
    deal.status_events.append(StatusEvent(status=status, effective=PartialDate.parse(when)))
    deal.refresh_status()
    session.flush()


def test_every_demo_figure_equals_its_table(demo_client: TestClient, demo: Session) -> None:
    html = demo_client.get("/").text
    figures = linked_figures(html)
    kinds = {
        "status": [h for h, _ in figures if "status=" in h and "reported_from" not in h],
        "segment": [h for h, _ in figures if "hardware_type=" in h],
        "quarter": [h for h, _ in figures if "reported_from=" in h and "hardware_type" not in h],
        "provider": [h for h, _ in figures if "provider=" in h],
    }
    assert all(kinds.values()), kinds
    for href, claimed in figures:
        assert table_total(demo, href) == claimed, href
    # And once through the page itself, as a reader would.
    href, claimed = next((h, n) for h, n in figures if "hardware_type=tpu" in h)
    table = soup(demo_client.get(href).text)
    assert len(table.select("#deal-table tbody tr")) == claimed


def test_demo_chart_and_figures(demo_client: TestClient, demo: Session) -> None:
    page = soup(demo_client.get("/").text)
    svg = page.select_one("svg[role=group]")
    assert svg is not None and svg["aria-labelledby"] == "hw-chart-title"
    assert svg.select_one("title") is not None and svg.select_one("desc") is not None
    segments = svg.select("a.chart-link")
    assert any("hardware_type=custom_accelerator" in str(a["href"]) for a in segments)
    other = next(a for a in segments if "hardware_type=wafer_scale" in str(a["href"]))
    assert re.search(
        r"hardware_type=wafer_scale&hardware_type=lpu&hardware_type=npu", other["href"]
    )
    # "Other in-house" is the custom_accelerator type: in the data, all of it is in-house.
    customs = demo.scalars(select(Hardware).where(Hardware.type == "custom_accelerator")).all()
    assert customs and all(hw.in_house for hw in customs)
    legend = [li.get_text(strip=True) for li in page.select(".chart-legend li")]
    assert legend[:4] == ["GPU", "TPU", "Trainium", "Other in-house"]
    assert "Unspecified" in legend
    rows = page.select(".chart-table:not(.share-table) tbody tr")
    assert len(rows) == 12 and rows[0].th.get_text() == "Q2 2026"
    shares = page.select(".share-table tbody tr")
    assert len(shares) == 12 and shares[0].th.get_text() == "Q2 2026"
    # The 10 deals first reported as rumors or talks, and the days to the official word: no
    # median of 0 built from deals confirmed when first reported (those are counted apart).
    durations = rumor_durations(demo)
    assert durations.reported_first == 10 and len(page.select(".rumor-deals li")) == 10
    days = sorted(r.days for r in durations.official.first if r.days is not None)
    assert durations.median == statistics.median(days) and durations.median > 0
    amazon = next(r for r in durations.official.first if r.title.startswith("Amazon–OpenAI"))
    assert amazon.days == 2
    text = " ".join(page.select_one(".durations").get_text(" ").split())
    assert text.startswith(f"median {durations.median:g} days")
    assert "Median days from first report to confirmation" not in str(page)
    official_first = page.select_one(".official-first")
    assert official_first is not None and int(official_first.get_text()) == durations.official_first
    # Latest changes: dates at their precision, a badge, the deal, and the way to the timeline.
    events = page.select(".events li")
    assert len(events) == 10
    assert all(li.select_one(".badge") and li.select_one("a[href^='http']") for li in events)
    assert events[2].select_one("time").get_text() == "May 2026"
    assert "2026-05-01" not in str(page)
    assert page.select_one("a[href='/timeline']") is not None


def test_hardware_by_quarter_on_hand_made_deals(client: TestClient, session: Session) -> None:
    gpu = make_hardware(session, "GPU One", type="gpu")
    tpu = make_hardware(session, "TPU One", type="tpu", in_house=True)
    trn = make_hardware(session, "Trn One", type="trainium", in_house=True)
    maia = make_hardware(session, "Maia One", type="custom_accelerator", in_house=True)
    wse = make_hardware(session, "WSE One", type="wafer_scale")
    cpu = make_hardware(session, "CPU One", type="cpu")

    def deal(when: str, *hardware: object) -> Deal:
        return make_deal(session, first_reported=PartialDate.parse(when), hardware=list(hardware))

    deal("2025-05", tpu)
    deal("2025-11", wse)
    deal("2025-12-31", cpu, gpu)
    deal("2026-01-15", gpu)
    deal("2026-02", gpu, tpu)
    deal("2026-Q1")  # no hardware: unspecified
    deal("2026-04-02", trn, maia)
    delete(session, deal("2026-01-10", gpu))

    data = hardware_by_quarter(session)
    got = {
        str(row.quarter): (row.deals, {k: n for k, n in row.by_group.items() if n})
        for row in data.quarters
    }
    assert got == {
        "2025-Q2": (1, {"tpu": 1}),
        "2025-Q3": (0, {}),
        "2025-Q4": (2, {"accelerator": 1, "cpu_other": 1, "gpu": 1}),
        "2026-Q1": (3, {"gpu": 2, "tpu": 1, "unspecified": 1}),
        "2026-Q2": (1, {"trainium": 1, "in_house": 1}),
    }
    assert data.earlier_deals == 0
    capped = hardware_by_quarter(session, max_quarters=2)
    assert [str(r.quarter) for r in capped.quarters] == ["2026-Q1", "2026-Q2"]
    assert capped.earlier_deals == 3 and str(capped.earlier_to) == "2025-Q4"

    html = client.get("/").text
    figures = linked_figures(html)
    assert ("/deals?hardware_type=gpu&reported_from=2026-Q1&reported_to=2026-Q1", 2) in figures
    for href, claimed in figures:
        assert table_total(session, href) == claimed, href
    # "Unspecified" links to the deals that name no hardware (counted by the loop above).
    rects = soup(html).select("section[aria-labelledby=hw-chart-heading] rect.hw-unspecified")
    assert len(rects) == 1 and rects[0].parent.name == "a"
    assert "hardware_named=no" in rects[0].parent["href"]
    assert (rects[0].parent["href"], 1) in figures


def _share_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of the share table's percentage links."""
    table = soup(html).select_one("table.share-table")
    assert table is not None
    return [(str(a["href"]), a.get_text(strip=True)) for a in table.select("a.share-link")]


def test_hardware_share_by_deals_capacity_and_value(client: TestClient, session: Session) -> None:
    gpu = make_hardware(session, "GPU One", type="gpu")
    tpu = make_hardware(session, "TPU One", type="tpu", in_house=True)

    def deal(when: str, *hardware: Hardware, mw: float | None = None, usd: int | None = None,
             status: str = "confirmed") -> Deal:  # fmt: skip
        made = make_deal(session, first_reported=PartialDate.parse(when), hardware=list(hardware))
        made.capacity_mw, made.value_usd, made.status = mw, usd, status
        if mw is not None:
            made.capacity_qualifier = "exact"
        if usd is not None:
            made.value_qualifier = "exact"
        session.flush()
        return made

    deal("2026-01-05", gpu, mw=300, usd=1_000)
    deal("2026-02", gpu, mw=100)
    deal("2026-03-01", tpu, mw=600, usd=3_000, status="rumored")
    deal("2026-03-02")  # no hardware
    deal("2026-04-01", gpu, tpu, usd=500)
    delete(session, deal("2026-01-09", tpu, mw=10_000))

    def shares(measure: str, **query: str) -> dict[str, dict[str, float]]:
        rf = resolve_filters(session, DealFilters.from_query(list(query.items())))
        return {
            str(r.quarter): {c.group.key: round(c.percent, 2) for c in r.cells if c.amount}
            for r in hardware_share(session, rf, measure)
        }

    assert shares("deals") == {
        "2026-Q1": {"gpu": 50.0, "tpu": 25.0, "unspecified": 25.0},
        "2026-Q2": {"gpu": 50.0, "tpu": 50.0},
    }
    assert shares("capacity") == {"2026-Q1": {"gpu": 40.0, "tpu": 60.0}}
    assert shares("value") == {
        "2026-Q1": {"gpu": 25.0, "tpu": 75.0},
        "2026-Q2": {"gpu": 50.0, "tpu": 50.0},
    }
    assert shares("capacity", status="confirmed") == {"2026-Q1": {"gpu": 100.0}}

    # The page: a plain GET form, and each percentage links to exactly the deals it counts.
    page = client.get("/?share_by=capacity&status=confirmed&status=rumored")
    assert page.status_code == 200
    form = soup(page.text).select_one("form.share-form")
    assert form is not None and form.get("method") == "get"
    assert {(i["name"], i["value"]) for i in form.select("input[type=hidden]")} == {
        ("status", "confirmed"), ("status", "rumored"),
    }  # fmt: skip
    assert form.select_one("select[name=share_by] option[selected]")["value"] == "capacity"
    # The filters it takes read as words, each a chip that removes it and keeps the measure.
    section = soup(page.text).select_one("section.share-section")
    assert section is not None and "status=" not in section.select_one("#share-scope").get_text()
    chips = {a.get_text(" ", strip=True): a["href"] for a in section.select("ul.chips a.chip")}
    assert chips == {
        "Status: Confirmed ×": "http://testserver/?status=rumored&share_by=capacity",
        "Status: Rumored ×": "http://testserver/?status=confirmed&share_by=capacity",
    }
    links = _share_links(page.text)
    assert [text for _, text in links] == ["40 %", "60 %"]
    gpu_href = next(href for href, text in links if text == "40 %")
    assert "status=confirmed" in gpu_href and "hardware_type=gpu" in gpu_href
    assert table_total(session, gpu_href) == 2  # the two GPU deals whose MW it sums
    unspecified = []
    for href, _ in _share_links(client.get("/?share_by=deals").text):
        rf = resolve_filters(session, DealFilters.from_query(parse_qsl(urlsplit(href).query)))
        quarter = str(rf.filters.value("reported_from"))
        types = rf.filters.value("hardware_type")
        if not types:  # "Unspecified": the deals that name no hardware
            assert rf.filters.value("hardware_named") == ("no",), href
            unspecified.append(href)
        group = types[0] if types else "unspecified"
        row = next(r for r in hardware_share(session, rf, "deals") if str(r.quarter) == quarter)
        assert table_total(session, href) == next(
            c.amount for c in row.cells if c.group.key == group
        )
    assert len(unspecified) == 1 and table_total(session, unspecified[0]) == 1
    assert client.get("/?share_by=chips").status_code == 400


def test_median_and_rumor_shares_on_known_histories(client: TestClient, session: Session) -> None:
    def deal(title: str, status: str, when: str) -> Deal:
        return make_deal(session, title, status=status, first_reported=PartialDate.parse(when))

    d1 = deal("D1", "rumored", "2026-01-01")
    add_event(session, d1, "confirmed", "2026-01-31")  # 30 days
    d2 = deal("D2", "in_talks", "2026-02-01")
    add_event(session, d2, "completed", "2026-02-11")  # 10 days, never "confirmed"
    deal("D3", "confirmed", "2026-03-01")  # 0 days, not a rumor
    d4 = deal("D4", "rumored", "2026-01")
    add_event(session, d4, "denied", "2026-02-10")
    deal("D5", "rumored", "2026-01-05")
    d6 = deal("D6", "rumored", "2026-01-01")
    add_event(session, d6, "confirmed", "2026-02-01")
    add_event(session, d6, "cancelled", "2026-03-01")  # now cancelled: not in the median
    d8 = deal("D8", "rumored", "2025-Q4")
    add_event(session, d8, "confirmed", "2025-12")  # 2025-10-01 → 2025-12-01: 61 days
    d9 = deal("D9", "announced", "2026-03")
    add_event(session, d9, "rumored", "2026-02-01")  # recorded later, but it came first
    gone = deal("Deleted", "rumored", "2026-01-01")
    add_event(session, gone, "confirmed", "2026-09-01")
    delete(session, gone)

    # Durations: the deals first reported as rumors or talks, by hand.
    durations = rumor_durations(session)
    assert durations.reported_first == 7  # D1, D2, D4, D5, D6, D8, D9
    assert [(r.title, r.days) for r in durations.official.first] == [
        ("D9", 0),  # reported 2026-03 (its field), announced 2026-03
        ("D2", 10),
        ("D1", 30),
        ("D6", 31),  # reached the official word, cancelled after: still counted as reaching it
        ("D8", 61),
    ]
    assert [r.title for r in durations.ended.first] == ["D4"]
    assert [r.title for r in durations.open.first] == ["D5"]
    assert (durations.official.count, durations.ended.count, durations.open.count) == (5, 1, 1)
    assert durations.official_first == 1  # D3, confirmed when first reported
    assert durations.median == 30 and durations.quartiles == (5, 46)
    assert durations.share(durations.official) == 71

    page = soup(client.get("/").text)
    text = " ".join(page.select_one(".durations").get_text(" ").split())
    assert text.startswith("median 30 days, quartiles 5–46 days")
    assert "71% reached the official word" in page.select_one(".shares").get_text(" ", strip=True)
    assert [a.get_text() for a in page.select(".official-deals a")] == [
        "D9",
        "D2",
        "D1",
        "D6",
        "D8",
    ]


def test_provider_totals(client: TestClient, session: Session) -> None:
    cloud = make_organization(session, "Big Cloud")
    small = make_organization(session, "Small Cloud")
    lab = make_organization(session, "Lab")

    def deal(**kw: object) -> Deal:
        return make_deal(session, **kw)

    deal(parties=[(lab, "customer"), (cloud, "provider")], value_usd=10_000_000_000,
         value_qualifier="exact", capacity_mw=100.0, capacity_qualifier="exact")  # fmt: skip
    deal(parties=[(lab, "customer"), (cloud, "provider"), (cloud, "investor")],
         value_usd=5_000_000_000, value_qualifier="up_to")  # fmt: skip
    deal(parties=[(cloud, "customer"), (small, "provider")])
    delete(session, deal(parties=[(lab, "customer"), (cloud, "provider")],
                         value_usd=99_000_000_000, value_qualifier="exact"))  # fmt: skip

    totals = {t.organization.name: t for t in provider_totals(session).rows}
    assert set(totals) == {"Big Cloud", "Small Cloud"}  # "Lab" is never a provider
    big = totals["Big Cloud"]
    assert (big.deals, big.value_usd, big.valued_deals) == (2, 15_000_000_000, 2)
    assert (big.capacity_mw, big.sized_deals) == (100.0, 1)
    assert totals["Small Cloud"].value_usd is None
    top = provider_totals(session, limit=1)
    assert [t.organization.name for t in top.rows] == ["Big Cloud"] and top.providers == 2

    page = soup(client.get("/").text)
    rows = page.select(".provider-totals tbody tr")
    assert rows[0].th.get_text(strip=True) == "Big Cloud"
    assert "$15B" in rows[0].get_text() and "100 MW" in rows[0].get_text()
    for href, claimed in linked_figures(str(page)):
        assert table_total(session, href) == claimed, href


def test_deleting_a_deal_changes_every_figure_alike(demo_client: TestClient, demo: Session) -> None:
    before = dict(linked_figures(demo_client.get("/").text))
    gpu_deal = next(
        d for d in demo.query(Deal).all() if "gpu" in d.hardware_types and d.status == "confirmed"
    )
    delete(demo, gpu_deal)
    after = linked_figures(demo_client.get("/").text)
    for href, claimed in after:
        assert table_total(demo, href) == claimed, href
    status_link = next(h for h in before if h.endswith("?status=confirmed"))
    assert dict(after)[status_link] == before[status_link] - 1
    assert gpu_deal.title not in demo_client.get("/").text


def test_the_overview_costs_a_fixed_number_of_statements(
    client: TestClient, session: Session, count_statements: type[StatementCounter]
) -> None:
    gpu = make_hardware(session, type="gpu")
    make_deal(session, hardware=[gpu])
    client.app.state.figures.max_entries = 0  # type: ignore[attr-defined]  # count every query
    client.app.state.kept_tables.max_entries = 0  # type: ignore[attr-defined]  # render it each time
    client.get("/")  # warm up
    with count_statements() as few:
        client.get("/")
    for month in range(1, 13):
        deal = make_deal(session, first_reported=PartialDate.parse(f"2025-{month:02d}"))
        add_event(session, deal, "confirmed", f"2025-{month:02d}-28")
    with count_statements() as many:
        client.get("/")
    assert few.count == many.count


def test_the_lists_of_deals_behind_the_durations_stop_at_fifty(
    client: TestClient, session: Session
) -> None:
    """At 100k deals every rumor listed made the overview 16 MB: each list shows its first 50
    and says how many more there are, while the figures still count them all."""
    for number in range(53):
        make_deal(session, f"Rumor {number:02d}", status="rumored")
    session.commit()
    assert rumor_durations(session).reported_first == 53
    page = soup(client.get("/").text)
    listed = page.select_one(".open-deals")
    assert listed is not None
    assert listed.select_one("summary").get_text(strip=True) == "The first 50 of 53 deals"
    assert [a.get_text() for a in listed.select("a")] == [f"Rumor {n:02d}" for n in range(50)]
    assert "and 3 more, in the same order." in listed.get_text(" ", strip=True)
    assert "(53)" in page.select_one(".shares").get_text(" ", strip=True)


def _quartiles_of(values: list[int]) -> tuple[float | None, tuple[float, float] | None]:
    """The definition, on a plain list: the median, and the medians of the lower and upper
    halves (the middle value, for an odd count, in neither)."""
    ordered = sorted(values)
    if not ordered:
        return None, None
    half = len(ordered) // 2
    if not half:
        return ordered[0], (ordered[0], ordered[0])
    lower, upper = ordered[:half], ordered[len(ordered) - half :]
    return statistics.median(ordered), (statistics.median(lower), statistics.median(upper))


@given(st.lists(st.integers(0, 400), max_size=60))
def test_quartiles_from_grouped_counts_equal_the_definition(values: list[int]) -> None:
    grouped = sorted(Counter(values).items())
    assert quartiles(grouped) == _quartiles_of(values)


def durations_from_events(session: Session) -> Durations:
    """What the overview's durations are, worked out again from every live deal's status
    events in Python, without what is kept in DealDerived."""
    deals = session.scalars(select(Deal).where(Deal.deleted_at.is_(None))).all()
    groups: dict[str, list[TimedRef]] = {"official": [], "ended": [], "open": []}
    official_first = 0
    for deal in deals:
        events = sorted(
            deal.status_events, key=lambda e: event_order(e.effective, e.recorded_at, e.id)
        )
        if not events:
            continue
        if events[0].status not in RUMOR_STATUSES:
            official_first += events[0].status in OFFICIAL_STATUSES
            continue
        words = [e.effective_on for e in events if e.status in OFFICIAL_STATUSES]
        if words:
            days = max(0, (min(words) - deal.first_reported_on).days)
            groups["official"].append(TimedRef(deal.id, deal.title, deal.status, days))
        elif deal.status in DENIED_STATUSES:
            groups["ended"].append(TimedRef(deal.id, deal.title, deal.status, None))
        else:
            groups["open"].append(TimedRef(deal.id, deal.title, deal.status, None))
    groups["official"].sort(key=lambda r: (r.days, r.title.lower(), r.id))
    for key in ("ended", "open"):
        groups[key].sort(key=lambda r: (r.title.lower(), r.id))
    listed = {k: Listed(len(v), v[:RUMORS_LISTED]) for k, v in groups.items()}
    median, bounds = _quartiles_of([r.days for r in groups["official"] if r.days is not None])
    return Durations(
        sum(len(v) for v in groups.values()),
        listed["official"],
        listed["ended"],
        listed["open"],
        official_first,
        median,
        bounds,
    )


@pytest.fixture
def admin(demo: Session) -> User:
    return create_user(demo, "durations@example.org", "admin password 12", "admin")


@FEW_SLOW_EXAMPLES
@given(writes=WRITES)
def test_durations_equal_a_recount_from_the_events_after_any_writes(
    demo: Session, admin: User, writes: list[tuple[str, int, int]]
) -> None:
    """The first official word kept per deal follows every write (status changes, merges,
    imports, deletes…): the overview's durations equal a recount from the events."""
    assert rumor_durations(demo) == durations_from_events(demo)
    for action, a, b in writes:
        _write(demo, admin, action, a, b)
        demo.expire_all()
        assert rumor_durations(demo) == durations_from_events(demo), (action, a, b)


def overview_figures(session: Session, *, kept: bool) -> tuple[Any, ...]:
    """Every figure of the unfiltered overview, as kept when deals are written or counted
    afresh from the deals (sums rounded: a kept sum is added up in another order)."""
    providers = provider_totals(session, kept=kept)
    rf = resolve_filters(session, DealFilters())
    return (
        overview_counts(session, kept=kept),
        hardware_by_quarter(session, kept=kept),
        rumor_durations(session, kept=kept),
        providers.providers,
        [
            (
                p.organization.id,
                p.deals,
                p.value_usd,
                p.valued_deals,
                p.sized_deals,
                None if p.capacity_mw is None else round(p.capacity_mw, 6),
            )
            for p in providers.rows
        ],  # fmt: skip
        {
            measure: [
                (
                    row.quarter,
                    round(row.total, 3),
                    [(c.group.key, round(c.amount, 3), c.query) for c in row.cells],
                )
                for row in hardware_share(session, rf, measure, kept=kept)
            ]  # fmt: skip
            for measure in SHARE_MEASURES
        },
    )


@FEW_SLOW_EXAMPLES
@given(writes=WRITES)
def test_the_kept_figures_equal_a_fresh_count_after_any_writes(
    demo: Session, admin: User, writes: list[tuple[str, int, int]]
) -> None:
    """The overview reads what every write keeps (app/derived/counts.py): after any run of
    creates, edits, status changes, deletes, restores, merges, imports and hardware changes,
    each figure equals the same figure counted from the deals."""
    assert overview_figures(demo, kept=True) == overview_figures(demo, kept=False)
    for action, a, b in writes:
        _write(demo, admin, action, a, b)
        demo.expire_all()
        assert overview_figures(demo, kept=True) == overview_figures(demo, kept=False), (
            action,
            a,
            b,
        )


def test_the_overview_reads_the_kept_figures(demo_client: TestClient, demo: Session) -> None:
    """Right after a write the overview's figures are known at once: read from the counts kept
    by the write (changed here behind the app's back), not counted from the deals."""
    before = overview_figures(demo, kept=True)
    confirmed = demo.execute(
        FacetCount.__table__.update()
        .where(FacetCount.dimension == "status", FacetCount.value == "confirmed")
        .values(n=FacetCount.n + 1000)
    ).rowcount
    demo.execute(
        FacetCount.__table__.update()
        .where(FacetCount.dimension == "outcome", FacetCount.value == "open")
        .values(n=FacetCount.n + 100)
    )
    demo.commit()
    assert confirmed == 1
    page = soup(demo_client.get("/").text)
    assert "still counting" not in page.get_text().lower()
    figures = dict(linked_figures(str(page)))
    status_link = next(h for h in figures if h.endswith("?status=confirmed"))
    assert figures[status_link] == table_total(demo, status_link) + 1000
    durations = rumor_durations(demo)
    assert durations.open.count == before[2].open.count + 100
    assert overview_figures(demo, kept=False) == before
