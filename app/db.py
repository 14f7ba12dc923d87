"""The declarative base shared by models and migrations, engines, and bulk inserts.

Sessions are made in app/unit_of_work.py, whose session class carries the flush hooks."""

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Connection, MetaData, Table, create_engine, event, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(database_url: str | URL, **kwargs: Any) -> Engine:
    """An engine for the URL; on SQLite, foreign keys on and the file's folder created."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def insert_rows(
    connection: Connection, target: "Table | type[Base]", rows: list[dict[str, Any]]
) -> None:
    """Insert many rows, all with the same keys: by COPY on Postgres (psycopg; about twice as
    fast as its executemany), by an executemany elsewhere.

    COPY hands the values to the driver as they are, past the columns' bind processing: give
    plain values (timestamps with their zone; JSON columns are wrapped here)."""
    if not rows:
        return
    table = target if isinstance(target, Table) else cast(Table, target.__table__)
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    from psycopg.types.json import Json

    columns = list(rows[0])
    json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([Json(row[n]) if n in json else row[n] for n in columns])


def add_rows(
    connection: Connection, target: "type[Base]", keys: list[str], rows: list[dict[str, Any]]
) -> None:
    """Upsert rows of counts: a row whose `keys` are new is inserted, an existing one has the
    row's other columns added to its own (`n = n + excluded.n`), one statement for all, in
    the order given (give them in key order: concurrent writers then neither lose an update
    nor deadlock)."""
    if not rows:
        return
    table = cast(Table, target.__table__)
    upsert = (
        postgresql_insert(table)
        if connection.dialect.name == "postgresql"
        else sqlite_insert(table)
    )
    added = [name for name in rows[0] if name not in keys]
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=keys,
            set_={name: table.c[name] + upsert.excluded[name] for name in added},
        ),
        rows,
    )


T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in lists of `size` (the last one shorter): for IN lists and bulk writes of a
    bounded size."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
