"""Reading the audit trail: a deal's history, and the admins' filtered log."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from starlette.datastructures import QueryParams

from app.domain.vocabulary import AuditAction, values
from app.inputs.types import as_id
from app.models import AuditEvent, User

AUDIT_PAGE = 100
ENTITY_TYPES = ("deal", "organization", "hardware", "source", "status_event", "user")


def deal_history(session: Session, deal_id: int) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.deal_id == deal_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .options(selectinload(AuditEvent.user))
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str = ""
    action: str = ""
    user: str = ""
    deal_id: int | None = None
    since: date | None = None
    page: int = 1

    @classmethod
    def from_query(cls, params: QueryParams) -> "AuditFilters":
        """Lenient on purpose: an admin's typo here just shows everything it can."""
        entity = params.get("entity_type", "")
        action = params.get("action", "")
        deal = params.get("deal_id", "")
        since = params.get("since", "")
        page = params.get("page", "1")
        try:
            since_date = date.fromisoformat(since) if since else None
        except ValueError:
            since_date = None
        return cls(
            entity_type=entity if entity in ENTITY_TYPES else "",
            action=action if action in values(AuditAction) else "",
            user=params.get("user", "").strip(),
            deal_id=as_id(deal),
            since=since_date,
            page=as_id(page) or 1,
        )

    def params(self) -> dict[str, str]:
        out = {"entity_type": self.entity_type, "action": self.action, "user": self.user}
        if self.deal_id is not None:
            out["deal_id"] = str(self.deal_id)
        if self.since is not None:
            out["since"] = self.since.isoformat()
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
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
        stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(f.since, time(), UTC))
    stmt = stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    rows = list(session.scalars(stmt.limit(AUDIT_PAGE + 1).offset((f.page - 1) * AUDIT_PAGE)))
    return AuditPage(rows[:AUDIT_PAGE], len(rows) > AUDIT_PAGE)
