"""The article reader, measured: field-level precision and recall on the labelled reports, the
time per report, and the time to match a report against 100k deals on SQLite and Postgres.

    python -m bench.extract                       # labelled set + matching at 100k, both databases
    python -m bench.extract --match-size 0        # the labelled set only (seconds)
    python -m bench.extract --databases sqlite --keep

Matching reuses bench.server.bench_database (the generated world of bench.generate; --keep
keeps it for the next run) and reads reports written from its own deals, so the deal a report
was written from should come back among the matches.
"""

import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import StaticPool, select
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.db import Base, make_engine
from app.extract.directory import Directory, load_directory
from app.extract.matches import extract_article, match_deals
from app.extract.reader import read_article
from app.models import Deal, DealHardware, DealParty, Hardware, Organization
from app.services.demo import load_demo
from app.unit_of_work import AppSession
from bench.extract_score import HELD_OUT, Tally, load_articles, score
from bench.server import bench_database

T = TypeVar("T")
console = Console()
TARGETS = {
    "parties with roles": 0.9,
    "hardware": 0.9,
    "status": 0.8,
    "stated numbers": 0.9,
    "original reporters": 0.9,
}


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def demo_directory() -> tuple[Session, Directory]:
    engine = make_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    session = AppSession(engine, expire_on_commit=False)
    load_demo(session)
    return session, load_directory(session)


def labelled_set(repeats: int, verbose: bool) -> None:
    """Score every labelled report (the set the rules were written on, the held-out one, and
    both); time the reading alone and the whole extract, on the demo data."""
    session, directory = demo_directory()
    splits: dict[str, dict[str, Tally]] = {"development": {}, "held-out": {}, "all": {}}
    read_ms: list[float] = []
    whole_ms: list[float] = []
    articles = [("development", a) for a in load_articles()]
    articles += [("held-out", a) for a in load_articles(HELD_OUT)]
    for split, article in articles:
        draft = read_article(article.text, directory, **article.meta)
        score(article, draft, splits[split])
        score(article, draft, splits["all"])
        for _ in range(repeats):
            read_ms.append(timed(partial(read_article, article.text, directory, **article.meta))[1])
            whole = partial(extract_article, session, article.text, **article.meta)
            whole_ms.append(timed(whole)[1])
    for split, tallies in splits.items():
        count = sum(1 for s, _ in articles if split in (s, "all"))
        _print_scores(tallies, f"{split} set, {count} reports", verbose and split != "all")
    console.print(
        f"Time per report: reading {statistics.median(read_ms):.1f} ms median "
        f"(p95 {_p95(read_ms):.1f}); with the directory read and matched on the demo data "
        f"{statistics.median(whole_ms):.1f} ms median (p95 {_p95(whole_ms):.1f}); "
        f"target ≤ 50 ms median"
    )
    session.close()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _print_scores(tallies: dict[str, Tally], title: str, verbose: bool) -> None:
    table = Table(title=f"Article reader: {title}")
    for column in ("field", "precision", "recall", "F1", "target", "found / expected"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for name, tally in tallies.items():
        target = TARGETS.get(name)
        met = "" if target is None else f"{target:.2f} {'✓' if tally.f1 >= target else '✗'}"
        table.add_row(
            name,
            f"{tally.precision:.2f}",
            f"{tally.recall:.2f}",
            f"{tally.f1:.2f}",
            met,
            f"{tally.tp}/{tally.found} of {tally.expected}",
        )
    console.print(table)
    if verbose:
        for name, tally in tallies.items():
            for miss in tally.misses:
                console.print(f"  [dim]{name}[/] {miss}", highlight=False)


def report_for(session: Session, deal: Deal) -> str:
    """A short report about a generated deal, in the words real ones use."""
    names = (
        session.execute(
            select(Organization.name)
            .join(DealParty, DealParty.organization_id == Organization.id)
            .where(DealParty.deal_id == deal.id)
            .order_by(DealParty.position)
        )
        .scalars()
        .all()
    )
    chip = session.scalars(
        select(Hardware.name)
        .join(DealHardware, DealHardware.hardware_id == Hardware.id)
        .where(DealHardware.deal_id == deal.id)
        .limit(1)
    ).first()
    first, second = list(dict.fromkeys(names))[:2]
    hardware = f" for capacity on {chip} chips" if chip else ""
    return (
        f"{first} and {second} are in talks over a compute deal{hardware}, people familiar "
        f"with the matter said on Tuesday. Neither company commented."
    )


def matching(kind: str, size: int, reports: int, keep: bool, work_dir: Path) -> None:
    with bench_database(kind, size, work_dir=work_dir, seed=1, keep=keep) as database:
        engine = make_engine(database.url)
        with AppSession(engine) as session:
            _time_matching(session, kind, size, reports)
        engine.dispose()


def _time_matching(session: Session, kind: str, size: int, reports: int) -> None:
    ids = session.scalars(select(Deal.id).where(Deal.deleted_at.is_(None))).all()
    rng = random.Random(7)
    directory, load_ms = timed(partial(load_directory, session))
    match_ms, whole_ms, read_ms, found = [], [], [], 0
    for deal_id in rng.sample(list(ids), reports):
        deal = session.get(Deal, deal_id)
        assert deal is not None
        text = report_for(session, deal)
        published = deal.first_reported.start + timedelta(days=5)
        draft, ms = timed(partial(read_article, text, directory, published_on=published))
        read_ms.append(ms)
        matches, ms = timed(partial(match_deals, session, draft))
        match_ms.append(ms)
        found += any(m.id == deal_id for m in matches)
        whole_ms.append(timed(partial(extract_article, session, text, published_on=published))[1])
    median = statistics.median
    console.print(
        f"{kind} at {size:,} deals ({reports} reports): matching {median(match_ms):.1f} ms "
        f"median (p95 {_p95(match_ms):.1f}; target ≤ 100 ms); reading {median(read_ms):.1f} ms; "
        f"directory read {load_ms:.0f} ms; whole extract {median(whole_ms):.1f} ms median; "
        f"the deal written about came back in {found}/{reports}"
    )


def main(
    match_size: Annotated[int, typer.Option(help="Deals to match against; 0 skips it.")] = 100_000,
    databases: Annotated[
        str, typer.Option(help="sqlite, postgresql or both.")
    ] = "sqlite,postgresql",
    reports: Annotated[int, typer.Option(help="Reports to match per database.")] = 50,
    repeats: Annotated[int, typer.Option(help="Timings per labelled report.")] = 5,
    keep: Annotated[bool, typer.Option(help="Keep (and reuse) the generated databases.")] = False,
    verbose: Annotated[bool, typer.Option(help="List every field that differs.")] = False,
) -> None:
    """Score the reader on the labelled reports and time it; time matching at scale."""
    labelled_set(repeats, verbose)
    if match_size > 0:
        for kind in databases.split(","):
            matching(kind.strip(), match_size, reports, keep, PROJECT_ROOT / "bench" / ".work")


if __name__ == "__main__":
    typer.run(main)
