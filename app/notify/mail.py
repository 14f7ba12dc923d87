"""Mail for followers: each notification instantly, or a daily digest, by `deals notify`.

The outbox is the `notification` table (written in the change's transaction, app/notify/
outbox.py): a row with `email_state = 'pending'` is owed to its user. `deliver()` sends what is
due and marks it sent in its own commit right after the SMTP server accepts it; if the server
cannot be reached or refuses, the row stays pending with `email_attempts + 1` and is tried again
after a growing wait (30 s, 1 min, 2 min… at most an hour). Changes keep being recorded while the
server or the worker is down, and nothing is lost: the rows wait. On Postgres the rows a worker
sends are locked (`FOR UPDATE SKIP LOCKED`), so two workers never send the same mail. Each
message carries a Message-ID made from the notification's id (or the digest's first and last),
so in the one window left — the server accepted, the worker died before its commit — the resent
copy has the same Message-ID.

Mail is off unless `SMTP_HOST` is set; users choose instant, digest or none on their account page.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from app.domain.vocabulary import EmailMode, EmailState
from app.models import Notification, User, utcnow

log = logging.getLogger(__name__)
BATCH = 100
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
DIGEST_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "deals@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0
    site_url: str = "http://127.0.0.1:8000"


@dataclass
class Delivered:
    instant: int = 0
    digests: int = 0
    failed: int = 0
    dropped: int = 0


def retry_after(attempts: int) -> timedelta:
    """The wait before try number `attempts + 1`."""
    wait: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(wait, LAST_RETRY)


def _locked(session: Session, stmt: Select[Notification]) -> list[Notification]:
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Notification)
    return list(session.scalars(stmt))


def _deal_url(settings: SmtpSettings, note: Notification) -> str:
    return f"{settings.site_url.rstrip('/')}/deals/{note.deal_id}" if note.deal_id else ""


def _note_text(settings: SmtpSettings, note: Notification) -> str:
    lines = [f"{note.title} (via {note.reason})", *(f"  {x}" for x in note.summary.splitlines())]
    if url := _deal_url(settings, note):
        lines.append(f"  {url}")
    return "\n".join(lines)


def _message(settings: SmtpSettings, to: str, subject: str, body: str, key: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    domain = settings.sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{key}@{domain}>"
    footer = f"\n\n-- \nWhat you follow: {settings.site_url.rstrip('/')}/following\n"
    message.set_content(body + footer)
    return message


def _send(settings: SmtpSettings, messages: list[EmailMessage]) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        for message in messages:
            smtp.send_message(message)


def _failed(session: Session, notes: list[Notification], error: Exception, now: datetime) -> None:
    for note in notes:
        note.email_attempts += 1
        note.email_due_at = now + retry_after(note.email_attempts)
        note.email_error = f"{type(error).__name__}: {error}"[:500]
    session.commit()


def _drop_unwanted(session: Session) -> int:
    """Pending rows of users who no longer take mail (or are deactivated) are not owed."""
    unwanted = select(User.id).where(or_(User.email_mode == EmailMode.OFF, ~User.is_active))
    result = session.execute(
        update(Notification)
        .where(Notification.email_state == EmailState.PENDING, Notification.user_id.in_(unwanted))
        .values(email_state=EmailState.NONE)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def deliver_instant(session: Session, settings: SmtpSettings, now: datetime) -> Delivered:
    done = Delivered()
    stmt = (
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.email_state == EmailState.PENDING,
            User.email_mode == EmailMode.INSTANT,
            or_(Notification.email_due_at.is_(None), Notification.email_due_at <= now),
        )
        .order_by(Notification.id)
        .limit(BATCH)
    )
    for note in _locked(session, stmt):
        user = session.get_one(User, note.user_id)
        message = _message(
            settings,
            user.email,
            f"Changed: {note.title}",
            _note_text(settings, note),
            f"notification-{note.id}",
        )
        try:
            _send(settings, [message])
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail to %s failed: %s", user.email, exc)
            _failed(session, [note], exc, now)
            done.failed += 1
            break  # the server is down or refusing: the rest wait for the next round
        note.email_state = EmailState.SENT
        note.emailed_at = now
        note.email_error = None
        session.commit()
        done.instant += 1
    session.commit()
    return done


def deliver_digests(session: Session, settings: SmtpSettings, now: datetime) -> Delivered:
    done = Delivered()
    last_due = now - DIGEST_EVERY
    users = select(User.id).where(
        User.email_mode == EmailMode.DIGEST,
        User.is_active,
        or_(User.digest_sent_at.is_(None), User.digest_sent_at <= last_due),
    )
    owed = select(Notification.user_id).where(
        Notification.email_state == EmailState.PENDING,
        Notification.user_id.in_(users),
        or_(Notification.email_due_at.is_(None), Notification.email_due_at <= now),
    )
    for user_id in list(session.scalars(owed.distinct())):
        stmt = (
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.email_state == EmailState.PENDING,
            )
            .order_by(Notification.id)
        )
        notes = _locked(session, stmt)
        if not notes:
            session.commit()
            continue
        user = session.get_one(User, user_id)
        count = len(notes)
        body = "\n\n".join(_note_text(settings, n) for n in notes)
        message = _message(
            settings,
            user.email,
            f"{count} change{'s' if count != 1 else ''} in what you follow",
            body,
            f"digest-{notes[0].id}-{notes[-1].id}",
        )
        try:
            _send(settings, [message])
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("digest to %s failed: %s", user.email, exc)
            _failed(session, notes, exc, now)
            done.failed += 1
            break
        for note in notes:
            note.email_state = EmailState.SENT
            note.emailed_at = now
            note.email_error = None
        user.digest_sent_at = now
        session.commit()
        done.digests += 1
    session.commit()
    return done


def deliver(session: Session, settings: SmtpSettings, now: datetime | None = None) -> Delivered:
    """One round: drop what nobody wants, send the instant mails due, then the digests due."""
    now = now or utcnow()
    dropped = _drop_unwanted(session)
    instant = deliver_instant(session, settings, now)
    digests = deliver_digests(session, settings, now)
    return Delivered(instant.instant, digests.digests, instant.failed + digests.failed, dropped)
