"""The results as Markdown: the machine and versions, generation, pages, the CSV export."""

import os
import platform
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy

from bench.datasette import PairTiming
from bench.generate import Report
from bench.importing import ImportTiming
from bench.measure import Budget, ColdTiming, CsvTiming, Timing


@dataclass
class Results:
    budget: Budget
    seed: int
    postgres_version: str | None
    workers: int = 1
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    generation: list[tuple[int, str, Report | None]] = field(default_factory=list)
    pages: list[tuple[int, str, Timing]] = field(default_factory=list)
    exports: list[tuple[int, str, CsvTiming]] = field(default_factory=list)
    imports: list[tuple[int, str, ImportTiming]] = field(default_factory=list)
    cold: list[tuple[int, str, ColdTiming]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    versus: list[tuple[int, str, PairTiming]] = field(default_factory=list)
    datasette_version: str | None = None
    pace_ms: float | None = None  # bench.measure.pace_ms, before the first page


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "?"


def machine_lines(results: Results) -> list[str]:
    return [
        f"- Date: {results.started:%Y-%m-%d %H:%M} UTC; host `{platform.node()}`",
        f"- Machine: {os.cpu_count()} CPUs, {_memory_gib()} RAM, "
        f"{platform.system()} `{platform.release()}`",
        f"- Versions: Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {results.postgres_version or 'not used'}, SQLAlchemy {sqlalchemy.__version__}",
        *(
            [
                f"- Pace: {results.pace_ms:.0f} ms for the fixed Python workload of "
                "`bench.measure.pace_ms` (median of 7); on a machine that takes twice as long, "
                "expect pages to take about twice as long."
            ]
            if results.pace_ms is not None
            else []
        ),
        f"- Data: `python -m bench.generate`, seed {results.seed}. Server: uvicorn with "
        f"{results.workers} worker{'s' if results.workers != 1 else ''} on 127.0.0.1, no access "
        "log (memory: the workers and their supervisor together). Client: httpx on the same "
        "machine.",
        f"- Budget per page: up to {results.budget.c1_requests} requests one at a time, then up "
        f"to {results.budget.c16_requests} with {results.budget.concurrency} in flight "
        f"(a slow page gets fewer: each phase stops after about {results.budget.seconds:.0f} s,"
        f" with at least 3 and {results.budget.concurrency} requests).",
    ]


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _complete(export: CsvTiming) -> str:
    return "yes" if export.complete else f"**no** ({export.error or export.status})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def markdown(results: Results) -> str:
    lines = [f"# Benchmark {results.started:%Y-%m-%d}", "", *machine_lines(results), ""]
    lines += ["## Generating the data", ""]
    lines += _table(
        ["deals", "database", "rows", "seconds", "rows/s"],
        [
            [f"{size:,}", db, f"{g.total_rows:,}", f"{g.seconds:.1f}", f"{g.rows_per_second:,.0f}"]
            if g
            else [f"{size:,}", db, "–", "reused", "–"]
            for size, db, g in results.generation
        ],
    )
    lines += ["", "## Pages", ""]
    lines += [
        "Latency at concurrency 1 (median, p95), throughput at 1 and 16, errors (any non-200), "
        "and the floor: the same query functions run in-process on the same database, without "
        "HTTP or templates; ratio = median / floor.",
        "",
    ]
    lines += _table(
        ["deals", "db", "page", "median ms", "p95 ms", "req/s @1", "req/s @16", "p95 ms @16",
         "errors", "floor ms", "ratio"],
        [
            [f"{size:,}", db, f"`{t.case.path}`", _ms(t.median_ms), _ms(t.p95_ms),
             f"{t.c1_rps:,.1f}", f"{t.c16_rps:,.1f}", _ms(t.c16_p95_ms), str(t.errors),
             _ms(t.floor_ms), "–" if t.ratio is None else f"{t.ratio:.1f}×"]
            for size, db, t in results.pages
        ],
    )  # fmt: skip
    if results.cold:
        lines += ["", "## Counts after a write", ""]
        lines += [
            "Each request the first after a write (a deal's confidence moved through the app's "
            "session, which makes every cached figure stale): the unfiltered table, each "
            "combination of the three-filter case's filters, and the overview. Counted = "
            "responses showing their totals and facet counts (the overview: its figures) rather "
            'than "still counting".',
            "",
        ]
        lines += _table(
            ["deals", "db", "request", "requests", "median ms", "max ms", "counted"],
            [
                [f"{size:,}", db, c.name, str(len(c.times)), _ms(c.median_ms), _ms(c.max_ms),
                 f"{c.counted}/{len(c.times)}"]
                for size, db, c in results.cold
            ],
        )  # fmt: skip
        several = [(size, db, c) for size, db, c in results.cold if len(c.paths) > 1]
        if several:
            lines += [
                "",
                "Each combination on its own: its visits (each the first after a write) and their "
                "median, the figure the budget of a new combination is checked on.",
                "",
            ]
            lines += _table(
                ["deals", "db", "request", "visits", "median ms", "max ms", "counted"],
                [
                    [f"{size:,}", db, f"`{path}`", str(len(c.by_path[path])),
                     _ms(c.path_median_ms(path)), _ms(c.path_max_ms(path)),
                     f"{c.counted_by_path[path]}/{len(c.by_path[path])}"]
                    for size, db, c in several
                    for path in c.paths
                ],
            )  # fmt: skip
            lines += [""] + [
                f"- The slowest combination's own median at {size:,}/{db}: "
                f"{c.slowest_path_median_ms:,.1f} ms."
                for size, db, c in several
            ]
    if results.exports:
        lines += ["", "## CSV export of everything", ""]
        lines += [
            "Rows counted by parsing the stream; complete = status 200, no transport error, and "
            "every live deal present. Memory: the server's resident set (its workers and their "
            "supervisor together), sampled every 10 ms while streaming. Floor: the flat deal rows "
            "in export order read through the driver (Postgres: COPY … TO STDOUT).",
            "",
        ]
        lines += _table(
            ["deals", "db", "rows", "complete", "seconds", "rows/s", "RSS growth MiB",
             "peak RSS MiB", "floor rows/s"],
            [
                [f"{size:,}", db, f"{c.rows:,}", _complete(c),
                 f"{c.seconds:.2f}", f"{c.rows_per_second:,.0f}", f"{c.rss_growth_mib:.1f}",
                 f"{c.peak_rss_mib:.0f}",
                 "–" if c.floor_rows_per_second is None else f"{c.floor_rows_per_second:,.0f}"]
                for size, db, c in results.exports
            ],
        )  # fmt: skip
    if results.imports:
        lines += ["", "## `deals import`", ""]
        lines += [
            "The first rows of the export (newest first), imported with `--create-missing` into "
            "an empty database of the same kind, in one transaction "
            "(`app.exchange.importer.import_csv`). "
            "Floor: `bench.generate` writing as many deals into an empty database — the same "
            "bulk inserts and derived rows, without reading a file, checking rows or auditing.",
            "",
        ]
        lines += _table(
            ["deals in the source", "db", "rows imported", "seconds", "rows/s", "problems",
             "floor deals/s", "ratio"],
            [
                [f"{size:,}", db, f"{i.rows:,}", f"{i.seconds:.1f}", f"{i.rows_per_second:,.0f}",
                 str(i.problems), f"{i.floor_rows_per_second:,.0f}",
                 f"{i.floor_rows_per_second / i.rows_per_second:.1f}×" if i.rows_per_second
                 else "–"]
                for size, db, i in results.imports
            ],
        )  # fmt: skip
    if results.versus:
        lines += ["", f"## Beside Datasette {results.datasette_version}", ""]
        lines += [
            "The same export (`/deals.csv`) loaded into SQLite with sqlite-utils (indexes on "
            "first_reported, status and confidence; FTS5 on title, parties, hardware, sources) and "
            "served by `datasette serve` (one process) while ours runs as above. One request at "
            "a time, alternating between the two: medians; then blocks of 64 requests with 16 in "
            "flight, alternating: requests/s. Ratio: Datasette's median over ours, ours' "
            "requests/s over Datasette's (above 1×: ours is faster).",
            "",
        ]
        lines += _table(
            ["deals", "db", "pair", "ours ms", "Datasette ms", "ratio @1", "ours req/s @16",
             "Datasette req/s @16", "ratio @16"],
            [
                [f"{size:,}", db, f"{v.pair.name}: `{v.pair.ours}` / `{v.pair.theirs}`",
                 _ms(v.ours_ms), _ms(v.theirs_ms), f"{v.theirs_ms / v.ours_ms:.2f}×",
                 f"{v.ours_rps:,.1f}", f"{v.theirs_rps:,.1f}",
                 f"{v.ours_rps / v.theirs_rps:.2f}×" if v.theirs_rps else "–"]
                for size, db, v in results.versus
            ],
        )  # fmt: skip
    if results.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in results.notes)]
    return "\n".join(lines) + "\n"
