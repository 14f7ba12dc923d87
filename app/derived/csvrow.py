"""Each deal's row of the CSV export, rendered from the deal and its related rows.

What the flush hook (app/derived/refresh.py) stores in DealDerived.cells, and what the
streaming export (app/exchange/export.py) renders on the fly for a deal not stored yet: one
query per kind of related row for a whole chunk of deals, run on the caller's own connection
(same transaction) and read as plain tuples.
"""

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, String, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased

from app.domain.cells import date_cell, neutralise, number_cell, source_line
from app.domain.vocabulary import DealType, values
from app.models import Deal, DealHardware, DealParty, DealTypeRow, Hardware, Organization, Source

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


def render_cells(connection: Connection, deal_ids: Sequence[int]) -> dict[int, str]:
    """The CSV text of each deal's cells before `url` (ending in the comma before it), read
    from the deal and its related rows: what app/derived/refresh.py stores in DealDerived."""
    if not deal_ids:
        return {}
    related = _RelatedRows(connection)
    try:
        deals = related.fetch("deals", list(deal_ids))
        return {row[0]: csv_text([row])[:-2] + "," for row in _chunk_rows(related, deals)}
    finally:
        related.close()


def csv_text(rows: Sequence[Sequence[Any]]) -> str:
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
                Source.archived_url,
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
        for deal_id, publisher, tier, published_on, precision, url, relays, archived in self.fetch(
            "sources", ids
        ):
            published = date_cell(published_on, precision)
            line = source_line(publisher, tier, published, url, relays, archived)
            if deal_id in found:
                found[deal_id].append(line)
            else:
                found[deal_id] = [line]
        return {deal_id: "\n".join(lines) for deal_id, lines in found.items()}
