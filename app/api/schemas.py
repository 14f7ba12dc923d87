"""The API's JSON shapes: what it answers (`…Out`) and what it takes (`…In`, `…Patch`).

Inputs are deliberately loose (text where the web form has text): the rules live once in
app/schemas.py, and the vocabularies here only document what those rules accept.
"""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path, Request
from pydantic import BaseModel, ConfigDict, Field

from app.domain.dates import PartialDate
from app.domain.vocabulary import (
    Confidence,
    DealType,
    HardwareType,
    OrgKind,
    Qualifier,
    RelationKind,
    Role,
    SourceTier,
    Status,
)
from app.models import Deal, Hardware, Organization, Source, StatusEvent

PARTIAL_DATE_PATTERN = r"^\d{4}(-(Q[1-4]|\d{2}(-\d{2})?))?$"
PartialDateText = Annotated[
    str,
    Field(
        pattern=PARTIAL_DATE_PATTERN,
        description="A partial date at its precision: `2026-05-21`, `2026-05`, `2026-Q2` or "
        "`2026`.",
        examples=["2026-05"],
    ),
]
MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases
# Not 1: the coverage tests try the smallest id on DELETE first.
_ONE = {"id": {"summary": "A deal's id", "value": 3}}
DealId = Annotated[int, Path(ge=1, le=MAX_ID, description="The deal's id.", openapi_examples=_ONE)]
# No example for deletion: the docs (and schemathesis) would delete the deal the others show.
DealIdToDelete = Annotated[int, Path(ge=1, le=MAX_ID, description="The deal's id.")]
OrganizationSlug = Annotated[
    str,
    Path(
        description="The organization's slug.",
        openapi_examples={"microsoft": {"summary": "Microsoft", "value": "microsoft"}},
    ),
]
HardwareSlug = Annotated[
    str,
    Path(
        description="The hardware model's slug.",
        openapi_examples={"h100": {"summary": "NVIDIA H100", "value": "h100"}},
    ),
]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
Amount = Annotated[
    int | float | str,
    Field(description="A non-negative number, or text such as `500M`, `10B`, `2,500`."),
]


def _date(value: PartialDate | None) -> str | None:
    return None if value is None else str(value)


# Answers --------------------------------------------------------------------------------------


class OrganizationRef(BaseModel):
    slug: str
    name: str


class HardwareRef(BaseModel):
    slug: str
    name: str
    type: HardwareType


class PartyOut(BaseModel):
    organization: OrganizationRef
    role: Role


class HardwareLineOut(BaseModel):
    hardware: HardwareRef
    chips: int | None


class DealOut(BaseModel):
    """A deal as the table shows it."""

    id: int
    url: str = Field(description="The deal's page on this site.")
    api_url: str = Field(description="This deal in the API.")
    title: str
    summary: str | None
    status: Status = Field(description="The status of the latest status event.")
    confidence: Confidence
    confidence_note: str | None
    deal_types: list[DealType]
    parties: list[PartyOut]
    hardware: list[HardwareLineOut]
    value_usd: int | None
    value_qualifier: Qualifier | None
    capacity_mw: float | None
    capacity_qualifier: Qualifier | None
    chips: int | None
    chips_qualifier: Qualifier | None
    first_reported_on: PartialDateText
    announced_on: PartialDateText | None
    term_start: PartialDateText | None
    term_end: PartialDateText | None
    region: str | None
    version: int = Field(description="Send it back with PATCH; it moves on with every save.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, deal: Deal, request: Request) -> "DealOut":
        return cls(**_deal_fields(deal, request))


def _deal_fields(deal: Deal, request: Request) -> dict[str, object]:
    return {
        "id": deal.id,
        "url": str(request.url_for("deal_detail", deal_id=deal.id)),
        "api_url": str(request.url_for("api_deal_detail", deal_id=deal.id)),
        "title": deal.title,
        "summary": deal.summary,
        "status": deal.status,
        "confidence": deal.confidence,
        "confidence_note": deal.confidence_note,
        "deal_types": deal.deal_types,
        "parties": [
            PartyOut(
                organization=OrganizationRef(slug=p.organization.slug, name=p.organization.name),
                role=p.role,
            )
            for p in deal.parties
        ],
        "hardware": [
            HardwareLineOut(
                hardware=HardwareRef(
                    slug=line.hardware.slug,
                    name=line.hardware.name,
                    type=line.hardware.type,
                ),
                chips=line.chips,
            )
            for line in deal.hardware_lines
        ],
        "value_usd": deal.value_usd,
        "value_qualifier": deal.value_qualifier,
        "capacity_mw": deal.capacity_mw,
        "capacity_qualifier": deal.capacity_qualifier,
        "chips": deal.chips,
        "chips_qualifier": deal.chips_qualifier,
        "first_reported_on": str(deal.first_reported),
        "announced_on": _date(deal.announced),
        "term_start": _date(deal.term_start),
        "term_end": _date(deal.term_end),
        "region": deal.region,
        "version": deal.version,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


class DealPageOut(BaseModel):
    total: int = Field(description="How many deals match the filters, on every page.")
    page: int
    per_page: int
    next: str | None = Field(description="The next page, with the same filters; null on the last.")
    prev: str | None = Field(description="The previous page; null on the first.")
    items: list[DealOut]


class SourceOut(BaseModel):
    id: int
    url: str | None
    publisher: str
    title: str | None
    published_on: PartialDateText | None
    tier: SourceTier
    quote: str | None
    relays_id: int | None = Field(description="The source this one repeats (for relays).")
    created_at: datetime

    @classmethod
    def of(cls, source: Source) -> "SourceOut":
        return cls(
            id=source.id,
            url=source.url,
            publisher=source.publisher,
            title=source.title,
            published_on=_date(source.published),
            tier=source.tier,
            quote=source.quote,
            relays_id=source.relays_id,
            created_at=source.created_at,
        )


class StatusEventOut(BaseModel):
    id: int
    status: Status
    effective_on: PartialDateText
    note: str | None
    source_id: int | None
    recorded_at: datetime

    @classmethod
    def of(cls, event: StatusEvent) -> "StatusEventOut":
        return cls(
            id=event.id,
            status=event.status,
            effective_on=str(event.effective),
            note=event.note,
            source_id=event.source_id,
            recorded_at=event.recorded_at,
        )


class RelationOut(BaseModel):
    kind: RelationKind
    deal_id: int
    api_url: str


class DealDetailOut(DealOut):
    """A deal with its notes, sources, status history and related deals."""

    notes: str | None
    sources: list[SourceOut]
    status_events: list[StatusEventOut]
    related: list[RelationOut]

    @classmethod
    def of(cls, deal: Deal, request: Request) -> "DealDetailOut":
        return cls(
            **_deal_fields(deal, request),
            notes=deal.notes,
            sources=[SourceOut.of(s) for s in deal.sources],
            status_events=[StatusEventOut.of(e) for e in deal.status_events],
            related=[
                RelationOut(
                    kind=r.kind,
                    deal_id=r.related_deal_id,
                    api_url=str(request.url_for("api_deal_detail", deal_id=r.related_deal_id)),
                )
                for r in deal.relations
                if r.related_deal.deleted_at is None  # deleted deals never appear
            ],
        )


class OrganizationOut(BaseModel):
    slug: str
    name: str
    kind: OrgKind
    aliases: list[str]
    country: str | None
    website: str | None
    deal_count: int = Field(description="Live deals it is a party to.")
    version: int
    url: str
    api_url: str
    deals_url: str = Field(description="Its deals in the API (`/api/v1/deals?party=…`).")

    @classmethod
    def of(cls, org: Organization, deal_count: int, request: Request) -> "OrganizationOut":
        deals = request.url_for("api_deals_index").include_query_params(party=org.slug)
        return cls(
            slug=org.slug,
            name=org.name,
            kind=org.kind,
            aliases=org.alias_names,
            country=org.country,
            website=org.website,
            deal_count=deal_count,
            version=org.version,
            url=str(request.url_for("organization_detail", slug=org.slug)),
            api_url=str(request.url_for("api_organization_detail", slug=org.slug)),
            deals_url=str(deals),
        )


class HardwareOut(BaseModel):
    slug: str
    name: str
    type: HardwareType
    vendor: OrganizationRef
    in_house: bool = Field(description="Designed by a cloud or lab for its own use.")
    family: str | None
    deal_count: int
    version: int
    url: str
    api_url: str
    deals_url: str = Field(description="Its deals in the API (`/api/v1/deals?hardware=…`).")

    @classmethod
    def of(cls, hardware: Hardware, deal_count: int, request: Request) -> "HardwareOut":
        deals = request.url_for("api_deals_index").include_query_params(hardware=hardware.slug)
        return cls(
            slug=hardware.slug,
            name=hardware.name,
            type=hardware.type,
            vendor=OrganizationRef(slug=hardware.vendor.slug, name=hardware.vendor.name),
            in_house=hardware.in_house,
            family=hardware.family,
            deal_count=deal_count,
            version=hardware.version,
            url=str(request.url_for("hardware_detail", slug=hardware.slug)),
            api_url=str(request.url_for("api_hardware_detail", slug=hardware.slug)),
            deals_url=str(deals),
        )


class MeOut(BaseModel):
    id: int
    email: str
    role: Literal["viewer", "analyst", "admin"]


# Requests -------------------------------------------------------------------------------------

Text = Annotated[str, Field(max_length=20_000)]


class Body(BaseModel):
    """A request body: a field the API does not know is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PartyIn(Body):
    organization: Text = Field(description="Name, slug or alias of a known organization.")
    role: Role | str = Field(description="One of the roles.")


class HardwareLineIn(Body):
    name: Text = Field(description="Name or slug of a hardware model.")
    chips: Amount | None = None
    type: HardwareType | str | None = Field(
        None, description="Only to create an unknown model (with `create_missing`)."
    )
    vendor: Text | None = Field(
        None, description="Only to create an unknown model (with `create_missing`)."
    )


class SourceIn(Body):
    url: Text | None = Field(None, description="http:// or https:// only.")
    publisher: Text = Field(description="Who published it, e.g. The Information.")
    title: Text | None = None
    published_on: Text | None = Field(None, description="A partial date, e.g. `2026-05-21`.")
    tier: SourceTier | str = Field(description="primary, original, secondary or relay.")
    quote: Text | None = None


class RelayIn(Body):
    """An aggregator that repeated the source; its tier is always `relay`."""

    url: Text | None = None
    publisher: Text
    title: Text | None = None
    published_on: Text | None = None
    quote: Text | None = None


class DealFieldsIn(Body):
    """The deal's own fields, as the entry form has them."""

    title: Text | None = None
    summary: Text | None = None
    deal_types: list[DealType | str] | None = Field(None, description="At least one.")
    parties: list[PartyIn] | None = Field(None, description="At least two organizations.")
    hardware: list[HardwareLineIn] | None = Field(None, description="Empty for unspecified.")
    value_usd: Amount | None = None
    value_qualifier: Qualifier | str | None = Field(None, description="Default `exact`.")
    capacity_mw: Amount | None = None
    capacity_qualifier: Qualifier | str | None = None
    chips: Amount | None = None
    chips_qualifier: Qualifier | str | None = None
    first_reported_on: Text | None = Field(None, description="A partial date; required.")
    announced_on: Text | None = None
    term_start: Text | None = None
    term_end: Text | None = None
    region: Text | None = None
    confidence: Confidence | str | None = None
    confidence_note: Text | None = None
    notes: Text | None = None
    create_missing: bool = Field(
        False, description="Create organizations and hardware models not yet known."
    )


class DealIn(DealFieldsIn):
    """A new deal, with its first status and the source that reported it."""

    title: Text
    deal_types: list[DealType | str]
    parties: list[PartyIn]
    hardware: list[HardwareLineIn] = []
    first_reported_on: Text
    confidence: Confidence | str = Confidence.MEDIUM
    status: Status | str
    status_on: Text | None = Field(None, description="Default: `first_reported_on`.")
    source: SourceIn
    relay: RelayIn | None = None
    duplicate_decision: str | None = Field(
        None,
        pattern=r"^(new|(duplicate_of|expands|supersedes):[1-9][0-9]{0,8})$",
        description="When similar deals exist: `new`, or `duplicate_of:ID`, `expands:ID`, "
        "`supersedes:ID`. Without it a likely duplicate is answered 409 listing them.",
    )


class DealPatch(DealFieldsIn):
    """Changed fields only (lists are replaced whole); `version` as last read."""

    version: int = Field(description="The version the change was made on; 409 if stale.")


class StatusEventIn(Body):
    status: Status | str
    effective_on: Text = Field(description="A partial date.")
    note: Text | None = None
    source_id: RecordId | None = Field(None, description="A source already on this deal…")
    source: SourceIn | None = Field(None, description="…or a new one (not both).")


class SourceCreateIn(SourceIn):
    relays_id: RecordId | None = Field(None, description="The source on this deal it repeats.")


class OrganizationIn(Body):
    name: Text
    kind: OrgKind | str = OrgKind.OTHER
    aliases: list[Text] = []
    country: Text | None = Field(None, description="Two-letter code, e.g. US.")
    website: Text | None = None


class OrganizationPatch(Body):
    name: Text | None = None
    kind: OrgKind | str | None = None
    aliases: list[Text] | None = None
    country: Text | None = None
    website: Text | None = None
    version: int


class HardwareIn(Body):
    name: Text
    vendor: Text = Field(description="Name, slug or alias of a known organization.")
    type: HardwareType | str
    in_house: bool = False
    family: Text | None = None


class HardwarePatch(Body):
    name: Text | None = None
    vendor: Text | None = None
    type: HardwareType | str | None = None
    in_house: bool | None = None
    family: Text | None = None
    version: int
