"""The kinds of value a record accepts, each with its limit and its message, declared once.

A field's type says everything about it: how typed text is cleaned, its length limit (which
the OpenAPI schema states and tests/test_inputs.py checks against the column it is written
to), and the sentence an analyst reads when it is wrong. Messages are raised as
PydanticCustomError so they reach the form and the API unchanged.
"""

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.domain.cells import LONGEST_AMOUNT, MAX_AMOUNT, CellError, parse_amount, parse_whole
from app.domain.dates import PartialDate, PartialDateError
from app.domain.vocabulary import label, values

MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_NAME = 200
MAX_SLUG = 200  # an organization's or hardware model's slug, with its `-2` suffix
MAX_ID = 2_147_483_647  # the largest id (and page number) the database's integer holds
MAX_URL = 2000
MAX_WEBSITE = 500
MAX_SOURCE_TITLE = 500
MAX_FAMILY = 100
# The length of text that must be given: at least a character (blank is refused with a
# message), at most what its column holds.
REQUIRED_TITLE = StringConstraints(min_length=1, max_length=MAX_TITLE)
REQUIRED_NAME = StringConstraints(min_length=1, max_length=MAX_NAME)
# The fewest deal types and organizations a deal has (checked with a message; the schema
# states them as minItems).
MIN_DEAL_TYPES = 1
MIN_PARTIES = 2
# A partial date as the API writes and documents it (the parser also takes `2026-q2`).
PARTIAL_DATE_PATTERN = (
    r"^(19\d{2}|2[01]\d{2}|2200)(-(Q[1-4]|(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?))?$"
)
PARTIAL_DATE_HELP = (
    "A partial date at its precision: `2026-05-21`, `2026-05`, `2026-Q2` or `2026` "
    "(years 1900 to 2200)."
)
# A web link (http or https, either case), as the server checks it and the schema states it.
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*$"
_URL = re.compile(URL_PATTERN)


class Input(BaseModel):
    """An input: a field nobody declared is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


def refuse(kind: str, message: str) -> PydanticCustomError:
    """An error whose message is shown as written (no template fields are filled in)."""
    return PydanticCustomError(kind, message)


def clean(value: Any) -> Any:
    """Text stripped and without NUL characters (nobody types them; Postgres refuses them).

    A lone surrogate (possible in JSON, never in a form) is refused: no driver can store it.
    """
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise refuse(
                "string_unicode", "the text holds a character that is not valid Unicode"
            ) from None
    return value.strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def required(message: str) -> Callable[[Any], Any]:
    """A before-validator for text that must be given; `message` says what is missing."""

    def check(value: Any) -> Any:
        value = clean(value)
        if _is_blank(value):
            raise refuse("required", message)
        return value

    return check


def optional(value: Any) -> Any:
    """A before-validator for text that may be left blank (blank is None)."""
    value = clean(value)
    return None if _is_blank(value) else value


LongText = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None, BeforeValidator(optional)
]
OptionalName = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_NAME)] | None, BeforeValidator(optional)
]


# Choices from a vocabulary ------------------------------------------------------------------


def choice_problem(enum: type[StrEnum], what: str, value: str) -> str | None:
    """The message for a value outside the vocabulary (or none chosen); None when it is in."""
    allowed = values(enum)
    if value in allowed:
        return None
    if not value:
        return f"choose a {what}"
    return f"{what}: '{value}' is not one of {', '.join(label(v) for v in allowed)}"


def chosen(enum: type[StrEnum], what: str, *, blank: bool = False) -> Callable[[Any], Any]:
    """A before-validator for one value of `enum`, kept as its text; `what` names it in
    messages. With `blank`, nothing chosen is None."""

    def check(value: Any) -> Any:
        value = clean(value)
        if blank and _is_blank(value):
            return None
        if not isinstance(value, str) and value is not None:
            return value  # not text: the type check says so
        problem = choice_problem(enum, what, value or "")
        if problem:
            raise refuse("choice", problem)
        return value

    return check


def one_of(enum: type[StrEnum]) -> Any:
    """The vocabulary as the schema states it."""
    allowed: list[JsonValue] = [*values(enum)]
    return Field(json_schema_extra={"enum": allowed})


# Links and dates ------------------------------------------------------------------------------


def link_text(max_length: int) -> StringConstraints:
    """An optional web link's text as the schema states it (blank is none); `web_link` checks
    it with a message."""
    return StringConstraints(max_length=max_length, pattern=f"^$|{URL_PATTERN}")


def web_link(value: Any) -> Any:
    """A before-validator for an http(s) address, or blank (None). The scheme is kept in lower
    case (`HTTP://` is the same link), as the databases' checks expect it."""
    value = optional(value)
    if not isinstance(value, str) or len(value) > MAX_URL:
        return value
    if not _URL.match(value):
        raise refuse(
            "url", f"'{value[:80]}' is not a web link — only http:// and https:// are accepted"
        )
    scheme, rest = value.split("://", 1)
    return f"{scheme.lower()}://{rest}"


_DATE_SCHEMA = {"type": "string", "pattern": PARTIAL_DATE_PATTERN, "examples": ["2026-05"]}


def _date(value: Any, *, needed: bool) -> PartialDate | None:
    if isinstance(value, PartialDate):
        return value
    if _is_blank(value):
        if needed:
            raise refuse("required", "a date is needed: 2026-05-21, 2026-05, 2026-Q2 or 2026")
        return None
    if not isinstance(value, str):
        raise refuse("partial_date", "a date is written as text: 2026-05-21, 2026-05, 2026-Q2")
    try:
        return PartialDate.parse(value)
    except PartialDateError as exc:
        raise refuse("partial_date", str(exc)) from None


def _date_text(value: PartialDate | None) -> str | None:
    return None if value is None else str(value)


RequiredDate = Annotated[
    PartialDate,
    PlainValidator(lambda v: _date(v, needed=True)),
    PlainSerializer(_date_text, return_type=str),
    WithJsonSchema({**_DATE_SCHEMA, "description": PARTIAL_DATE_HELP}),
]
OptionalDate = Annotated[
    PartialDate | None,
    PlainValidator(lambda v: _date(v, needed=False)),
    PlainSerializer(_date_text, return_type=str | None),
    # Blank is none, as in a form.
    WithJsonSchema(
        {
            "anyOf": [_DATE_SCHEMA, {"type": "string", "maxLength": 0}, {"type": "null"}],
            "description": PARTIAL_DATE_HELP,
        }
    ),
]


# Amounts: exact, from text such as `2.01B` or from JSON numbers -------------------------------


def _amount_text(value: Any) -> str | None:
    """A JSON number or typed text as the text of an amount; None when blank."""
    if isinstance(value, bool):
        raise refuse("amount", f"'{value}' is not an amount")
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    value = clean(value)
    if _is_blank(value):
        return None
    if not isinstance(value, str):
        raise refuse("amount", "an amount is a number, or text such as 500M or 10B")
    return value


def _whole(unit: str) -> Callable[[Any], int | None]:
    def read(value: Any) -> int | None:
        text = _amount_text(value)
        try:
            return None if text is None else parse_whole(text, unit)
        except CellError as exc:
            raise refuse("amount", str(exc)) from None

    return read


def _decimal_float(value: Any) -> float | None:
    """A measure such as megawatts: read exactly, kept as the nearest float (no noise)."""
    text = _amount_text(value)
    try:
        amount = None if text is None else parse_amount(text)
    except CellError as exc:
        raise refuse("amount", str(exc)) from None
    return None if amount is None else float(amount)


_AMOUNT_HELP = (
    "A non-negative number, or text such as `500M`, `2.01B`, `2,500` (K, M, B and T "
    "multiply by a thousand, million, billion and trillion)."
)
_AMOUNT_TEXT = {"type": "string", "maxLength": LONGEST_AMOUNT}


def _amount_schema(number: str, description: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": number, "minimum": 0, "maximum": int(MAX_AMOUNT)},
                _AMOUNT_TEXT,
                {"type": "null"},
            ],
            "description": description,
        }
    )


Dollars = Annotated[
    int | None,
    BeforeValidator(_whole("dollars")),
    _amount_schema("integer", _AMOUNT_HELP + " Whole US dollars."),
]
ChipCount = Annotated[
    int | None,
    BeforeValidator(_whole("chips")),
    _amount_schema("integer", _AMOUNT_HELP + " A whole number of chips."),
]
Megawatts = Annotated[
    float | None,
    BeforeValidator(_decimal_float),
    _amount_schema("number", _AMOUNT_HELP + " Megawatts (1 GW = 1000)."),
]


def or_null(schema: dict[str, Any]) -> None:
    """The schema of a list that null also stands for (empty, by `none_as_empty`)."""
    inner = dict(schema)
    schema.clear()
    schema["anyOf"] = [inner, {"type": "null"}]


def none_as_empty(value: Any) -> Any:
    """A list sent as null (or a form's nothing) is an empty list."""
    return [] if value is None else value


def as_id(text: str) -> int | None:
    """An id (or any count the database holds as an integer) written in ASCII digits, or None:
    `²` (a digit to `str.isdigit`), 5,000 digits and anything past MAX_ID name nothing."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
        return None
    number = int(text)
    return number if number <= MAX_ID else None
