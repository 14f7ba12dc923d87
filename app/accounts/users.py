"""Accounts: argon2 passwords, API tokens kept as hashes, and sign-in rate limits.

Nothing here keeps state in process memory: attempts and tokens live in the database, so two
workers or two machines limit and authenticate alike.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.sessions import end_sessions
from app.domain.vocabulary import UserRole
from app.models import ApiToken, LoginAttempt, User, utcnow

password_hash = PasswordHash.recommended()
MIN_PASSWORD_LENGTH = 12
# A real hash to verify against when the email is unknown, so timing does not tell.
_DUMMY_HASH = password_hash.hash(secrets.token_urlsafe(16))

LOCK_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
TOKEN_PREFIX = "cdt_"


class UserError(ValueError):
    """A user or token that cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == normalise_email(email))
    return session.scalars(stmt).first()


def _require_user(session: Session, email: str) -> User:
    user = get_user_by_email(session, email)
    if user is None:
        raise UserError(f"no user with the email {email}")
    return user


def _check_role(role: str) -> None:
    if role not in set(UserRole):
        raise UserError(f"unknown role '{role}' — expected one of viewer, analyst, admin")


def password_problem(password: str) -> str | None:
    """What is wrong with a new password (the same rule at creation and change), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must be at least {MIN_PASSWORD_LENGTH} characters"
    return None


def create_user(session: Session, email: str, password: str, role: str) -> User:
    email = email.strip()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise UserError(f"'{email}' is not an email address")
    _check_role(role)
    if problem := password_problem(password):
        raise UserError(problem)
    if get_user_by_email(session, email) is not None:
        raise UserError(f"a user with the email {email} already exists")
    user = User(email=email, password_hash=password_hash.hash(password), role=role)
    session.add(user)
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(func.lower(User.email))))


def set_role(session: Session, email: str, role: str) -> User:
    _check_role(role)
    user = _require_user(session, email)
    if user.role != role:
        user.role = role
        session.commit()
        end_sessions(session, user)  # signed in again, under the new role
    return user


def set_active(session: Session, email: str, active: bool) -> User:
    user = _require_user(session, email)
    user.is_active = active
    session.commit()
    if not active:
        end_sessions(session, user)
    return user


def verify_password(user: User, password: str) -> bool:
    return password_hash.verify(password, user.password_hash)


def change_password(
    session: Session, user: User, current: str, new: str, again: str, keep_session: str | None
) -> dict[str, str]:
    """Change `user`'s password; the problems per form field when it cannot be (nothing changes
    then). Every session of the user but `keep_session` (a token) is ended."""
    problems: dict[str, str] = {}
    if not verify_password(user, current):
        problems["current_password"] = "This is not your current password."
    if problem := password_problem(new):
        problems["new_password"] = problem[0].upper() + problem[1:] + "."
    elif new != again:
        problems["new_password_again"] = "The two new passwords differ."
    elif not problems and new == current:
        problems["new_password"] = "The new password is the current one."
    if problems:
        return problems
    user.password_hash = password_hash.hash(new)
    session.commit()
    end_sessions(session, user, keep=keep_session)
    return {}


def bootstrap_admin(session: Session, email: str = "admin@localhost") -> tuple[User, str] | None:
    """On a database with no accounts, create an admin with a random password (returned once)."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(12)
    return create_user(session, email, password, UserRole.ADMIN), password


@dataclass(frozen=True)
class Lockout:
    """Sign-in is refused for `retry_after` seconds; `reason` says whose failures caused it."""

    reason: str
    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return (
            f"Too many failed sign-ins {self.reason}. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def _failures(
    session: Session, *, email_key: str | None = None, client: str | None = None
) -> tuple[int, datetime | None]:
    """Failed attempts in the lock window, and when the oldest of them happened."""
    since = utcnow() - LOCK_WINDOW
    stmt = select(func.count(), func.min(LoginAttempt.attempted_at)).where(
        LoginAttempt.attempted_at >= since, LoginAttempt.succeeded.is_(False)
    )
    if email_key is not None:
        stmt = stmt.where(LoginAttempt.email_key == email_key)
    if client is not None:
        stmt = stmt.where(LoginAttempt.client == client)
    count, oldest = session.execute(stmt).one()
    return int(count), oldest


def _lockout(session: Session, email_key: str, client: str) -> Lockout | None:
    """Whether sign-in is refused for this account or client right now (the attempt being
    made, already added, is not counted against itself)."""
    checks = (
        ({"email_key": email_key}, MAX_FAILURES_PER_ACCOUNT, "for this account"),
        ({"client": client}, MAX_FAILURES_PER_CLIENT, "from your network address"),
    )
    for where, limit, reason in checks:
        count, oldest = _failures(session, **where)
        count -= 1  # this attempt
        if count >= limit and oldest is not None:
            if oldest.tzinfo is None:  # min() over SQLite comes back as naive UTC
                oldest = oldest.replace(tzinfo=UTC)
            retry = int((oldest + LOCK_WINDOW - utcnow()).total_seconds()) + 1
            return Lockout(reason, max(retry, 1))
    return None


def _serialise_attempts(session: Session, email_key: str, client: str) -> None:
    """Hold, until this transaction ends, the locks that make checking the limits and counting
    this attempt one step: on Postgres an advisory lock per account and per client (always in
    that order, so two attempts cannot wait for each other); SQLite takes its single write
    lock with the attempt's insert."""
    if session.get_bind().dialect.name == "postgresql":
        for key in (f"sign-in:{email_key}", f"sign-in-client:{client}"):
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


def recent_failures(session: Session, email: str) -> int:
    return _failures(session, email_key=normalise_email(email))[0]


def authenticate(session: Session, email: str, password: str, client: str) -> User | Lockout | None:
    """The active user with this email and password; a Lockout when too many attempts failed
    lately (the password is then not even evaluated); None otherwise.

    Every evaluated attempt is recorded. The limits are checked and the attempt counted in one
    locked step, as a failure until the password proves right, so a burst of simultaneous
    attempts can never evaluate more passwords than the limit allows."""
    email_key, client = normalise_email(email)[:320], client[:64]
    session.rollback()  # a fresh transaction, whose locks end with it
    _serialise_attempts(session, email_key, client)
    attempt = LoginAttempt(email_key=email_key, client=client, succeeded=False)
    session.add(attempt)
    session.flush()
    lock = _lockout(session, email_key, client)
    if lock is not None:
        session.rollback()  # a refused attempt is not counted
        return lock
    session.commit()
    user = get_user_by_email(session, email)
    if user is None:
        password_hash.verify(password, _DUMMY_HASH)
        return None
    if not (verify_password(user, password) and user.is_active):
        return None
    attempt.succeeded = True
    user.last_login_at = utcnow()
    session.commit()
    return user


def _token_digest(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough to keep them unusable at rest.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new named token; the clear token is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise UserError("a token needs a name of 1 to 100 characters")
    existing = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.name == name)
    if session.scalars(existing).first() is not None:
        raise UserError(f"you already have a token named '{name}'")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_token_digest(clear), prefix=clear[:10])
    session.add(token)
    session.commit()
    return token, clear


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
    return list(session.scalars(stmt))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise UserError("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
    return token


def token_for(session: Session, clear: str) -> ApiToken | None:
    """The live token (its owner active) that `clear` is, noting that it was used."""
    stmt = select(ApiToken).where(ApiToken.token_hash == _token_digest(clear.strip()))
    token = session.scalars(stmt).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = utcnow()
    session.commit()
    return token
