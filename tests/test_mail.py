"""Mail to followers against a real SMTP server on 127.0.0.1 (aiosmtpd): instant mails and
digests arrive once each; while the server is down changes keep being recorded, and when it is
back what was owed arrives once."""

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.domain.vocabulary import EmailState
from app.models import Deal, Notification, User, utcnow
from app.notify.mail import SmtpSettings, deliver, retry_after
from tests.factories import make_deal


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: SmtpSession, envelope: Envelope
    ) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        self.messages.append(message_from_bytes(content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSettings, Controller]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="deals@example.org", timeout=3)
    yield inbox, settings, controller
    with contextlib.suppress(AssertionError):  # already stopped by the test
        controller.stop()


def _user(session: Session, email: str, mode: str) -> User:
    user = create_user(session, email, "a long password 1", "viewer")
    user.email_mode = mode
    session.commit()
    return user


def _follow(session: Session, user: User, deal: Deal) -> None:
    from app.services.follows import follow

    follow(session, user, "deal", deal.id)


def _edit(session: Session, deal: Deal, title: str) -> None:
    deal.title = title
    session.commit()


def test_instant_and_digest_mails_arrive_once_each(
    session: Session, smtp: tuple[Inbox, SmtpSettings, Controller]
) -> None:
    inbox, settings, _ = smtp
    deal = make_deal(session, "Cluster")
    session.commit()
    instant = _user(session, "instant@example.org", "instant")
    digest = _user(session, "digest@example.org", "digest")
    quiet = _user(session, "quiet@example.org", "off")
    for user in (instant, digest, quiet):
        _follow(session, user, deal)
    _edit(session, deal, "Cluster, 2 GW")
    _edit(session, deal, "Cluster, 3 GW")

    now = utcnow()
    done = deliver(session, settings, now)
    assert (done.instant, done.digests, done.failed) == (2, 1, 0)
    assert len(inbox.to("instant@example.org")) == 2
    (mail,) = inbox.to("digest@example.org")
    assert mail["Subject"] == "2 changes in what you follow"
    body = mail.get_payload(decode=True).decode()
    assert (
        "title: Cluster → Cluster, 2 GW" in body and "title: Cluster, 2 GW → Cluster, 3 GW" in body
    )
    assert inbox.to("quiet@example.org") == []

    # Again: nothing more. A new change: one more instant mail, the digest waits a day.
    assert deliver(session, settings, now + timedelta(minutes=1)).instant == 0
    _edit(session, deal, "Cluster, 4 GW")
    done = deliver(session, settings, now + timedelta(hours=1))
    assert (done.instant, done.digests) == (1, 0)
    done = deliver(session, settings, now + timedelta(days=1, minutes=1))
    assert (done.instant, done.digests) == (0, 1)
    assert len(inbox.to("instant@example.org")) == 3
    assert len(inbox.to("digest@example.org")) == 2
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(set(ids))
    states = session.scalars(select(Notification.email_state)).all()
    assert set(states) == {EmailState.SENT, EmailState.NONE}


def test_with_the_server_down_changes_are_kept_and_sent_once_when_it_is_back(
    session: Session, smtp: tuple[Inbox, SmtpSettings, Controller]
) -> None:
    inbox, settings, controller = smtp
    deal = make_deal(session, "Campus")
    session.commit()
    instant = _user(session, "instant@example.org", "instant")
    digest = _user(session, "digest@example.org", "digest")
    for user in (instant, digest):
        _follow(session, user, deal)
    controller.stop()

    _edit(session, deal, "Campus, phase 1")
    now = utcnow()
    done = deliver(session, settings, now)
    assert done.failed == 2 and (done.instant, done.digests) == (0, 0)
    _edit(session, deal, "Campus, phase 2")  # recorded while mail is down
    note = session.scalars(select(Notification).order_by(Notification.id)).first()
    assert note is not None and note.email_attempts == 1 and note.email_error
    assert note.email_due_at is not None and note.email_due_at >= now + retry_after(1)
    # Down for a while: each round backs off further.
    assert deliver(session, settings, now + timedelta(minutes=1)).failed >= 1

    restarted = Controller(inbox, hostname="127.0.0.1", port=settings.port)
    restarted.start()
    try:
        later = now + timedelta(hours=2)
        done = deliver(session, settings, later)
        assert (done.instant, done.digests, done.failed) == (2, 1, 0)
        assert deliver(session, settings, later + timedelta(minutes=5)).instant == 0
    finally:
        restarted.stop()
    subjects = [m["Subject"] for m in inbox.to("instant@example.org")]
    assert subjects == ["Changed: Campus, phase 1", "Changed: Campus, phase 2"]
    (digest_mail,) = inbox.to("digest@example.org")
    assert digest_mail["Subject"] == "2 changes in what you follow"
    pending = session.scalars(
        select(Notification).where(Notification.email_state == EmailState.PENDING)
    ).all()
    assert pending == []


def test_deals_notify_refuses_to_start_without_an_smtp_host(tmp_path: Path) -> None:
    env = {**os.environ, "SMTP_HOST": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    deals = Path(sys.executable).parent / "deals"
    done = subprocess.run(
        [str(deals), "notify", "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "SMTP_HOST is not set" in done.stderr
