"""What checking rows costs a CSV import: the export's rows read into the deal input
(app/inputs: `deal_row_data`, `DealInput`, and `SourceInput` per source), timed alone and
as part of the whole import, with their ratio.

    .venv/bin/python -m bench.row_checks --deals 6000 --rows 5000 --database sqlite
"""

import argparse
import csv
import io
import statistics
import time
from pathlib import Path

from app.db import make_engine
from app.domain.cells import parse_sources, unneutralise
from app.exchange.importer import import_csv
from app.inputs.deal import DealInput, SourceInput
from app.inputs.rows import deal_row_data
from app.unit_of_work import AppSession
from bench.generate import generate
from bench.importing import export_sample
from bench.server import empty_database

WORK_DIR = Path(__file__).parent / ".work"


def check_rows(text: str) -> int:
    """Read every row of the file into its inputs, as the import does before writing."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    count = 0
    for raw in rows:
        row = {k.strip(): unneutralise((v or "").strip()) for k, v in raw.items() if k}
        DealInput.model_validate(deal_row_data(row))
        for cell in parse_sources(row["sources"]):
            SourceInput.model_validate(
                {
                    "publisher": cell.publisher,
                    "url": cell.url,
                    "tier": cell.tier,
                    "published_on": cell.published,
                }  # fmt: skip
            )
        count += 1
    return count


def time_import(kind: str, text: str) -> float:
    with empty_database(kind, "bench_row_checks", work_dir=WORK_DIR) as url:
        engine = make_engine(url)
        try:
            with AppSession(engine) as session:
                started = time.perf_counter()
                report = import_csv(session, text, create_missing=True)
                seconds = time.perf_counter() - started
        finally:
            engine.dispose()
    assert report.written, report.problems[:3]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=6000)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with empty_database(args.database, "bench_row_checks_source", work_dir=WORK_DIR) as url:
        engine = make_engine(url)
        generate(engine, args.deals)
        text = export_sample(engine, args.rows)
        engine.dispose()
    checks, rows = [], 0
    for _ in range(args.repeats):
        started = time.perf_counter()
        rows = check_rows(text)
        checks.append(time.perf_counter() - started)
    imports = [time_import(args.database, text) for _ in range(max(args.repeats // 2, 1))]
    check, whole = statistics.median(checks), statistics.median(imports)
    print(f"{args.database}: {rows:,} rows")
    print(f"  row checks   median {check:6.2f} s  {rows / check:8,.0f} rows/s")
    print(f"  whole import median {whole:6.2f} s  {rows / whole:8,.0f} rows/s")
    print(f"  checks / import {check / whole:.0%}")


if __name__ == "__main__":
    main()
