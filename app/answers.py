"""The API's answer for a deal as lists show it (`DealOut`), and the parts it shares with the
other answers of app/api/schemas.py.

Declared outside app/api because each deal's answer is also rendered ahead, when the deal is
saved (app/derived/dealjson.py), by code that the API's own modules import in turn.
Answers read the records' own attributes (`from_attributes`); addresses need the request, given
as the validation context.
"""

from datetime import datetime
from typing import Annotated, Self

from fastapi import Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from app.domain.dates import PartialDate
from app.domain.vocabulary import Confidence, DealType, HardwareType, Qualifier, Role, Status
from app.inputs.types import PARTIAL_DATE_HELP, PARTIAL_DATE_PATTERN
from app.models import Deal

PartialDateText = Annotated[
    str,
    Field(pattern=PARTIAL_DATE_PATTERN, description=PARTIAL_DATE_HELP, examples=["2026-05"]),
    BeforeValidator(lambda value: str(value) if isinstance(value, PartialDate) else value),
]


def request_of(info: ValidationInfo) -> Request:
    """The request an answer is made for (its addresses depend on it)."""
    request = (info.context or {}).get("request")
    assert isinstance(request, Request), "answers are read with context={'request': …}"
    return request


# An answer already made passes through validation again (in a page of answers, and as the
# response): its after-validators run once more, without the context; its addresses stay.


class Out(BaseModel):
    """An answer, read from the record's own attributes."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


# Answers --------------------------------------------------------------------------------------


class OrganizationRef(Out):
    slug: str
    name: str


class HardwareRef(Out):
    slug: str
    name: str
    type: HardwareType


class PartyOut(Out):
    organization: OrganizationRef
    role: Role


class HardwareLineOut(Out):
    hardware: HardwareRef
    chips: int | None


class DealOut(Out):
    """A deal as the table shows it."""

    id: int
    url: str = Field("", description="The deal's page on this site.")
    api_url: str = Field("", description="This deal in the API.")
    title: str
    summary: str | None
    status: Status = Field(description="The status of the latest status event.")
    confidence: Confidence
    confidence_note: str | None
    deal_types: list[DealType]
    parties: list[PartyOut]
    hardware: list[HardwareLineOut] = Field(validation_alias="hardware_lines")
    value_usd: int | None
    value_qualifier: Qualifier | None
    capacity_mw: float | None
    capacity_qualifier: Qualifier | None
    chips: int | None
    chips_qualifier: Qualifier | None
    first_reported_on: PartialDateText = Field(validation_alias="first_reported")
    announced_on: PartialDateText | None = Field(validation_alias="announced")
    term_start: PartialDateText | None
    term_end: PartialDateText | None
    region: str | None
    version: int = Field(description="Send it back with PATCH; it moves on with every save.")
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="after")
    def _addresses(self, info: ValidationInfo) -> Self:
        if self.url:
            return self
        request = request_of(info)
        self.url = str(request.url_for("deal_detail", deal_id=self.id))
        self.api_url = str(request.url_for("api_deal_detail", deal_id=self.id))
        return self

    @classmethod
    def of(cls, deal: Deal, request: Request) -> Self:
        return cls.model_validate(deal, context={"request": request})
