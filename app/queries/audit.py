"""Reading the audit trail: a deal's history, and the admins' filtered log, in people's words:
a field as it is said ("updated by", not `updated_by_id`), a user by name, a record by number."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from starlette.datastructures import QueryParams

from app.domain.dates import PartialDate, PartialDateError
from app.domain.vocabulary import AuditAction, values
from app.inputs.types import as_id
from app.models import AuditEvent, User

AUDIT_PAGE = 50
ENTITY_TYPES = ("deal", "organization", "hardware", "source", "status_event", "user")
# Fields holding a user's id (`updated_by_id`): shown as that user's name.
USER_FIELDS = frozenset(("created_by_id", "updated_by_id", "recorded_by_id", "user_id"))


@dataclass(frozen=True)
class Change:
    """One field of an audit entry as people read it: its name in words, before → after."""

    field: str
    before: str | User | None  # a user is shown as the page shows users (by name to the public)
    after: str | User | None


@dataclass(frozen=True)
class AuditEntry:
    event: AuditEvent
    changes: list[Change]


def field_words(name: str) -> str:
    """`updated_by_id` → `updated by`, `merged_into_id` → `merged into`."""
    return name.removesuffix("_id").replace("_", " ")


def _value_words(name: str, value: Any, users: dict[int, User]) -> str | User | None:
    if value is None:
        return None
    if name.endswith("_id") and isinstance(value, int):
        return users.get(value, f"user #{value}") if name in USER_FIELDS else f"#{value}"
    return str(value)


def readable(session: Session, events: Sequence[AuditEvent]) -> list[AuditEntry]:
    """The events with their changes in words, the users they name loaded in one query."""
    user_ids = {
        value
        for event in events
        for name, pair in (event.changes or {}).items()
        if name in USER_FIELDS
        for value in pair
        if isinstance(value, int)
    }
    users = {
        user.id: user
        for user in (session.scalars(select(User).where(User.id.in_(user_ids))) if user_ids else ())
    }
    return [
        AuditEntry(
            event,
            [
                Change(
                    field_words(name),
                    _value_words(name, pair[0], users),
                    _value_words(name, pair[1], users),
                )
                for name, pair in (event.changes or {}).items()
            ],
        )
        for event in events
    ]


def deal_history(session: Session, deal_id: int) -> list[AuditEntry]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.deal_id == deal_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .options(selectinload(AuditEvent.user))
    )
    return readable(session, list(session.scalars(stmt)))


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str = ""
    action: str = ""
    user: str = ""
    deal_id: int | None = None
    since: PartialDate | None = None
    since_text: str = ""  # as typed, shown back (with a message when it is no date)
    page: int = 1

    @classmethod
    def from_query(cls, params: QueryParams) -> "AuditFilters":
        """Lenient on purpose: an admin's typo here just shows everything it can."""
        entity = params.get("entity_type", "")
        action = params.get("action", "")
        deal = params.get("deal_id", "")
        since = params.get("since", "")
        page = params.get("page", "1")
        since = since.strip()
        try:
            since_date = PartialDate.parse(since) if since else None
        except PartialDateError:
            since_date = None
        return cls(
            entity_type=entity if entity in ENTITY_TYPES else "",
            action=action if action in values(AuditAction) else "",
            user=params.get("user", "").strip(),
            deal_id=as_id(deal),
            since=since_date,
            since_text=since,
            page=as_id(page) or 1,
        )

    def params(self) -> dict[str, str]:
        out = {"entity_type": self.entity_type, "action": self.action, "user": self.user}
        if self.deal_id is not None:
            out["deal_id"] = str(self.deal_id)
        if self.since is not None:
            out["since"] = self.since_text
        return {k: v for k, v in out.items() if v}

    @property
    def since_problem(self) -> str:
        """Why `since` was left out, if it was typed but is no date."""
        if self.since_text and self.since is None:
            return f"'{self.since_text}' is not a date: write 2025, 2025-Q2, 2025-06 or 2025-06-27"
        return ""


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    has_more: bool


def list_audit_events(session: Session, f: AuditFilters) -> AuditPage:
    stmt = select(AuditEvent).options(selectinload(AuditEvent.user))
    if f.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == f.entity_type)
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.deal_id is not None:
        stmt = stmt.where(AuditEvent.deal_id == f.deal_id)
    if f.user:
        stmt = stmt.where(
            AuditEvent.user_id.in_(
                select(User.id).where(func.lower(User.email).contains(f.user.lower()))
            )
        )
    if f.since is not None:
        start = datetime.combine(f.since.start, time(), UTC)
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    stmt = stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    rows = list(session.scalars(stmt.limit(AUDIT_PAGE + 1).offset((f.page - 1) * AUDIT_PAGE)))
    return AuditPage(readable(session, rows[:AUDIT_PAGE]), len(rows) > AUDIT_PAGE)
