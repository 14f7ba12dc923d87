"""The benchmark generator: seeded, realistic, valid and searchable on both databases."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import migrate
from app.config import PROJECT_ROOT
from app.db import make_engine
from app.filters import DealFilters
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    DealSearch,
    DealTypeRow,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
    latest_event,
)
from app.queries.deals import list_deals, resolve_filters
from app.unit_of_work import AppSession
from bench import generate as bench_generate
from bench.deals import SEARCH_WORD
from bench.generate import GenerateError, checksums, generate
from tests.databases import enabled_databases, throwaway_postgres
from tests.oracles import search_document

DEALS = 200


def _generated_sqlite(path: Path, seed: int) -> Engine:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    generate(engine, DEALS, seed=seed)
    return engine


@pytest.fixture(scope="module")
def sqlite_seed1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _generated_sqlite(tmp_path_factory.mktemp("bench") / "seed1.sqlite3", 1)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module", params=enabled_databases())
def generated(request: pytest.FixtureRequest, sqlite_seed1: Engine) -> Iterator[Engine]:
    """200 generated deals (seed 1) on each database."""
    if request.param == "sqlite":
        yield sqlite_seed1
        return
    with throwaway_postgres("cdt_bench") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        # Small batches: the same rows as SQLite's in one batch, and Postgres' statistics
        # taken in the transaction twice on the way (bench.generate.ANALYZE_EVERY).
        generate(engine, DEALS, seed=1, batch=4)
        yield engine
        engine.dispose()


def test_same_seed_same_rows_different_seed_different_rows(
    sqlite_seed1: Engine, tmp_path: Path
) -> None:
    again = _generated_sqlite(tmp_path / "again.sqlite3", 1)
    other = _generated_sqlite(tmp_path / "other.sqlite3", 2)
    try:
        assert checksums(again) == checksums(sqlite_seed1)
        seed2 = checksums(other)
        assert seed2["deal"] != checksums(sqlite_seed1)["deal"]
        assert seed2["status_event"] != checksums(sqlite_seed1)["status_event"]
    finally:
        again.dispose()
        other.dispose()


def test_both_databases_hold_the_same_rows(generated: Engine, sqlite_seed1: Engine) -> None:
    assert checksums(generated) == checksums(sqlite_seed1)


def _per_deal(session: Session, model: type, column: str = "deal_id") -> dict[int, int]:
    key = getattr(model, column)
    return dict(session.execute(select(key, func.count()).group_by(key)).all())


def test_counts_follow_the_requested_shapes(generated: Engine) -> None:
    with AppSession(generated) as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == DEALS
        assert session.scalar(select(func.count()).select_from(Organization)) == 2000
        assert (session.scalar(select(func.count()).select_from(OrganizationAlias)) or 0) > 100
        parties = _per_deal(session, DealParty)
        assert set(parties.values()) <= {2, 3, 4} and len(parties) == DEALS
        distinct_orgs = session.execute(
            select(DealParty.deal_id, func.count(func.distinct(DealParty.organization_id)))
            .group_by(DealParty.deal_id)
        )  # fmt: skip
        assert min(n for _, n in distinct_orgs) >= 2
        lines = _per_deal(session, DealHardware)
        assert set(lines.values()) == {1, 2, 3} and len(lines) < DEALS  # some have none
        assert set(_per_deal(session, Source).values()) <= {1, 2, 3, 4}
        assert len(_per_deal(session, Source)) == DEALS
        events = _per_deal(session, StatusEvent)
        assert set(events.values()) == {1, 2, 3, 4} and len(events) == DEALS
        assert len(_per_deal(session, DealTypeRow)) == DEALS
        roles = dict(
            session.execute(select(DealParty.role, func.count()).group_by(DealParty.role)).all()
        )
        assert max(roles, key=lambda role: roles[role]) == "customer"
        # Relays point at a source of the same deal.
        original = Source.__table__.alias("original")
        mismatched = session.scalar(
            select(func.count())
            .select_from(Source)
            .join(original, original.c.id == Source.relays_id)
            .where(original.c.deal_id != Source.deal_id)
        )
        assert mismatched == 0
        assert session.scalar(select(func.count()).where(Source.relays_id.is_not(None))) > 0


def test_status_is_the_latest_event_by_the_models_rule(generated: Engine) -> None:
    with AppSession(generated) as session:
        deals = session.scalars(select(Deal)).all()
        assert len({deal.status for deal in deals}) >= 5
        for deal in deals:
            latest = latest_event(deal.status_events)
            assert latest is not None and deal.status == latest.status, deal.id
            dates = [e.effective.sort_key() for e in deal.status_events]
            assert dates == sorted(dates)


def test_search_documents_match_the_app_and_search_finds_generated_words(
    generated: Engine,
) -> None:
    with AppSession(generated) as session:
        for deal in session.scalars(select(Deal)):
            stored = session.get(DealSearch, deal.id)
            assert stored is not None
            assert set(stored.document.split()) == set(search_document(deal).split())
        titled = session.scalar(
            select(func.count()).where(
                Deal.title.contains(SEARCH_WORD.capitalize()), Deal.deleted_at.is_(None)
            )
        )
        page = list_deals(session, resolve_filters(session, DealFilters(q=SEARCH_WORD)))
        assert titled and page.total == titled
        assert all(SEARCH_WORD in deal.title.lower() for deal in page.rows)


def test_the_cli_fills_an_empty_database_and_refuses_a_filled_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    runner = CliRunner()
    args = ["--deals", "50", "--database-url", url, "--seed", "3"]
    first = runner.invoke(bench_generate.cli, [*args, "--migrate"])
    assert first.exit_code == 0, first.output
    assert "rows/s" in first.output
    second = runner.invoke(bench_generate.cli, args)
    assert second.exit_code == 1
    assert "already has 50 rows in deal" in second.output
    engine = make_engine(url)
    with pytest.raises(GenerateError, match="already has"):
        generate(engine, 10)
    engine.dispose()


def test_bench_run_quick_writes_a_results_table(tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", str(DEALS), "--databases", "sqlite",
         "--quick", "--results-dir", str(results), "--work-dir", str(tmp_path / "work")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    [written] = results.glob("*.md")
    pages, _, rest = written.read_text().partition("## CSV export")
    export, _, imports = rest.partition("## `deals import`")
    assert "| 200 | sqlite | `/deals` |" in pages
    assert "| 200 | sqlite | `/` |" in pages
    assert "SQLite 3." in pages and "CPUs" in pages
    timed, _, after_writes = pages.partition("## Counts after a write")
    rows = [line.split("|") for line in timed.splitlines() if line.startswith("| 200 | sqlite | `")]
    assert len(rows) >= 4
    assert all(cells[9].strip() == "0" for cells in rows), rows  # no failed requests
    # The first request after a write: the unfiltered table always has its counts (kept).
    [after_write] = [line.split("|") for line in pages.splitlines() if "after a write: `" in line]
    assert after_write[7].strip() == "1/1", after_write
    assert "first visit of a new filter combination (7)" in pages
    # Each combination on its own: one visit each at --quick, every one counted.
    each = [line.split("|") for line in after_writes.splitlines() if "| `/deals?" in line]
    assert len(each) == 7 and all(cells[7].strip() == "1/1" for cells in each), each
    assert "- The slowest combination's own median at 200/sqlite: " in after_writes
    for line in export.splitlines():  # when /deals.csv exists: every live deal, streamed
        if line.startswith("| 200 | sqlite |"):
            assert line.split("|")[4].strip() == "yes", line
    [imported] = [line.split("|") for line in imports.splitlines() if line.startswith("| 200 |")]
    assert int(imported[3].replace(",", "")) > 150 and imported[6].strip() == "0", imported
    assert int(imported[7].replace(",", "")) > 0 and imported[8].strip().endswith("×"), imported
    assert not list((tmp_path / "work").glob("*.sqlite3")), "the throwaway database was kept"
