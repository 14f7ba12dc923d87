"""What keeps the pages fast as the data grows (issue #8; the figures are in bench/results/):
a constant number of statements per page, figures cached until the next change and never
after it, and, on Postgres, query plans that use the indexes made for them."""

import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine
from app.derived.cache import FigureCache, TimeUp, time_limit
from app.derived.search import read_matches_first
from app.filters import DealFilters
from app.models import Deal, Organization, Source
from app.queries.deals import (
    filter_deals,
    filter_page,
    list_answers,
    resolve_filters,
    sort_deals,
)
from app.queries.directory import latest_events_statement
from app.queries.sources import track_records
from app.queries.timeline import Cursor, timeline_statement
from app.unit_of_work import AppSession
from bench.generate import generate
from tests.conftest import StatementCounter
from tests.databases import enabled_databases, throwaway_postgres
from tests.factories import make_deal

# The pages the benchmark times (bench/run.py), on the demo data.
PAGES = (
    "/deals",
    "/deals?status=confirmed&hardware_type=gpu&confidence=high&sort=-value",
    "/deals?q=azure",
    "/timeline?status=confirmed",
    "/deals/{deal}",
    "/",
    "/api/v1/deals",
)


def _statements(client: TestClient, counter: type[StatementCounter], path: str) -> int:
    with counter() as counted:
        assert client.get(path).status_code == 200, path
    return counted.count


@pytest.mark.parametrize("path", PAGES)
def test_statements_per_page_do_not_grow_with_the_data(
    demo_client: TestClient, demo: Session, count_statements: type[StatementCounter], path: str
) -> None:
    demo_client.app.state.figures.max_entries = 0  # type: ignore[attr-defined]  # count it all
    demo_client.app.state.deal_pages.max_entries = 0  # type: ignore[attr-defined]
    path = path.format(deal=demo.scalar(select(func.min(Deal.id))))
    demo_client.get(path)  # warm up
    before = _statements(demo_client, count_statements, path)
    microsoft = demo.scalars(select(Organization).where(Organization.slug == "microsoft")).one()
    for number in range(40):
        deal = make_deal(demo, f"Azure capacity {number}", status="confirmed")
        deal.parties[0].organization = microsoft
        deal.sources.append(Source(publisher=f"Wire {number}", tier="secondary"))
    demo.flush()
    demo_client.get(path)  # the worker's sets of deal ids catch up with the 40 new deals once
    assert _statements(demo_client, count_statements, path) == before


def test_figures_are_cached_until_the_next_change(
    demo_client: TestClient, demo: Session, count_statements: type[StatementCounter]
) -> None:
    deal_page = f"/deals/{demo.scalar(select(func.min(Deal.id)))}"
    for path in ("/", "/deals?status=rumored", deal_page, "/timeline"):
        cold = _statements(demo_client, count_statements, path)
        warm = _statements(demo_client, count_statements, path)
        assert warm < cold, path
    # The unfiltered table reads its kept counts (app/derived/counts.py), cached the same way.
    cold = _statements(demo_client, count_statements, "/deals")
    assert _statements(demo_client, count_statements, "/deals") < cold
    before = demo_client.get("/").text
    make_deal(demo, "A deal that changes the figures", status="confirmed")
    after = demo_client.get("/").text
    assert after != before
    table = demo_client.get("/deals?status=confirmed").text
    assert "A deal that changes the figures" in table
    confirmed = demo.scalar(
        select(func.count()).where(Deal.status == "confirmed", Deal.deleted_at.is_(None))
    )
    assert f"{confirmed} deals" in table or f"of {confirmed}" in table


# --- figures that are not ready in time ------------------------------------------------------


def test_a_statement_past_its_time_limit_is_interrupted_and_the_session_goes_on(
    session: Session,
) -> None:
    slow = {
        "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 100000000) SELECT count(*) FROM n",
        "postgresql": "SELECT pg_sleep(10)",
    }[session.get_bind().dialect.name]
    started = time.monotonic()
    with pytest.raises(TimeUp), time_limit(session, 0.2):
        session.execute(text(slow))
    assert time.monotonic() - started < 2  # interrupted, not waited for
    with pytest.raises(TimeUp), time_limit(session, 0):
        session.execute(text("SELECT 1"))  # past the deadline, nothing starts
    assert session.scalar(text("SELECT 2")) == 2  # the transaction is still usable
    with time_limit(session, 5):
        assert session.scalar(text("SELECT 3")) == 3


def test_one_thread_computes_a_figure_while_the_others_wait_for_it(session: Session) -> None:
    """After a change, the requests that arrive together do not all compute the same figure."""
    cache = FigureCache(time_limit=0.05)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []
    results: list[object] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "the figure"

    first = threading.Thread(target=lambda: results.append(cache.get(session, "k", slow)))
    first.start()
    assert started.wait(5)
    assert cache.get_within(session, "k", slow) is None  # being computed, not ready in time
    second = threading.Thread(target=lambda: results.append(cache.get(session, "k", slow)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert results == ["the figure", "the figure"] and len(calls) == 1
    assert cache.get_within(session, "k", slow) == "the figure"


def test_counts_not_ready_in_time_say_so_and_follow_after_the_response(
    demo_client: TestClient, demo: Session
) -> None:
    """The rows come at once; the facets and totals are computed after the response (the
    test client runs that before it returns), so the next request has them."""
    demo_client.app.state.figures.time_limit = 0  # type: ignore[attr-defined]
    # Through a filter every deal passes: the unfiltered table reads its kept counts at once
    # (app/derived/counts.py).
    every = "replaced=no&replaced=yes"
    first = demo_client.get(f"/deals?per_page=25&{every}")
    assert first.status_code == 200
    assert "Showing 1–25 of the matching deals; still counting how many there are" in first.text
    assert "Still counting the matching deals" in first.text  # in place of the facets
    assert 'hx-trigger="load delay:2s"' in first.text  # htmx asks again
    assert first.text.count('<td class="title">') == 25
    assert 'rel="next"' in first.text and "Page 1</span>" in first.text
    assert "<h2>Confidence</h2>" not in first.text
    later = demo_client.get(f"/deals?per_page=25&{every}")
    assert "Showing 1–25 of 58 deals" in later.text and "<h2>Confidence</h2>" in later.text
    assert "Still counting" not in later.text and "Page 1 of 3" in later.text
    last = demo_client.get(f"/deals?per_page=25&page=3&sort=title&{every}")  # another order
    assert "Showing 51–58 of the matching deals; still counting" in last.text
    assert 'rel="next"' not in last.text and 'rel="prev"' in last.text

    events = demo_client.get("/timeline?status=confirmed")
    assert "Status events of the matching deals, newest first; still counting" in events.text
    assert "Still counting the matching deals" in events.text
    events = demo_client.get("/timeline?status=confirmed")
    assert "still counting" not in events.text and "status events of" in events.text

    overview = demo_client.get("/")
    assert "Still computing the totals, the chart and the figures" in overview.text
    assert 'hx-trigger="load delay:2s"' in overview.text
    assert "Latest status changes" in overview.text and 'class="events"' in overview.text
    assert "Deals by status" not in overview.text and "hw-chart" not in overview.text
    overview = demo_client.get("/")
    assert "Still computing" not in overview.text
    assert "Deals by status" in overview.text and "<strong>58</strong> deals" in overview.text

    records = demo_client.get("/sources?sort=publisher")
    assert records.status_code == 200
    assert "Still counting the track records" in records.text and "<table" not in records.text
    assert 'hx-get="/sources?sort=publisher"' in records.text
    assert demo_client.get("/sources?sort=nonsense").status_code == 400  # checked all the same
    records = demo_client.get("/sources?sort=publisher")
    assert "Still counting" not in records.text and "The Information" in records.text

    cited = demo.scalars(select(Source.deal_id).limit(1)).one()
    deal = demo_client.get(f"/deals/{cited}")
    assert "Still counting each publisher's track record" in deal.text
    assert 'class="muted track-record"' not in deal.text and 'class="sources"' in deal.text
    deal = demo_client.get(f"/deals/{cited}")
    assert "Still counting" not in deal.text and 'class="muted track-record"' in deal.text


# --- query plans on Postgres, on enough generated deals for the planner to choose ----------


@pytest.fixture(scope="module")
def generated_postgres() -> Iterator[Engine]:
    with throwaway_postgres("cdt_plans") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            generate(engine, 20_000, seed=3)
            yield engine
        finally:
            engine.dispose()


def _plan(session: Session, stmt: Any) -> dict[str, Any]:
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan: dict[str, Any] = session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()[0]
    return plan


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [plan["Plan"]]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))


def _indexes(plan: dict[str, Any]) -> set[str]:
    return {node["Index Name"] for node in _nodes(plan) if "Index Name" in node}


def _page(session: Session, query: str) -> Any:
    rf = resolve_filters(session, DealFilters.from_query(parse_qsl(query)))
    f = rf.filters
    return sort_deals(filter_deals(select(Deal.id), rf), f).limit(f.per_page)  # type: ignore[arg-type]


# Each sort of the deal table and the index that serves it on Postgres (app/models.py).
SORT_INDEXES = (
    ("-value", "ix_deal_live_value_desc"),
    ("value", "ix_deal_live_value"),
    ("-capacity", "ix_deal_live_capacity_desc"),
    ("capacity", "ix_deal_live_capacity"),
    ("title", "ix_deal_live_title"),
    ("-title", "ix_deal_live_title"),
)
THREE_FILTERS = "status=confirmed&hardware_type=gpu&confidence=high&sort=-value"
NO_DEALS = "status=confirmed&confidence=low"  # the generator rates no confirmed deal low


@pytest.mark.parametrize("db_name", [kind for kind in enabled_databases() if kind == "sqlite"])
def test_sqlite_reads_every_sort_from_an_index(session: Session) -> None:
    """SQLite has no NULLS LAST in an index: the descending sorts read the ascending one
    backwards, and none of them sorts the matching deals in a temporary b-tree."""
    make_deal(session, value_usd=10**9, value_qualifier="exact")
    make_deal(session, title="Another deal")
    for sort, index in SORT_INDEXES:
        sql = str(
            _page(session, f"sort={sort}").compile(
                session.get_bind(), compile_kwargs={"literal_binds": True}
            )
        )
        plan = " / ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert f"USING INDEX {index.removesuffix('_desc')}" in plan, (sort, plan)
        assert "TEMP B-TREE" not in plan, (sort, plan)


@pytest.mark.parametrize("kind", [kind for kind in enabled_databases() if kind == "postgresql"])
def test_postgres_plans_use_the_intended_indexes(kind: str, generated_postgres: Engine) -> None:
    with AppSession(generated_postgres) as session:
        busiest = session.execute(
            text("SELECT o.slug FROM organization o JOIN deal_party p ON p.organization_id = o.id "
                 "GROUP BY o.slug ORDER BY count(*) DESC LIMIT 1 OFFSET 40")
        ).scalar_one()  # fmt: skip
        chip = session.execute(
            text("SELECT h.slug FROM hardware h JOIN deal_hardware l ON l.hardware_id = h.id "
                 "GROUP BY h.slug ORDER BY count(*) DESC LIMIT 1 OFFSET 40")
        ).scalar_one()  # fmt: skip
        # The timeline reads its events in order from one index, however many share a date
        # (the generator piles its latest events on one day), on the first page and later.
        confirmed = resolve_filters(session, DealFilters.from_query([("status", "confirmed")]))
        first = timeline_statement(confirmed).limit(51)
        fiftieth = session.scalars(first.offset(50)).first()
        assert fiftieth is not None
        for stmt in (first, first.where(Cursor.after(fiftieth).condition())):
            plan = _plan(session, stmt)
            assert "ix_status_event_timeline" in _indexes(plan)
            assert not {"Sort", "Incremental Sort"} & {n["Node Type"] for n in _nodes(plan)}
        # Unless the filters match few deals: no confirmed deal is rated low, and Postgres
        # knows it (extended statistics on status and confidence), so it starts from the deals
        # instead of reading every event in order looking for theirs.
        assert not session.scalar(
            select(func.count()).where(Deal.status == "confirmed", Deal.confidence == "low")
        )
        none = resolve_filters(session, DealFilters.from_query(parse_qsl(NO_DEALS)))
        assert "ix_status_event_timeline" not in _indexes(
            _plan(session, timeline_statement(none).limit(51))
        )
        # The overview's latest status changes read the same index, the same way.
        plan = _plan(session, latest_events_statement())
        assert "ix_status_event_timeline" in _indexes(plan)
        assert not {"Sort", "Incremental Sort"} & {n["Node Type"] for n in _nodes(plan)}
        newest = _plan(session, _page(session, ""))
        assert "ix_deal_live_reported" in _indexes(newest)
        assert not any(node["Node Type"] == "Sort" for node in _nodes(newest))  # read in order
        assert "ix_deal_live_updated" in _indexes(_plan(session, _page(session, "sort=-updated")))
        for sort, index in SORT_INDEXES:  # every sort reads its rows in order, no Sort step
            plan = _plan(session, _page(session, f"sort={sort}"))
            assert index in _indexes(plan), (sort, _indexes(plan))
            assert not any(node["Node Type"] == "Sort" for node in _nodes(plan)), sort
        assert "ix_deal_live_value_desc" in _indexes(_plan(session, _page(session, THREE_FILTERS)))
        assert "ix_deal_party_org_role_deal" in _indexes(
            _plan(session, _page(session, f"party={busiest}"))
        )
        assert "ix_deal_hardware_hardware_deal" in _indexes(
            _plan(session, _page(session, f"hardware={chip}"))
        )
        rf = resolve_filters(session, DealFilters.from_query([("q", "aurora")]))
        search_count = select(func.count()).select_from(
            filter_deals(select(Deal.id), rf).subquery()  # type: ignore[arg-type]
        )
        assert "ix_deal_search_vector" in _indexes(_plan(session, search_count))
        # A deal page's track records: the statements track_records runs, explained as run.
        publisher = session.scalars(
            select(Source.publisher).group_by(Source.publisher).order_by(func.count()).limit(1)
        ).one()
        statements: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
            statements.append((statement, params))

        event.listen(generated_postgres, "before_cursor_execute", capture)
        try:
            track_records(session, {publisher})
        finally:
            event.remove(generated_postgres, "before_cursor_execute", capture)
        connection = session.connection()
        used: set[str] = set()
        for statement, params in statements:
            explained = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
            used |= _indexes(explained.scalar_one()[0])
        assert {"ix_source_publisher_lower", "ix_deal_derived_first_publisher"} <= used, used


@pytest.mark.parametrize("kind", [kind for kind in enabled_databases() if kind == "postgresql"])
def test_a_rare_word_reads_its_matches_first_and_a_common_one_walks_the_order(
    kind: str, generated_postgres: Engine
) -> None:
    """The walk down the order's index reads a search row per deal it meets, about
    per_page × deals / matches of them: too many for a rare word, which reads its matches
    from the text index and sorts them instead. Same rows either way."""
    with AppSession(generated_postgres) as session:
        common = session.scalar(
            text("SELECT word FROM ts_stat('SELECT search_vector FROM deal_search') "
                 "WHERE ndoc BETWEEN 2000 AND 6000 AND length(word) > 3 ORDER BY ndoc LIMIT 1")
        )  # fmt: skip
        rare = "quasar"  # a project name, in about one deal in 170
        counted = {
            word: session.scalar(
                select(func.count()).select_from(
                    filter_deals(select(Deal.id), _search(session, word)).subquery()  # type: ignore[arg-type]
                )
            )
            or 0
            for word in (rare, common)
        }
        assert counted[rare] ** 2 < 50 * 20_000 < counted[common] ** 2, counted
        for word, first in ((rare, True), (common, False)):
            rf = _search(session, word)
            assert read_matches_first(session, counted[word], rf.filters.per_page) is first
            page = list_answers(session, rf, total=counted[word])
            walked = session.scalars(_page(session, f"q={word}")).all()
            assert [deal_id for deal_id, _ in page.rows] == walked and walked
            stmt = sort_deals(
                filter_page(session, select(Deal.id), rf, counted[word]), rf.filters
            ).limit(50)
            plan = _plan(session, stmt)
            nodes = {node["Node Type"] for node in _nodes(plan)}
            assert ("CTE Scan" in nodes) is first, (word, nodes)
            if not first:
                assert "ix_deal_live_reported" in _indexes(plan), (word, plan)


def _search(session: Session, word: str) -> Any:
    return resolve_filters(session, DealFilters.from_query([("q", word)]))


def test_a_benchmark_report_says_how_fast_its_machine_ran() -> None:
    """Runs made on other machines or days compare through the pace each report states."""
    from bench.measure import Budget, pace_ms
    from bench.report import Results, markdown

    pace = pace_ms(repeats=1)
    assert pace > 0
    report = markdown(Results(budget=Budget.quick(), seed=1, postgres_version=None, pace_ms=pace))
    assert f"- Pace: {pace:.0f} ms for the fixed Python workload" in report
    assert "Pace:" not in markdown(Results(budget=Budget.quick(), seed=1, postgres_version=None))


def test_a_benchmark_report_gives_each_filter_combination_its_own_median() -> None:
    """The budget of a new filter combination is checked per combination: one slow combination
    must not hide in the median of all visits together."""
    from bench.measure import Budget, ColdTiming
    from bench.report import Results, markdown

    fast, slow = "/deals?status=confirmed", "/deals?hardware_type=gpu"
    timing = ColdTiming("first visit of a new filter combination (2)", [fast, slow])
    for seconds in (0.1, 0.12, 0.11):
        timing.record(fast, seconds, True)
        timing.record(slow, seconds * 4, seconds < 0.12)
    assert timing.median_ms == pytest.approx(260)  # all six visits together
    assert timing.path_median_ms(fast) == pytest.approx(110)
    assert timing.path_median_ms(slow) == pytest.approx(440)
    assert timing.slowest_path_median_ms == pytest.approx(440)
    assert (timing.counted, timing.counted_by_path[slow]) == (5, 2)
    results = Results(budget=Budget.quick(), seed=1, postgres_version=None)
    results.cold.append((1000, "sqlite", timing))
    report = markdown(results)
    assert f"| 1,000 | sqlite | `{fast}` | 3 | 110.0 | 120.0 | 3/3 |" in report
    assert f"| 1,000 | sqlite | `{slow}` | 3 | 440.0 | 480.0 | 2/3 |" in report
    assert "- The slowest combination's own median at 1,000/sqlite: 440.0 ms." in report
