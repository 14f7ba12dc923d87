"""Fill an empty, migrated database with seeded synthetic deals for the benchmark.

    python -m bench.generate --deals 100000 --database-url sqlite:///bench/.work/bench.sqlite3

Rows go in through the project's own tables (app/models.py) in batches: SQLAlchemy Core
`insert(table)` executemany on SQLite, COPY through psycopg on Postgres (`--no-copy` for
executemany there too). The search documents are written alongside (bulk inserts bypass the ORM
hooks of app/derived/search.py, so they are built here by the same rule); the audit log is
left empty, as it is for any bulk load. Same seed and size, same rows, on either database.
"""

import hashlib
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Engine, Table, delete, func, insert, inspect, select, text

from app import migrate
from app.db import insert_rows, make_engine
from app.derived.counts import count_new
from app.derived.factlog import note_everything
from app.derived.refresh import refresh_derived
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealParty,
    DealSearch,
    DealTypeRow,
    FactChange,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
)
from bench.deals import DealMaker
from bench.world import hardware_rows, make_world, organization_rows

TABLES: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (
        Organization,
        OrganizationAlias,
        Hardware,
        Deal,
        DealTypeRow,
        DealParty,
        DealHardware,
        Source,
        StatusEvent,
        DealSearch,
        DealDerived,
    )
}
# Tables whose ids we set ourselves: Postgres sequences must then be moved past them.
SEQUENCED = ("organization", "organization_alias", "hardware", "deal", "deal_party",
             "deal_hardware", "source", "status_event")  # fmt: skip
DEAL_TABLES = ("deal", "deal_type", "deal_party", "deal_hardware", "source", "status_event")
DERIVED_TABLES = ("deal_search", "deal_derived")  # rendered by app.derived.refresh from the rows
BATCH_DEALS = 2000
ANALYZE_EVERY = 25  # batches (Postgres)
ANALYZED = (*DEAL_TABLES, *DERIVED_TABLES, "deal_pair", "facet_count", "pair_count")

console = Console(stderr=True)


class GenerateError(RuntimeError):
    """The target database is not one we may fill; the message says why."""


@dataclass
class Report:
    deals: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


Writer = Callable[[Connection, Table, list[dict[str, Any]]], None]


def core_writer(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """An executemany of Core `insert(table)`: the column types bind the values."""
    if rows:
        connection.execute(insert(table), rows)


copy_writer: Writer = insert_rows  # COPY through psycopg on Postgres


def check_empty(connection: Connection) -> None:
    """GenerateError unless the schema is migrated and holds no deals, organizations or hardware."""
    present = set(inspect(connection).get_table_names())
    missing = [name for name in TABLES if name not in present]
    if missing:
        raise GenerateError(
            f"the database has no {', '.join(missing)} table: migrate it first "
            "(`deals db upgrade`, or pass --migrate)"
        )
    for name in ("deal", "organization", "hardware"):
        count = connection.scalar(select(func.count()).select_from(TABLES[name]))
        if count:
            raise GenerateError(
                f"the database already has {count} rows in {name}; the generator fills only an "
                "empty database (create a new one, or drop this one)"
            )


def generate(
    engine: Engine,
    deals: int,
    *,
    seed: int = 1,
    copy: bool | None = None,
    batch: int = BATCH_DEALS,
    progress: Progress | None = None,
) -> Report:
    """Write `deals` deals and their world into the empty database, in one transaction."""
    postgres = engine.dialect.name == "postgresql"
    write: Writer = copy_writer if (postgres if copy is None else copy) else core_writer
    rng = random.Random(seed)
    started = time.perf_counter()
    report = Report(deals=deals, seconds=0.0)
    world = make_world(rng)
    maker = DealMaker(world, rng)
    task = progress.add_task("deals", total=deals) if progress else None
    with engine.begin() as connection:
        check_empty(connection)
        orgs, aliases = organization_rows(world)
        for name, rows in (
            ("organization", orgs),
            ("organization_alias", aliases),
            ("hardware", hardware_rows(world)),
        ):
            write(connection, TABLES[name], rows)
            report.rows[name] = len(rows)
        # Double-buffered: one thread writes a batch while this one builds the next.
        with ThreadPoolExecutor(1) as writer:
            pending: Future[None] | None = None
            for number, first in enumerate(range(1, deals + 1, batch), start=1):
                tables = _batch(maker, first, min(first + batch, deals + 1))
                if pending:
                    pending.result()
                analyze = postgres and number % ANALYZE_EVERY == 0
                pending = writer.submit(_write_batch, connection, write, tables, analyze)
                for name in DEAL_TABLES:
                    report.rows[name] = report.rows.get(name, 0) + len(tables[name])
                for name in DERIVED_TABLES:
                    report.rows[name] = report.rows.get(name, 0) + len(tables["deal"])
                if progress and task is not None:
                    progress.update(task, completed=min(first + batch - 1, deals))
            if pending:
                pending.result()
        # One entry for the whole load, not one per deal: workers build their sets anew.
        connection.execute(delete(FactChange))
        note_everything(connection)
        if postgres:
            for name in SEQUENCED:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)")
                )  # fmt: skip
    if postgres:
        # What autovacuum would soon do; without it the first benchmark runs plan blind.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    report.seconds = time.perf_counter() - started
    return report


def _batch(maker: DealMaker, first: int, stop: int) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in DEAL_TABLES}
    for deal_id in range(first, stop):
        for name, rows in maker.deal(deal_id).tables.items():
            tables[name].extend(rows)
    return tables


def _write_batch(
    connection: Connection,
    write: Writer,
    tables: dict[str, list[dict[str, Any]]],
    analyze: bool = False,
) -> None:
    for name in DEAL_TABLES:  # parents before children: foreign keys hold row by row
        write(connection, TABLES[name], tables[name])
    # Bulk inserts skip the session hook: render the search documents and export rows here,
    # with the app's own code.
    deal_ids = [row["id"] for row in tables["deal"]]
    refresh_derived(connection, deal_ids)
    count_new(connection, deal_ids)  # and the kept counts
    if analyze:
        # The tables grow inside one transaction, where autovacuum never sees them: without
        # statistics, Postgres came to read each batch's rows by whole-table scans, and a
        # million deals took ever longer per batch. ANALYZE in the transaction counts its rows.
        connection.execute(text(f"ANALYZE {', '.join(ANALYZED)}"))


def checksums(engine: Engine) -> dict[str, str]:
    """A SHA-256 per generated table over its rows in key order, comparable across databases."""
    result: dict[str, str] = {}
    with engine.connect() as connection:
        for name, table in TABLES.items():
            digest = hashlib.sha256()
            # Columns the database computes are left out: Postgres' search vector is no text.
            columns = [c for c in table.columns if c.computed is None]
            rows = select(*columns).order_by(*table.primary_key.columns)
            for row in connection.execute(rows):
                digest.update(repr(tuple(_canonical(v) for v in row)).encode())
            result[name] = digest.hexdigest()
    return result


def _canonical(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def normalise_url(database_url: str) -> str:
    """Bare Postgres URLs use psycopg 3, as app.config.Settings makes them do."""
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url.removeprefix(prefix)
    return database_url


def run(database_url: str, deals: int, seed: int = 1, *, copy: bool | None = None) -> Report:
    """Generate with a progress bar and print the row counts and speed."""
    engine = make_engine(normalise_url(database_url))
    try:
        with _progress() as progress:
            report = generate(engine, deals, seed=seed, copy=copy, progress=progress)
    finally:
        engine.dispose()
    for name, count in report.rows.items():
        console.print(f"  {name:<20} {count:>11,}")
    console.print(
        f"{report.deals:,} deals, {report.total_rows:,} rows in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s, {report.deals / report.seconds:,.0f} deals/s)"
    )
    return report


cli = typer.Typer(add_completion=False)


@cli.command()
def main(
    deals: Annotated[int, typer.Option(help="How many deals: 1000, 10000, 100000, 1000000.")],
    database_url: Annotated[str, typer.Option(help="An empty, migrated database.")],
    seed: Annotated[int, typer.Option(help="Same seed and size, same rows.")] = 1,
    copy: Annotated[
        bool | None,
        typer.Option("--copy/--no-copy", help="Postgres: COPY (default) or executemany."),
    ] = None,
    do_migrate: Annotated[
        bool, typer.Option("--migrate", help="Run the migrations first.")
    ] = False,
) -> None:
    """Fill an empty database with seeded synthetic deals."""
    if deals < 1:
        raise typer.BadParameter("--deals must be at least 1")
    if do_migrate:
        migrate.upgrade(normalise_url(database_url))
    try:
        run(database_url, deals, seed, copy=copy)
    except GenerateError as exc:
        console.print(f"[red]Error:[/] {exc}")
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    cli()
