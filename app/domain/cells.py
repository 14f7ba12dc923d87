"""The deal CSV: its columns and the lists packed inside its cells.

Export, import and the demo data all read and write cells through these functions, so that
export → import → export gives the same rows.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow

from app.domain.dates import PartialDate, PartialDateError, parse_optional
from app.domain.vocabulary import SourceTier, values

COLUMNS = (
    "id",
    "title",
    "status",
    "confidence",
    "deal_types",
    "parties",
    "hardware",
    "hardware_types",
    "value_usd",
    "value_qualifier",
    "capacity_mw",
    "chips",
    "first_reported_on",
    "announced_on",
    "region",
    "sources",
    "url",
)
# After DESIGN's columns, every other field of a deal, so that a round trip loses nothing.
# `version` is the deal's version when exported; an import refuses to update a deal that has
# changed since.
MORE_COLUMNS = (
    "summary",
    "confidence_note",
    "capacity_qualifier",
    "chips_qualifier",
    "term_start",
    "term_end",
    "notes",
    "version",
)
ALL_COLUMNS = (*COLUMNS, *MORE_COLUMNS)


class CellError(ValueError):
    """A cell that does not follow the documented format; the message says how."""


@dataclass(frozen=True)
class PartyCell:
    organization: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class HardwareCell:
    hardware: str
    chips: int | None


@dataclass(frozen=True)
class SourceCell:
    publisher: str
    tier: str
    published: PartialDate | None
    url: str | None
    relays: str | None  # the URL, or else the publisher, of the story this one repeats
    archived_url: str | None = None  # a saved copy of the page (an archive is no publisher)


def split_list(cell: str) -> list[str]:
    """Split `a; b (c; d); e` on semicolons outside parentheses, dropping blanks."""
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in cell:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char == ";" and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


_PARTY = re.compile(r"^(?P<name>.+?)\s*\((?P<roles>[^()]*)\)$")


def parse_parties(cell: str) -> list[PartyCell]:
    parties = []
    for item in split_list(cell):
        match = _PARTY.match(item)
        if not match:
            raise CellError(f"'{item}' should read 'Organization (role, role)'")
        roles = tuple(r.strip() for r in match["roles"].split(",") if r.strip())
        if not roles:
            raise CellError(f"'{item}' names no role")
        parties.append(PartyCell(match["name"].strip(), roles))
    return parties


def format_parties(parties: list[PartyCell]) -> str:
    return "; ".join(f"{p.organization} ({', '.join(p.roles)})" for p in parties)


_CHIPS = re.compile(r"^(?P<name>.+?)\s*\((?P<chips>[\d,_ ]+)\)$")


def parse_hardware(cell: str) -> list[HardwareCell]:
    lines = []
    for item in split_list(cell):
        match = _CHIPS.match(item)
        if match:
            chips = int(re.sub(r"[,_ ]", "", match["chips"]))
            lines.append(HardwareCell(match["name"].strip(), chips))
        else:
            lines.append(HardwareCell(item, None))
    return lines


def format_hardware(lines: list[HardwareCell]) -> str:
    return "; ".join(
        line.hardware if line.chips is None else f"{line.hardware} ({line.chips})" for line in lines
    )


_TIERS = "|".join(values(SourceTier))
_SOURCE = re.compile(
    rf"^(?P<publisher>.+?) \((?P<tier>{_TIERS})(?:, (?P<date>[^)]+))?\)"
    r"(?: <(?P<url>[^>]*)>)?(?: archived <(?P<archived>[^>]*)>)?(?: relays (?P<relays>.+))?$"
)


def parse_sources(cell: str) -> list[SourceCell]:
    sources = []
    for line in cell.splitlines():
        line = line.strip()
        if not line:
            continue
        match = _SOURCE.match(line)
        if not match:
            raise CellError(
                f"'{line}' should read 'Publisher (tier, date) <url>' with tier one of "
                f"{', '.join(values(SourceTier))}"
            )
        try:
            published = parse_optional(match["date"])
        except PartialDateError as exc:
            raise CellError(f"source '{match['publisher']}': {exc}") from exc
        relays = match["relays"]
        if relays and relays.startswith("<") and relays.endswith(">"):
            relays = relays[1:-1]
        sources.append(
            SourceCell(
                publisher=match["publisher"].strip(),
                tier=match["tier"],
                published=published,
                url=match["url"] or None,
                relays=relays.strip() if relays else None,
                archived_url=match["archived"] or None,
            )
        )
    return sources


def format_source(source: SourceCell) -> str:
    published = "" if source.published is None else str(source.published)
    return source_line(
        source.publisher, source.tier, published, source.url, source.relays, source.archived_url
    )


def source_line(
    publisher: str,
    tier: str,
    published: str,
    url: str | None,
    relays: str | None,
    archived_url: str | None = None,
) -> str:
    """One line of a sources cell, `published` already as text (blank when unknown):
    `Publisher (tier, date) <url> archived <copy> relays <what it repeats>`."""
    text = f"{publisher} ({tier}, {published})" if published else f"{publisher} ({tier})"
    if url:
        text += f" <{url}>"
    if archived_url:
        text += f" archived <{archived_url}>"
    if relays:
        text += (
            f" relays <{relays}>"
            if relays.startswith(("http://", "https://"))
            else (f" relays {relays}")
        )
    return text


def format_sources(sources: list[SourceCell]) -> str:
    return "\n".join(format_source(s) for s in sources)


MAX_AMOUNT = Decimal(10) ** 18  # beyond any deal, and within the databases' 64-bit integers
_SUFFIX_EXPONENTS = {"K": 3, "M": 6, "B": 9, "T": 12}
LONGEST_AMOUNT = 50  # characters: more is no amount anyone writes
# Scaling by a suffix is exact: amounts are at most 50 characters long, far below 100 digits.
_EXACT = Context(prec=100, traps=[Inexact, InvalidOperation, Overflow])


def parse_amount(text: str) -> Decimal | None:
    """`500M`, `2.01B`, `1.2T`, `2,500` or `250000000` → the exact number; blank → None.

    Decimal, never float: `2.01B` is 2,010,000,000 and not 2,009,999,999.
    """
    cleaned = text.strip().replace(",", "").replace("_", "").replace("$", "")
    if not cleaned:
        return None
    exponent = _SUFFIX_EXPONENTS.get(cleaned[-1].upper(), 0)
    number = cleaned[:-1].rstrip() if exponent else cleaned
    try:
        value = Decimal(number)
        if not value.is_finite() or len(cleaned) > LONGEST_AMOUNT:
            raise InvalidOperation
        if value < 0:
            raise CellError(f"'{text}' must be a non-negative number")
        if value and value.adjusted() + exponent > 18:  # too large to scale, or to store
            raise CellError(f"'{text}' is implausibly large")
        value = value.scaleb(exponent, _EXACT)
    except ArithmeticError:  # not a number, or a fraction too fine to hold exactly
        raise CellError(
            f"'{text}' is not an amount — expected a number such as 250000000, 500M or 10B"
        ) from None
    if value > MAX_AMOUNT:
        raise CellError(f"'{text}' is implausibly large")
    return value


def parse_whole(text: str, unit: str = "") -> int | None:
    """An amount that counts whole things (dollars, chips); a fraction is refused, not rounded."""
    value = parse_amount(text)
    if value is None:
        return None
    if value != value.to_integral_value():
        of = f" of {unit}" if unit else ""
        raise CellError(f"'{text}' is not a whole number{of}")
    return int(value)


# Formula neutralisation. A spreadsheet runs a cell starting with one of these as a formula
# (CSV injection), so export prefixes such a cell with `'`. So that import can undo it exactly,
# a cell that is already `'`s followed by one of them gets one more `'`: neutralise() adds one
# quote to every cell matching ^'*[trigger] and unneutralise() removes one from ^'+[trigger].
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_RISKY_FIRST = frozenset((*FORMULA_TRIGGERS, "'"))
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """The cell with a leading `'` if a spreadsheet would run it as a formula; reversible."""
    if cell and cell[0] in _RISKY_FIRST and _FORMULA.match(cell):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    """Undo neutralise(): what import reads back from every cell of an exported file."""
    if cell[:1] == "'" and _NEUTRALISED.match(cell):
        return cell[1:]
    return cell


def date_cell(start: date | str | None, precision: str | None) -> str:
    """A stored partial date (start of period, precision) as exported: `2026-05`, `2026-Q2`.

    `start` may be a date or its ISO text (as SQLite's driver returns it).
    """
    if start is None:
        return ""
    iso = start if isinstance(start, str) else start.isoformat()
    if precision == "day":
        return iso
    if precision == "month":
        return iso[:7]
    if precision == "quarter":
        return f"{iso[:4]}-Q{(int(iso[5:7]) + 2) // 3}"
    return iso[:4]


def number_cell(value: float | None) -> str:
    """An exact number with no float noise: 230.0 → `230`, 1.5 → `1.5`, None → blank."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
