"""Browser sessions kept in the database, so they can be ended from the server.

The cookie carries a random token (signed by app/web/security.py); the table keeps its SHA-256,
the user, when it began, was last seen and expires, and the browser's User-Agent. Signing out
deletes the row; "sign out everywhere", a password change and a role change delete a user's
rows. Every worker and machine reads the same table, so an ended session ends everywhere.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import User, UserSession, utcnow

SESSION_LIFETIME = timedelta(days=14)
# last_seen_at is written at most this often per session, not on every request.
LAST_SEEN_STEP = timedelta(minutes=5)
USER_AGENT_MAX = 300


def _digest(token: str) -> str:
    # The token is 256 random bits: a plain SHA-256 keeps it unusable at rest.
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, user_agent: str) -> str:
    """A new session for `user` (expired ones of anybody are purged); the clear token is
    returned for the cookie and never stored."""
    purge_expired(session)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            id=_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            user_agent=user_agent[:USER_AGENT_MAX],
        )
    )
    session.commit()
    return token


def session_for(session: Session, token: str) -> UserSession | None:
    """The live session this token opens (its user active), noting that it was seen."""
    row = session.get(UserSession, _digest(token))
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    if now - row.last_seen_at >= LAST_SEEN_STEP:
        row.last_seen_at = now
        session.commit()
    return row


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.id == _digest(token)))
    session.commit()


def end_sessions(session: Session, user: User, keep: str | None = None) -> int:
    """End every session of `user` but the one `keep` (a token) opens; how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != _digest(keep))
    ended = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(ended)


def list_sessions(session: Session, user: User) -> list[UserSession]:
    stmt = (
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc())
    )
    return list(session.scalars(stmt))


def is_current(row: UserSession, token: str | None) -> bool:
    return token is not None and row.id == _digest(token)


def purge_expired(session: Session) -> int:
    """Delete expired sessions (of every user); how many. Sign-in calls it, so does
    `deals purge`."""
    result = session.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
