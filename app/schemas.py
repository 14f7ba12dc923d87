"""Deal entry: reading a posted form into checked values, with a message per bad field.

The server is the single authority on what is valid; HTML attributes are only hints. Errors
are keyed by field name (rows as `party-2`, `hardware-0`), with `__all__` for the whole form.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from app.domain.cells import CellError, parse_amount
from app.domain.dates import PartialDate, PartialDateError
from app.domain.vocabulary import (
    Confidence,
    DealType,
    HardwareType,
    OrgKind,
    Qualifier,
    Role,
    SourceTier,
    Status,
    label,
    values,
)

T = TypeVar("T")
MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_NAME = 200
MAX_URL = 2000
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class Fields(Protocol):
    """What the parsers read: a posted form (FormData), or the JSON API's body under the same
    field names (app/api/fields.py), so the rules are written once."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


class FormErrors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


@dataclass
class PartyInput:
    organization: str
    role: str
    row: int = 0


@dataclass
class HardwareInput:
    name: str
    chips: int | None = None
    type: str = ""
    vendor: str = ""
    row: int = 0


@dataclass
class SourceInput:
    publisher: str
    tier: str
    url: str | None = None
    title: str | None = None
    published: PartialDate | None = None
    quote: str | None = None


@dataclass
class DealInput:
    title: str = ""
    summary: str | None = None
    deal_types: list[str] = field(default_factory=list)
    parties: list[PartyInput] = field(default_factory=list)
    hardware: list[HardwareInput] = field(default_factory=list)
    value_usd: int | None = None
    value_qualifier: str | None = None
    capacity_mw: float | None = None
    capacity_qualifier: str | None = None
    chips: int | None = None
    chips_qualifier: str | None = None
    first_reported: PartialDate | None = None
    announced: PartialDate | None = None
    term_start: PartialDate | None = None
    term_end: PartialDate | None = None
    region: str | None = None
    confidence: str = Confidence.MEDIUM
    confidence_note: str | None = None
    notes: str | None = None


@dataclass
class NewDealInput:
    deal: DealInput
    status: str
    status_on: PartialDate | None
    source: SourceInput | None
    relay: SourceInput | None


@dataclass
class StatusInput:
    status: str
    effective: PartialDate | None
    note: str | None
    source_id: int | None
    source: SourceInput | None


def _clean(value: str) -> str:
    """Stripped, without NUL characters or lone surrogates: nobody types them, and no database
    stores them (Postgres refuses NUL; neither driver encodes a lone surrogate)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.strip()


def text(form: Fields, name: str) -> str:
    value = form.get(name)
    return _clean(value) if isinstance(value, str) else ""


def texts(form: Fields, name: str) -> list[str]:
    return [_clean(v) if isinstance(v, str) else "" for v in form.getlist(name)]


def _optional(value: str) -> str | None:
    return value or None


def _bounded(errors: FormErrors, name: str, value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        errors.add(name, f"{what} is {len(value):,} characters — at most {limit:,}")
    return value


def _choice(errors: FormErrors, name: str, value: str, allowed: list[str], what: str) -> str:
    if value not in allowed:
        shown = value if value else "nothing"
        errors.add(
            name,
            f"{what}: '{shown}' is not one of {', '.join(label(v) for v in allowed)}"
            if value
            else f"choose a {what}",
        )
    return value


def _date(
    errors: FormErrors, name: str, value: str, *, required: bool = False
) -> PartialDate | None:
    if not value:
        if required:
            errors.add(name, "a date is needed: 2026-05-21, 2026-05, 2026-Q2 or 2026")
        return None
    try:
        return PartialDate.parse(value)
    except PartialDateError as exc:
        errors.add(name, str(exc))
        return None


def _amount(errors: FormErrors, name: str, value: str, convert: Callable[[float], T]) -> T | None:
    try:
        amount = parse_amount(value)
    except CellError as exc:
        errors.add(name, str(exc))
        return None
    if amount is not None and amount > 1e18:
        errors.add(name, f"'{value}' is implausibly large")
        return None
    return None if amount is None else convert(amount)


def _url(errors: FormErrors, name: str, value: str) -> str | None:
    if not value:
        return None
    if len(value) > MAX_URL:
        errors.add(name, f"the link is longer than {MAX_URL} characters")
    elif not _URL.match(value):
        errors.add(
            name, f"'{value[:80]}' is not a web link — only http:// and https:// are accepted"
        )
    return value


def parse_source(
    form: Fields, prefix: str, errors: FormErrors, *, tier: str | None = None
) -> SourceInput | None:
    """The source fields `{prefix}_url`, `_publisher`, …; None when all are blank."""
    raw = {
        k: text(form, f"{prefix}_{k}")
        for k in ("url", "publisher", "title", "published_on", "tier", "quote")
    }
    if not any(v for k, v in raw.items() if k != "tier"):
        return None
    publisher = _bounded(errors, f"{prefix}_publisher", raw["publisher"], MAX_NAME, "The publisher")
    if not publisher:
        errors.add(f"{prefix}_publisher", "name the publisher (e.g. The Information, Reuters)")
    chosen_tier = tier or _choice(
        errors, f"{prefix}_tier", raw["tier"], values(SourceTier), "source tier"
    )
    return SourceInput(
        publisher=publisher,
        tier=chosen_tier,
        url=_url(errors, f"{prefix}_url", raw["url"]),
        title=_optional(_bounded(errors, f"{prefix}_title", raw["title"], 500, "The title")),
        published=_date(errors, f"{prefix}_published_on", raw["published_on"]),
        quote=_optional(_bounded(errors, f"{prefix}_quote", raw["quote"], MAX_TEXT, "The quote")),
    )


def _quantity(
    form: Fields, errors: FormErrors, name: str, convert: Callable[[float], Any]
) -> tuple[Any, str | None]:
    value = _amount(errors, name, text(form, name), convert)
    qualifier_name = {"value_usd": "value_qualifier", "capacity_mw": "capacity_qualifier"}.get(
        name, f"{name}_qualifier"
    )
    qualifier = text(form, qualifier_name) or Qualifier.EXACT
    if value is None:
        return None, None
    return value, _choice(errors, qualifier_name, qualifier, values(Qualifier), "qualifier")


def _at(items: list[str], index: int) -> str:
    return items[index] if index < len(items) else ""


def parse_deal_form(form: Fields) -> tuple[DealInput, FormErrors]:
    errors = FormErrors()
    deal = DealInput()
    deal.title = _bounded(errors, "title", text(form, "title"), MAX_TITLE, "The title")
    if not deal.title:
        errors.add("title", "a deal needs a title")
    deal.summary = _optional(
        _bounded(errors, "summary", text(form, "summary"), MAX_TEXT, "The summary")
    )
    deal.deal_types = [t for t in dict.fromkeys(texts(form, "deal_type")) if t]
    for value in deal.deal_types:
        _choice(errors, "deal_type", value, values(DealType), "deal type")
    if not deal.deal_types:
        errors.add("deal_type", "tick at least one deal type")

    organizations = texts(form, "party_organization")
    roles = texts(form, "party_role")
    for i, org in enumerate(organizations):
        role = roles[i] if i < len(roles) else ""
        if not org:
            continue
        _bounded(errors, f"party-{i}", org, MAX_NAME, "The organization name")
        if role not in values(Role):
            errors.add(f"party-{i}", f"choose {org}'s role in this deal")
        deal.parties.append(PartyInput(org, role, i))
    if len({p.organization.lower() for p in deal.parties}) < 2:
        errors.add("parties", "a deal needs at least two organizations")

    names = texts(form, "hardware_name")
    counts = texts(form, "hardware_chips")
    types = texts(form, "hardware_type")
    vendors = texts(form, "hardware_vendor")
    for i, name in enumerate(names):
        if not name:
            continue
        chips = _amount(errors, f"hardware-{i}", _at(counts, i), int)
        deal.hardware.append(HardwareInput(name, chips, _at(types, i), _at(vendors, i), i))

    deal.value_usd, deal.value_qualifier = _quantity(form, errors, "value_usd", int)
    deal.capacity_mw, deal.capacity_qualifier = _quantity(form, errors, "capacity_mw", float)
    deal.chips, deal.chips_qualifier = _quantity(form, errors, "chips", int)
    deal.first_reported = _date(
        errors, "first_reported_on", text(form, "first_reported_on"), required=True
    )
    deal.announced = _date(errors, "announced_on", text(form, "announced_on"))
    deal.term_start = _date(errors, "term_start", text(form, "term_start"))
    deal.term_end = _date(errors, "term_end", text(form, "term_end"))
    if deal.term_start and deal.term_end and deal.term_end.end < deal.term_start.start:
        errors.add(
            "term_end",
            f"the term cannot end ({deal.term_end}) before it starts ({deal.term_start})",
        )
    deal.region = _optional(
        _bounded(errors, "region", text(form, "region"), MAX_NAME, "The region")
    )
    deal.confidence = _choice(
        errors, "confidence", text(form, "confidence"), values(Confidence), "confidence"
    )
    deal.confidence_note = _optional(
        _bounded(errors, "confidence_note", text(form, "confidence_note"), MAX_TEXT, "The note")
    )
    deal.notes = _optional(_bounded(errors, "notes", text(form, "notes"), MAX_TEXT, "The notes"))
    return deal, errors


def parse_new_deal_form(form: Fields) -> tuple[NewDealInput, FormErrors]:
    deal, errors = parse_deal_form(form)
    status = _choice(errors, "status", text(form, "status"), values(Status), "status")
    status_on = _date(errors, "status_on", text(form, "status_on")) or deal.first_reported
    source = parse_source(form, "source", errors)
    if source is None:
        errors.add("source_publisher", "record where this was reported: at least the publisher")
    relay = parse_source(form, "relay", errors, tier=SourceTier.RELAY)
    return NewDealInput(deal, status, status_on, source, relay), errors


def parse_status_form(form: Fields) -> tuple[StatusInput, FormErrors]:
    errors = FormErrors()
    status = _choice(errors, "status", text(form, "status"), values(Status), "status")
    effective = _date(errors, "effective_on", text(form, "effective_on"), required=True)
    note = _optional(_bounded(errors, "note", text(form, "note"), MAX_TEXT, "The note"))
    source_id_text = text(form, "source_id")
    source_id = int(source_id_text) if source_id_text.isdigit() else None
    source = parse_source(form, "source", errors)
    if source is not None and source_id is not None:
        errors.add("source_id", "pick an existing source or describe a new one, not both")
    return StatusInput(status, effective, note, source_id, source), errors


def hardware_type_choice(errors: FormErrors, name: str, value: str) -> str:
    return _choice(errors, name, value, values(HardwareType), "hardware type")


@dataclass
class OrganizationInput:
    name: str
    kind: str
    aliases: list[str]
    country: str | None
    website: str | None


@dataclass
class HardwareRecordInput:
    name: str
    vendor: str
    type: str
    in_house: bool
    family: str | None


def split_aliases(raw: str) -> list[str]:
    """One alias per line or comma; blanks and case-insensitive repeats dropped."""
    seen: dict[str, str] = {}
    for part in re.split(r"[\n,;]", raw):
        alias = part.strip()
        if alias and alias.lower() not in seen:
            seen[alias.lower()] = alias
    return list(seen.values())


def _name(errors: FormErrors, form: Fields, what: str) -> str:
    name = _bounded(errors, "name", text(form, "name"), MAX_NAME, "The name")
    if not name:
        errors.add("name", f"{what} needs a name")
    return name


def parse_organization_form(form: Fields) -> tuple[OrganizationInput, FormErrors]:
    errors = FormErrors()
    name = _name(errors, form, "an organization")
    kind = _choice(errors, "kind", text(form, "kind"), values(OrgKind), "kind of organization")
    aliases = [a for a in split_aliases(text(form, "aliases")) if a.lower() != name.lower()]
    for alias in aliases:
        _bounded(errors, "aliases", alias, MAX_NAME, f"The alias '{alias[:40]}…'")
    if len(aliases) > 50:
        errors.add("aliases", f"{len(aliases)} aliases — at most 50")
    country = text(form, "country")
    if country and not _COUNTRY.match(country):
        errors.add("country", f"'{country[:20]}' is not a two-letter country code such as US or FR")
    website = _url(errors, "website", text(form, "website"))
    return OrganizationInput(name, kind, aliases, country.upper() or None, website), errors


def parse_hardware_form(form: Fields) -> tuple[HardwareRecordInput, FormErrors]:
    errors = FormErrors()
    name = _name(errors, form, "a hardware model")
    vendor = _bounded(errors, "vendor", text(form, "vendor"), MAX_NAME, "The vendor")
    if not vendor:
        errors.add("vendor", "name the vendor that makes it (e.g. NVIDIA, Microsoft)")
    hardware_type = hardware_type_choice(errors, "type", text(form, "type"))
    family = _optional(_bounded(errors, "family", text(form, "family"), 100, "The family"))
    in_house = bool(text(form, "in_house"))
    return HardwareRecordInput(name, vendor, hardware_type, in_house, family), errors
