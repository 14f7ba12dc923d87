"""The numbers a report states: a value in dollars, a capacity in MW or GW, a count of chips,
each with the qualifier its words give ("up to", "about", "more than")."""

import re
from dataclasses import dataclass

from app.domain.cells import CellError, parse_amount
from app.domain.vocabulary import Qualifier

_QUALIFIERS = {
    Qualifier.UP_TO: ("up to", "as many as", "as much as"),
    Qualifier.ESTIMATED: (
        "about",
        "around",
        "roughly",
        "approximately",
        "nearly",
        "almost",
        "some",
        "an estimated",
        "an expected",
        "~",
    ),
    Qualifier.AT_LEAST: (
        "more than",
        "well over",
        "over",
        "at least",
        "north of",
        "upwards of",
        "in excess of",
        "well above",
        "above",
    ),
}
_QUALIFIER_OF = {w: q.value for q, ws in _QUALIFIERS.items() for w in ws}
QUAL = (
    r"(?:(?P<q>"
    + "|".join(re.escape(w) for w in sorted(_QUALIFIER_OF, key=len, reverse=True))
    + r")\s*)?"
)
_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
NUM = r"(?P<n>\d[\d,]*(?:\.\d+)?|" + "|".join(_WORDS) + r")"
SCALE = r"(?:\s*(?P<s>trillion|billion|million|thousand|bn|tn|[bmk])\b)?"
_SCALE_SUFFIX = {
    "trillion": "T",
    "tn": "T",
    "billion": "B",
    "bn": "B",
    "b": "B",
    "million": "M",
    "m": "M",
    "thousand": "K",
    "k": "K",
}

VALUE = re.compile(rf"(?<!\w){QUAL}(?:US)?\$\s?(?P<n>\d[\d,]*(?:\.\d+)?){SCALE}", re.IGNORECASE)
CAPACITY = re.compile(
    rf"(?<!\w){QUAL}{NUM}\s*-?\s*(?P<u>GW|gigawatts?|MW|megawatts?)\b", re.IGNORECASE
)
CHIPS = re.compile(
    rf"(?<!\w){QUAL}{NUM}{SCALE}\s+(?:of\s+)?(?:[^\s⟨.;]+\s+){{0,3}}?"
    r"(?P<w>⟪HW⟫|(?:chips?|GPUs|TPUs|accelerators|processors|superchips|graphics processors)\b)",
    re.IGNORECASE,
)
_RATE = re.compile(r"^\s*(?:a|per|each)\s+(?:month|year|quarter|week)\b|^\s*(?:monthly|annually)")


@dataclass(frozen=True)
class Amount:
    value: float
    qualifier: str
    start: int
    end: int
    hardware_index: int | None = None  # for chips: the ⟪HW⟫ they count, in order


def number(text: str, scale: str | None) -> float | None:
    """`3`, `billion` → 3e9, read by the app's own amount parser; words up to ten."""
    digits = str(_WORDS[text.lower()]) if text.lower() in _WORDS else text
    suffix = _SCALE_SUFFIX.get((scale or "").lower(), "")
    try:
        found = parse_amount(f"{digits}{suffix}")
    except CellError:
        return None
    return None if found is None else float(found)


def _qualifier(match: re.Match[str]) -> str:
    found = match.group("q")
    return _QUALIFIER_OF[found.lower()] if found else Qualifier.EXACT.value


def find_values(text: str) -> list[Amount]:
    """Dollar amounts, except rates ("$1.25 billion a month") and sums under a million."""
    found = []
    for m in VALUE.finditer(text):
        if _RATE.match(text[m.end() :]):
            continue
        value = number(m.group("n"), m.group("s"))
        if value is not None and value >= 1e6:
            found.append(Amount(value, _qualifier(m), m.start(), m.end()))
    return found


def find_capacities(text: str) -> list[Amount]:
    """Capacities in MW (GW × 1000)."""
    found = []
    for m in CAPACITY.finditer(text):
        value = number(m.group("n"), None)
        if value is not None:
            value *= 1000 if m.group("u").lower().startswith("g") else 1
            found.append(Amount(value, _qualifier(m), m.start(), m.end()))
    return found


def find_chip_counts(masked: str) -> list[Amount]:
    """Counts of chips in a masked sentence; vague words ("hundreds of thousands") are no count."""
    found = []
    for m in CHIPS.finditer(masked):
        raw, scale = m.group("n"), m.group("s")
        if raw.lower() in _WORDS and not scale:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", raw) and not scale:
            continue  # a year
        value = number(raw, scale)
        if value is None or value < 100:
            continue
        index = masked[: m.start("w")].count("⟪HW⟫") if m.group("w") == "⟪HW⟫" else None
        found.append(Amount(value, _qualifier(m), m.start(), m.end(), index))
    return found
