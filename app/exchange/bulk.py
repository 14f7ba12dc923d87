"""Writing many new deals at once — a CSV import's — in bulk, a batch at a time.

The ORM writes a deal, its types, parties, hardware lines, sources and first status event as a
dozen objects, each instrumented, sorted into its unit of work and inspected again by the flush
hooks; for a file of thousands of deals that cost most of the import's time. Here each table
gets one COPY (Postgres) or executemany (SQLite) per batch, and what the hooks would have
written beside the rows is written by the same code they use: the audit trail
(app.audit.created_changes, the entries record_changes makes for created records) and the
derived rows (app.derived.refresh.refresh_derived). tests/test_import.py checks both against
what the ORM path writes.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, bindparam, func, select, update

from app.audit import created_changes, hardware_text, parties_text, types_text
from app.db import batches, insert_rows
from app.derived.cache import bump_generation
from app.derived.counts import count_new
from app.derived.refresh import refresh_derived
from app.domain.dates import PartialDate
from app.domain.vocabulary import AuditAction
from app.inputs.deal import DealInput, SourceFields, SourceInput
from app.models import (
    AuditEvent,
    Deal,
    DealHardware,
    DealParty,
    DealTypeRow,
    Hardware,
    Organization,
    Source,
    StatusEvent,
    utcnow,
)

BATCH = 1000


@dataclass
class NewDeal:
    """A checked deal to create: its input, its status (that of its one status event, dated
    when first reported and citing its first source), its organizations and hardware (with
    ids), each once as app.services.deals.unique_parties and unique_lines give them, and its
    sources with, for each, the index of the one it relays."""

    deal_in: DealInput
    status: str
    parties: list[tuple[Organization, str]]
    lines: list[tuple[Hardware, int | None]]
    sources: list[SourceInput]
    relays: list[int | None]


def insert_deals(connection: Connection, deals: Sequence[NewDeal], user_id: int | None) -> int:
    """Insert these deals with everything they hold, their audit entries and derived rows, in
    the connection's transaction; how many."""
    bump_generation(connection)  # also takes SQLite's write lock before ids are chosen
    for batch in batches(deals, BATCH):
        _insert_batch(connection, batch, user_id)
    return len(deals)


def _dates(prefix: str, value: PartialDate | None) -> dict[str, Any]:
    start, precision = value.__composite_values__() if value is not None else (None, None)
    return {f"{prefix}_on": start, f"{prefix}_precision": precision}


def _columns(
    model: type[Deal] | type[Source], fields: Iterable[str], record: BaseModel
) -> dict[str, Any]:
    """The columns of `model` that the input's `fields` hold: a partial date (a composite of
    the model) as its two columns."""
    composites = model.__mapper__.composites
    row: dict[str, Any] = {}
    for name in fields:
        value = getattr(record, name)
        row.update(_dates(name, value) if name in composites else {name: value})
    return row


def _inserted(connection: Connection, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; their ids, in the order of `rows`.

    The ids are taken first and inserted with the rows: an insert that returns its ids in the
    order of its rows goes row by row on SQLite. Postgres: from the table's sequence, as its
    default would take them. SQLite: after the largest, which is safe because the transaction
    already holds the database's only write lock (insert_deals writes first)."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
        ids = list(
            connection.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
            )
        )
    else:
        largest = connection.scalar(select(func.max(model.id))) or 0
        ids = list(range(largest + 1, largest + 1 + len(rows)))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(connection, model, rows)
    return ids


def _insert_batch(connection: Connection, batch: list[NewDeal], user_id: int | None) -> None:
    now = utcnow()
    deal_rows: list[dict[str, Any]] = []
    for new in batch:
        row = _columns(Deal, DealInput.column_fields(), new.deal_in)
        row.update(
            status=new.status, version=1, created_by_id=user_id, updated_by_id=user_id,
            created_at=now, updated_at=now,
        )  # fmt: skip
        deal_rows.append(row)
    deal_ids = _inserted(connection, Deal, deal_rows)

    types, parties, lines, sources = [], [], [], []
    for deal_id, new in zip(deal_ids, batch, strict=True):
        types += [{"deal_id": deal_id, "type": t} for t in new.deal_in.deal_types]
        parties += [
            {"deal_id": deal_id, "organization_id": org.id, "role": role, "position": i}
            for i, (org, role) in enumerate(new.parties)
        ]
        lines += [
            {"deal_id": deal_id, "hardware_id": hw.id, "chips": chips, "position": i}
            for i, (hw, chips) in enumerate(new.lines)
        ]
        sources += [
            {
                **_columns(Source, SourceFields.model_fields, s), "deal_id": deal_id,
                "tier": s.tier, "relays_id": None, "created_by_id": user_id, "created_at": now,
            }
            for s in new.sources
        ]  # fmt: skip
    for model, rows in ((DealTypeRow, types), (DealParty, parties), (DealHardware, lines)):
        insert_rows(connection, model, rows)
    source_ids = _inserted(connection, Source, sources)

    relays: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    first = 0  # each deal's first source among the batch's
    for deal_id, new in zip(deal_ids, batch, strict=True):
        ids = source_ids[first : first + len(new.sources)]
        for i, target in enumerate(new.relays):
            if target is not None:
                sources[first + i]["relays_id"] = ids[target]  # for the audit entry
                relays.append({"source": ids[i], "relays": ids[target]})
        first += len(new.sources)
        events.append(
            {
                "deal_id": deal_id, "status": new.status, "source_id": ids[0], "note": None,
                "recorded_by_id": user_id, "recorded_at": now,
                **_dates("effective", new.deal_in.first_reported),
            }
        )  # fmt: skip
    if relays:
        connection.execute(
            update(Source)
            .where(Source.id == bindparam("source"))
            .values(relays_id=bindparam("relays")),
            relays,
        )
    event_ids = _inserted(connection, StatusEvent, events)

    audit = [
        _audit(now, user_id, "deal", deal_id, deal_id, created_changes(Deal, row, _texts(new)))
        for deal_id, row, new in zip(deal_ids, deal_rows, batch, strict=True)
    ]
    audit += [
        _audit(now, user_id, "source", source_id, row["deal_id"], created_changes(Source, row))
        for source_id, row in zip(source_ids, sources, strict=True)
    ]
    audit += [
        _audit(now, user_id, "status_event", event_id, row["deal_id"],
               created_changes(StatusEvent, row))
        for event_id, row in zip(event_ids, events, strict=True)
    ]  # fmt: skip
    insert_rows(connection, AuditEvent, audit)
    refresh_derived(connection, deal_ids)
    count_new(connection, deal_ids)


def _texts(new: NewDeal) -> dict[str, str]:
    return {
        "parties": parties_text((org.name, role) for org, role in new.parties),
        "hardware_lines": hardware_text((hw.name, chips) for hw, chips in new.lines),
        "type_rows": types_text(new.deal_in.deal_types),
    }


def _audit(
    now: Any, user_id: int | None, entity: str, entity_id: int, deal_id: int, changes: Any
) -> dict[str, Any]:
    return {
        "occurred_at": now,
        "user_id": user_id,
        "action": AuditAction.CREATE.value,
        "entity_type": entity,
        "entity_id": entity_id,
        "deal_id": deal_id,
        "changes": changes,
    }
