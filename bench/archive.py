"""`deals dump` and `deals load` speed, and `deals import` of new deals, at a given size.

For each database kind: generate `--deals` deals (bench.generate) into a throwaway database,
dump it, load the archive into an empty database of each kind, dump that again and check the
files are the same (the round trip, at size). Then time `deals import` of the first
`--import-rows` rows of the export into an empty database, beside its floor (bench.generate
writing as many deals with no checks). Prints seconds and rows per second; medians of
`--repeat` runs.

    .venv/bin/python -m bench.archive --deals 100000 --databases sqlite,postgresql
"""

import json
import statistics
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from app.db import make_engine
from app.exchange import archive
from app.unit_of_work import AppSession
from bench.generate import generate
from bench.importing import measure_import
from bench.server import empty_database

console = Console()
cli = typer.Typer(add_completion=False)


def _contents(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read(archive.MANIFEST))
        digests = {name: entry["sha256"] for name, entry in manifest["tables"].items()}
    return digests


def _dump(url: str, path: Path) -> tuple[float, int]:
    engine = make_engine(url)
    try:
        with AppSession(engine) as session:
            started = time.perf_counter()
            manifest = archive.dump(session, path)
            seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return seconds, sum(t["rows"] for t in manifest["tables"].values())


def _load(url: str, path: Path) -> float:
    engine = make_engine(url)
    try:
        with AppSession(engine) as session:
            started = time.perf_counter()
            archive.load(session, path)
            return time.perf_counter() - started
    finally:
        engine.dispose()


@cli.command()
def main(
    deals: Annotated[int, typer.Option(help="Generated deals.")] = 100_000,
    databases: Annotated[str, typer.Option(help="sqlite and/or postgresql.")] = "sqlite,postgresql",
    repeat: Annotated[int, typer.Option(help="Runs of each timing (median).")] = 1,
    import_rows: Annotated[int, typer.Option(help="Rows to time `deals import` on.")] = 10_000,
    work_dir: Annotated[Path, typer.Option(help="Where SQLite files live.")] = Path("bench/.work"),
) -> None:
    kinds = [k.strip() for k in databases.split(",") if k.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in kinds:
            with empty_database(kind, f"bench_archive_{kind}", work_dir=work_dir) as url:
                engine = make_engine(url)
                try:
                    generate(engine, deals)
                finally:
                    engine.dispose()
                first = folder / f"{kind}.zip"
                dumps = [_dump(url, first) for _ in range(repeat)]
                seconds = statistics.median(s for s, _ in dumps)
                rows = dumps[0][1]
                console.print(
                    f"dump  {kind:10} {deals:>9,} deals {rows:>10,} rows  {seconds:7.1f} s "
                    f"{rows / seconds:>10,.0f} rows/s  {deals / seconds:>8,.0f} deals/s  "
                    f"{first.stat().st_size / 2**20:.0f} MiB"
                )
                for target in kinds:
                    loads = []
                    for _ in range(repeat):
                        name = f"bench_archive_load_{target}"
                        with empty_database(target, name, work_dir=work_dir) as into:
                            loads.append(_load(into, first))
                            again = folder / f"{kind}-{target}.zip"
                            _dump(into, again)
                            same = _contents(again) == _contents(first)
                    seconds = statistics.median(loads)
                    console.print(
                        f"load  {kind:>10} → {target:10} {rows:>10,} rows  {seconds:7.1f} s "
                        f"{rows / seconds:>10,.0f} rows/s  {deals / seconds:>8,.0f} deals/s  "
                        f"dump again identical: {same}"
                    )
                if import_rows:
                    source = make_engine(url)
                    try:
                        timing = measure_import(kind, source, import_rows, work_dir)
                    finally:
                        source.dispose()
                    console.print(
                        f"import {kind:10} {timing.rows:>9,} new deals  {timing.seconds:7.1f} s "
                        f"{timing.rows_per_second:>10,.0f} rows/s  (floor, unchecked bulk "
                        f"insert: {timing.floor_rows_per_second:,.0f} rows/s), "
                        f"{timing.problems} problems"
                    )


if __name__ == "__main__":
    cli()
