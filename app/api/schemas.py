"""The API's JSON shapes: what it answers (`…Out`) and what it takes (`…In`, `…Patch`).

Answers read the records' own attributes (`from_attributes`); addresses need the request, given
as the validation context. Requests are the inputs of app/inputs (one model says what a deal
accepts, with the same messages as the entry form) plus what only the API has.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self

from fastapi import Path, Request
from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    ValidationInfo,
    create_model,
    model_validator,
)

from app.answers import (
    DealOut,
    OrganizationRef,
    Out,
    PartialDateText,
    request_of,
)
from app.domain.vocabulary import (
    HardwareType,
    OrgKind,
    RelationKind,
    SourceTier,
    Status,
)
from app.inputs.deal import (
    DealInput,
    NewDealInput,
    RecordId,
    SourceInput,
    StatusInput,
    changes_of,
)
from app.inputs.records import HardwareRecordInput, OrganizationInput
from app.inputs.types import MAX_ID, Input
from app.models import Hardware, Organization

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


class DealPageOut(BaseModel):
    total: int = Field(description="How many deals match the filters, on every page.")
    page: int
    per_page: int
    next: str | None = Field(description="The next page, with the same filters; null on the last.")
    prev: str | None = Field(description="The previous page; null on the first.")
    items: list[DealOut]


class SourceOut(Out):
    id: int
    url: str | None
    archived_url: str | None = Field(description="A saved copy of the page, if any.")
    publisher: str
    title: str | None
    published_on: PartialDateText | None = Field(validation_alias="published")
    tier: SourceTier
    quote: str | None
    relays_id: int | None = Field(description="The source this one repeats (for relays).")
    created_at: datetime


class StatusEventOut(Out):
    id: int
    status: Status
    effective_on: PartialDateText = Field(validation_alias="effective")
    note: str | None
    source_id: int | None
    recorded_at: datetime


class RelationOut(Out):
    """A related deal, read from this deal: `outgoing` when this deal names it (this deal
    `supersedes` it), `incoming` when it names this one (`label`: "superseded by")."""

    kind: RelationKind
    direction: Literal["outgoing", "incoming"]
    label: str
    deal_id: int = Field(validation_alias="related_deal_id")
    api_url: str = ""

    @model_validator(mode="after")
    def _address(self, info: ValidationInfo) -> Self:
        if self.api_url:
            return self
        self.api_url = str(request_of(info).url_for("api_deal_detail", deal_id=self.deal_id))
        return self


class DealDetailOut(DealOut):
    """A deal with its notes, sources, status history and related deals."""

    notes: str | None
    sources: list[SourceOut]
    status_events: list[StatusEventOut]
    # Both ways, live deals only (Deal.links).
    related: list[RelationOut] = Field(validation_alias="links")


def _directory_addresses(
    record: "OrganizationOut | HardwareOut", info: ValidationInfo, page: str, api: str, **deals: str
) -> None:
    """An organization's or hardware model's addresses, and its live deals (`deal_count` in
    the context, counted by the table's query)."""
    if record.url:
        return
    request = request_of(info)
    record.deal_count = int((info.context or {}).get("deal_count", 0))
    record.url = str(request.url_for(page, slug=record.slug))
    record.api_url = str(request.url_for(api, slug=record.slug))
    record.deals_url = str(request.url_for("api_deals_index").include_query_params(**deals))


class OrganizationOut(Out):
    slug: str
    name: str
    kind: OrgKind
    aliases: list[str] = Field(validation_alias="alias_names")
    country: str | None
    website: str | None
    deal_count: int = Field(0, description="Live deals it is a party to.")
    version: int
    url: str = ""
    api_url: str = ""
    deals_url: str = Field("", description="Its deals in the API (`/api/v1/deals?party=…`).")

    @model_validator(mode="after")
    def _addresses(self, info: ValidationInfo) -> Self:
        page, api = "organization_detail", "api_organization_detail"
        _directory_addresses(self, info, page, api, party=self.slug)
        return self

    @classmethod
    def of(cls, org: Organization, deal_count: int, request: Request) -> Self:
        return cls.model_validate(org, context={"request": request, "deal_count": deal_count})


class HardwareOut(Out):
    slug: str
    name: str
    type: HardwareType
    vendor: OrganizationRef
    in_house: bool = Field(description="Designed by a cloud or lab for its own use.")
    family: str | None
    deal_count: int = 0
    version: int
    url: str = ""
    api_url: str = ""
    deals_url: str = Field("", description="Its deals in the API (`/api/v1/deals?hardware=…`).")

    @model_validator(mode="after")
    def _addresses(self, info: ValidationInfo) -> Self:
        page, api = "hardware_detail", "api_hardware_detail"
        _directory_addresses(self, info, page, api, hardware=self.slug)
        return self

    @classmethod
    def of(cls, hardware: Hardware, deal_count: int, request: Request) -> Self:
        context = {"request": request, "deal_count": deal_count}
        return cls.model_validate(hardware, context=context)


class MeOut(BaseModel):
    id: int
    email: str
    role: Literal["viewer", "analyst", "admin"]


# Requests: the inputs of app/inputs, so the schema states the rules the server applies ---------


class DealIn(NewDealInput):
    """A new deal, with its first status and the source that reported it."""

    create_missing: StrictBool = Field(
        False, description="Create organizations and hardware models not yet known."
    )
    duplicate_decision: str | None = Field(
        None,
        pattern=r"^(new|(duplicate_of|expands|supersedes):[1-9][0-9]{0,8})$",
        description="When similar deals exist: `new`, or `duplicate_of:ID`, `expands:ID`, "
        "`supersedes:ID`. Without it a likely duplicate is answered 409 listing them.",
    )


# A model of changes holds the fields of its input, each optional; mypy sees the plain base.
if TYPE_CHECKING:
    DealChanges = Input
    OrganizationChanges = Input
    HardwareChanges = Input
else:
    DealChanges = create_model("DealChanges", __base__=Input, **changes_of(DealInput))
    OrganizationChanges = create_model(
        "OrganizationChanges", __base__=Input, **changes_of(OrganizationInput)
    )
    HardwareChanges = create_model(
        "HardwareChanges", __base__=Input, **changes_of(HardwareRecordInput)
    )
VERSION_HELP = "The version the change was made on; 409 if stale."


class DealPatch(DealChanges):
    """Changed fields only (lists are replaced whole; null clears); `version` as last read."""

    version: int = Field(description=VERSION_HELP)
    create_missing: StrictBool = Field(
        False, description="Create organizations and hardware models not yet known."
    )


class StatusEventIn(StatusInput):
    """A status change, with a source already on the deal (`source_id`) or a new one."""


class SourceCreateIn(SourceInput):
    relays_id: RecordId | None = Field(None, description="The source on this deal it repeats.")


class OrganizationIn(OrganizationInput):
    """An organization; names and aliases are one namespace."""


class OrganizationPatch(OrganizationChanges):
    version: int = Field(description=VERSION_HELP)


class HardwareIn(HardwareRecordInput):
    """A hardware model; its vendor must be a known organization."""


class HardwarePatch(HardwareChanges):
    version: int = Field(description=VERSION_HELP)


class FigureOut(BaseModel):
    """One summed measure: `total` over the deals of `deals_url` (a figure not stated counts as
    nothing), how many of them state it, and the parts stated with a qualifier."""

    total: float | None
    stated: int
    qualified: dict[str, float]


class CommitmentOut(BaseModel):
    """One organization in one role group (`customer`, `seller` = provider or supplier,
    `investor`) and one outcome (`live`: rumored to completed; `ended`: denied, cancelled)."""

    organization: OrganizationRef
    role: Literal["customer", "seller", "investor"]
    outcome: Literal["live", "ended"]
    deals: int
    value_usd: FigureOut
    capacity_mw: FigureOut
    chips: FigureOut
    deals_url: str
    api_url: str
