"""The activity stream: what changed in the deals (new deals, edits, status events, sources)
and in organizations and hardware models, newest first, paged by keyset (the audit row's id,
which grows with time), narrowed by the deal table's filters and `since`.

Account changes are never listed. Fields that pages do not show (ids, bookkeeping) are left
out of each change.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import AuditEvent, Deal
from app.queries.deals import ResolvedFilters, deal_conditions

ACTIVITY_PAGE = 50
LISTED = ("deal", "status_event", "source", "organization", "hardware")
HIDDEN_FIELDS = frozenset(
    {
        "deal_id",
        "source_id",
        "relays_id",
        "vendor_id",
        "created_by_id",
        "updated_by_id",
        "recorded_by_id",
        "effective_rank",
        "search_document",
    }
)


@dataclass(frozen=True)
class Activity:
    event: AuditEvent
    changes: dict[str, Any]
    deal_title: str | None


@dataclass(frozen=True)
class ActivityPage:
    items: list[Activity]
    next_before: int | None  # the cursor of the next (older) page


def shown_changes(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if k not in HIDDEN_FIELDS and not k.endswith("_id")}


def list_activity(
    session: Session,
    rf: ResolvedFilters,
    *,
    since: date | None = None,
    before: int | None = None,
    limit: int = ACTIVITY_PAGE,
) -> ActivityPage:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type.in_(LISTED))
        .options(selectinload(AuditEvent.user))
    )
    if rf.filters.is_filtered():
        # Only changes of the matching deals: organizations' and hardware's own edits drop out.
        stmt = stmt.where(AuditEvent.deal_id.in_(select(Deal.id).where(*deal_conditions(rf))))
    else:
        # Deleted deals are gone from every list; their history with them.
        stmt = stmt.where(
            (AuditEvent.deal_id.is_(None))
            | AuditEvent.deal_id.in_(select(Deal.id).where(Deal.deleted_at.is_(None)))
        )
    if since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(since, time(), UTC))
    if before is not None:
        stmt = stmt.where(AuditEvent.id < before)
    events = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    deal_ids = {e.deal_id for e in events if e.deal_id is not None}
    titles = (
        {i: t for i, t in session.execute(select(Deal.id, Deal.title).where(Deal.id.in_(deal_ids)))}
        if deal_ids
        else {}
    )
    items = [
        Activity(e, shown_changes(e.changes or {}), titles.get(e.deal_id) if e.deal_id else None)
        for e in events
    ]
    return ActivityPage(items, events[-1].id if more and events else None)
