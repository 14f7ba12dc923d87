"""Each deal's answer in the API's lists (app.answers.DealOut), rendered ahead.

The flush hook (app/derived/refresh.py) stores it in DealDerived.api_json, so that a page of
`/api/v1/deals` is one query whose stored texts are joined as they are (app/api/deals.py), with
no answer built per row. The stored text is the answer's JSON as the API writes it (Pydantic's
own serializer, as FastAPI's response does) without `id`, `url` and `api_url`, its first three
fields, since the addresses depend on the request: `{"title":…}`. `answer_json` puts them back.
A deal whose text is not stored yet is rendered on the fly by the same function.
"""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from app.answers import DealOut
from app.domain.dates import PartialDate, Precision
from app.domain.vocabulary import DealType, values
from app.models import Deal, DealHardware, DealParty, DealTypeRow, Hardware, Organization

ADDRESSED = frozenset({"id", "url", "api_url"})
_TYPE_ORDER = {value: index for index, value in enumerate(values(DealType))}
_DATES = ("first_reported", "announced", "term_start", "term_end")
_COLUMNS = (
    Deal.id,
    Deal.title,
    Deal.summary,
    Deal.status,
    Deal.confidence,
    Deal.confidence_note,
    Deal.value_usd,
    Deal.value_qualifier,
    Deal.capacity_mw,
    Deal.capacity_qualifier,
    Deal.chips,
    Deal.chips_qualifier,
    Deal.first_reported_on,
    Deal.first_reported_precision,
    Deal.announced_on,
    Deal.announced_precision,
    Deal.term_start_on,
    Deal.term_start_precision,
    Deal.term_end_on,
    Deal.term_end_precision,
    Deal.region,
    Deal.version,
    Deal.created_at,
    Deal.updated_at,
)


def render_answers(connection: Connection, deal_ids: Sequence[int]) -> dict[int, str]:
    """The stored JSON text of each of these deals' answers, read from the deal and its types,
    parties and hardware lines on the caller's connection (same transaction)."""
    if not deal_ids:
        return {}
    ids = list(deal_ids)
    types: dict[int, list[str]] = {}
    for deal_id, deal_type in connection.execute(
        select(DealTypeRow.deal_id, DealTypeRow.type).where(DealTypeRow.deal_id.in_(ids))
    ):
        types.setdefault(deal_id, []).append(deal_type)
    parties: dict[int, list[dict[str, Any]]] = {}
    for deal_id, slug, name, role in connection.execute(
        select(DealParty.deal_id, Organization.slug, Organization.name, DealParty.role)
        .join(Organization, Organization.id == DealParty.organization_id)
        .where(DealParty.deal_id.in_(ids))
        .order_by(DealParty.deal_id, DealParty.position, DealParty.id)
    ):
        party = {"organization": {"slug": slug, "name": name}, "role": role}
        parties.setdefault(deal_id, []).append(party)
    lines: dict[int, list[dict[str, Any]]] = {}
    for deal_id, slug, name, hardware_type, chips in connection.execute(
        select(
            DealHardware.deal_id, Hardware.slug, Hardware.name, Hardware.type, DealHardware.chips
        )
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(DealHardware.deal_id.in_(ids))
        .order_by(DealHardware.deal_id, DealHardware.position, DealHardware.id)
    ):
        line = {"hardware": {"slug": slug, "name": name, "type": hardware_type}, "chips": chips}
        lines.setdefault(deal_id, []).append(line)
    rendered: dict[int, str] = {}
    for row in connection.execute(select(*_COLUMNS).where(Deal.id.in_(ids))):
        data = dict(row._mapping)
        for prefix in _DATES:
            on, precision = data.pop(f"{prefix}_on"), data.pop(f"{prefix}_precision")
            data[prefix] = None if on is None else PartialDate(on, Precision(precision))
        deal_id = data["id"]
        answer = DealOut.model_validate(
            {
                **data,
                # Given, so that no request is asked for them; left out of the stored text.
                "url": "-",
                "api_url": "-",
                "deal_types": _in_type_order(types.get(deal_id, [])),
                "parties": parties.get(deal_id, []),
                "hardware_lines": lines.get(deal_id, []),
            }
        )
        rendered[deal_id] = answer.model_dump_json(by_alias=True, exclude=set(ADDRESSED))
    return rendered


def _in_type_order(types: list[str]) -> list[str]:
    """As Deal.deal_types lists them."""
    return sorted(types, key=_TYPE_ORDER.__getitem__)


def answer_json(deal_id: int, stored: str, url: str, api_url: str) -> str:
    """A deal's whole answer from its stored text and its addresses."""
    return f'{{"id":{deal_id},"url":{json.dumps(url)},"api_url":{json.dumps(api_url)},{stored[1:]}'
