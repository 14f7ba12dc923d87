"""`/deals.csv` and `deals export`: the filtered table, row for row, streamed, safe to open."""

import csv
import io
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from psycopg.pq import TransactionStatus
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.derived.refresh import refresh_derived
from app.domain.cells import (
    ALL_COLUMNS,
    COLUMNS,
    neutralise,
    parse_hardware,
    parse_parties,
    parse_sources,
    unneutralise,
)
from app.domain.dates import PartialDate
from app.domain.vocabulary import SourceTier
from app.exchange import export
from app.filters import DealFilters
from app.main import create_app
from app.models import Deal, DealDerived, Hardware, Organization, Source, utcnow
from app.queries.deals import list_deals, resolve_filters
from app.services.demo import load_demo
from app.unit_of_work import make_sessionmaker
from tests.databases import enabled_databases, throwaway_postgres
from tests.factories import make_deal, make_hardware, make_organization
from tests.live import free_port

DEALS = str(Path(sys.executable).parent / "deals")
SECRET = "export-test-" + "k" * 24


def rows_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def table_ids(session: Session, query: str) -> list[int]:
    """The ids of the /deals table for `query`, its pages (7 rows each) concatenated."""
    ids: list[int] = []
    page = 1
    while True:
        pairs = [*parse_qsl(query), ("per_page", "7"), ("page", str(page))]
        rows = list_deals(session, resolve_filters(session, DealFilters.from_query(pairs))).rows
        if not rows:
            return ids
        ids.extend(d.id for d in rows)
        page += 1


# --- the filtered table, row for row -------------------------------------------------------

QUERIES = [
    "",
    "party=microsoft",
    "status=confirmed&sort=-value",
    "status=rumored&status=in_talks&sort=value",
    "hardware_type=gpu&sort=capacity",
    "deal_type=cloud_capacity&sort=-capacity",
    "sort=title",
    "sort=-title",
    "sort=-updated",
    "sort=reported",
    "q=microsoft&sort=value",
    "reported_from=2025&min_value=1B&sort=-value",
    "vendor=nvidia&confidence=high",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_csv_is_the_filtered_table_row_for_row(
    demo: Session, demo_client: TestClient, query: str
) -> None:
    response = demo_client.get(f"/deals.csv?{query}")
    assert response.status_code == 200
    rows = rows_of(response.content)
    assert rows[0] == list(ALL_COLUMNS)
    assert rows[0][: len(COLUMNS)] == list(COLUMNS)  # DESIGN's columns first, in order
    ids = [int(row[0]) for row in rows[1:]]
    assert ids == table_ids(demo, query)
    assert len(ids) == len(set(ids))
    assert all(len(row) == len(ALL_COLUMNS) for row in rows)


def test_the_cases_cover_ties_and_many_rows(demo: Session) -> None:
    everything = table_ids(demo, "")
    assert len(everything) == 58
    values = [d.value_usd for d in demo.scalars(select(Deal))]
    assert len(values) - len(set(values)) > 10  # sorting by value is mostly ties (and blanks)


def test_paging_parameters_are_checked_but_every_row_is_exported(
    demo_client: TestClient,
) -> None:
    response = demo_client.get("/deals.csv?page=2&per_page=5")
    assert len(rows_of(response.content)) == 1 + 58
    bad = demo_client.get("/deals.csv?per_page=lots")
    assert bad.status_code == 400 and "per_page 'lots'" in bad.text


def test_rows_end_in_crlf_and_the_header_is_exactly_the_columns(
    demo_client: TestClient,
) -> None:
    response = demo_client.get("/deals.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"id,title,status,confidence,deal_types,parties,")
    assert response.content.split(b"\r\n", 1)[0] == ",".join(ALL_COLUMNS).encode()
    assert response.content.endswith(b"\r\n")


# --- the cells ------------------------------------------------------------------------------


def _story(session: Session) -> Deal:
    """A deal with every kind of cell: grouped roles, chip counts, relays, partial dates."""
    microsoft = make_organization(session, "Microsoft", kind="hyperscaler")
    openai = make_organization(session, "OpenAI", kind="ai_lab")
    maia = make_hardware(session, "Maia 200", vendor=microsoft, type="custom_accelerator")
    h100 = make_hardware(session, "H100", type="gpu")
    deal = make_deal(
        session,
        'OpenAI rents "Azure", Maia;\nsecond line',
        parties=[
            (openai, "customer"),
            (microsoft, "provider"),
            (openai, "investee"),
            (microsoft, "investor"),
        ],
        hardware=[maia, h100],
        deal_types=["equity_investment", "cloud_capacity"],
        first_reported=PartialDate.parse("2026-Q2"),
        announced=PartialDate.parse("2026-05"),
        value_usd=10_000_000_000,
        value_qualifier="up_to",
        capacity_mw=1200.5,
        capacity_qualifier="estimated",
        chips=24000,
        chips_qualifier="exact",
        region="US, Wisconsin",
    )
    deal.term_start = PartialDate.parse("2027-Q1")
    deal.term_end = PartialDate.parse("2031")
    deal.notes = "=1+1 is text"
    deal.hardware_lines[1].chips = 24000
    original = deal.sources[0]  # The Information, undated, https://example.org/a
    primary = Source(
        publisher="Microsoft", tier="primary", published=PartialDate.parse("2026-05-21")
    )
    deal.sources.append(primary)
    deal.sources.append(
        Source(
            publisher="Odaily",
            tier="relay",
            url="https://example.org/odaily",
            published=PartialDate.parse("2026-05"),
            relays=original,
        )
    )
    deal.sources.append(
        Source(
            publisher="Aggregator",
            tier="relay",
            published=PartialDate.parse("2026"),
            relays=primary,
        )
    )
    session.flush()
    return deal


def test_every_cell_is_written_as_documented(session: Session, client: TestClient) -> None:
    deal = _story(session)
    rows = rows_of(client.get("/deals.csv").content)
    assert dict(zip(rows[0], rows[1], strict=True)) == {
        "id": str(deal.id),
        "title": 'OpenAI rents "Azure", Maia;\nsecond line',
        "status": "rumored",
        "confidence": "medium",
        "deal_types": "cloud_capacity; equity_investment",
        "parties": "OpenAI (customer, investee); Microsoft (provider, investor)",
        "hardware": "Maia 200; H100 (24000)",
        "hardware_types": "custom_accelerator; gpu",
        "value_usd": "10000000000",
        "value_qualifier": "up_to",
        "capacity_mw": "1200.5",
        "chips": "24000",
        "first_reported_on": "2026-Q2",
        "announced_on": "2026-05",
        "region": "US, Wisconsin",
        "sources": (
            "The Information (original) <https://example.org/a>\n"
            "Aggregator (relay, 2026) relays Microsoft\n"
            "Odaily (relay, 2026-05) <https://example.org/odaily> relays <https://example.org/a>\n"
            "Microsoft (primary, 2026-05-21)"
        ),
        "url": f"http://testserver/deals/{deal.id}",
        "summary": "",
        "confidence_note": "",
        "capacity_qualifier": "estimated",
        "chips_qualifier": "exact",
        "term_start": "2027-Q1",
        "term_end": "2031",
        "notes": "'=1+1 is text",
        "version": str(deal.version),
    }


def test_list_cells_parse_back_with_the_import_parsers(
    session: Session, client: TestClient
) -> None:
    _story(session)
    row = dict(zip(*rows_of(client.get("/deals.csv").content), strict=True))
    assert [(p.organization, p.roles) for p in parse_parties(row["parties"])] == [
        ("OpenAI", ("customer", "investee")),
        ("Microsoft", ("provider", "investor")),
    ]
    assert [(h.hardware, h.chips) for h in parse_hardware(row["hardware"])] == [
        ("Maia 200", None),
        ("H100", 24000),
    ]
    sources = parse_sources(row["sources"])
    assert [(s.publisher, s.tier, str(s.published or ""), s.url, s.relays) for s in sources] == [
        ("The Information", "original", "", "https://example.org/a", None),
        ("Aggregator", "relay", "2026", None, "Microsoft"),
        ("Odaily", "relay", "2026-05", "https://example.org/odaily", "https://example.org/a"),
        ("Microsoft", "primary", "2026-05-21", None, None),
    ]


def test_a_deal_with_no_hardware_or_numbers_has_blank_cells(
    session: Session, client: TestClient
) -> None:
    make_deal(session, "Bare", first_reported=PartialDate.parse("2025"))
    row = dict(zip(*rows_of(client.get("/deals.csv").content), strict=True))
    assert row["first_reported_on"] == "2025"
    blank = ("hardware", "hardware_types", "value_usd", "value_qualifier", "capacity_mw")
    assert all(row[name] == "" for name in (*blank, "chips", "announced_on", "region"))
    assert row["capacity_mw"] == ""


@pytest.mark.parametrize(
    ("title", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("+1", "'+1"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturned", "'\rReturned"),
        ("'=already quoted", "''=already quoted"),
        ("'quoted but harmless", "'quoted but harmless"),
        ("A = B", "A = B"),
    ],
)
def test_formula_cells_are_neutralised(
    session: Session, client: TestClient, title: str, written: str
) -> None:
    hostile = make_organization(session, "-Evil Corp")
    make_deal(
        session,
        title,
        parties=[(hostile, "customer"), (make_organization(session), "provider")],
        region="=1+1",
    )
    row = dict(zip(*rows_of(client.get("/deals.csv").content), strict=True))
    assert row["title"] == written
    assert unneutralise(row["title"]) == title
    assert row["parties"].startswith("'-Evil Corp (customer); ")
    assert row["region"] == "'=1+1"


@given(st.text())
def test_neutralise_is_reversible_and_leaves_no_formula(text: str) -> None:
    cell = neutralise(text)
    assert unneutralise(cell) == text
    assert not cell[:1] or cell[0] not in "=+-@\t\r"


def test_quoting_round_trips_through_a_csv_reader(session: Session, client: TestClient) -> None:
    titles = ['Comma, "quotes"', "Line\nbreak", "Windows\r\nbreak", " spaced ", "Ünïcödé — 中文"]
    for title in titles:
        make_deal(session, title)
    rows = rows_of(client.get("/deals.csv?sort=title").content)
    assert sorted(row[1] for row in rows[1:]) == sorted(titles)


# --- BOM, file name, bad input, deleted deals --------------------------------------------


def test_bom_on_request_only(demo_client: TestClient) -> None:
    plain = demo_client.get("/deals.csv?party=microsoft").content
    with_bom = demo_client.get("/deals.csv?party=microsoft&bom=1").content
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert with_bom == b"\xef\xbb\xbf" + plain
    assert demo_client.get("/deals.csv?bom=0").content.startswith(b"id,")
    bad = demo_client.get("/deals.csv?bom=yes please")
    assert bad.status_code == 400 and "bom 'yes please'" in bad.text


def test_the_file_name_says_what_was_filtered_and_when(demo_client: TestClient) -> None:
    today = datetime.now(UTC).date().isoformat()
    response = demo_client.get("/deals.csv?status=confirmed&party=microsoft&sort=-value&page=3")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="deals-status-confirmed-party-microsoft-{today}.csv"'
    )
    everything = demo_client.get("/deals.csv")
    assert everything.headers["content-disposition"] == (
        f'attachment; filename="deals-{today}.csv"'
    )


def test_the_file_name_is_sanitised_and_bounded(demo_client: TestClient) -> None:
    q = 'Ünï "quoted"; rm -rf / ' + "x" * 150
    response = demo_client.get("/deals.csv", params={"q": q, "min_value": "10B"})
    disposition = response.headers["content-disposition"]
    name = disposition.removeprefix('attachment; filename="').removesuffix('"')
    assert name.startswith("deals-q-n-quoted-rm-rf-xxx")
    assert name.endswith(f"-{datetime.now(UTC).date().isoformat()}.csv")
    assert len(name) <= 120
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("status=confirmd", "unknown status 'confirmd'"),
        ("party=nobody", "unknown organization 'nobody'"),
        ("hardware=h999", "unknown hardware 'h999'"),
        ("sort=price", "unknown sort 'price'"),
        ("min_value=lots", "'lots' is not an amount"),
        ("colour=red", "unknown filter 'colour'"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_value(
    demo_client: TestClient, query: str, named: str
) -> None:
    response = demo_client.get(f"/deals.csv?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert named in response.text
    assert "content-disposition" not in response.headers


def test_deleted_deals_are_not_exported(session: Session, client: TestClient) -> None:
    kept = make_deal(session, "Kept")
    gone = make_deal(session, "Gone")
    gone.deleted_at = utcnow()
    session.flush()
    ids = [int(row[0]) for row in rows_of(client.get("/deals.csv").content)[1:]]
    assert ids == [kept.id]


# --- streaming ------------------------------------------------------------------------------


def test_chunks_hold_at_most_chunk_size_rows_and_join_up_to_the_whole(demo: Session) -> None:
    rf = resolve_filters(demo, DealFilters.from_query([("sort", "-value")]))
    chunks = list(export.export_csv(demo, rf, "http://x/deals/", chunk_size=10))
    assert len(chunks) == 1 + 6  # the header, then 58 deals in chunks of 10
    assert all(len(rows_of(chunk)) <= 10 for chunk in chunks[1:])
    assert b"".join(chunks) == b"".join(export.export_csv(demo, rf, "http://x/deals/"))


def test_the_generator_reads_each_chunk_only_when_it_is_needed(
    demo: Session, count_statements: object
) -> None:
    rf = resolve_filters(demo, DealFilters.from_query([("sort", "title")]))
    with count_statements() as counter:  # type: ignore[operator]
        stream = export.export_csv(demo, rf, "http://x/deals/", chunk_size=5)
        assert counter.count == 0  # nothing runs until the response is read
        header = next(stream)
        first = next(stream)
        rest = b"".join(stream)
    assert header.startswith(b"id,title,")
    assert len(rows_of(first)) == 5
    assert len(rows_of(rest)) == 58 - 5
    queries = [sql for sql in counter.statements if not sql.startswith("SAVEPOINT")]
    if demo.get_bind().dialect.name == "postgresql":
        # Whether every row is stored; the rows then come through one COPY on the driver's
        # cursor, which SQLAlchemy does not see (the next test watches it).
        assert len(queries) == 1 and "count(*)" in queries[0], queries
    else:
        assert len(queries) == 1, queries  # one streamed query, whatever the number of chunks


@pytest.mark.parametrize("kind", [kind for kind in enabled_databases() if kind == "postgresql"])
def test_postgres_streams_through_copy_or_a_server_side_cursor(kind: str) -> None:
    """SQLite has no server-side cursors (fetchmany steps its cursor). On Postgres the rest of
    the export waits in the database until it is read: in a COPY when every deal's row is
    stored, in a named cursor while one is missing (it is rendered between chunks)."""
    with throwaway_postgres() as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session, engine.connect() as watcher:
                load_demo(session)
                session.commit()
                rf = resolve_filters(session, DealFilters.from_query([]))
                driver: Any = session.connection().connection.driver_connection
                backend = text("SELECT query FROM pg_stat_activity WHERE pid = :pid")

                stream = export.export_csv(session, rf, "http://x/deals/", chunk_size=5)
                next(stream), next(stream)
                assert driver.info.transaction_status == TransactionStatus.ACTIVE  # mid-COPY
                query = watcher.scalar(backend, {"pid": driver.info.backend_pid})
                assert query.startswith("COPY (SELECT deal.id, deal_derived.cells"), query
                copied = next(stream) + b"".join(stream)
                assert driver.info.transaction_status == TransactionStatus.INTRANS
                assert len(rows_of(copied)) == 58 - 5

                session.execute(delete(DealDerived).where(DealDerived.deal_id == 1))
                stream = export.export_csv(session, rf, "http://x/deals/", chunk_size=5)
                next(stream), next(stream)
                open_cursors = text("SELECT count(*) FROM pg_cursors")
                assert session.scalar(open_cursors) == 1  # the rest waits in the database
                fetched = next(stream) + b"".join(stream)
                assert session.scalar(open_cursors) == 0
                assert fetched == copied  # deal 1 rendered on the fly, the same cells
        finally:
            engine.dispose()


def test_memory_holds_one_chunk_not_the_whole_export(demo: Session) -> None:
    rf = resolve_filters(demo, DealFilters.from_query([]))

    def peak_bytes(chunk_size: int) -> tuple[int, int]:
        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in export.export_csv(
                demo, rf, "http://x/deals/", chunk_size=chunk_size))  # fmt: skip
            return size, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak_bytes(5)  # warm the statement caches
    size, small = peak_bytes(2)
    _, whole = peak_bytes(1000)
    # Read in one chunk, the whole file is in memory at once (as rows, text and bytes); in
    # chunks of two, the peak is lower by more than the file's size.
    assert whole - small > size, (small, whole, size)


def test_stored_rows_follow_every_change_to_what_a_row_shows(demo: Session) -> None:
    """Renamed organizations and hardware, new sources and statuses reach the stored rows."""
    rf = resolve_filters(demo, DealFilters.from_query([]))

    def exported() -> bytes:
        return b"".join(export.export_csv(demo, rf, "http://x/deals/"))

    def rendered_afresh() -> bytes:
        connection = demo.connection()
        connection.execute(delete(DealDerived))  # every row is now rendered on the fly
        try:
            return exported()
        finally:
            refresh_derived(connection, connection.scalars(select(Deal.id)).all())

    stored_rows = demo.scalar(select(func.count()).select_from(DealDerived))
    assert stored_rows == demo.scalar(select(func.count()).select_from(Deal))
    microsoft = demo.scalars(select(Organization).where(Organization.slug == "microsoft")).one()
    microsoft.name = "Microsoft Renamed"
    hardware = demo.scalars(select(Hardware).where(Hardware.slug == "h100")).one()
    hardware.name = "H100 Renamed"
    deal = demo.scalars(select(Deal).order_by(Deal.id)).first()
    assert deal is not None
    deal.sources.append(Source(publisher="=Renamed Wire", tier=SourceTier.SECONDARY))
    deal.title = "Retitled"
    demo.flush()
    after = exported()
    assert b"Microsoft Renamed" in after and b"H100 Renamed" in after
    assert b"=Renamed Wire (secondary)" in after and b"Retitled" in after
    assert after == rendered_afresh()


# --- the Export CSV link ----------------------------------------------------------------------


def test_the_table_links_to_the_export_of_the_current_view(demo_client: TestClient) -> None:
    page = demo_client.get("/deals?status=confirmed&party=microsoft&sort=-value&page=1")
    assert (
        'href="http://testserver/deals.csv?status=confirmed&amp;party=microsoft&amp;sort=-value"'
        in page.text
    )
    fragment = demo_client.get("/deals?party=amazon", headers={"HX-Request": "true"})
    assert 'href="http://testserver/deals.csv?party=amazon" hx-boost="false"' in fragment.text


# --- the command line, and a failure midway, against a real database file / server -------


@pytest.fixture(scope="module", params=enabled_databases())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database with the demo loaded, shared by the tests below (they only read)."""

    def prepare(url: str) -> None:
        migrate.upgrade(url)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            load_demo(session)
        engine.dispose()

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'export.sqlite3'}"
        prepare(url)
        yield url
        return
    with throwaway_postgres("cdt_export") as url:
        prepare(url)
        yield url


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
    return subprocess.run([DEALS, *args], capture_output=True, env=env, timeout=120)


def _web_export(database_url: str, query: str) -> bytes:
    app = create_app(Settings(environment="test", database_url=database_url, secret_key=SECRET))
    with TestClient(app) as client:
        response = client.get(f"/deals.csv?{query}")
    assert response.status_code == 200
    return response.content


def test_the_command_line_writes_the_same_file_as_the_web(
    database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "microsoft.csv"
    written = run(
        database_url, "export", "--party", "microsoft", "--status", "confirmed",
        "--status", "announced", "--sort", "-value", "-o", str(out),
        "--base-url", "http://testserver/",
    )  # fmt: skip
    assert written.returncode == 0, written.stderr.decode()
    web = _web_export(database_url, "party=microsoft&status=confirmed&status=announced&sort=-value")
    assert out.read_bytes() == web
    assert len(rows_of(web)) > 3
    assert f"Wrote {len(rows_of(web)) - 1} deals" in written.stderr.decode()
    assert not (tmp_path / "microsoft.csv.partial").exists()

    stdout = run(database_url, "export", "--bom", "--q", "maia", "--base-url", "http://testserver")
    assert stdout.returncode == 0, stdout.stderr.decode()
    assert stdout.stdout == _web_export(database_url, "q=maia&bom=1")


def test_the_command_line_refuses_bad_filters(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "never.csv"
    result = run(database_url, "export", "--status", "confirmd", "-o", str(out))
    assert result.returncode == 2
    assert "unknown status 'confirmd'" in result.stderr.decode()
    assert not out.exists()


def test_an_export_that_fails_midway_is_cut_off_not_a_short_200(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_lines = export._lines
    calls = 0

    def failing_on_the_third_chunk(*args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the database went away")
        return real_lines(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(export, "DEFAULT_CHUNK_SIZE", 10)
    monkeypatch.setattr(export, "_lines", failing_on_the_third_chunk)
    app = create_app(Settings(environment="test", database_url=database_url, secret_key=SECRET))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        received = bytearray()
        with (
            pytest.raises(httpx.RemoteProtocolError),
            httpx.stream("GET", f"http://127.0.0.1:{port}/deals.csv", timeout=10) as response,
        ):
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received.extend(chunk)
        assert received.startswith(b"id,title,")
        assert 1 + 20 <= len(rows_of(bytes(received))) < 1 + 58  # two chunks, then cut off
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_every_field_of_a_deal_is_exported_after_the_documented_columns(
    demo: Session, demo_client: TestClient
) -> None:
    deal = demo.scalars(
        select(Deal).where(Deal.summary.is_not(None), Deal.notes.is_not(None)).order_by(Deal.id)
    ).first()
    assert deal is not None
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(demo_client.get("/deals.csv").text))}
    row = rows[str(deal.id)]
    assert (row["summary"], row["notes"], row["version"]) == (
        neutralise(deal.summary or ""),
        neutralise(deal.notes or ""),
        str(deal.version),
    )
    assert row["confidence_note"] == neutralise(deal.confidence_note or "")
    assert row["capacity_qualifier"] == (deal.capacity_qualifier or "")
    up_to = [r for r in rows.values() if "up_to" in (r["capacity_qualifier"], r["chips_qualifier"])]
    assert up_to, "the demo has amounts reported as 'up to'"


def test_columns_picks_and_orders_the_columns(demo_client: TestClient) -> None:
    response = demo_client.get("/deals.csv?columns=title,summary&columns=id&status=confirmed")
    rows = rows_of(response.content)
    assert rows[0] == ["title", "summary", "id"]
    assert len(rows) > 2 and all(len(r) == 3 for r in rows)
    full = rows_of(demo_client.get("/deals.csv?status=confirmed").content)
    assert [r[1] for r in rows[1:]] == [r[ALL_COLUMNS.index("summary")] for r in full[1:]]
    bad = demo_client.get("/deals.csv?columns=title,colour")
    assert bad.status_code == 400 and "'colour'" in bad.text
