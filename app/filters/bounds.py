"""The two kinds of bound: a partial date and an amount of US dollars, each checked against
the bound it pairs with (`reported_to` may not precede `reported_from`)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.cells import CellError, parse_whole
from app.domain.dates import PartialDate, PartialDateError
from app.domain.formatting import money_label
from app.filters.kinds import Condition, Filter, Records
from app.filters.problems import Problems
from app.inputs.types import PARTIAL_DATE_PATTERN

MAX_AMOUNT = 10**18  # beyond any deal, and within the databases' 64-bit integers
_AMOUNT = r"^[0-9]+(\.[0-9]+)?[KMBT]?$"


@dataclass(frozen=True)
class DateBound(Filter):
    """A partial date, matched by `condition(date)`; `after` names the bound it may not precede."""

    condition: Callable[[PartialDate], Condition]
    after: str = ""

    def parse(self, raw: Any, problems: Problems) -> PartialDate | None:
        if raw is None:
            return None
        try:
            return PartialDate.parse(raw)
        except PartialDateError as exc:
            problems.add(self.name, f"{self.name}: {exc}")
            return None

    def check(self, values: Mapping[str, Any], problems: Problems) -> None:
        value, low = values[self.name], values.get(self.after)
        if value is not None and low is not None and value.next_start <= low.start:
            problems.add(self.name, f"{self.name} {value} is before {self.after} {low}")

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": PARTIAL_DATE_PATTERN, "examples": ["2026-05"]}

    def where(self, value: PartialDate | None, records: Records, dialect: str) -> Condition | None:
        return None if value is None else self.condition(value)

    def chips(self, value: PartialDate | None, records: Records) -> list[tuple[str, str | None]]:
        return [] if value is None else [(f"{self.label} {value.label}", None)]


@dataclass(frozen=True)
class AmountBound(Filter):
    """US dollars as typed (`500M`, `10B`), matched by `condition(amount)`; `after` names the
    bound it may not be below."""

    condition: Callable[[int], Condition]
    after: str = ""

    def parse(self, raw: Any, problems: Problems) -> int | None:
        if raw is None:
            return None
        try:
            amount = parse_whole(raw)
        except CellError as exc:
            problems.add(self.name, f"{self.name}: {exc} (US dollars)")
            return None
        if amount is not None and amount > MAX_AMOUNT:
            problems.add(self.name, f"{self.name}: '{raw}' is implausibly large")
        return amount

    def check(self, values: Mapping[str, Any], problems: Problems) -> None:
        value, low = values[self.name], values.get(self.after)
        if value is not None and low is not None and value < low:
            problems.add(self.name, f"{self.name} is below {self.after}")

    def pairs(self, value: int | None, raw: Mapping[str, str]) -> list[tuple[str, str]]:
        """What was typed ("10B" rather than 10000000000), so the URL reads as it was written."""
        return [] if value is None else [(self.name, raw.get(self.name) or str(value))]

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": _AMOUNT}

    def where(self, value: int | None, records: Records, dialect: str) -> Condition | None:
        return None if value is None else self.condition(value)

    def chips(self, value: int | None, records: Records) -> list[tuple[str, str | None]]:
        return [] if value is None else [(f"{self.label} {money_label(value)}", None)]
