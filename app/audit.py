"""The audit trail: every write to a deal, organization, hardware model, source, status event
or account is recorded — who, when, what, and each changed field's before → after — in the
same transaction as the change.

It hooks the ORM's flush, so no write path can forget it. The actor is the session's
`info["user_id"]` (None for the command line and the demo loader).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import History

from app.db import Base
from app.domain.dates import PartialDate
from app.domain.vocabulary import AuditAction
from app.models import (
    AuditEvent,
    Deal,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
    User,
    utcnow,
)

ENTITY_TYPES: dict[type, str] = {
    Deal: "deal",
    Organization: "organization",
    Hardware: "hardware",
    Source: "source",
    StatusEvent: "status_event",
    User: "user",
}
SKIPPED = {"id", "created_at", "updated_at", "version", "recorded_at", "last_login_at"}
SECRET = {"password_hash"}
# Parts audited as fields of their owner: a deal's parties, hardware and types; aliases.
COLLECTIONS: dict[type, tuple[str, ...]] = {
    Deal: ("parties", "hardware_lines", "type_rows"),
    Organization: ("aliases",),
}
PARTIAL_DATES = {
    Deal: ("first_reported", "announced", "term_start", "term_end"),
    Source: ("published",),
    StatusEvent: ("effective",),
}


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parties_text(parties: Iterable[tuple[str, str]]) -> str:
    """A deal's parties as its audit entries show them: `Name (role); …`."""
    return "; ".join(f"{name} ({role})" for name, role in parties)


def hardware_text(lines: Iterable[tuple[str, int | None]]) -> str:
    return "; ".join(name + (f" ({chips})" if chips else "") for name, chips in lines)


def types_text(types: Iterable[str]) -> str:
    return "; ".join(sorted(types))


def _collection_text(name: str, items: list[Any]) -> str:
    if name == "parties":
        return parties_text((p.organization.name, p.role) for p in items)
    if name == "hardware_lines":
        return hardware_text((line.hardware.name, line.chips) for line in items)
    if name == "aliases":
        return "; ".join(sorted(alias.alias for alias in items))
    return types_text(row.type for row in items)


def _history_values(history: History) -> tuple[Any, Any]:
    before = (
        history.deleted[0]
        if history.deleted
        else (history.unchanged[0] if history.unchanged else None)
    )
    after = (
        history.added[0] if history.added else (history.unchanged[0] if history.unchanged else None)
    )
    return before, after


def _changes(obj: Any, *, created: bool = False, deleted: bool = False) -> dict[str, Any]:
    """Field → [before, after] for what this flush changes on `obj`."""
    state = inspect(obj)
    model: type[Base] = state.mapper.class_
    changes: dict[str, Any] = {}
    pairs = PARTIAL_DATES.get(model, ())
    for key in _audited_columns(model):
        before, after = _history_values(state.attrs[key].history)
        if created:
            before = None
        if deleted:
            after = None
        if before != after or (created and after is not None):
            if key in SECRET:
                changes[key] = ["(hidden)", "(changed)"]
            else:
                changes[key] = [plain(before), plain(after)]
    for prefix in pairs:
        parts = [_history_values(state.attrs[f"{prefix}_{s}"].history) for s in ("on", "precision")]
        before = _partial(parts[0][0], parts[1][0]) if not created else None
        after = _partial(parts[0][1], parts[1][1]) if not deleted else None
        if before != after:
            changes[prefix] = [before, after]
    for name in COLLECTIONS.get(model, ()):
        history = state.attrs[name].history
        if created or history.has_changes():
            before_items = [] if created else [*history.unchanged, *history.deleted]
            after_items = [*history.unchanged, *history.added]
            before_text = _collection_text(name, before_items)
            after_text = _collection_text(name, after_items)
            if before_text != after_text:
                changes[name] = [before_text or None, after_text or None]
    return changes


def created_changes(
    model: type[Base], row: Mapping[str, Any], collections: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The changes `record_changes` writes for a `model` row created with these column values
    (and its collections' texts), for writers that insert without the ORM (app/exchange/bulk.py)."""
    changes: dict[str, Any] = {}
    for key in _audited_columns(model):
        value = row.get(key)
        if value is not None:
            changes[key] = ["(hidden)", "(changed)"] if key in SECRET else [None, plain(value)]
    for prefix in PARTIAL_DATES.get(model, ()):
        after = _partial(row.get(f"{prefix}_on"), row.get(f"{prefix}_precision"))
        if after is not None:
            changes[prefix] = [None, after]
    for name, text in (collections or {}).items():
        if text:
            changes[name] = [None, text]
    return changes


@cache
def _audited_columns(model: type[Base]) -> tuple[str, ...]:
    """The model's column attributes an audit entry lists (partial dates go as one field;
    columns the database computes from others, such as StatusEvent.effective_rank, not at all)."""
    paired = {f"{p}_{s}" for p in PARTIAL_DATES.get(model, ()) for s in ("on", "precision")}
    return tuple(
        column.key
        for column in inspect(model).column_attrs
        if column.key not in SKIPPED
        and column.key not in paired
        and column.columns[0].computed is None
    )


def _partial(start: Any, precision: Any) -> str | None:
    if start is None or precision is None:
        return None
    return str(PartialDate(start, precision))


def _action(obj: Any, changes: dict[str, Any], *, created: bool, deleted: bool) -> str:
    if created:
        return AuditAction.CREATE
    if deleted:
        return AuditAction.DELETE
    if isinstance(obj, Deal) and "deleted_at" in changes:
        before, after = changes["deleted_at"]
        if before is None and after is not None:
            return AuditAction.DELETE
        if before is not None and after is None:
            return AuditAction.RESTORE
    return AuditAction.UPDATE


def _deal_id(obj: Any) -> int | None:
    if isinstance(obj, Deal):
        return int(obj.id)
    deal_id = getattr(obj, "deal_id", None)
    return int(deal_id) if deal_id is not None else None


def record_changes(session: Session, flush_context: UOWTransaction) -> None:
    """Write one audit row per changed audited object, inside the flush's transaction."""
    rows: list[dict[str, Any]] = []
    # Each read of session.new builds a new set: read once, not once per object.
    added, removed = session.new, session.deleted
    touched = set(session.dirty)
    # An alias change is a change of its organization.
    for obj in (*added, *removed, *session.dirty):
        if isinstance(obj, OrganizationAlias) and obj.organization is not None:
            touched.add(obj.organization)
    groups = ((added, True, False), (removed, False, True), (touched, False, False))
    seen: set[int] = set()
    for objects, created, deleted in groups:
        for obj in objects:
            entity_type = ENTITY_TYPES.get(type(obj))
            if entity_type is None or id(obj) in seen:
                continue
            if not created and not deleted and obj in added:
                continue
            seen.add(id(obj))
            changes = _changes(obj, created=created, deleted=deleted)
            if not changes:
                continue
            rows.append(
                {
                    "occurred_at": utcnow(),
                    "user_id": session.info.get("user_id"),
                    "action": _action(obj, changes, created=created, deleted=deleted),
                    "entity_type": entity_type,
                    "entity_id": obj.id,
                    "deal_id": _deal_id(obj),
                    "changes": changes,
                }
            )
    if rows:
        ids = session.connection().execute(
            insert(AuditEvent).returning(AuditEvent.id, sort_by_parameter_order=True), rows
        )
        for row, (audit_id,) in zip(rows, ids, strict=True):
            row["id"] = audit_id
        # For the notification hook (app/notify/outbox.py), which runs next in this flush.
        session.info.setdefault("audit_written", []).extend(rows)
