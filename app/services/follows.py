"""Following deals, organizations, hardware models and saved views, and reading (and marking
read) the notifications that follow from it (written by app/notify/outbox.py)."""

import secrets
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from app.domain.vocabulary import EmailMode, FollowTarget, values
from app.models import Deal, Follow, Hardware, Notification, Organization, SavedView, User, utcnow

FOLLOWING_PAGE = 100


class FollowError(Exception):
    """The thing to follow does not exist (or the user may not see it)."""


def _exists(session: Session, user: User, target_type: str, target_id: int) -> bool:
    if target_type == FollowTarget.DEAL:
        deal = session.get(Deal, target_id)
        return deal is not None and deal.deleted_at is None
    if target_type == FollowTarget.ORGANIZATION:
        return session.get(Organization, target_id) is not None
    if target_type == FollowTarget.HARDWARE:
        return session.get(Hardware, target_id) is not None
    view = session.get(SavedView, target_id)
    return view is not None and (view.shared or view.owner_id == user.id)


def follow(session: Session, user: User, target_type: str, target_id: int) -> None:
    """Follow (again: nothing changes)."""
    if target_type not in values(FollowTarget) or not _exists(
        session, user, target_type, target_id
    ):
        raise FollowError(f"There is no {target_type} {target_id} to follow.")
    if not is_following(session, user, target_type, target_id):
        session.add(Follow(user_id=user.id, target_type=target_type, target_id=target_id))
    session.commit()


def unfollow(session: Session, user: User, target_type: str, target_id: int) -> None:
    session.execute(
        delete(Follow).where(
            Follow.user_id == user.id,
            Follow.target_type == target_type,
            Follow.target_id == target_id,
        )
    )
    session.commit()


def is_following(session: Session, user: User | None, target_type: str, target_id: int) -> bool:
    if user is None:
        return False
    stmt = select(Follow.id).where(
        Follow.user_id == user.id, Follow.target_type == target_type, Follow.target_id == target_id
    )
    return session.scalar(stmt) is not None


@dataclass(frozen=True)
class Followed:
    target_type: str
    target_id: int
    name: str


def followed(session: Session, user: User) -> list[Followed]:
    """What the user follows, with names, by kind then name."""
    out: list[Followed] = []
    named = (
        (FollowTarget.DEAL, Deal.id, Deal.title),
        (FollowTarget.ORGANIZATION, Organization.id, Organization.name),
        (FollowTarget.HARDWARE, Hardware.id, Hardware.name),
        (FollowTarget.VIEW, SavedView.id, SavedView.name),
    )
    for kind, id_column, name_column in named:
        stmt = (
            select(id_column, name_column)
            .join(Follow, Follow.target_id == id_column)
            .where(Follow.user_id == user.id, Follow.target_type == kind)
            .order_by(func.lower(name_column))
        )
        out += [Followed(kind, target_id, name) for target_id, name in session.execute(stmt)]
    return out


def unread_count(session: Session, user: User) -> int:
    stmt = select(func.count()).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def notifications(session: Session, user: User, limit: int = FOLLOWING_PAGE) -> list[Notification]:
    """Unread first, then newest first."""
    unread_first = case((Notification.read_at.is_(None), 0), else_=1)
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(unread_first, Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_read(session: Session, user: User, up_to: int | None = None) -> int:
    """Mark the user's unread notifications read (those up to id `up_to`: what the page showed,
    not what arrived since). How many were marked."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if up_to is not None:
        stmt = stmt.where(Notification.id <= up_to)
    marked = session.execute(stmt.values(read_at=utcnow())).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(marked or 0)


class SettingsError(Exception):
    pass


MAX_DISPLAY_NAME = 100


def save_notification_settings(
    session: Session, user: User, *, email_mode: str, display_name: str
) -> None:
    """SettingsError for a mode not offered or a name too long."""
    display_name = " ".join(display_name.split())
    if email_mode not in values(EmailMode):
        raise SettingsError(f"unknown mail choice '{email_mode}'")
    if len(display_name) > MAX_DISPLAY_NAME:
        raise SettingsError(f"A display name has at most {MAX_DISPLAY_NAME} characters.")
    user.email_mode = email_mode
    user.display_name = display_name or None
    session.commit()


def new_feed_token(session: Session, user: User) -> str:
    """A new secret for the private feed's URL; the old URL stops working."""
    user.feed_token = secrets.token_urlsafe(32)
    session.commit()
    return user.feed_token


def revoke_feed_token(session: Session, user: User) -> None:
    user.feed_token = None
    session.commit()


def user_for_feed_token(session: Session, token: str) -> User | None:
    if not token:
        return None
    user = session.scalar(select(User).where(User.feed_token == token))
    return user if user is not None and user.is_active else None
