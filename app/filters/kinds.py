"""The kinds of filter a registry entry can be (django-filter's Filter classes, in small).

A kind knows how its values are read from a query string and checked, written back into one,
described to OpenAPI, shown on a chip and counted in a facet; the SQL condition and the facet's
statement come from the declaration (app/filters/registry.py).
"""

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Executable
from sqlalchemy.orm import Session

from app.domain.vocabulary import label as word_for
from app.filters.problems import Problems
from app.models import Hardware, Organization

Condition = ColumnElement[bool]
FacetRow = tuple[str, str, int]  # the value, what it reads as, how many deals
Records = Mapping[str, Any]  # slug → the record it names
Lookup = type[Organization] | type[Hardware]  # what a slug filter's slugs name


@dataclass(frozen=True)
class Field:
    """The filter's input in the filter form: its label, the heading it sits under, a hint."""

    label: str
    group: str = ""
    placeholder: str = ""
    inputmode: str = ""


@dataclass(frozen=True)
class Facet:
    """Counts beside the table. `count` turns the other filters' conditions into a grouped
    statement: (value, count) rows, or (slug, name, count) rows with the most deals first,
    of which the first `limit` are shown."""

    count: Callable[[list[Condition]], Executable]
    title: str = ""
    limit: int | None = None


@dataclass(frozen=True)
class Filter:
    """What every kind declares; the methods say what the kind does with its values."""

    name: str
    _: KW_ONLY
    label: str  # the chip's title, as in "Status: Rumored"
    help: str  # OpenAPI's description and the command line's --help
    field: Field | None = None
    facet: Facet | None = None
    flags: tuple[str, ...] = ()  # more names for the command-line option

    multiple: ClassVar[bool] = False  # repeatable; repeating means OR
    paging: ClassVar[bool] = False  # exports and feeds hold every match, so they skip it

    @property
    def default(self) -> Any:
        return None

    def parse(self, raw: Any, problems: Problems) -> Any:
        """The value of what was typed: a tuple of texts if repeatable, else a text or None."""
        return raw

    def check(self, values: Mapping[str, Any], problems: Problems) -> None:
        """Problems between this filter's value and another's (a bound below its partner)."""

    def pairs(self, value: Any, raw: Mapping[str, str]) -> list[tuple[str, str]]:
        """The query-string pairs that give `value` back; none for the default."""
        return [] if value == self.default else [(self.name, str(value))]

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}

    def description(self) -> str:
        return self.help

    def where(self, value: Any, records: Records, dialect: str) -> Condition | None:
        """The SQL condition of a value other than the default; None when it sets none."""
        return None

    def chips(self, value: Any, records: Records) -> list[tuple[str, str | None]]:
        """(text, the value its × removes, or None for the whole filter) per active value."""
        return []

    def options(self) -> list[tuple[str, str]]:
        """The choices of its select in the form, the default's value left blank."""
        return []

    def facet_rows(self, session: Session, conditions: list[Condition]) -> list[FacetRow]:
        return []

    def facet_shown(self, rows: list[FacetRow], selected: tuple[str, ...]) -> list[FacetRow]:
        return rows


@dataclass(frozen=True)
class Text(Filter):
    """Free text, matched by `condition(text, database dialect)`."""

    condition: Callable[[str, str], Condition | None]
    max_length: int = 200

    @property
    def default(self) -> str:
        return ""

    def parse(self, raw: Any, problems: Problems) -> str:
        text = raw or ""
        if len(text) > self.max_length:
            problems.add(
                self.name,
                f"the {self.label.lower()} text is {len(text)} characters — at most "
                f"{self.max_length}",
            )
        return str(text)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length}

    def where(self, value: str, records: Records, dialect: str) -> Condition | None:
        return self.condition(value, dialect) if value else None

    def chips(self, value: str, records: Records) -> list[tuple[str, str | None]]:
        return [(f"{self.label}: “{value}”", None)] if value else []


@dataclass(frozen=True)
class Many(Filter):
    """Values that may repeat (OR)."""

    multiple: ClassVar[bool] = True

    @property
    def default(self) -> tuple[str, ...]:
        return ()

    def parse(self, raw: Any, problems: Problems) -> tuple[str, ...]:
        return tuple(raw or ())

    def pairs(self, value: tuple[str, ...], raw: Mapping[str, str]) -> list[tuple[str, str]]:
        return [(self.name, item) for item in value]

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}}

    def description(self) -> str:
        return f"{self.help}; repeat for OR."


@dataclass(frozen=True)
class Choice(Many):
    """Values from a vocabulary, matched by `condition(values)`."""

    vocabulary: list[str]
    condition: Callable[[tuple[str, ...]], Condition]

    def parse(self, raw: Any, problems: Problems) -> tuple[str, ...]:
        values = tuple(raw or ())
        for value in values:
            if value not in self.vocabulary:
                problems.add(
                    self.name,
                    f"unknown {self.name.replace('_', ' ')} '{value}' — expected one of "
                    f"{', '.join(self.vocabulary)}",
                )
        return values

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": self.vocabulary}}

    def description(self) -> str:
        return f"{self.help} Repeat for OR: {', '.join(self.vocabulary)}."

    def where(self, value: tuple[str, ...], records: Records, dialect: str) -> Condition | None:
        return self.condition(value) if value else None

    def chips(self, value: tuple[str, ...], records: Records) -> list[tuple[str, str | None]]:
        return [(f"{self.label}: {word_for(item)}", item) for item in value]

    def facet_rows(self, session: Session, conditions: list[Condition]) -> list[FacetRow]:
        if self.facet is None:
            return []
        counts = {value: count for value, count in session.execute(self.facet.count(conditions))}
        return [(v, word_for(v), counts[v]) for v in self.vocabulary if v in counts]

    def facet_shown(self, rows: list[FacetRow], selected: tuple[str, ...]) -> list[FacetRow]:
        """Every value with deals, and the selected ones without, in the vocabulary's order."""
        counts = {value: count for value, _, count in rows}
        return [
            (v, word_for(v), counts.get(v, 0))
            for v in self.vocabulary
            if counts.get(v, 0) or v in selected
        ]


@dataclass(frozen=True)
class Slugs(Many):
    """Records named by slug, matched by `condition(their ids)`; resolved against `model`."""

    condition: Callable[[list[int]], Condition]
    model: ClassVar[Lookup]

    def unknown(self, slug: str) -> str:
        raise NotImplementedError

    def where(self, value: tuple[str, ...], records: Records, dialect: str) -> Condition | None:
        return self.condition([records[slug].id for slug in value]) if value else None

    def chips(self, value: tuple[str, ...], records: Records) -> list[tuple[str, str | None]]:
        return [(f"{self.label}: {records[slug].name}", slug) for slug in value]

    def facet_rows(self, session: Session, conditions: list[Condition]) -> list[FacetRow]:
        if self.facet is None:
            return []
        rows = session.execute(self.facet.count(conditions))
        return [(slug, name, count) for slug, name, count in rows]

    def facet_shown(self, rows: list[FacetRow], selected: tuple[str, ...]) -> list[FacetRow]:
        """The first `limit` (most deals), and any selected one further down."""
        limit = self.facet.limit if self.facet and self.facet.limit else len(rows)
        return [row for i, row in enumerate(rows) if i < limit or row[0] in selected]


@dataclass(frozen=True)
class Organizations(Slugs):
    """Organization slugs; `noun` is what an unknown one is called in the message."""

    noun: str = "organization"
    model: ClassVar[Lookup] = Organization

    def unknown(self, slug: str) -> str:
        return (
            f"unknown {self.noun} '{slug}' in '{self.name}' — expected an organization slug "
            "such as 'microsoft' (see /organizations)"
        )


@dataclass(frozen=True)
class AllOrganizations(Organizations):
    """Organization slugs that must all be parties of a deal: repeating means AND."""

    def description(self) -> str:
        return f"{self.help}; repeat for AND: deals involving every one of them."


@dataclass(frozen=True)
class HardwareModels(Slugs):
    """Hardware model slugs."""

    model: ClassVar[Lookup] = Hardware

    def unknown(self, slug: str) -> str:
        return (
            f"unknown hardware '{slug}' — expected a hardware slug such as 'h100' (see /hardware)"
        )
