"""The benchmark: generated databases, a real uvicorn, pages and the CSV export, timed.

    python -m bench.run --sizes 1000,10000 --databases sqlite,postgresql [--keep] [--quick]
        [--workers 2] [--vs-datasette]

For each size and database: a throwaway database is migrated and filled (bench.generate),
uvicorn serves it, every page is timed at concurrency 1 and 16 next to its in-process floor,
and the whole CSV export is streamed while the server's memory (its workers and their
supervisor together) is watched. With --vs-datasette, the same export is served by Datasette
and its pages timed beside ours (bench/datasette.py). The Markdown table goes to
bench/results/<date>-<host>.md and to the terminal.
"""

import platform
from dataclasses import replace
from datetime import date
from itertools import combinations
from pathlib import Path
from textwrap import indent
from typing import Annotated

import httpx
import typer
from rich.console import Console
from sqlalchemy import Engine

from app.config import PROJECT_ROOT
from app.db import make_engine
from bench import datasette
from bench.deals import SEARCH_WORD
from bench.importing import measure_import
from bench.measure import (
    Budget,
    Case,
    export_floor_seconds,
    live_deal_count,
    measure_cold,
    measure_csv,
    measure_floor,
    measure_page,
    middle_deal_id,
    pace_ms,
    seconds_until_counted,
    touch_a_deal,
)
from bench.report import Results, markdown
from bench.server import bench_database, postgres_version, serve

BENCH_DIR = PROJECT_ROOT / "bench"
DATABASES = ("sqlite", "postgresql")
THREE_FILTERS = "/deals?status=confirmed&hardware_type=gpu&confidence=high&sort=-value"
# Every combination of the three-filter case's filters, each visited first after a write.
COMBINATIONS = [
    "/deals?" + "&".join(chosen)
    for n in (1, 2, 3)
    for chosen in combinations(["status=confirmed", "hardware_type=gpu", "confidence=high"], n)
]
CASES = (
    Case("table", "/deals"),
    Case("three filters, sorted", THREE_FILTERS),
    Case("text search", f"/deals?q={SEARCH_WORD}"),
    Case("timeline, filtered", "/timeline?status=confirmed", optional=True),
    Case("deal page", "/deals/{deal_id}"),
    Case("overview", "/"),
    Case("API list", "/api/v1/deals", optional=True),
)  # fmt: skip
CSV_PATH = "/deals.csv"

console = Console()


def _bench_one(
    size: int,
    kind: str,
    results: Results,
    *,
    work_dir: Path,
    keep: bool,
    import_rows: int,
    vs_datasette: bool = False,
    floors: bool = True,
) -> None:
    console.rule(f"{size:,} deals on {kind}")
    with bench_database(kind, size, work_dir=work_dir, seed=results.seed, keep=keep) as db:
        results.generation.append((size, kind, db.generated))
        engine = make_engine(db.url)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        try:
            with (
                serve(db.url, results.workers) as server,
                httpx.Client(base_url=server.base_url, timeout=300, limits=limits) as client,
            ):
                # The export first, on a fresh server: memory the pages leave behind would hide
                # (or be blamed on) what streaming the export costs.
                failures = _export(client, engine, server.pid, size, kind, results)
                failures += _pages(client, engine, size, kind, results, floors=floors)
                _cold(client, engine, size, kind, results)
                if vs_datasette:
                    failures += _versus(client, engine, size, kind, results, work_dir)
                if failures:  # while the server's log is still open
                    log = server.log_tail()
                    results.notes.append(
                        f"{size:,}/{kind} failures: {'; '.join(failures)}."
                        + (" Server log ends:\n\n" + indent(log, " " * 6) if log else "")
                    )
                    console.print(results.notes[-1], markup=False, highlight=False)
            if import_rows:
                _import(engine, size, kind, min(import_rows, size), results, work_dir)
        finally:
            engine.dispose()


def _pages(
    client: httpx.Client,
    engine: Engine,
    size: int,
    kind: str,
    results: Results,
    *,
    floors: bool = True,
) -> list[str]:
    """Time every page with its floor; returns what failed."""
    where = f"{size:,}/{kind}"
    deal_id = middle_deal_id(engine)
    failures: list[str] = []
    for case in CASES:
        path = case.path.format(deal_id=deal_id)
        warm = client.get(path)  # also the probe of routes still being built
        if case.optional and warm.status_code == 404:
            results.notes.append(f"{path} skipped at {where}: 404, no such page yet")
            console.print(f"[yellow]skipped[/] {path} (404)")
            continue
        # Warm means counted: every worker has the page's figures (a page timed while they are
        # still being worked out would time the wait for them instead).
        waited = seconds_until_counted(str(client.base_url).rstrip("/"), path)
        if waited is None:
            failures.append(f"{path}: still counting after 300 s")
        elif waited > 5:
            results.notes.append(f"{path} at {where}: counted {waited:.1f} s after first asked")
        timing = measure_page(client, replace(case, path=path), results.budget)
        if floors:
            timing.floor_ms = measure_floor(engine, path, results.budget.floor_repeats)
        failures += [f"{path}: {n} × {why}" for why, n in timing.failures.items()]
        results.pages.append((size, kind, timing))
        console.print(
            f"{path:<75} median {timing.median_ms:8.1f} ms  p95 {timing.p95_ms:8.1f} ms"
            f"  @16 {timing.c16_rps:7.1f}/s  errors {timing.errors}",
            soft_wrap=True,
        )
    return failures


def _cold(client: httpx.Client, engine: Engine, size: int, kind: str, results: Results) -> None:
    """The first request after a write: the unfiltered table, a new filter combination, the
    overview; and how long the overview takes to be counted again."""
    repeats = max(1, results.budget.floor_repeats)
    for name, paths in (
        ("first request after a write: `/deals`", ["/deals"]),
        ("first visit of a new filter combination (7)", COMBINATIONS),
        ("first request after a write: the overview `/`", ["/"]),
    ):
        timing = measure_cold(client, engine, name, paths, repeats)
        results.cold.append((size, kind, timing))
        console.print(
            f"{name:<75} median {timing.median_ms:8.1f} ms  max {timing.max_ms:8.1f} ms"
            f"  counted {timing.counted}/{len(timing.times)}",
            soft_wrap=True,
        )
        if len(paths) > 1:
            for path in paths:
                console.print(
                    f"  {path:<73} median {timing.path_median_ms(path):8.1f} ms  max "
                    f"{timing.path_max_ms(path):8.1f} ms  counted "
                    f"{timing.counted_by_path[path]}/{len(timing.by_path[path])}",
                    soft_wrap=True,
                )
    # How long after a write the overview shows its figures again (on every worker).
    touch_a_deal(engine)
    waited = seconds_until_counted(str(client.base_url).rstrip("/"), "/")
    results.notes.append(
        f"the overview at {size:,}/{kind}: "
        + ("not counted within 300 s" if waited is None else f"counted {waited:.1f} s")
        + " after a write, on every worker"
    )
    console.print(results.notes[-1])


def _versus(
    client: httpx.Client, engine: Engine, size: int, kind: str, results: Results, work_dir: Path
) -> list[str]:
    """The same export served by Datasette, its pages timed in turn with ours."""
    timings, version = datasette.compare(
        client, str(client.base_url).rstrip("/"), work_dir, middle_deal_id(engine), SEARCH_WORD
    )
    results.datasette_version = version
    failures: list[str] = []
    for timing in timings:
        results.versus.append((size, kind, timing))
        failures += timing.failures
        console.print(
            f"{timing.pair.name:<32} ours {timing.ours_ms:7.1f} ms  Datasette "
            f"{timing.theirs_ms:7.1f} ms   @16 ours {timing.ours_rps:6.1f}/s  Datasette "
            f"{timing.theirs_rps:6.1f}/s",
            soft_wrap=True,
        )
    return failures


def _export(
    client: httpx.Client, engine: Engine, pid: int, size: int, kind: str, results: Results
) -> list[str]:
    """Stream the whole CSV export while watching the server's memory; returns what failed."""
    where = f"{size:,}/{kind}"
    with client.stream("GET", CSV_PATH) as probe:
        if probe.status_code == 404:
            results.notes.append(f"{CSV_PATH} skipped at {where}: 404, no such page yet")
            console.print(f"[yellow]skipped[/] {CSV_PATH} (404)")
            return []
    expected = live_deal_count(engine)
    export = measure_csv(client, CSV_PATH, pid, expected)
    export.floor_seconds = export_floor_seconds(engine)
    results.exports.append((size, kind, export))
    console.print(
        f"{CSV_PATH}: {export.rows:,}/{expected:,} rows in {export.seconds:.2f} s"
        f" ({export.rows_per_second:,.0f} rows/s), RSS +{export.rss_growth_mib:.1f} MiB",
        soft_wrap=True,
    )
    return [] if export.complete else [f"{CSV_PATH}: incomplete ({export.error or export.status})"]


def _import(
    engine: Engine, size: int, kind: str, rows: int, results: Results, work_dir: Path
) -> None:
    timing = measure_import(kind, engine, rows, work_dir)
    results.imports.append((size, kind, timing))
    console.print(
        f"deals import: {timing.rows:,} rows in {timing.seconds:.1f} s"
        f" ({timing.rows_per_second:,.0f} rows/s), {timing.problems} problems"
    )


def results_path(results_dir: Path) -> Path:
    return results_dir / f"{date.today().isoformat()}-{platform.node() or 'host'}.md"


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"'{value}' — expected sizes such as 1000,10000") from exc
    if not sizes or min(sizes) < 1:
        raise typer.BadParameter("sizes must be positive numbers of deals")
    return sizes


def _databases(value: str) -> list[str]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in DATABASES]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown {unknown} — expected sqlite and/or postgresql")
    return chosen


cli = typer.Typer(add_completion=False)


@cli.command()
def main(
    sizes: Annotated[str, typer.Option(help="Deal counts, comma-separated.")] = "1000,10000,100000",
    databases: Annotated[str, typer.Option(help="sqlite and/or postgresql.")] = "sqlite,postgresql",
    keep: Annotated[
        bool, typer.Option(help="Keep the generated databases, and reuse them next time.")
    ] = False,
    quick: Annotated[bool, typer.Option(help="A few requests per page: a smoke test.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 1,
    import_rows: Annotated[
        int, typer.Option(help="Rows of the export to time `deals import` on (0: skip).")
    ] = 5000,
    workers: Annotated[
        int, typer.Option(help="uvicorn worker processes (docker-compose runs two).")
    ] = 2,
    results_dir: Annotated[Path, typer.Option(help="Where the Markdown goes.")] = BENCH_DIR
    / "results",
    work_dir: Annotated[Path, typer.Option(help="Where SQLite files live.")] = BENCH_DIR / ".work",
    vs_datasette: Annotated[
        bool,
        typer.Option(help="Also serve the export with Datasette and time its pages beside ours."),
    ] = False,
    floors: Annotated[
        bool,
        typer.Option(
            help="Time each page's in-process floor (at 1M deals the table's recounts by "
            "statements take minutes: --no-floors skips them)."
        ),
    ] = True,
) -> None:
    """Benchmark the pages and the export at several sizes on SQLite and Postgres."""
    size_list, database_list = _sizes(sizes), _databases(databases)
    results = Results(
        budget=Budget.quick() if quick else Budget(),
        seed=seed,
        postgres_version=postgres_version() if "postgresql" in database_list else None,
        workers=workers,
        pace_ms=pace_ms(),
    )
    print(f"pace: {results.pace_ms:.0f} ms for the fixed Python workload")
    path = results_path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    for size in size_list:
        for kind in database_list:
            _bench_one(
                size, kind, results, work_dir=work_dir, keep=keep, import_rows=import_rows,
                vs_datasette=vs_datasette, floors=floors,
            )  # fmt: skip
            path.write_text(markdown(results))  # after each run: a crash keeps what was measured
    console.print(markdown(results), markup=False, highlight=False, soft_wrap=True)
    console.print(f"Written to {path}")


if __name__ == "__main__":
    cli()
