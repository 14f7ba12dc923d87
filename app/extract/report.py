"""A report given as text or as a link, read into a draft: what the page, the API and the
command share."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.config import Settings
from app.extract.draft import Draft
from app.extract.fetch import fetch_article
from app.extract.matches import extract_article

MAX_TEXT = 200_000


class NothingToRead(ValueError):
    """Neither text nor a link was given, or the text is too long."""


@dataclass
class Report:
    """What was read (the text as pasted or as taken from the page) and its draft."""

    text: str
    url: str | None
    publisher: str | None
    published_on: date | None
    draft: Draft


def read_report(
    session: Session,
    settings: Settings,
    *,
    text: str | None,
    url: str | None = None,
    publisher: str | None = None,
    published_on: date | None = None,
) -> Report:
    """Draft the report: the pasted text, or the article at `url` when no text is given (its
    publisher and date fill in what was not given). Raises NothingToRead, FetchRefused or
    FetchFailed."""
    text = (text or "").strip()
    url = (url or "").strip() or None
    publisher = (publisher or "").strip() or None
    if not text and url:
        fetched = fetch_article(url, settings)
        text = fetched.text
        url = fetched.url
        publisher = publisher or fetched.publisher
        published_on = published_on or fetched.published_on
    if not text:
        raise NothingToRead("Paste the article's text, or give its link.")
    if len(text) > MAX_TEXT:
        raise NothingToRead(f"The text is {len(text):,} characters: at most {MAX_TEXT:,}.")
    draft = extract_article(session, text, publisher=publisher, published_on=published_on, url=url)
    return Report(text=text, url=url, publisher=publisher, published_on=published_on, draft=draft)
