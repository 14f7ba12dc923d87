"""What a deal accepts, whichever way it arrives: the entry form, the JSON API or a CSV row.

Field names are the Deal's attribute names (`first_reported`), so writing an input is one
loop over the fields; aliases are the names a form, a body and a file use
(`first_reported_on`). The JSON API's request bodies are these models, so its schema states
the real limits.
"""

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from app.domain.dates import PartialDate
from app.domain.vocabulary import (
    Confidence,
    DealType,
    HardwareType,
    Qualifier,
    Role,
    SourceTier,
    Status,
    values,
)
from app.inputs.types import (
    MAX_ID,
    MAX_SOURCE_TITLE,
    MAX_URL,
    MIN_DEAL_TYPES,
    MIN_PARTIES,
    REQUIRED_NAME,
    REQUIRED_TITLE,
    ChipCount,
    Dollars,
    Input,
    LongText,
    Megawatts,
    OptionalDate,
    OptionalName,
    RequiredDate,
    choice_problem,
    chosen,
    clean,
    link_text,
    none_as_empty,
    one_of,
    optional,
    or_null,
    refuse,
    required,
    web_link,
)

RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
# An amount and the qualifier that goes with it: present together or not at all.
QUANTITIES = (
    ("value_usd", "value_qualifier"),
    ("capacity_mw", "capacity_qualifier"),
    ("chips", "chips_qualifier"),
)


Title = Annotated[str, REQUIRED_TITLE, BeforeValidator(required("a deal needs a title"))]
OrganizationName = Annotated[str, REQUIRED_NAME, BeforeValidator(required("name the organization"))]
HardwareName = Annotated[
    str,
    REQUIRED_NAME,
    BeforeValidator(required("name the hardware model")),
]
Publisher = Annotated[
    str,
    REQUIRED_NAME,
    BeforeValidator(required("name the publisher (e.g. The Information, Reuters)")),
]
SourceTitle = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_SOURCE_TITLE)] | None,
    BeforeValidator(optional),
]
Link = Annotated[Annotated[str, link_text(MAX_URL)] | None, BeforeValidator(web_link)]
Tier = Annotated[str, BeforeValidator(chosen(SourceTier, "source tier")), one_of(SourceTier)]
StatusChoice = Annotated[str, BeforeValidator(chosen(Status, "status")), one_of(Status)]
ConfidenceChoice = Annotated[
    str, BeforeValidator(chosen(Confidence, "confidence")), one_of(Confidence)
]
QualifierChoice = Annotated[
    Annotated[str, one_of(Qualifier)] | None,
    BeforeValidator(chosen(Qualifier, "qualifier", blank=True)),
]
HardwareTypeChoice = Annotated[
    Annotated[str, one_of(HardwareType)] | None,
    BeforeValidator(chosen(HardwareType, "hardware type", blank=True)),
]


class PartyInput(Input):
    organization: OrganizationName = Field(
        description="Name, slug or alias of a known organization."
    )
    role: Annotated[str, BeforeValidator(lambda v: clean(v) or ""), one_of(Role)] = Field(
        description="One of the roles."
    )

    @model_validator(mode="after")
    def _role_is_known(self) -> Self:
        if self.role not in values(Role):
            raise refuse("choice", f"choose {self.organization}'s role in this deal")
        return self


class HardwareLineInput(Input):
    name: HardwareName = Field(description="Name or slug of a hardware model.")
    chips: ChipCount = None
    type: HardwareTypeChoice = Field(
        None, description="Only to create an unknown model (with `create_missing`)."
    )
    vendor: OptionalName = Field(
        None, description="Only to create an unknown model (with `create_missing`)."
    )


class SourceFields(Input):
    url: Link = Field(None, description="http:// or https:// only.")
    archived_url: Link = Field(
        None,
        description="A saved copy of the page (web.archive.org, archive.today), http(s) only; "
        "an archive is not a publisher.",
    )
    publisher: Publisher = Field(description="Who published it, e.g. The Information.")
    title: SourceTitle = None
    published: OptionalDate = Field(None, alias="published_on")
    quote: LongText = Field(None, description="Verbatim, if it helps.")


class SourceInput(SourceFields):
    tier: Tier = Field(description="primary, original, secondary or relay.")


class RelayInput(SourceFields):
    """An aggregator that repeated the source; its tier is always `relay`."""

    tier: ClassVar[str] = SourceTier.RELAY.value


def _deal_types(value: Any) -> Any:
    """Each type once, blanks dropped; every one from the vocabulary, at least one."""
    value = none_as_empty(value)
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        return value  # the type check says what is wrong
    chosen_types = [t for t in dict.fromkeys(clean(t) for t in value) if t]
    problems = [p for t in chosen_types if (p := choice_problem(DealType, "deal type", str(t)))]
    if problems:
        raise refuse("choice", " ".join(problems))
    if len(chosen_types) < MIN_DEAL_TYPES:
        raise refuse("required", "tick at least one deal type")
    return chosen_types


def _two_organizations(parties: list[PartyInput]) -> list[PartyInput]:
    if len({p.organization.lower() for p in parties}) < MIN_PARTIES:
        raise refuse("parties", "a deal needs at least two organizations")
    return parties


DealTypes = Annotated[
    list[Annotated[str, one_of(DealType)]],
    BeforeValidator(_deal_types),
    Field(json_schema_extra={"minItems": MIN_DEAL_TYPES}),
]
Parties = Annotated[
    list[PartyInput],
    BeforeValidator(none_as_empty),
    AfterValidator(_two_organizations),
    Field(json_schema_extra={"minItems": MIN_PARTIES}),
]
HardwareLines = Annotated[
    list[HardwareLineInput],
    BeforeValidator(none_as_empty),
    Field(json_schema_extra=or_null),
]


class DealInput(Input):
    """A deal's own fields, as the entry form has them."""

    # The fields written to related rows rather than to the deal's columns.
    RELATED: ClassVar[tuple[str, ...]] = ("deal_types", "parties", "hardware")

    title: Title
    summary: LongText = None
    deal_types: DealTypes = Field(description="At least one.")
    parties: Parties = Field(description="At least two organizations.")
    hardware: HardwareLines = Field(default_factory=list, description="Empty for unspecified.")
    value_usd: Dollars = None
    value_qualifier: QualifierChoice = Field(None, description="Default `exact`.")
    capacity_mw: Megawatts = None
    capacity_qualifier: QualifierChoice = None
    chips: ChipCount = None
    chips_qualifier: QualifierChoice = None
    first_reported: RequiredDate = Field(alias="first_reported_on")
    announced: OptionalDate = Field(None, alias="announced_on")
    term_start: OptionalDate = None
    term_end: OptionalDate = None
    region: OptionalName = None
    confidence: ConfidenceChoice = Confidence.MEDIUM.value
    confidence_note: LongText = None
    notes: LongText = None

    @staticmethod
    @cache
    def column_fields() -> tuple[str, ...]:
        """The fields the deal's own columns hold, by attribute name."""
        return tuple(n for n in DealInput.model_fields if n not in DealInput.RELATED)

    @model_validator(mode="before")
    @classmethod
    def _qualify_amounts(cls, data: Any) -> Any:
        """A qualifier goes with its amount: none without one, `exact` unless said."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for amount, qualifier in QUANTITIES:
            if amount not in data and qualifier not in data:
                continue
            if data.get(amount) is None or data.get(amount) == "":
                if data.get(qualifier) in (None, "", *values(Qualifier)):
                    data[qualifier] = None  # else refused by its field, as it would be with one
            elif data.get(qualifier) is None or data.get(qualifier) == "":
                data[qualifier] = Qualifier.EXACT.value
        return data

    @field_validator("term_end")
    @classmethod
    def _term_in_order(cls, end: PartialDate | None, info: ValidationInfo) -> PartialDate | None:
        start = info.data.get("term_start")
        if end is not None and start is not None and end.end < start.start:
            raise refuse("term_order", f"the term cannot end ({end}) before it starts ({start})")
        return end


def _source_needed(value: Any) -> Any:
    if value is None:
        raise refuse("required", "record where this was reported: at least the publisher")
    return value


class NewDealInput(DealInput):
    """A new deal, with its first status and the source that reported it."""

    status: StatusChoice = Field(description="The deal's first status.")
    status_on: OptionalDate = Field(None, description="Default: `first_reported_on`.")
    source: Annotated[SourceInput, BeforeValidator(_source_needed)]
    relay: RelayInput | None = None

    @model_validator(mode="after")
    def _status_since_reported(self) -> Self:
        if self.status_on is None:
            self.status_on = self.first_reported
        return self


# The statuses that make a deal official: recording one may set the deal's announced date.
ANNOUNCING = (Status.ANNOUNCED.value, Status.CONFIRMED.value)


class StatusInput(Input):
    status: StatusChoice
    effective: RequiredDate = Field(alias="effective_on")
    announced: OptionalDate = Field(
        None,
        alias="announced_on",
        description="Sets the deal's announced date; only with `announced` or `confirmed`.",
    )
    note: LongText = None
    source: SourceInput | None = Field(None, description="A new source (or `source_id`).")
    source_id: RecordId | None = Field(None, description="A source already on this deal.")

    @field_validator("announced")
    @classmethod
    def _announced_when_official(
        cls, announced: PartialDate | None, info: ValidationInfo
    ) -> PartialDate | None:
        if announced is not None and info.data.get("status") not in (None, *ANNOUNCING):
            raise refuse(
                "announced", "an announced date goes with the status announced or confirmed"
            )
        return announced

    @field_validator("source_id")
    @classmethod
    def _one_source(cls, source_id: int | None, info: ValidationInfo) -> int | None:
        if source_id is not None and info.data.get("source") is not None:
            raise refuse("one_source", "pick an existing source or describe a new one, not both")
        return source_id


def changes_of(model: type[Input]) -> dict[str, Any]:
    """The fields of `model`, each optional (absent = unchanged), for a model of changes: what
    a PATCH body holds. The field's own rules stay; those across fields apply once merged."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        optional_info = FieldInfo.merge_field_infos(info, default=None)
        optional_info.default_factory = None
        fields[name] = (info.annotation, optional_info)
    return fields


@cache
def field_names(model: type[BaseModel]) -> Mapping[str, str]:
    """Each field's attribute name → the name a form, a body and a file use."""
    return MappingProxyType({name: info.alias or name for name, info in model.model_fields.items()})
