"""The one filter object shared by the table, the timeline, CSV, feeds and the API.

`DealFilters.from_query()` reads a query string once; a bad value raises FilterError naming the
value and what was expected. Repeating a parameter means OR; different parameters AND.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlencode

from app.domain.cells import CellError, parse_whole
from app.domain.dates import PartialDate, PartialDateError
from app.domain.vocabulary import Confidence, DealType, HardwareType, Status, values

SORT_KEYS = ("reported", "value", "capacity", "updated", "title")
DEFAULT_SORT = "-reported"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000  # keeps the row offset a size every database takes
MAX_AMOUNT = 10**18  # beyond any deal, and within the databases' 64-bit integers
MAX_Q_LENGTH = 200

# Multi-valued parameters checked against a vocabulary, and those naming a record by slug.
VOCABULARY_PARAMS: dict[str, list[str]] = {
    "status": values(Status),
    "hardware_type": values(HardwareType),
    "deal_type": values(DealType),
    "confidence": values(Confidence),
}
ORGANIZATION_PARAMS = ("party", "customer", "provider", "vendor")
HARDWARE_PARAMS = ("hardware",)
LIST_PARAMS = (*VOCABULARY_PARAMS, *ORGANIZATION_PARAMS, *HARDWARE_PARAMS)
SCALAR_PARAMS = (
    "q", "reported_from", "reported_to", "min_value", "max_value", "sort", "page", "per_page",
)  # fmt: skip
KNOWN_PARAMS = frozenset((*LIST_PARAMS, *SCALAR_PARAMS))


class FilterError(ValueError):
    """Bad filter values; `messages` holds one clear sentence per problem, and `params` the
    same sentences under the query parameter each is about (the API's 422 names them)."""

    def __init__(self, messages: list[str], params: dict[str, list[str]] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.params = params or {}


class Problems(list[str]):
    """Messages in order, each also kept under the parameter it is about."""

    def __init__(self) -> None:
        super().__init__()
        self.by_param: dict[str, list[str]] = {}

    def add(self, param: str, message: str) -> None:
        self.append(message)
        self.by_param.setdefault(param, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise FilterError(list(self), self.by_param)


@dataclass(frozen=True)
class DealFilters:
    q: str = ""
    status: tuple[str, ...] = ()
    party: tuple[str, ...] = ()
    customer: tuple[str, ...] = ()
    provider: tuple[str, ...] = ()
    hardware: tuple[str, ...] = ()
    hardware_type: tuple[str, ...] = ()
    vendor: tuple[str, ...] = ()
    deal_type: tuple[str, ...] = ()
    confidence: tuple[str, ...] = ()
    reported_from: PartialDate | None = None
    reported_to: PartialDate | None = None
    min_value: int | None = None
    max_value: int | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # What was typed, for echoing back in forms (e.g. "10B" rather than 10000000000).
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_query(cls, params: Iterable[tuple[str, str]]) -> "DealFilters":
        """Parse query-string pairs; blank values count as absent. FilterError if bad."""
        lists: dict[str, list[str]] = {name: [] for name in LIST_PARAMS}
        scalars: dict[str, str] = {}
        errors = Problems()
        for name, raw_value in params:
            value = raw_value.strip()
            if name not in KNOWN_PARAMS:
                errors.add(
                    name,
                    f"unknown filter '{name}' — expected one of {', '.join(sorted(KNOWN_PARAMS))}",
                )
            elif not value:
                continue
            elif "\x00" in value:  # no database takes it, and nobody means it
                errors.add(name, f"'{name}' holds a NUL character")
            elif name in lists:
                if value not in lists[name]:
                    lists[name].append(value)
            elif name in scalars and scalars[name] != value:
                errors.add(name, f"'{name}' was given twice ('{scalars[name]}', '{value}')")
            else:
                scalars[name] = value
        for name, allowed in VOCABULARY_PARAMS.items():
            for value in lists[name]:
                if value not in allowed:
                    errors.add(
                        name,
                        f"unknown {name.replace('_', ' ')} '{value}' — expected one of "
                        f"{', '.join(allowed)}",
                    )
        parsed: dict[str, Any] = {name: tuple(items) for name, items in lists.items()}
        parsed["raw"] = dict(scalars)
        q = scalars.get("q", "")
        if len(q) > MAX_Q_LENGTH:
            errors.add("q", f"the search text is {len(q)} characters — at most {MAX_Q_LENGTH}")
        parsed["q"] = q
        for name in ("reported_from", "reported_to"):
            if name in scalars:
                try:
                    parsed[name] = PartialDate.parse(scalars[name])
                except PartialDateError as exc:
                    errors.add(name, f"{name}: {exc}")
        for name in ("min_value", "max_value"):
            if name in scalars:
                try:
                    amount = parse_whole(scalars[name])
                    parsed[name] = amount
                except CellError as exc:
                    errors.add(name, f"{name}: {exc} (US dollars)")
                else:
                    if amount is not None and amount > MAX_AMOUNT:
                        errors.add(name, f"{name}: '{scalars[name]}' is implausibly large")
        sort = scalars.get("sort", DEFAULT_SORT)
        if sort.removeprefix("-") not in SORT_KEYS:
            errors.add(
                "sort",
                f"unknown sort '{sort}' — expected one of {', '.join(SORT_KEYS)}, "
                "with a leading '-' for descending",
            )
        parsed["sort"] = sort
        parsed["page"] = _positive_int(scalars, "page", 1, MAX_PAGE, errors)
        parsed["per_page"] = _positive_int(
            scalars, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, errors
        )
        result = cls(**parsed)
        if (
            result.reported_from
            and result.reported_to
            and result.reported_to.next_start <= result.reported_from.start
        ):
            errors.add(
                "reported_to",
                f"reported_to {result.reported_to} is before reported_from {result.reported_from}",
            )
        if (
            result.min_value is not None
            and result.max_value is not None
            and result.max_value < result.min_value
        ):
            errors.add("max_value", "max_value is below min_value")
        errors.raise_if_any()
        return result

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def sort_descending(self) -> bool:
        return self.sort.startswith("-")

    def pairs(self, *, paging: bool = True) -> list[tuple[str, str]]:
        """The query-string pairs that reproduce this view (defaults left out)."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for name in LIST_PARAMS:
            out.extend((name, value) for value in getattr(self, name))
        for name in ("reported_from", "reported_to"):
            value = getattr(self, name)
            if value is not None:
                out.append((name, str(value)))
        for name in ("min_value", "max_value"):
            value = getattr(self, name)
            if value is not None:
                out.append((name, self.raw.get(name) or str(value)))
        if self.sort != DEFAULT_SORT:
            out.append(("sort", self.sort))
        if paging:
            if self.per_page != DEFAULT_PER_PAGE:
                out.append(("per_page", str(self.per_page)))
            if self.page != 1:
                out.append(("page", str(self.page)))
        return out

    def query_string(self, *, paging: bool = True) -> str:
        return urlencode(self.pairs(paging=paging))

    def is_filtered(self) -> bool:
        """True when anything narrows the deals (sort and paging do not)."""
        return any(name != "sort" for name, _ in self.pairs(paging=False))

    def toggled(self, name: str, value: str) -> "DealFilters":
        """This view with `value` added to or removed from a list filter, back on page 1."""
        current: tuple[str, ...] = getattr(self, name)
        new = tuple(v for v in current if v != value) if value in current else (*current, value)
        changes: dict[str, Any] = {name: new, "page": 1}
        return replace(self, **changes)

    def without(self, name: str) -> "DealFilters":
        """This view with a scalar filter removed, back on page 1."""
        changes: dict[str, Any] = {
            name: {f.name: f.default for f in fields(self)}[name],
            "raw": {k: v for k, v in self.raw.items() if k != name},
            "page": 1,
        }
        return replace(self, **changes)

    def sorted_by(self, key: str) -> "DealFilters":
        """Sort by `key`; asking for the current key again flips the direction."""
        if self.sort_key == key:
            sort = key if self.sort_descending else f"-{key}"
        else:
            sort = f"-{key}" if key in ("reported", "value", "capacity", "updated") else key
        return replace(self, sort=sort, page=1)

    def on_page(self, page: int) -> "DealFilters":
        return replace(self, page=page)

    def with_preset(self, **presets: tuple[str, ...]) -> "DealFilters":
        changes: dict[str, Any] = dict(presets)
        return replace(self, **changes)


def _positive_int(
    scalars: dict[str, str], name: str, default: int, maximum: int | None, errors: Problems
) -> int:
    if name not in scalars:
        return default
    raw = scalars[name]
    limit = f" from 1 to {maximum}" if maximum else " of 1 or more"
    # ASCII digits only ("²".isdigit() is true but int() refuses it), and few enough for int().
    plain = raw.isascii() and raw.isdigit() and len(raw) <= 18
    if not plain or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        shown = raw if len(raw) <= 30 else raw[:30] + "…"
        errors.add(name, f"{name} '{shown}' is not allowed — expected a whole number{limit}")
        return default
    return int(raw)
