"""JSON bodies as the form's field names, so app/schemas.py checks them with the same rules.

A body becomes the (name, text) pairs a browser would post; the messages come back keyed by
form field and are renamed to the JSON paths the client sent (`party-1` → `parties[1]`,
`source_url` → `source.url`).
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from app.models import Deal, Hardware, Organization
from app.schemas import FormErrors

SOURCE_KEYS = ("url", "publisher", "title", "published_on", "tier", "quote")
DEAL_SCALARS = (
    "title", "summary", "value_usd", "value_qualifier", "capacity_mw", "capacity_qualifier",
    "chips", "chips_qualifier", "first_reported_on", "announced_on", "term_start", "term_end",
    "region", "confidence", "confidence_note", "notes",
)  # fmt: skip
_ROW = re.compile(r"^(party|hardware)-(\d+)$")


def as_text(value: Any) -> str:
    """A JSON value as a form would carry it: numbers as digits, true as "1", null as blank."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return str(value)


def form_fields(pairs: Iterable[tuple[str, Any]]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict([(name, as_text(value)) for name, value in pairs])


def _source_pairs(prefix: str, source: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if not source:
        return []
    return [(f"{prefix}_{key}", source.get(key)) for key in SOURCE_KEYS]


def deal_pairs(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """A deal body (DealIn, or a merged DealPatch) as the entry form's fields."""
    pairs: list[tuple[str, Any]] = [(name, data.get(name)) for name in DEAL_SCALARS]
    pairs += [("deal_type", t) for t in data.get("deal_types") or []]
    for party in data.get("parties") or []:
        pairs.append(("party_organization", party.get("organization")))
        pairs.append(("party_role", party.get("role")))
    for line in data.get("hardware") or []:
        pairs += [
            ("hardware_name", line.get("name")),
            ("hardware_chips", line.get("chips")),
            ("hardware_type", line.get("type")),
            ("hardware_vendor", line.get("vendor")),
        ]
    for name in ("status", "status_on"):
        if name in data:
            pairs.append((name, data[name]))
    pairs += _source_pairs("source", data.get("source"))
    pairs += _source_pairs("relay", data.get("relay"))
    return pairs


def status_pairs(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    pairs = [(name, data.get(name)) for name in ("status", "effective_on", "note", "source_id")]
    return pairs + _source_pairs("source", data.get("source"))


def source_pairs(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return _source_pairs("source", data)


def organization_pairs(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    aliases = "\n".join(data.get("aliases") or [])
    return [
        ("name", data.get("name")),
        ("kind", data.get("kind")),
        ("aliases", aliases),
        ("country", data.get("country")),
        ("website", data.get("website")),
    ]


def hardware_pairs(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(name, data.get(name)) for name in ("name", "vendor", "type", "in_house", "family")]


def json_errors(errors: FormErrors, *, top_level_source: bool = False) -> dict[str, list[str]]:
    """Form field names → the JSON paths of the body."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        out.setdefault(json_path(key, top_level_source=top_level_source), []).extend(messages)
    return out


def json_path(key: str, *, top_level_source: bool = False) -> str:
    row = _ROW.match(key)
    if row:
        return f"{'parties' if row[1] == 'party' else 'hardware'}[{row[2]}]"
    if key == "deal_type":
        return "deal_types"
    for prefix in ("source", "relay"):
        if key.startswith(f"{prefix}_") and key[len(prefix) + 1 :] in SOURCE_KEYS:
            field = key[len(prefix) + 1 :]
            return field if top_level_source else f"{prefix}.{field}"
    return key


# The saved record in the shape of a body, for PATCH to change only what it names. ------------


def deal_body(deal: Deal) -> dict[str, Any]:
    return {
        "title": deal.title,
        "summary": deal.summary,
        "deal_types": deal.deal_types,
        "parties": [{"organization": p.organization.name, "role": p.role} for p in deal.parties],
        "hardware": [
            {
                "name": line.hardware.name,
                "chips": line.chips,
                "type": line.hardware.type,
                "vendor": line.hardware.vendor.name,
            }
            for line in deal.hardware_lines
        ],
        "value_usd": deal.value_usd,
        "value_qualifier": deal.value_qualifier,
        "capacity_mw": deal.capacity_mw,
        "capacity_qualifier": deal.capacity_qualifier,
        "chips": deal.chips,
        "chips_qualifier": deal.chips_qualifier,
        "first_reported_on": str(deal.first_reported),
        "announced_on": deal.announced and str(deal.announced),
        "term_start": deal.term_start and str(deal.term_start),
        "term_end": deal.term_end and str(deal.term_end),
        "region": deal.region,
        "confidence": deal.confidence,
        "confidence_note": deal.confidence_note,
        "notes": deal.notes,
    }


def organization_body(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind,
        "aliases": org.alias_names,
        "country": org.country,
        "website": org.website,
    }


def hardware_body(hardware: Hardware) -> dict[str, Any]:
    return {
        "name": hardware.name,
        "vendor": hardware.vendor.name,
        "type": hardware.type,
        "in_house": hardware.in_house,
        "family": hardware.family,
    }
