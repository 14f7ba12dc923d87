"""Where a problem with an input is, and what it says: the one mapping from a location in an
input (pydantic's `loc`, such as `("parties", 1)`) to the form field that shows it
(`party-2`, with the form's row numbers) and to the API's JSON path (`parties[1]`).

Services that refuse an input for a reason only the database knows (an unknown organization)
locate their messages the same way, so both outputs name the same place.
"""

from dataclasses import dataclass, field

from pydantic import ValidationError
from pydantic_core import ErrorDetails

Loc = tuple[int | str, ...]
WHOLE = "__all__"  # the name of a problem with the input as a whole (Django's)
SOURCE_FIELDS = ("url", "archived_url", "publisher", "title", "published_on", "tier", "quote")
# How a length message names a field (`The title is 301 characters — at most 300`).
_NOUNS = {
    "organization": "The organization name",
    "url": "The link",
    "archived_url": "The archived copy's link",
    "confidence_note": "The note",
    "aliases": "An alias",
}
# Lists whose items are rows of the form, and the rows' prefix (`party-2`, `hardware-0`).
_ROWS = {"parties": "party", "hardware": "hardware"}
_FORM_NAMES = {"deal_types": "deal_type"}


class InputErrors(dict[Loc, list[str]]):
    """Messages by their location in the input, in the order they were found."""

    def add(self, loc: Loc, message: str) -> None:
        self.setdefault(loc, []).append(message)

    @classmethod
    def of(cls, exc: ValidationError, *, within: Loc = ()) -> "InputErrors":
        """The messages of a pydantic error; `within` is dropped from the front of each
        location (FastAPI's `("body",)`)."""
        errors = cls()
        for error in exc.errors():
            loc = tuple(error["loc"])
            errors.add(loc[len(within) :] if loc[: len(within)] == within else loc, message(error))
        return errors


class FormErrors(dict[str, list[str]]):
    """Messages by form field name, as the templates show them beside each field."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def message(error: ErrorDetails) -> str:
    """Our wording for pydantic's own checks where we had one; its message otherwise."""
    if error["type"] == "string_too_long":
        limit = int(error.get("ctx", {}).get("max_length", 0))
        named = [part for part in error["loc"] if isinstance(part, str)]
        noun = _NOUNS.get(named[-1], f"The {named[-1].replace('_', ' ')}") if named else "It"
        return f"{noun} is {len(str(error['input'])):,} characters — at most {limit:,}"
    return error["msg"]


@dataclass(frozen=True)
class FormNaming:
    """How one form names the places of its input: `rows` holds, for each list of rows, the
    form row each item came from (blank rows are skipped when reading); `prefix` is the prefix
    of a form whose input is a single source (`added_publisher`)."""

    rows: dict[str, list[int]] = field(default_factory=dict)
    prefix: str = ""

    def name(self, loc: Loc) -> str:
        if not loc:
            return WHOLE
        head, rest = str(loc[0]), loc[1:]
        if head in _ROWS and rest and isinstance(rest[0], int):
            rows = self.rows.get(head)
            row = rows[rest[0]] if rows and rest[0] < len(rows) else rest[0]
            return f"{_ROWS[head]}-{row}"
        if head in ("source", "relay"):
            return f"{head}_{rest[0] if rest else 'publisher'}"
        if self.prefix and head in SOURCE_FIELDS:
            return f"{self.prefix}_{head}"
        return _FORM_NAMES.get(head, head)

    def errors(self, errors: InputErrors) -> FormErrors:
        named = FormErrors()
        for loc, messages in errors.items():
            for text in messages:
                named.add(self.name(loc), text)
        return named


def api_path(loc: Loc) -> str:
    """`("parties", 1, "role")` → `parties[1].role`; `()` → `__all__`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or WHOLE


def api_errors(errors: InputErrors) -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for loc, messages in errors.items():
        named.setdefault(api_path(loc), []).extend(messages)
    return named
