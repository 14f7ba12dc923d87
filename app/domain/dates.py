"""Partial dates: a report may say `2026-05-21`, `2026-05`, `2026-Q2` or just `2026`.

A partial date is stored as the first day of its period plus its precision, so that sorting
and range filters can use the start while every page and export shows exactly what was entered.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class Precision(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    DAY = "day"


_RANK = {Precision.YEAR: 0, Precision.QUARTER: 1, Precision.MONTH: 2, Precision.DAY: 3}


def precision_rank(precision: Precision) -> int:
    """0 for a year … 3 for a day: the second element of `PartialDate.sort_key`."""
    return _RANK[precision]


_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<quarter>[Qq][1-4])|(?P<month>\d{2})(?:-(?P<day>\d{2}))?))?$"
)
EXPECTED_FORMS = "YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY"


class PartialDateError(ValueError):
    """Text that is not a real partial date; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    start: date
    precision: Precision

    def __post_init__(self) -> None:
        precision = Precision(self.precision)
        object.__setattr__(self, "precision", precision)
        aligned = _period_start(self.start, precision)
        if aligned != self.start:
            raise PartialDateError(
                f"{self.start.isoformat()} is not the first day of its {precision.value}"
            )

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """Read `2026-05-21`, `2026-05`, `2026-Q2` or `2026`; PartialDateError otherwise."""
        cleaned = text.strip()
        match = _PATTERN.match(cleaned)
        if not match:
            raise PartialDateError(f"'{text}' is not a date — expected {EXPECTED_FORMS}")
        year = int(match["year"])
        if year < 1900 or year > 2200:
            raise PartialDateError(f"'{text}' has an implausible year — expected 1900 to 2200")
        if match["quarter"]:
            quarter = int(match["quarter"][1])
            return cls(date(year, 3 * quarter - 2, 1), Precision.QUARTER)
        if match["month"]:
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise PartialDateError(f"'{text}' has no month {month:02d} — months run 01 to 12")
            if match["day"]:
                day = int(match["day"])
                last = calendar.monthrange(year, month)[1]
                if not 1 <= day <= last:
                    raise PartialDateError(
                        f"'{text}' is not a real day — {calendar.month_name[month]} {year} "
                        f"has {last} days"
                    )
                return cls(date(year, month, day), Precision.DAY)
            return cls(date(year, month, 1), Precision.MONTH)
        return cls(date(year, 1, 1), Precision.YEAR)

    @classmethod
    def from_date(cls, value: date) -> "PartialDate":
        return cls(value, Precision.DAY)

    @property
    def end(self) -> date:
        """The last day of the period."""
        return self.next_start - timedelta(days=1)

    @property
    def next_start(self) -> date:
        """The first day after the period."""
        start, precision = self.start, self.precision
        if precision is Precision.DAY:
            return start + timedelta(days=1)
        months = {Precision.MONTH: 1, Precision.QUARTER: 3, Precision.YEAR: 12}[precision]
        month_index = start.month - 1 + months
        return date(start.year + month_index // 12, month_index % 12 + 1, 1)

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    def __str__(self) -> str:
        """The canonical text, as entered and exported: `2026-05`, `2026-Q2`, …"""
        start = self.start
        if self.precision is Precision.DAY:
            return start.isoformat()
        if self.precision is Precision.MONTH:
            return f"{start.year:04d}-{start.month:02d}"
        if self.precision is Precision.QUARTER:
            return f"{start.year:04d}-Q{self.quarter}"
        return f"{start.year:04d}"

    @property
    def label(self) -> str:
        """How a person writes it: `21 May 2026`, `May 2026`, `Q2 2026`, `2026`."""
        start = self.start
        if self.precision is Precision.DAY:
            return f"{start.day} {calendar.month_abbr[start.month]} {start.year}"
        if self.precision is Precision.MONTH:
            return f"{calendar.month_abbr[start.month]} {start.year}"
        if self.precision is Precision.QUARTER:
            return f"Q{self.quarter} {start.year}"
        return str(start.year)

    def sort_key(self) -> tuple[date, int]:
        return (self.start, precision_rank(self.precision))

    def __lt__(self, other: "PartialDate") -> bool:
        return self.sort_key() < other.sort_key()

    def __composite_values__(self) -> tuple[Any, ...]:
        return (self.start, self.precision.value)


def _period_start(value: date, precision: Precision) -> date:
    if precision is Precision.DAY:
        return value
    if precision is Precision.MONTH:
        return value.replace(day=1)
    if precision is Precision.QUARTER:
        return date(value.year, 3 * ((value.month - 1) // 3) + 1, 1)
    return date(value.year, 1, 1)


def parse_optional(text: str | None) -> PartialDate | None:
    """Blank means no date; anything else must parse."""
    if text is None or not text.strip():
        return None
    return PartialDate.parse(text)
