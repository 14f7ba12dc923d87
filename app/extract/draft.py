"""The drafted deal the reader returns: the JSON of `deals extract` (and later of the API)."""

from pydantic import BaseModel, Field


class DraftParty(BaseModel):
    organization: str
    slug: str | None = Field(description="The directory's slug; null for a name not yet known.")
    roles: list[str]
    known: bool


class DraftHardware(BaseModel):
    name: str
    slug: str | None = Field(description="The directory's slug; null for a model not yet known.")
    type: str
    chips: int | None = None
    vendor: str | None = Field(None, description="Who makes it: what a new model is created with.")


class DraftSource(BaseModel):
    publisher: str
    tier: str
    url: str | None = None
    relays: str | None = Field(None, description="The publisher of the report this one repeats.")
    quote: str | None = None


class DraftMatch(BaseModel):
    id: int
    title: str
    url: str
    why: str


class Draft(BaseModel):
    """A deal as a report states it; what the text does not state is null, guesses are named
    in `uncertain`."""

    title: str | None = None
    parties: list[DraftParty] = []
    hardware: list[DraftHardware] = []
    hardware_types: list[str] = []
    deal_types: list[str] = []
    value_usd: int | None = None
    value_qualifier: str | None = None
    capacity_mw: float | None = None
    capacity_qualifier: str | None = None
    chips: int | None = None
    chips_qualifier: str | None = None
    status: str | None = None
    confidence: str | None = None
    first_reported_on: str | None = Field(
        None, description="A partial date: 2026-05-21, 2026-05, …"
    )
    sources: list[DraftSource] = []
    evidence: dict[str, str] = Field(
        default_factory=dict, description="For each field found, the sentence that states it."
    )
    uncertain: list[str] = Field(
        default_factory=list, description="Fields filled by a rule of thumb, not stated outright."
    )
    matches: list[DraftMatch] = []
