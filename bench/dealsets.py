"""Filtered counts from the per-value sets of deal ids (app/derived/dealsets.py) beside the
grouped statements they replace, in-process on a generated database:

    .venv/bin/python -m bench.dealsets --statements --after-write \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_1000000

Prints how long building the sets takes and what they hold, then for each filter combination
the median time of the total and every facet from the sets (with catching up on a write made
just before, when `--after-write`), and with `--statements` the same figures from the
statements (one run each: they take seconds), whether both agree, and their ratio.
"""

import statistics
import time
from typing import Annotated
from urllib.parse import parse_qsl

import typer
from rich.console import Console

from app.db import make_engine
from app.derived.dealsets import DealSets, read_sets
from app.filters import DealFilters
from app.queries.deals import count_deals, resolve_filters
from app.queries.facets import facet_counts
from app.unit_of_work import AppSession
from bench.generate import normalise_url
from bench.measure import touch_a_deal

console = Console(soft_wrap=True)
# The benchmark's three-filter page, each combination of its filters, and filters the sets
# cannot answer alone (a date, a search, a role: read as ids, then intersected).
COMBINATIONS = (
    "status=confirmed",
    "hardware_type=gpu",
    "confidence=high",
    "status=confirmed&hardware_type=gpu",
    "status=confirmed&confidence=high",
    "hardware_type=gpu&confidence=high",
    "status=confirmed&hardware_type=gpu&confidence=high",
    "status=confirmed&status=announced&reported_from=2025",
    "q=aurora&hardware_type=gpu",
)

cli = typer.Typer(add_completion=False)


@cli.command()
def main(
    database_url: Annotated[str, typer.Option(help="A generated database.")],
    statements: Annotated[
        bool, typer.Option(help="Also count with the grouped statements (slow).")
    ] = False,
    after_write: Annotated[
        bool, typer.Option(help="Move a deal's confidence before each count of the sets.")
    ] = False,
    repeat: Annotated[int, typer.Option(help="Counts of the sets per combination.")] = 5,
) -> None:
    """Time building the sets, and counting from them, beside the statements."""
    engine = make_engine(normalise_url(database_url))
    with AppSession(engine) as session:
        started = time.perf_counter()
        _, sets = read_sets(session.connection())
        built = time.perf_counter() - started
        values = sum(len(by_value) for by_value in sets.values())
        ids = sum(len(s) for by_value in sets.values() for s in by_value.values())
        size = sum(s.serialize().__len__() for by_value in sets.values() for s in by_value.values())
        console.print(
            f"built in {built * 1000:,.0f} ms: {values:,} sets, {ids:,} ids, "
            f"{size / 1e6:.1f} MB serialized"
        )
        deal_sets = DealSets()
        deal_sets.build(session)
        session.commit()
        console.print("| filters | sets ms | statements ms | ratio | equal |")
        console.print("|---|---:|---:|---:|---|")
        for query in COMBINATIONS:
            rf = resolve_filters(session, DealFilters.from_query(parse_qsl(query)))
            times = []
            found = None
            for _ in range(repeat):
                if after_write:
                    touch_a_deal(engine)
                    session.commit()  # a new transaction sees the write
                    rf = resolve_filters(session, DealFilters.from_query(parse_qsl(query)))
                started = time.perf_counter()
                found = deal_sets.counts(session, rf)
                times.append(time.perf_counter() - started)
            ms = statistics.median(times) * 1000
            if not statements:
                console.print(f"| `{query}` | {ms:,.1f} | | | |")
                continue
            started = time.perf_counter()
            counted = count_deals(session, rf), facet_counts(session, rf)
            slow = (time.perf_counter() - started) * 1000
            console.print(
                f"| `{query}` | {ms:,.1f} | {slow:,.0f} | {slow / ms:,.0f}× | "
                f"{'yes' if counted == found else 'NO'} |"
            )
    engine.dispose()


if __name__ == "__main__":
    cli()
