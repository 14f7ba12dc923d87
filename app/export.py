"""The deal CSV export, shared by `GET /deals.csv` and `deals export`.

Every deal the filters match (paging is ignored: an export is never one page), in the order of
the table, with DESIGN.md's columns. Each deal's cells are rendered ahead and stored
(DealDerived, kept in step by app/derived.py), so the export is one flat query streamed
`chunk_size` rows at a time with only the `url` appended (on Postgres through `COPY … TO
STDOUT`, or a server-side cursor while some deal has no stored row); memory stays flat however
many rows. A deal whose cells are not stored yet is rendered on the
fly from its related rows (`render_cells`: one query per kind of row for a whole chunk, run on
the session's own connection and read as plain tuples), so no row is ever left out. If anything
fails midway the generator raises, so the response is cut off visibly rather than ending as a
short 200.

Cells a spreadsheet would run as a formula are neutralised with a leading `'`
(see `app.csvformat.neutralise`; import reverses it with `unneutralise`).
"""

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from sqlalchemy import (
    Connection,
    Integer,
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased

from app.csvformat import (
    COLUMNS,
    date_cell,
    neutralise,
    number_cell,
    source_line,
)
from app.filters import DealFilters
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealParty,
    DealTypeRow,
    Hardware,
    Organization,
    Source,
)
from app.queries.deals import ResolvedFilters, count_deals, filter_deals, sort_deals
from app.vocabulary import DealType, values

DEFAULT_CHUNK_SIZE = 2000
BOM = "\ufeff"
MAX_FILENAME_LENGTH = 120

_DEAL_COLUMNS = (
    Deal.id,
    Deal.title,
    Deal.status,
    Deal.confidence,
    Deal.value_usd,
    Deal.value_qualifier,
    Deal.capacity_mw,
    Deal.chips,
    Deal.first_reported_on,
    Deal.first_reported_precision,
    Deal.announced_on,
    Deal.announced_precision,
    Deal.region,
)
_TYPE_ORDER = {value: index for index, value in enumerate(values(DealType))}


def export_csv(
    session: Session,
    rf: ResolvedFilters,
    deal_url_prefix: str,
    *,
    bom: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Generator[bytes]:
    """The CSV as UTF-8 chunks: the header, then one chunk per `chunk_size` deals.

    `deal_url_prefix` is what a deal id is appended to for the `url` column, such as
    `https://deals.example.org/deals/`. Nothing is read from the database until iterated;
    `progress` is called with each chunk's number of rows once it is written.
    """
    yield ((BOM if bom else "") + _csv_text([COLUMNS])).encode("utf-8")
    size = chunk_size or DEFAULT_CHUNK_SIZE
    url_cell = _url_cell(deal_url_prefix)
    connection = session.connection()
    if connection.dialect.name == "postgresql" and _every_deal_rendered(connection):
        chunks = _copied(connection, rf, size)
    else:
        chunks = _fetched(connection, rf, size)
    # Closed however the export ends, so a COPY left midway is cancelled at once: the
    # connection (then in a failed transaction, rolled back with the session) is free again.
    with closing(chunks):
        for rows in chunks:
            yield _lines(connection, rows, url_cell).encode("utf-8")
            if progress is not None:
                progress(len(rows))


def _fetched(connection: Connection, rf: ResolvedFilters, size: int) -> Generator[Sequence[Any]]:
    """The export query's rows, `size` at a time, through a cursor (a server-side one on
    Postgres: the database holds the rest until it is read)."""
    result = connection.execute(
        export_statement(rf),
        execution_options={"stream_results": True, "max_row_buffer": size},
    )
    with result:
        yield from result.partitions(size)


def _every_deal_rendered(connection: Connection) -> bool:
    """Whether every deal has its stored row (DealDerived rows exist only for deals)."""
    deals = select(func.count()).select_from(Deal).scalar_subquery()
    rendered = select(func.count()).select_from(DealDerived).scalar_subquery()
    return bool(connection.scalar(select(deals == rendered)))


def _copied(connection: Connection, rf: ResolvedFilters, size: int) -> Generator[Sequence[Any]]:
    """Postgres: the export query's rows through `COPY (…) TO STDOUT` in binary, `size` at a
    time. About 1.5× as fast as the cursor: the rows arrive in one stream, parsed by psycopg's
    C code, and the database still waits (the socket fills up) until they are read.

    Only when every deal's row is stored: the connection is busy until the COPY ends, so a
    missing row could not be rendered in the middle of it."""
    compiled = export_statement(rf).compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    driver_connection: Any = connection.connection.driver_connection
    statement = f"COPY ({compiled.string}) TO STDOUT (FORMAT binary)"
    with driver_connection.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        copy.set_types(["int4", "text"])
        rows: list[Any] = []
        for row in copy.rows():
            rows.append(row)
            if len(rows) == size:
                yield rows
                rows = []
        if rows:
            yield rows


def export_statement(rf: ResolvedFilters) -> Any:
    """(id, stored cells) of the filtered deals in the table's order (unique id tie-breaker).

    The cells are NULL for a deal whose row has not been rendered yet (written by a bulk load
    that skipped the session hook); those are rendered on the fly, so nothing is ever left out.
    """
    ordered = sort_deals(filter_deals(select(Deal), rf), rf.filters)
    return ordered.outerjoin(DealDerived, DealDerived.deal_id == Deal.id).with_only_columns(
        Deal.id, DealDerived.cells
    )


def _lines(connection: Connection, rows: Sequence[Any], url_cell: Callable[[int], str]) -> str:
    """One chunk of the CSV: each deal's stored cells, then its url."""
    missing = [deal_id for deal_id, cells in rows if cells is None]
    rendered = render_cells(connection, missing) if missing else {}
    return "".join(
        f"{rendered[deal_id] if cells is None else cells}{url_cell(deal_id)}\r\n"
        for deal_id, cells in rows
    )


def _url_cell(prefix: str) -> Callable[[int], str]:
    """The `url` cell of a deal id, quoted as the csv module would quote it."""
    if any(char in prefix for char in ',"\r\n'):
        return lambda deal_id: _csv_text([[f"{prefix}{deal_id}"]])[:-2]
    return lambda deal_id: f"{prefix}{deal_id}"


def render_cells(connection: Connection, deal_ids: Sequence[int]) -> dict[int, str]:
    """The CSV text of each deal's cells before `url` (ending in the comma before it), read
    from the deal and its related rows: what app/derived.py stores in DealDerived."""
    if not deal_ids:
        return {}
    related = _RelatedRows(connection)
    try:
        deals = related.fetch("deals", list(deal_ids))
        return {row[0]: _csv_text([row])[:-2] + "," for row in _chunk_rows(related, deals)}
    finally:
        related.close()


def _csv_text(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _chunk_rows(related: "_RelatedRows", deals: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Each deal's cells before `url`, in COLUMNS order."""
    ids = [deal[0] for deal in deals]
    types = related.types(ids)
    parties = related.parties(ids)
    hardware, hardware_types = related.hardware(ids)
    sources = related.sources(ids)
    return [
        (
            deal_id,
            neutralise(title),
            status,
            confidence,
            types.get(deal_id, ""),
            neutralise(parties.get(deal_id, "")),
            neutralise(hardware.get(deal_id, "")),
            hardware_types.get(deal_id, ""),
            value_usd,
            value_qualifier,
            number_cell(capacity_mw),
            chips,
            date_cell(reported_on, reported_precision),
            date_cell(announced_on, announced_precision),
            neutralise(region) if region else "",
            neutralise(sources.get(deal_id, "")),
        )
        for (
            deal_id,
            title,
            status,
            confidence,
            value_usd,
            value_qualifier,
            capacity_mw,
            chips,
            reported_on,
            reported_precision,
            announced_on,
            announced_precision,
            region,
        ) in deals
    ]


def _chunk_ids(dialect: str) -> Callable[[Any], Any]:
    """`column IN (the chunk's ids)` as ONE bound parameter (an array on Postgres, a JSON
    list on SQLite): thousands of expanded parameters cost more to send than the query."""
    if dialect == "postgresql":
        array: Any = bindparam("chunk_ids", type_=postgresql.ARRAY(Integer))
        return lambda column: column == any_(array)
    json_list = bindparam("chunk_ids", type_=String)
    values_: Any = select(literal_column("value")).select_from(func.json_each(json_list))
    return lambda column: column.in_(values_)


_COMPILED: dict[str, dict[str, str]] = {}  # per dialect name: the statements, compiled once


class _RelatedRows:
    """A chunk's types, parties, hardware and sources: one query each, compiled once and run
    on the session's own DBAPI connection (same transaction), read as plain tuples."""

    def __init__(self, connection: Connection) -> None:
        dialect = connection.dialect
        self.postgres = dialect.name == "postgresql"
        if dialect.name not in _COMPILED:
            _COMPILED[dialect.name] = self._compile(dialect)
        self.sql = _COMPILED[dialect.name]
        driver_connection = connection.connection.driver_connection
        assert driver_connection is not None
        self.cursor = driver_connection.cursor()

    @staticmethod
    def _compile(dialect: Dialect) -> dict[str, str]:
        in_chunk = _chunk_ids(dialect.name)
        relayed = aliased(Source)
        statements = {
            "deals": select(*_DEAL_COLUMNS).where(in_chunk(Deal.id)).order_by(Deal.id),
            "types": select(DealTypeRow.deal_id, DealTypeRow.type).where(
                in_chunk(DealTypeRow.deal_id)
            ),
            "parties": select(
                DealParty.deal_id, DealParty.organization_id, Organization.name, DealParty.role
            )
            .join(Organization, Organization.id == DealParty.organization_id)
            .where(in_chunk(DealParty.deal_id))
            .order_by(DealParty.deal_id, DealParty.position, DealParty.id),
            "hardware": select(
                DealHardware.deal_id, Hardware.name, Hardware.type, DealHardware.chips
            )
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .where(in_chunk(DealHardware.deal_id))
            .order_by(DealHardware.deal_id, DealHardware.position, DealHardware.id),
            # Undated sources first, then by date and id: the same order on both databases.
            "sources": select(
                Source.deal_id,
                Source.publisher,
                Source.tier,
                Source.published_on,
                Source.published_precision,
                Source.url,
                func.coalesce(relayed.url, relayed.publisher),
            )
            .outerjoin(relayed, relayed.id == Source.relays_id)
            .where(in_chunk(Source.deal_id))
            .order_by(Source.deal_id, Source.published_on.asc().nulls_first(), Source.id),
        }
        return {name: str(stmt.compile(dialect=dialect)) for name, stmt in statements.items()}

    def close(self) -> None:
        self.cursor.close()

    def fetch(self, name: str, ids: list[int]) -> list[tuple[Any, ...]]:
        if self.postgres:
            self.cursor.execute(self.sql[name], {"chunk_ids": ids})
        else:
            self.cursor.execute(self.sql[name], (json.dumps(ids),))
        rows: list[tuple[Any, ...]] = self.cursor.fetchall()
        return rows

    def types(self, ids: list[int]) -> dict[int, str]:
        found: dict[int, list[str]] = {}
        for deal_id, deal_type in self.fetch("types", ids):
            found.setdefault(deal_id, []).append(deal_type)
        return {
            deal_id: "; ".join(sorted(items, key=_TYPE_ORDER.__getitem__))
            for deal_id, items in found.items()
        }

    def parties(self, ids: list[int]) -> dict[int, str]:
        """`OpenAI (customer, investee); Microsoft (investor, provider)` (see format_parties)."""
        found: dict[int, dict[int, list[str]]] = {}
        for deal_id, organization_id, name, role in self.fetch("parties", ids):
            by_organization = found.get(deal_id)
            if by_organization is None:
                by_organization = found[deal_id] = {}
            roles = by_organization.get(organization_id)
            if roles is None:
                by_organization[organization_id] = [name, role]
            else:
                roles.append(role)
        return {
            deal_id: "; ".join(
                f"{name} ({', '.join(roles)})" for name, *roles in by_organization.values()
            )
            for deal_id, by_organization in found.items()
        }

    def hardware(self, ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
        """`Maia 200; H100 (24000)` (see format_hardware), and the lines' types once each."""
        lines: dict[int, list[str]] = {}
        kinds: dict[int, dict[str, None]] = {}
        for deal_id, name, hardware_type, chips in self.fetch("hardware", ids):
            line = name if chips is None else f"{name} ({chips})"
            if deal_id in lines:
                lines[deal_id].append(line)
                kinds[deal_id][hardware_type] = None
            else:
                lines[deal_id] = [line]
                kinds[deal_id] = {hardware_type: None}
        return (
            {deal_id: "; ".join(items) for deal_id, items in lines.items()},
            {deal_id: "; ".join(items) for deal_id, items in kinds.items()},
        )

    def sources(self, ids: list[int]) -> dict[int, str]:
        """One line per source (see source_line)."""
        found: dict[int, list[str]] = {}
        for deal_id, publisher, tier, published_on, precision, url, relays in self.fetch(
            "sources", ids
        ):
            line = source_line(publisher, tier, date_cell(published_on, precision), url, relays)
            if deal_id in found:
                found[deal_id].append(line)
            else:
                found[deal_id] = [line]
        return {deal_id: "\n".join(lines) for deal_id, lines in found.items()}


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def export_filename(f: DealFilters, today: date) -> str:
    """`deals-status-confirmed-party-microsoft-2026-11-25.csv`: what was filtered, and when."""
    words = ["deals"]
    for name, value in f.pairs(paging=False):
        if name == "sort":
            continue
        slug = _NOT_SLUG.sub("-", f"{name} {value}".lower()).strip("-")
        if slug:
            words.append(slug)
    stem = "-".join(words)
    limit = MAX_FILENAME_LENGTH - len("-YYYY-MM-DD.csv")
    if len(stem) > limit:
        stem = stem[:limit].rstrip("-")
    return f"{stem}-{today.isoformat()}.csv"


def write_export_file(
    session: Session,
    rf: ResolvedFilters,
    deal_url_prefix: str,
    output: str,
    *,
    bom: bool = False,
    console: Console | None = None,
) -> int:
    """Write the export to the file `output` ('-' for standard output); returns the row count.

    A file is written under a `.partial` name and renamed when complete, with a progress bar
    on `console`; if the export fails, the partial file is removed and the error raised.
    """
    written = 0

    def tally(rows: int) -> None:
        nonlocal written
        written += rows

    if output == "-":
        stdout = sys.stdout.buffer
        for chunk in export_csv(session, rf, deal_url_prefix, bom=bom, progress=tally):
            stdout.write(chunk)
        stdout.flush()
        return written
    path = Path(output)
    partial = path.with_name(f"{path.name}.partial")
    columns = (*Progress.get_default_columns(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console) as bar, partial.open("wb") as out:
            task = bar.add_task(f"Exporting to {path.name}", total=count_deals(session, rf))

            def advance(rows: int) -> None:
                tally(rows)
                bar.advance(task, rows)

            for chunk in export_csv(session, rf, deal_url_prefix, bom=bom, progress=advance):
                out.write(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return written
