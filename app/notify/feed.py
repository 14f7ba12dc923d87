"""A user's private Atom feed of their notifications, at a secret, revocable URL."""

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from app.models import Notification


def notification_feed(
    notes: list[Notification], *, self_url: str, html_url: str, deal_url_prefix: str
) -> bytes:
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title("What changed in what you follow — Compute Deal Tracker")
    feed.author({"name": "Compute Deal Tracker"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=html_url, rel="alternate", type="text/html")
    feed.updated(max((n.created_at for n in notes), default=datetime.now(UTC)))
    for note in notes:
        entry = feed.add_entry(order="append")
        link = f"{deal_url_prefix}{note.deal_id}" if note.deal_id else html_url
        entry.id(f"{html_url}#notification-{note.id}")
        entry.title(f"{note.title} (via {note.reason})")
        entry.link(href=link, rel="alternate", type="text/html")
        entry.updated(note.created_at)
        entry.published(note.created_at)
        entry.content(note.summary, type="text")
    body: bytes = feed.atom_str(pretty=True)
    return body
