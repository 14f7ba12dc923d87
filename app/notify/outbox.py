"""Notifications, written by a flush hook in the same transaction as the change they tell of.

The audit hook (app/audit.py) leaves the rows it wrote, with their ids, in
`session.info["audit_written"]`; this hook groups them by what they change (a deal — with its
status events and sources —, an organization or a hardware model) and writes one notification
for each user following it: the deal itself, one of its parties or hardware models, or a saved
view the deal is in before or after the change. The one who made the change is not told. A
notification is then also the mail outbox: `email_state` pending until `deals notify` sends it.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import insert, literal, select, union_all, update
from sqlalchemy.orm import Session, UOWTransaction

from app.domain.vocabulary import AuditAction, EmailMode, EmailState, FollowTarget
from app.filters import FILTERS, DealFilters, FilterError
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    Follow,
    Hardware,
    Notification,
    Organization,
    SavedView,
    Source,
    StatusEvent,
    User,
    utcnow,
)
from app.queries.deals import deal_conditions, resolve_filters

AUDIT_WRITTEN = "audit_written"
VIEWS_BEFORE = "view_deals_before"
NOTIFIED = "notified"
VIEW_CONDITIONS = "followed_view_conditions"
# Fields a change summary leaves out: bookkeeping, not news.
QUIET_FIELDS = {"updated_by_id", "created_by_id", "recorded_by_id", "deal_id", "source_id"}

Subject = tuple[str, int]  # ("deal", 12), ("organization", 3), ("hardware", 5)


def view_filters(view: SavedView) -> DealFilters | None:
    """The deal filters a saved view holds (a timeline view's own options left out); None if
    the registry no longer takes them."""
    pairs = [(k, v) for k, v in parse_qsl(view.query) if k in FILTERS]
    try:
        return DealFilters.from_query(pairs)
    except FilterError:
        return None


def _view_conditions(session: Session) -> dict[int, list[Any]]:
    """Followed view id → its SQL conditions; read once per transaction (the before and after
    of each flush use them), views whose filters no longer resolve left out."""
    cached: dict[int, list[Any]] | None = session.info.get(VIEW_CONDITIONS)
    if cached is not None:
        return cached
    stmt = select(SavedView).where(
        SavedView.id.in_(select(Follow.target_id).where(Follow.target_type == FollowTarget.VIEW))
    )
    found: dict[int, list[Any]] = {}
    for view in session.scalars(stmt):
        filters = view_filters(view)
        if filters is None:
            continue
        try:
            found[view.id] = deal_conditions(resolve_filters(session, filters))
        except FilterError:  # it names an organization or hardware model no longer there
            continue
    session.info[VIEW_CONDITIONS] = found
    return found


def _views_matching(session: Session, deal_ids: set[int]) -> dict[int, set[int]]:
    """View id → the deals of `deal_ids` in that followed view, as the database has them now:
    one statement for every view (UNION ALL)."""
    found: dict[int, set[int]] = {}
    views = _view_conditions(session)
    if not deal_ids or not views:
        return found
    parts = [
        select(literal(view_id).label("view_id"), Deal.id.label("deal_id")).where(
            Deal.id.in_(deal_ids), *conditions
        )
        for view_id, conditions in views.items()
    ]
    for view_id, deal_id in session.execute(union_all(*parts)):
        found.setdefault(view_id, set()).add(deal_id)
    return found


def _touched_deal_ids(objects: Iterable[Any]) -> set[int]:
    ids: set[int] = set()
    for obj in objects:
        if isinstance(obj, Deal) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, StatusEvent | Source | DealParty | DealHardware):
            deal_id = obj.deal_id if obj.deal_id is not None else getattr(obj.deal, "id", None)
            if deal_id is not None:
                ids.add(deal_id)
    return ids


def remember_views_before(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    """before_flush: which followed views the deals about to change are in (a rumor that is
    confirmed leaves a `status=rumored` view, and its followers must hear of it)."""
    deal_ids = _touched_deal_ids([*session.dirty, *session.new, *session.deleted])
    if not deal_ids:
        return
    with session.no_autoflush:
        if not _view_conditions(session):
            return
        before = session.info.setdefault(VIEWS_BEFORE, {})
        for view_id, ids in _views_matching(session, deal_ids).items():
            before.setdefault(view_id, set()).update(ids)


def _subject(row: dict[str, Any]) -> Subject | None:
    if row["deal_id"] is not None:
        return ("deal", int(row["deal_id"]))
    if row["entity_type"] in ("organization", "hardware"):
        return (row["entity_type"], int(row["entity_id"]))
    return None


def _value(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


def summarize(rows: list[dict[str, Any]]) -> str:
    """One line per audit row: `status: rumored → confirmed`, `new source: Reuters`…"""
    lines: list[str] = []
    for row in rows:
        changes: dict[str, Any] = row["changes"]
        kind = row["entity_type"].replace("_", " ")
        if row["action"] == AuditAction.CREATE:
            if row["entity_type"] == "status_event":
                lines.append(f"status recorded: {_value(changes.get('status', [None, None])[1])}")
            elif row["entity_type"] == "source":
                publisher = changes.get("publisher", [None, None])[1]
                lines.append(f"new source: {_value(publisher)}")
            else:
                lines.append(f"new {kind}")
        elif row["action"] in (AuditAction.DELETE, AuditAction.RESTORE):
            lines.append(f"{kind} {row['action']}d")
        else:
            for name, (before, after) in changes.items():
                if name in QUIET_FIELDS or name == "deleted_at":
                    continue
                label = name.replace("_", " ")
                lines.append(f"{label}: {_value(before)} → {_value(after)}")
    return "\n".join(dict.fromkeys(lines))


def _followers(session: Session, target_type: str, ids: Iterable[int]) -> dict[int, set[int]]:
    """Target id → the ids of the users following it."""
    wanted = set(ids)
    out: dict[int, set[int]] = defaultdict(set)
    if not wanted:
        return out
    stmt = select(Follow.target_id, Follow.user_id).where(
        Follow.target_type == target_type, Follow.target_id.in_(wanted)
    )
    for target_id, user_id in session.execute(stmt):
        out[target_id].add(user_id)
    return out


def write_notifications(session: Session, flush_context: UOWTransaction) -> None:
    """after_flush (after the audit hook): one notification per follower and changed thing."""
    written: list[dict[str, Any]] = session.info.pop(AUDIT_WRITTEN, [])
    views_before: dict[int, set[int]] = session.info.pop(VIEWS_BEFORE, {})
    groups: dict[Subject, list[dict[str, Any]]] = defaultdict(list)
    for row in written:
        subject = _subject(row)
        if subject is not None:
            groups[subject].append(row)
    if not groups:
        return
    with session.no_autoflush:
        if session.scalar(select(Follow.id).limit(1)) is None:
            return
        readers = _readers(session, groups, views_before)
        if not readers:
            return
        _insert(session, groups, readers)


def _readers(
    session: Session, groups: dict[Subject, list[dict[str, Any]]], views_before: dict[int, set[int]]
) -> dict[Subject, dict[int, str]]:
    """Subject → user id → why that user hears of it."""
    readers: dict[Subject, dict[int, str]] = defaultdict(dict)
    deal_ids = {sid for kind, sid in groups if kind == "deal"}
    for kind in ("organization", "hardware"):
        ids = [sid for k, sid in groups if k == kind]
        for target_id, users in _followers(session, kind, ids).items():
            for user_id in users:
                readers[(kind, target_id)].setdefault(user_id, kind)
    if not deal_ids:
        return readers
    for deal_id, users in _followers(session, FollowTarget.DEAL, deal_ids).items():
        for user_id in users:
            readers[("deal", deal_id)].setdefault(user_id, "deal")
    parties = session.execute(
        select(DealParty.deal_id, DealParty.organization_id, Organization.name)
        .join(Organization, Organization.id == DealParty.organization_id)
        .where(DealParty.deal_id.in_(deal_ids))
    ).all()
    org_followers = _followers(session, FollowTarget.ORGANIZATION, {p[1] for p in parties})
    for deal_id, org_id, name in parties:
        for user_id in org_followers.get(org_id, ()):
            readers[("deal", deal_id)].setdefault(user_id, f"organization {name}")
    lines = session.execute(
        select(DealHardware.deal_id, DealHardware.hardware_id, Hardware.name)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(DealHardware.deal_id.in_(deal_ids))
    ).all()
    hw_followers = _followers(session, FollowTarget.HARDWARE, {line[1] for line in lines})
    for deal_id, hardware_id, name in lines:
        for user_id in hw_followers.get(hardware_id, ()):
            readers[("deal", deal_id)].setdefault(user_id, f"hardware {name}")
    now = _views_matching(session, deal_ids)
    if now or views_before:
        view_ids = set(now) | set(views_before)
        names = {
            view_id: name
            for view_id, name in session.execute(
                select(SavedView.id, SavedView.name).where(SavedView.id.in_(view_ids))
            )
        }
        view_followers = _followers(session, FollowTarget.VIEW, view_ids)
        for view_id in view_ids:
            for deal_id in now.get(view_id, set()) | views_before.get(view_id, set()):
                for user_id in view_followers.get(view_id, ()):
                    readers[("deal", deal_id)].setdefault(user_id, f"view {names.get(view_id, '')}")
    return readers


def _titles(session: Session, subjects: Iterable[Subject]) -> dict[Subject, str]:
    ids: dict[str, set[int]] = defaultdict(set)
    for kind, sid in subjects:
        ids[kind].add(sid)
    titles: dict[Subject, str] = {}
    for kind, model, column in (
        ("deal", Deal, Deal.title),
        ("organization", Organization, Organization.name),
        ("hardware", Hardware, Hardware.name),
    ):
        if ids[kind]:
            stmt = select(model.id, column).where(model.id.in_(ids[kind]))
            for sid, title in session.execute(stmt):
                titles[(kind, sid)] = title
    return titles


def _insert(
    session: Session,
    groups: dict[Subject, list[dict[str, Any]]],
    readers: dict[Subject, dict[int, str]],
) -> None:
    """New notifications; a change that an earlier flush of the same transaction already
    notified (an autoflush split it) is added to that notification's summary instead."""
    actor = session.info.get("user_id")
    notified: dict[tuple[int, Subject], tuple[int, str]] = session.info.setdefault(NOTIFIED, {})
    user_ids = {uid for users in readers.values() for uid in users}
    stmt = select(User.id, User.email_mode).where(User.id.in_(user_ids), User.is_active)
    modes = {user_id: mode for user_id, mode in session.execute(stmt)}
    titles = _titles(session, readers)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    keys: list[tuple[int, Subject]] = []
    for subject, users in readers.items():
        changes = groups.get(subject)
        if not changes:
            continue
        summary = summarize(changes)
        for user_id, reason in sorted(users.items()):
            if user_id == actor or user_id not in modes:
                continue
            if (user_id, subject) in notified:
                note_id, before = notified[(user_id, subject)]
                merged = "\n".join(dict.fromkeys([*before.splitlines(), *summary.splitlines()]))
                session.connection().execute(
                    update(Notification).where(Notification.id == note_id).values(summary=merged)
                )
                notified[(user_id, subject)] = (note_id, merged)
                continue
            mode = modes[user_id]
            keys.append((user_id, subject))
            rows.append(
                {
                    "user_id": user_id,
                    "audit_event_id": changes[0]["id"],
                    "created_at": now,
                    "deal_id": subject[1] if subject[0] == "deal" else None,
                    "title": titles.get(subject, f"{subject[0]} {subject[1]}")[:400],
                    "summary": summary,
                    "reason": reason[:200],
                    "email_state": EmailState.NONE if mode == EmailMode.OFF else EmailState.PENDING,
                    "email_due_at": now if mode == EmailMode.INSTANT else None,
                    "email_attempts": 0,
                }
            )
    if rows:
        ids = session.connection().execute(
            insert(Notification).returning(Notification.id, sort_by_parameter_order=True), rows
        )
        for key, row, (note_id,) in zip(keys, rows, ids, strict=True):
            notified[key] = (note_id, row["summary"])


def forget_transaction(session: Session, *args: Any) -> None:
    """after_commit / after_soft_rollback: a new transaction notifies afresh."""
    for key in (NOTIFIED, VIEWS_BEFORE, AUDIT_WRITTEN, VIEW_CONDITIONS):
        session.info.pop(key, None)
