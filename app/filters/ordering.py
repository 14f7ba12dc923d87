"""The two kinds of table parameter that order and page the deals rather than narrow them."""

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, UnaryExpression
from sqlalchemy.orm import InstrumentedAttribute

from app.filters.kinds import Filter
from app.filters.problems import Problems


@dataclass(frozen=True)
class SortKey:
    """A column to sort by, with what each direction reads as in the form. `nullable` columns
    put their empty values last; `ascending_first` keys (titles) start A–Z when chosen."""

    key: str
    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    descending: str
    ascending: str
    ascending_first: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Sort(Filter):
    """One key, with a leading '-' for descending."""

    keys: tuple[SortKey, ...]
    standard: str

    @property
    def default(self) -> str:
        return self.standard

    @property
    def names(self) -> list[str]:
        return [sort_key.key for sort_key in self.keys]

    def parse(self, raw: Any, problems: Problems) -> str:
        value = str(raw or self.standard)
        if value.removeprefix("-") not in self.names:
            problems.add(
                self.name,
                f"unknown sort '{value}' — expected one of {', '.join(self.names)}, "
                "with a leading '-' for descending",
            )
        return value

    def schema(self) -> dict[str, Any]:
        choices = [f"{prefix}{key}" for key in self.names for prefix in ("", "-")]
        return {"type": "string", "enum": choices, "default": self.standard}

    def options(self) -> list[tuple[str, str]]:
        out = []
        for k in self.keys:
            pairs = [(f"-{k.key}", k.descending), (k.key, k.ascending)]
            for value, text in reversed(pairs) if k.ascending_first else pairs:
                out.append(("" if value == self.standard else value, text))
        return out

    def first_direction(self, key: str) -> str:
        """The order a key starts in when it is chosen: largest and newest first, titles A–Z."""
        chosen = next(k for k in self.keys if k.key == key)
        return key if chosen.ascending_first else f"-{key}"

    def order_by(self, value: str) -> UnaryExpression[Any]:
        """The ORDER BY term of `value`. NULLS LAST is said only for columns that can be
        empty: on the others it would stop Postgres from reading an index backwards (which
        gives NULLS FIRST) for a descending sort."""
        chosen = next(k for k in self.keys if k.key == value.removeprefix("-"))
        ordered = chosen.column.desc() if value.startswith("-") else chosen.column.asc()
        return ordered.nulls_last() if chosen.nullable else ordered


@dataclass(frozen=True)
class Paging(Filter):
    """A whole number from 1 to `maximum`; `choices` are the form's."""

    start: int
    maximum: int
    choices: tuple[int, ...] = ()
    paging: ClassVar[bool] = True

    @property
    def default(self) -> int:
        return self.start

    def parse(self, raw: Any, problems: Problems) -> int:
        if raw is None:
            return self.start
        text = str(raw)
        # ASCII digits only ("²".isdigit() is true but int() refuses it), and few enough for int().
        plain = text.isascii() and text.isdigit() and len(text) <= 18
        if not plain or not 1 <= int(text) <= self.maximum:
            shown = text if len(text) <= 30 else text[:30] + "…"
            problems.add(
                self.name,
                f"{self.name} '{shown}' is not allowed — expected a whole number from 1 to "
                f"{self.maximum}",
            )
            return self.start
        return int(text)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": self.maximum, "default": self.start}

    def options(self) -> list[tuple[str, str]]:
        return [("" if n == self.start else str(n), str(n)) for n in self.choices]
