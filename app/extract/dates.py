"""Dates as a report writes them, at the precision it gives: "May 21, 2026" is a day, "last
month" a month, "on Tuesday" the Tuesday on or before the publication date. Relative dates need
that date; without it they are left unresolved."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from app.domain.dates import PartialDate, Precision

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = {
    "monday": MO,
    "tuesday": TU,
    "wednesday": WE,
    "thursday": TH,
    "friday": FR,
    "saturday": SA,
    "sunday": SU,
}
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_PATTERNS = (
    ("iso", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("day", rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"),
    ("day", rf"\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?\b"),
    ("month", rf"\b{_MONTH}\s+\d{{4}}\b"),
    ("month", rf"\b(?:in|since|from|during|by|until|early|late|mid-)\s*{_MONTH}(?=[\s,.;]|$)"),
    ("quarter", r"\bQ[1-4]\s+\d{4}\b"),
    ("quarter", r"\b(?:first|second|third|fourth) quarter(?: of)?(?: \d{4})?\b"),
    ("weekday", r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"),
    (
        "relative",
        r"\b(?:yesterday|today|last week|last month|last year|"
        r"(?:earlier |later )?this (?:month|year))\b",
    ),
)
_FINDER = re.compile("|".join(f"(?P<{kind}{i}>{p})" for i, (kind, p) in enumerate(_PATTERNS)))


@dataclass(frozen=True)
class FoundDate:
    value: PartialDate
    start: int
    end: int


def find_dates(text: str, base: date | None) -> list[FoundDate]:
    """The dates a sentence states that can be placed, in order."""
    found = []
    for m in _FINDER.finditer(text):
        kind = (m.lastgroup or "").rstrip("0123456789")
        value = _resolve(kind, m.group(), base)
        if value is not None:
            found.append(FoundDate(value, m.start(), m.end()))
    return found


def _resolve(kind: str, text: str, base: date | None) -> PartialDate | None:
    if kind == "weekday":
        if base is None:
            return None
        weekday = _WEEKDAYS[text.lower()]
        return PartialDate.from_date(base + relativedelta(weekday=weekday(-1)))
    if kind == "relative":
        return None if base is None else _relative(text.lower(), base)
    if kind == "quarter":
        return _quarter(text, base)
    has_year = bool(re.search(r"\d{4}", text))
    if not has_year and base is None:
        return None
    cleaned = re.sub(r"^(?:in|since|from|during|by|until|early|late|mid-)\s*", "", text)
    default = datetime(base.year if base else 2000, 1, 1)
    try:
        parsed = date_parser.parse(cleaned, default=default).date()
    except (ValueError, OverflowError):
        return None
    if not has_year and base is not None and parsed > base + timedelta(days=7):
        parsed = parsed.replace(year=parsed.year - 1)  # "on May 21", read in January
    if kind in ("day", "iso"):
        return PartialDate.from_date(parsed)
    return PartialDate(parsed.replace(day=1), Precision.MONTH)


def _relative(text: str, base: date) -> PartialDate | None:
    if text == "today":
        return PartialDate.from_date(base)
    if text == "yesterday":
        return PartialDate.from_date(base - timedelta(days=1))
    if text == "last week":
        monday = base + relativedelta(weekday=MO(-1), weeks=-1)
        sunday = monday + timedelta(days=6)
        if (monday.year, monday.month) != (sunday.year, sunday.month):
            return None  # a week across two months has no precision we can store
        return PartialDate(monday.replace(day=1), Precision.MONTH)
    if text == "last month":
        return PartialDate((base - relativedelta(months=1)).replace(day=1), Precision.MONTH)
    if text == "last year":
        return PartialDate(date(base.year - 1, 1, 1), Precision.YEAR)
    if text.endswith("month"):
        return PartialDate(base.replace(day=1), Precision.MONTH)
    return PartialDate(date(base.year, 1, 1), Precision.YEAR)


def _quarter(text: str, base: date | None) -> PartialDate | None:
    year_found = re.search(r"\d{4}", text)
    if year_found is None and base is None:
        return None
    year = int(year_found.group()) if year_found else base.year  # type: ignore[union-attr]
    ordinal = re.match(r"(first|second|third|fourth)", text)
    quarter = _ORDINAL[ordinal.group(1)] if ordinal else int(text[1])
    return PartialDate(date(year, 3 * quarter - 2, 1), Precision.QUARTER)
