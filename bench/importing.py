"""`deals import` speed: the first rows of the benchmark database's own export, imported (with
`--create-missing`, as a first load would be) into an empty database of the same kind.

Every row goes through the entry form's rules and the new deals are written in bulk
(app/exchange/bulk.py); it is timed on a sample rather than on every deal, so rows per second
is what the figure means. Its floor is what bench.generate writes per second with no checks at all.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from app.db import make_engine
from app.exchange.export import export_csv
from app.exchange.importer import import_csv
from app.filters import DealFilters
from app.queries.deals import resolve_filters
from app.unit_of_work import AppSession
from bench.generate import generate
from bench.server import empty_database


@dataclass
class ImportTiming:
    rows: int
    seconds: float
    problems: int
    floor_seconds: float = 0.0  # bench.generate writing as many deals, unchecked

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def floor_rows_per_second(self) -> float:
        return self.rows / self.floor_seconds if self.floor_seconds else 0.0


def export_sample(engine: Engine, rows: int) -> str:
    """The CSV header and the first `rows` deals of the export, newest first."""
    with AppSession(engine) as session:
        rf = resolve_filters(session, DealFilters.from_query([]))
        stream = export_csv(session, rf, "http://bench.invalid/deals/", chunk_size=rows)
        try:
            return (next(stream) + next(stream, b"")).decode("utf-8")
        finally:
            stream.close()


def measure_import(kind: str, source: Engine, rows: int, work_dir: Path) -> ImportTiming:
    text = export_sample(source, rows)
    with empty_database(kind, "bench_import", work_dir=work_dir) as url:
        engine = make_engine(url)
        try:
            with AppSession(engine) as session:
                started = time.perf_counter()
                report = import_csv(session, text, create_missing=True)
                seconds = time.perf_counter() - started
        finally:
            engine.dispose()
    return ImportTiming(report.created, seconds, len(report.problems), _floor(kind, rows, work_dir))


def _floor(kind: str, deals: int, work_dir: Path) -> float:
    """Seconds bench.generate takes to write as many deals (with their world of organizations
    and hardware, and their derived rows) into an empty database: bulk inserts, no checks."""
    with empty_database(kind, "bench_import", work_dir=work_dir) as url:
        engine = make_engine(url)
        try:
            return generate(engine, deals).seconds
        finally:
            engine.dispose()
