"""Timing pages over HTTP, the CSV export, and the in-process floor beside each page.

The floor of a page is the time of its queries run directly against the same database, in this
process, through the same query functions the route calls (ORM included), without HTTP or
templates: the page can hardly be faster than that. To extend it, add an entry to FLOORS.
"""

import csv
import gc
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import httpx
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.filters import DealFilters
from app.models import Deal
from app.queries.deals import count_deals, get_deal, list_answers, list_deals, resolve_filters
from app.queries.facets import deal_facets
from app.unit_of_work import AppSession
from bench.server import RssSampler


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    optional: bool = False  # a route another task builds: skipped with a note while it 404s


@dataclass
class Timing:
    case: Case
    c1: list[float] = field(default_factory=list)  # seconds per request, one at a time
    c16_seconds: float = 0.0
    c16: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    floor_ms: float | None = None

    @property
    def errors(self) -> int:
        return self.failures.total()

    @property
    def median_ms(self) -> float:
        return statistics.median(self.c1) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.c1, 95) * 1000

    @property
    def c1_rps(self) -> float:
        return len(self.c1) / sum(self.c1)

    @property
    def c16_rps(self) -> float:
        return len(self.c16) / self.c16_seconds if self.c16_seconds else 0.0

    @property
    def c16_p95_ms(self) -> float:
        return percentile(self.c16, 95) * 1000

    @property
    def ratio(self) -> float | None:
        return self.median_ms / self.floor_ms if self.floor_ms else None


@dataclass
class CsvTiming:
    path: str
    status: int
    rows: int
    expected: int
    seconds: float
    rss_growth_mib: float
    peak_rss_mib: float
    error: str | None = None
    floor_seconds: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def complete(self) -> bool:
        return self.status == 200 and self.error is None and self.rows == self.expected

    @property
    def floor_rows_per_second(self) -> float | None:
        return self.expected / self.floor_seconds if self.floor_seconds else None


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass(frozen=True)
class Budget:
    """How many requests per case, and for how long at most (big databases, slow pages)."""

    c1_requests: int = 30
    c16_requests: int = 160
    seconds: float = 20.0
    concurrency: int = 16
    floor_repeats: int = 5

    @classmethod
    def quick(cls) -> "Budget":
        return cls(c1_requests=3, c16_requests=16, seconds=5.0, floor_repeats=1)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in this (the measuring) process meanwhile, as `timeit` does: a
    full collection here took up to 190 ms on this VM, and would be counted as the server's
    time. What piles up is collected at the next collection, outside the timed span."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def timed_get(client: httpx.Client, path: str) -> tuple[float, str | None]:
    """Seconds taken, and what went wrong (None for a 200)."""
    started = time.perf_counter()
    try:
        status = client.get(path).status_code
        failure = None if status == 200 else f"HTTP {status}"
    except httpx.HTTPError as exc:
        failure = type(exc).__name__
    return time.perf_counter() - started, failure


def measure_page(client: httpx.Client, case: Case, budget: Budget) -> Timing:
    """Latency one request at a time, then throughput with `concurrency` requests in flight."""
    timing = Timing(case)
    deadline = time.perf_counter() + budget.seconds
    while len(timing.c1) < budget.c1_requests and (
        len(timing.c1) < 3 or time.perf_counter() < deadline
    ):
        with collector_paused():
            seconds, failure = timed_get(client, case.path)
        timing.c1.append(seconds)
        timing.failures.update([failure] if failure else [])
    # At 16 in flight a request costs at most about its c1 median (less with several workers).
    per_request = max(statistics.median(timing.c1), 1e-4)
    count = max(budget.concurrency, min(budget.c16_requests, int(budget.seconds / per_request)))
    started = time.perf_counter()
    with ThreadPoolExecutor(budget.concurrency) as pool:
        for seconds, failure in pool.map(lambda _: timed_get(client, case.path), range(count)):
            timing.c16.append(seconds)
            timing.failures.update([failure] if failure else [])
    timing.c16_seconds = time.perf_counter() - started
    return timing


def _csv_rows(lines: Iterator[str]) -> int:
    return sum(1 for _ in csv.reader(lines)) - 1  # minus the header


def measure_csv(client: httpx.Client, path: str, pid: int, expected: int) -> CsvTiming:
    """Stream the whole export, count its rows, and watch the server's memory meanwhile."""
    status, rows, error = 0, 0, None
    started = time.perf_counter()
    with RssSampler(pid) as sampler:
        try:
            with client.stream("GET", path, timeout=3600) as response:
                status = response.status_code
                rows = _csv_rows(response.iter_lines())
        except httpx.HTTPError as exc:  # a cut-short export must show, not pass
            error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    return CsvTiming(
        path, status, rows, expected, seconds, sampler.growth_mib, sampler.peak / 1024, error
    )


# --- the machine's pace ------------------------------------------------------------------


def pace_ms(repeats: int = 7) -> float:
    """How fast this machine runs Python now, to compare runs made on other machines or days:
    the median time of a fixed single-threaded workload (sorting, formatting and parsing
    100,000 records), the kind of work that draws a page. Twice the figure, roughly twice
    each page's time."""
    rng = random.Random(1)
    records = [(rng.random(), f"org-{rng.randrange(2000)}") for _ in range(100_000)]

    def work() -> int:
        text = "\n".join(f"{x:.6f},{name}" for x, name in sorted(records))
        return sum(len(line.split(",")[1]) for line in text.splitlines())

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


# --- cold counts: after a write, and for a filter combination not seen yet ------------------


@dataclass
class ColdTiming:
    """Requests each made just after a write (which makes every cached figure stale): how
    long they took, and how many showed their counts rather than "still counting"."""

    name: str
    paths: list[str]
    # Each path's own visits, in the order made, and how many of them showed their counts.
    by_path: dict[str, list[float]] = field(default_factory=dict)
    counted_by_path: Counter[str] = field(default_factory=Counter)

    @property
    def times(self) -> list[float]:
        """Every visit, all paths together."""
        return [seconds for visits in self.by_path.values() for seconds in visits]

    @property
    def counted(self) -> int:
        return self.counted_by_path.total()

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.times) * 1000

    def path_median_ms(self, path: str) -> float:
        return statistics.median(self.by_path[path]) * 1000

    def path_max_ms(self, path: str) -> float:
        return max(self.by_path[path]) * 1000

    @property
    def slowest_path_median_ms(self) -> float:
        """The worst of the paths' own medians: what "each combination within the budget"
        is checked on."""
        return max(self.path_median_ms(path) for path in self.by_path)

    def record(self, path: str, seconds: float, counted: bool) -> None:
        self.by_path.setdefault(path, []).append(seconds)
        self.counted_by_path[path] += counted


def touch_a_deal(engine: Engine) -> None:
    """A write through the app's session, as an edit would make: the middle deal's confidence
    moves, so its counts move and every cached figure is stale."""
    with AppSession(engine) as session:
        deal = session.get(Deal, middle_deal_id(engine))
        assert deal is not None
        deal.confidence = "low" if deal.confidence != "low" else "medium"
        session.commit()


def _counted(response: httpx.Response) -> bool:
    return response.status_code == 200 and "still counting" not in response.text.lower()


def measure_cold(
    client: httpx.Client, engine: Engine, name: str, paths: list[str], repeats: int
) -> ColdTiming:
    """Each path `repeats` times, each time the first request after a write."""
    timing = ColdTiming(name, paths)
    for _ in range(repeats):
        for path in paths:
            touch_a_deal(engine)
            with collector_paused():
                started = time.perf_counter()
                response = client.get(path)
                seconds = time.perf_counter() - started
            timing.record(path, seconds, _counted(response))
    return timing


def seconds_until_counted(
    base_url: str, path: str, *, in_a_row: int = 4, limit: float = 300.0
) -> float | None:
    """How long from now until `path` shows its counts `in_a_row` times running, each on a
    fresh connection (so that every worker has them, as far as the kernel spreads
    connections); None if not within `limit` seconds."""
    started = time.perf_counter()
    running = 0
    while time.perf_counter() - started < limit:
        running = running + 1 if _counted(httpx.get(f"{base_url}{path}", timeout=300)) else 0
        if running >= in_a_row:
            return time.perf_counter() - started
        if not running:
            time.sleep(0.1)
    return None


# --- floors: the page's queries, in-process --------------------------------------------------

Floor = Callable[[Session, list[tuple[str, str]]], object]


def _url_for(f: DealFilters) -> str:
    return f"/deals?{f.query_string()}"


def _deals_floor(session: Session, params: list[tuple[str, str]]) -> object:
    rf = resolve_filters(session, DealFilters.from_query(params))
    return list_deals(session, rf), deal_facets(session, rf, _url_for)


def _api_floor(session: Session, params: list[tuple[str, str]]) -> object:
    rf = resolve_filters(session, DealFilters.from_query(params))
    return list_answers(session, rf, total=count_deals(session, rf))


def _detail_floor(session: Session, deal_id: str) -> object:
    from app.queries.audit import deal_history

    return get_deal(session, int(deal_id)), deal_history(session, int(deal_id))


def _home_floor(session: Session, params: list[tuple[str, str]]) -> object:
    from app.queries.directory import latest_status_events, overview_counts

    return overview_counts(session), latest_status_events(session)


# Path (without query) → the queries its route runs. `/deals/{id}` is matched by prefix.
FLOORS: dict[str, Floor] = {
    "/deals": _deals_floor,
    "/api/v1/deals": _api_floor,
    "/": _home_floor,
}


def floor_for(path: str) -> Callable[[Session], object] | None:
    parts = urlsplit(path)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if parts.path in FLOORS:
        floor = FLOORS[parts.path]
        return lambda session: floor(session, params)
    if parts.path.startswith("/deals/") and parts.path.removeprefix("/deals/").isdigit():
        deal_id = parts.path.removeprefix("/deals/")
        return lambda session: _detail_floor(session, deal_id)
    return None


def measure_floor(engine: Engine, path: str, repeats: int) -> float | None:
    """Median milliseconds of the page's queries, each run in a fresh session (no cache)."""
    floor = floor_for(path)
    if floor is None:
        return None
    times: list[float] = []
    for attempt in range(repeats + 1):
        with AppSession(engine) as session:
            started = time.perf_counter()
            floor(session)
            if attempt:  # the first run warms the connection and the caches of the database
                times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def export_floor_seconds(engine: Engine) -> float:
    """The flat deal rows of the export, in its order, read through the driver.

    Postgres: COPY (the query) TO STDOUT as CSV, the database's own speed. SQLite: the same
    SELECT fetched through SQLAlchemy Core. Deal columns only: joins are the app's job.
    """
    query = (
        select(Deal.__table__)
        .where(Deal.deleted_at.is_(None))
        .order_by(Deal.first_reported_on.desc(), Deal.id.desc())
    )
    started = time.perf_counter()
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV") as copy:  # type: ignore[union-attr]
                for _ in copy:
                    pass
        else:
            for _ in connection.execution_options(yield_per=5000).execute(query):
                pass
    return time.perf_counter() - started


def live_deal_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(text("SELECT count(*) FROM deal WHERE deleted_at IS NULL")) or 0
        )


def middle_deal_id(engine: Engine) -> int:
    """A live deal from the middle of the table, for the detail page."""
    with engine.connect() as connection:
        max_id = connection.scalar(text("SELECT max(id) FROM deal")) or 0
        found = connection.scalar(
            text("SELECT min(id) FROM deal WHERE id >= :middle AND deleted_at IS NULL"),
            {"middle": max_id // 2},
        )
    if found is None:
        raise RuntimeError("the benchmark database has no live deals")
    return int(found)
