"""The one filter object shared by the table, the timeline, CSV, feeds and the API.

`DealFilters.from_query()` reads a query string once, by the declarations of a registry
(app/filters/registry.py); a bad value raises FilterError naming the value and what was
expected. Repeating a parameter means OR; different parameters AND.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from app.filters.problems import Problems
from app.filters.registry import FILTERS, Registry


class DealFilters:
    """The value of every filter of `registry` (its default when not given), read as
    attributes: `f.status`, `f.reported_from`. Immutable; the methods return changed copies."""

    __slots__ = ("registry", "raw", "_values")
    registry: Registry
    raw: Mapping[str, str]
    _values: dict[str, Any]

    def __init__(
        self, *, registry: Registry = FILTERS, raw: Mapping[str, str] | None = None, **given: Any
    ) -> None:
        unknown = sorted(set(given) - set(registry.by_name))
        if unknown:
            raise TypeError(f"no such filter: {', '.join(unknown)}")
        object.__setattr__(self, "registry", registry)
        # What was typed, for writing it back as typed (e.g. "10B" rather than 10000000000).
        object.__setattr__(self, "raw", dict(raw or {}))
        values = {flt.name: given.get(flt.name, flt.default) for flt in registry}
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no filter named {name!r}") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("DealFilters is immutable; use its methods for a changed copy")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DealFilters):
            return NotImplemented
        return self.registry is other.registry and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        changed = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if v != self._default(k))
        return f"DealFilters({changed})"

    @classmethod
    def from_query(
        cls,
        params: Iterable[tuple[str, str]],
        *,
        registry: Registry = FILTERS,
        refused: Mapping[str, str] | None = None,
        blanks: bool = True,
    ) -> "DealFilters":
        """Parse query-string pairs; blank values count as absent (as a form sends them), or
        with `blanks=False` are refused (the API's schema has no blank value). `refused` maps
        parameters a page does not take to the message a value for one gets. FilterError if
        bad."""
        refused = refused or {}
        given: dict[str, list[str]] = {}
        raw: dict[str, str] = {}
        errors = Problems()
        for name, typed in params:
            value = typed.strip()
            if name in refused:
                if value:
                    errors.add(name, refused[name])
            elif name not in registry:
                known = ", ".join(sorted(registry.by_name))
                errors.add(name, f"unknown filter '{name}' — expected one of {known}")
            elif not value:
                if not blanks:
                    errors.add(name, f"'{name}' is empty: give it a value or leave it out")
                continue
            elif "\x00" in value:  # no database takes it, and nobody means it
                errors.add(name, f"'{name}' holds a NUL character")
            elif registry[name].multiple:
                if value not in given.setdefault(name, []):
                    given[name].append(value)
            elif name in raw and raw[name] != value:
                errors.add(name, f"'{name}' was given twice ('{raw[name]}', '{value}')")
            else:
                raw[name] = value
        values: dict[str, Any] = {}
        for flt in registry:
            typed_in = tuple(given.get(flt.name, ())) if flt.multiple else raw.get(flt.name)
            values[flt.name] = flt.parse(typed_in, errors)
        for flt in registry:
            flt.check(values, errors)
        errors.raise_if_any()
        return cls(registry=registry, raw=raw, **values)

    def _default(self, name: str) -> Any:
        return self.registry[name].default

    @property
    def sort(self) -> str:
        return str(self._values["sort"])

    @property
    def page(self) -> int:
        return int(self._values["page"])

    @property
    def per_page(self) -> int:
        return int(self._values["per_page"])

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def sort_descending(self) -> bool:
        return self.sort.startswith("-")

    def value(self, name: str) -> Any:
        return self._values[name]

    def pairs(self, *, paging: bool = True) -> list[tuple[str, str]]:
        """The query-string pairs that reproduce this view (defaults left out)."""
        return [
            pair
            for flt in self.registry
            if paging or not flt.paging
            for pair in flt.pairs(self._values[flt.name], self.raw)
        ]

    def query_string(self, *, paging: bool = True) -> str:
        return urlencode(self.pairs(paging=paging))

    def is_filtered(self) -> bool:
        """True when anything narrows the deals (sort and paging do not)."""
        return any(name != "sort" for name, _ in self.pairs(paging=False))

    def _replace(self, **changes: Any) -> "DealFilters":
        raw = {k: v for k, v in self.raw.items() if k not in changes}
        return DealFilters(registry=self.registry, raw=raw, **{**self._values, **changes})

    def toggled(self, name: str, value: str) -> "DealFilters":
        """This view with `value` added to or removed from a list filter, back on page 1."""
        current: tuple[str, ...] = self._values[name]
        new = tuple(v for v in current if v != value) if value in current else (*current, value)
        return self._replace(**{name: new, "page": 1})

    def without(self, name: str) -> "DealFilters":
        """This view with a filter removed, back on page 1."""
        return self._replace(**{name: self._default(name), "page": 1})

    def sorted_by(self, key: str) -> "DealFilters":
        """Sort by `key`; asking for the current key again flips the direction."""
        if self.sort_key == key:
            sort = key if self.sort_descending else f"-{key}"
        else:
            sort = self.registry.sort.first_direction(key)
        return self._replace(sort=sort, page=1)

    def searching(self, text: str) -> "DealFilters":
        """This view searching for `text` instead, back on page 1."""
        return self._replace(q=text, page=1)

    def on_page(self, page: int) -> "DealFilters":
        return self._replace(page=page)

    def with_preset(self, **presets: tuple[str, ...]) -> "DealFilters":
        return self._replace(**presets)
