"""The Atom feed of status events: the latest steps of the deals the filters match.

One entry per status event, newest first (effective date, then when it was recorded), linking
to the deal, so an analyst can subscribe to "anything involving Microsoft and Maia".
"""

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.domain.vocabulary import label
from app.models import StatusEvent
from app.queries.deals import ResolvedFilters, deal_conditions
from app.queries.facets import filter_chips

FEED_LIMIT = 50
# Every Atom answer says its encoding, so no reader has to guess it.
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
FEED_TITLE = "Compute Deal Tracker: status changes"


def feed_events(
    session: Session, rf: ResolvedFilters, *, limit: int = FEED_LIMIT
) -> list[StatusEvent]:
    """The latest status events of the filtered deals (deleted deals left out), newest first."""
    stmt = (
        select(StatusEvent)
        .join(StatusEvent.deal)
        .where(*deal_conditions(rf))
        .options(contains_eager(StatusEvent.deal), joinedload(StatusEvent.source))
        .order_by(
            StatusEvent.effective_on.desc(),
            StatusEvent.recorded_at.desc(),
            StatusEvent.id.desc(),
        )
        .limit(limit)
    )
    return list(session.scalars(stmt))


def feed_title(rf: ResolvedFilters) -> str:
    """The feed's title names its filters: `… status changes — Party: Microsoft`."""
    chips = filter_chips(rf, lambda _: "")
    if not chips:
        return f"{FEED_TITLE} — all deals"
    return f"{FEED_TITLE} — " + " · ".join(chip.label for chip in chips)


def build_feed(
    events: list[StatusEvent],
    *,
    title: str,
    self_url: str,
    html_url: str,
    deal_url_prefix: str,
) -> bytes:
    """The Atom document; `deal_url_prefix` + a deal id is the deal's page."""
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.author({"name": "Compute Deal Tracker"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=html_url, rel="alternate", type="text/html")
    feed.updated(max((e.recorded_at for e in events), default=datetime.now(UTC)))
    for event in events:
        deal_url = f"{deal_url_prefix}{event.deal_id}"
        entry = feed.add_entry(order="append")
        entry.id(f"{deal_url}#status-event-{event.id}")
        entry.title(f"{label(event.status)}: {event.deal.title}")
        entry.link(href=deal_url, rel="alternate", type="text/html")
        entry.updated(event.recorded_at)
        entry.published(event.recorded_at)
        entry.category(term=event.status, label=label(event.status))
        entry.content(_content(event), type="html")
    body: bytes = feed.atom_str(pretty=True)
    return body


def _content(event: StatusEvent) -> str:
    """The step in words: status, date at its own precision, source, note (all escaped)."""
    parts = [
        Markup("<p>{status}, effective {label} (<time>{date}</time>).</p>").format(
            status=label(event.status), label=event.effective.label, date=str(event.effective)
        )
    ]
    source = event.source
    if source is not None:
        publisher = (
            Markup('<a href="{url}">{publisher}</a>').format(
                url=source.url, publisher=source.publisher
            )
            if source.url
            else Markup("{publisher}").format(publisher=source.publisher)
        )
        parts.append(
            Markup("<p>Source: {publisher} ({tier})</p>").format(
                publisher=publisher, tier=label(source.tier)
            )
        )
    if event.note:
        parts.append(Markup("<p>{note}</p>").format(note=event.note))
    return str(Markup("").join(parts))
