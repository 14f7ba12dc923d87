"""The whole-dataset archive: everything an instance holds, as a zip of open files.

`deals dump FILE.zip` writes one CSV per table (every column, rows in key order) and a
`manifest.json` (format version, schema revision, and each file's columns, row count and
SHA-256); `deals load FILE.zip` reads it back into an empty database of either kind, keeping
every id, in one transaction. It is the way to back up, and to move between SQLite and
Postgres: dump → load → dump gives the same files.

Cells: an empty cell is NULL; text that is empty or starts with a backslash is written with
one more backslash in front (so `\\` is the empty text). Dates are ISO (`2026-05-01`; a partial
date is its start and precision columns), timestamps ISO with their UTC offset, booleans
`true`/`false`, numbers as Python writes them (a float's shortest exact form), JSON (the audit
log's changes) with sorted keys.

Not in the archive: what is derived (each deal's stored export row and search words, rebuilt
on load), API tokens and sign-in attempts (issue new tokens after a move). Accounts are in it
with their password hashes: keep an archive as safe as the database itself.
"""

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    Double,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from app.db import Base, batches, insert_rows
from app.derived.counts import recount
from app.derived.refresh import refresh_derived
from app.models import UTCDateTime

FORMAT = "compute-deal-tracker archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 5000
# In the order they are loaded (what a row refers to comes first).
TABLES = (
    "organization",
    "organization_alias",
    "hardware",
    "user_account",
    "deal",
    "deal_type",
    "deal_party",
    "deal_hardware",
    "source",
    "status_event",
    "deal_relation",
    "saved_view",
    "follow",
    "audit_event",
)
OPTIONAL = ("audit_event",)
# Every other table, and why it is left out (a test checks that each table is one or the other).
LEFT_OUT = {
    "deal_derived": "rendered from the deal on load",
    "deal_search": "rendered from the deal on load",
    "deal_pair": "rendered from the deal on load",
    "notification": "each follower's inbox, made from the audit log as changes happen; changes "
    "after the move notify again",
    "staged_import": "uploads waiting two hours at most for their confirmation",
    "change_counter": "a cache key, bumped on load",
    "facet_count": "counted from the deals on load",
    "pair_count": "counted from the deals on load",
    "fact_change": "which deals' facets moved, for each worker's sets; a load logs every deal",
    "api_token": "credentials of programs: issue new tokens after a move",
    "login_attempt": "short-lived sign-in throttling",
    "user_session": "browsers signed in: everyone signs in again after a move",
    "idempotency_key": "answers kept a day for API retries, tied to the tokens left out",
    "alembic_version": "recorded in the manifest as schema_revision",
}


class ArchiveError(Exception):
    """An archive that cannot be read or loaded here; the message says why."""


@dataclass(frozen=True)
class TableEntry:
    name: str
    columns: list[str]
    rows: int
    sha256: str


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _columns(table: Table) -> list[Column[Any]]:
    """The columns written: all but those the database computes."""
    return [c for c in table.columns if c.computed is None]


def schema_revision(connection: Connection) -> str | None:
    """The Alembic revision of the database (None if it was not made by the migrations)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return str(revision) if revision is not None else None


# --- cells ---------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "\\" + value if value == "" or value.startswith("\\") else value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _reader(column: Column[Any]) -> Callable[[str], Any]:
    """How a cell of this column is read back (not called for an empty cell: NULL)."""
    kind = column.type
    if isinstance(kind, JSON):
        return json.loads
    if isinstance(kind, Boolean):
        return lambda cell: {"true": True, "false": False}[cell]
    if isinstance(kind, Double):
        return float
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Integer):  # BigInteger too
        return int
    if isinstance(kind, String | Text):
        return lambda cell: cell[1:] if cell.startswith("\\") else cell
    raise TypeError(f"no archive reader for {column}")  # pragma: no cover (a new column type)


# --- dump ----------------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """A binary stream that passes writes on and keeps their SHA-256."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target, self.sha256 = target, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.sha256.update(data)
        self.target.write(data)
        return len(data)


def _rows(connection: Connection, table: Table) -> Iterator[Any]:
    """The table's rows in key order (the same on every database: text keys are sorted here,
    by code point, since databases collate text differently)."""
    columns = _columns(table)
    key = list(table.primary_key.columns)
    statement = select(*columns)
    if any(isinstance(c.type, String | Text) for c in key):
        positions = [columns.index(c) for c in key]
        yield from sorted(
            connection.execute(statement), key=lambda row: [row[i] for i in positions]
        )
        return
    result = connection.execute(
        statement.order_by(*key),
        execution_options={"stream_results": True, "max_row_buffer": BATCH},
    )
    with result:
        yield from result


def dump(
    session: Session,
    target: Path | IO[bytes],
    *,
    audit: bool = True,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Write the archive of everything the session's database holds to `target` (a path or a
    binary stream); its manifest. Read in the session's transaction: give it one that sees a
    single snapshot (`deals dump` asks Postgres for repeatable read). `progress(table, rows)`
    is called as rows are written."""
    connection = session.connection()
    entries: list[TableEntry] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in TABLES:
            if name in OPTIONAL and not audit:
                continue
            table = _table(name)
            columns = [c.name for c in _columns(table)]
            count = 0
            with archive.open(f"{name}.csv", "w", force_zip64=True) as raw:
                hashing = _Hashing(raw)
                out = io.TextIOWrapper(
                    cast(IO[bytes], hashing), encoding="utf-8", newline="", write_through=True
                )
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(columns)
                for chunk in batches(_rows(connection, table), BATCH):
                    writer.writerows([_cell(value) for value in row] for row in chunk)
                    count += len(chunk)
                    if progress is not None:
                        progress(name, len(chunk))
                out.flush()
                out.detach()
            entries.append(TableEntry(name, columns, count, hashing.sha256.hexdigest()))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": schema_revision(connection),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connection.dialect.name,
            "tables": {
                e.name: {
                    "file": f"{e.name}.csv",
                    "columns": e.columns,
                    "rows": e.rows,
                    "sha256": e.sha256,
                }
                for e in entries
            },  # fmt: skip
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


# --- load ----------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The archive's manifest, checked: format, version, and every file's checksum."""
    try:
        manifest: dict[str, Any] = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ArchiveError(f"no {MANIFEST}: this is not an archive made by `deals dump`") from None
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST} does not describe a {FORMAT}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"archive format {manifest.get('format_version')} — this version reads {FORMAT_VERSION}"
        )
    tables = manifest.get("tables", {})
    for name in TABLES:
        if name not in tables and name not in OPTIONAL:
            raise ArchiveError(f"the archive has no {name} table")
    for name, entry in tables.items():
        if name not in TABLES:
            raise ArchiveError(f"the archive's table {name} is not one this version knows")
        digest = hashlib.sha256()
        try:
            with archive.open(entry["file"]) as stream:
                while block := stream.read(1 << 20):
                    digest.update(block)
        except KeyError:
            raise ArchiveError(f"{entry['file']} is listed but missing") from None
        if digest.hexdigest() != entry["sha256"]:
            raise ArchiveError(f"{entry['file']} does not match its checksum: damaged or edited")
    return manifest


def _check_target(connection: Connection, manifest: dict[str, Any]) -> None:
    here = schema_revision(connection)
    theirs = manifest.get("schema_revision")
    if here is not None and theirs is not None and here != theirs:
        raise ArchiveError(
            f"the archive is of schema revision {theirs} and this database is at {here}: "
            "load it into a database at the same revision (`deals db upgrade REV`), then "
            "upgrade"
        )
    holding = [
        name for name in TABLES if connection.scalar(select(func.count()).select_from(_table(name)))
    ]
    if holding:
        raise ArchiveError(
            f"the database is not empty ({', '.join(holding)} have rows): load an archive "
            "into an empty database only"
        )


def load(
    session: Session,
    source: Path | IO[bytes],
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Load the archive into the session's empty database, ids kept, all or nothing; the
    rows loaded per table. ArchiveError (and nothing written) if it cannot be."""
    with zipfile.ZipFile(source) as archive:
        manifest = read_manifest(archive)
        connection = session.connection()
        try:
            _check_target(connection, manifest)
            counts = {
                name: _load_table(connection, archive, name, manifest["tables"][name], progress)
                for name in TABLES
                if name in manifest["tables"]
            }
            if connection.dialect.name == "postgresql":
                _advance_sequences(connection)
            deal_ids = connection.scalars(select(_table("deal").c.id)).all()
            refresh_derived(connection, deal_ids)
            recount(connection)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return counts


def _load_table(
    connection: Connection,
    archive: zipfile.ZipFile,
    name: str,
    entry: dict[str, Any],
    progress: Callable[[str, int], None] | None,
) -> int:
    table = _table(name)
    known = {c.name: c for c in _columns(table)}
    with archive.open(entry["file"]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = next(reader, [])
        if header != entry["columns"] or set(header) != set(known):
            raise ArchiveError(
                f"{entry['file']}: columns {', '.join(header)} — expected "
                f"{', '.join(known)} (an archive of another schema revision?)"
            )
        readers = [_reader(known[column]) for column in header]
        # A column referring to its own table (a source relaying another) is set afterwards,
        # once every row it may point at is in.
        own = [
            column
            for column in header
            if any(fk.column.table is table for fk in known[column].foreign_keys)
        ]
        later: list[dict[str, Any]] = []
        count = 0
        for chunk in batches(reader, BATCH):
            rows = [
                {
                    column: None if cell == "" else read(cell)
                    for column, cell, read in zip(header, cells, readers, strict=True)
                }
                for cells in chunk
            ]
            for row in rows:
                pending = {c: row[c] for c in own if row[c] is not None}
                if pending:
                    later.append({"key": row["id"], **pending})
                    row.update(dict.fromkeys(pending))
            insert_rows(connection, table, rows)
            count += len(rows)
            if progress is not None:
                progress(name, len(rows))
    for column in own:
        pairs = [{"key": row["key"], "value": row[column]} for row in later if column in row]
        for updates in batches(pairs, BATCH):
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("key"))
                .values({column: bindparam("value")}),
                updates,
            )
    if count != entry["rows"]:
        raise ArchiveError(f"{entry['file']} holds {count} rows, its manifest {entry['rows']}")
    return count


def _advance_sequences(connection: Connection) -> None:
    """Postgres: each table's id sequence past the largest id loaded."""
    for name in TABLES:
        table = _table(name)
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 (our names)
            f'coalesce(max(id), 1), max(id) IS NOT NULL) FROM "{name}"'
        )
