"""Accounts: passwords are hashed with argon2 and never kept in clear."""

from pwdlib import PasswordHash
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import User
from app.vocabulary import UserRole

password_hash = PasswordHash.recommended()
MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


def get_user_by_email(session: Session, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return session.scalars(stmt).first()


def create_user(session: Session, email: str, password: str, role: str) -> User:
    email = email.strip()
    if "@" not in email or len(email) > 320:
        raise UserError(f"'{email}' is not an email address")
    if role not in set(UserRole):
        raise UserError(f"unknown role '{role}' — expected one of viewer, analyst, admin")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if get_user_by_email(session, email) is not None:
        raise UserError(f"a user with the email {email} already exists")
    user = User(email=email, password_hash=password_hash.hash(password), role=role)
    session.add(user)
    session.commit()
    return user


def verify_password(user: User, password: str) -> bool:
    return password_hash.verify(password, user.password_hash)
