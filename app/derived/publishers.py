"""Who is credited with a deal's first report: publishers grouped by one key, and the order
in which a deal's sources count as first (see app/queries/sources.py for the track records)."""

from datetime import date

from app.domain.dates import PartialDate, Precision


def publisher_key(publisher: str) -> str:
    return publisher.strip().lower()


Order = tuple[int, date, int, int]


def first_report_order(published_on: date | None, precision: str | None, source_id: int) -> Order:
    if published_on is None or precision is None:
        return (1, date.max, 0, source_id)
    start, rank = PartialDate(published_on, Precision(precision)).sort_key()
    return (0, start, rank, source_id)


def tier_rank(tier: str, relays_id: int | None) -> int:
    """Which sources are credited first: a party's own words or original reporting (0), then
    secondary summaries (1), then relays and sources repeating another (2)."""
    if relays_id is not None or tier == "relay":
        return 2
    return 1 if tier == "secondary" else 0
