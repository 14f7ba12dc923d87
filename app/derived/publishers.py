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
