"""What an organization and a hardware model accept, from their forms and from the JSON API."""

import re
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.domain.vocabulary import HardwareType, OrgKind
from app.inputs.types import (
    MAX_FAMILY,
    MAX_NAME,
    MAX_WEBSITE,
    REQUIRED_NAME,
    Input,
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

MAX_ALIASES = 50
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def split_aliases(raw: str) -> list[str]:
    """One alias per line, comma or semicolon, as the form's box holds them."""
    return [part for part in re.split(r"[\n,;]", raw) if part.strip()]


def _aliases(value: Any) -> Any:
    """Blanks and case-insensitive repeats dropped; at most MAX_ALIASES."""
    value = none_as_empty(value)
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        return value  # the type check says what is wrong
    seen: dict[str, str] = {}
    for alias in (clean(a) for a in value):
        if alias and alias.lower() not in seen:
            seen[alias.lower()] = alias
    if len(seen) > MAX_ALIASES:
        raise refuse("aliases", f"{len(seen)} aliases — at most {MAX_ALIASES}")
    return list(seen.values())


def _country(value: Any) -> Any:
    value = optional(value)
    if isinstance(value, str):
        if not _COUNTRY.match(value):
            raise refuse(
                "country", f"'{value[:20]}' is not a two-letter country code such as US or FR"
            )
        return value.upper()
    return value


class OrganizationInput(Input):
    name: Annotated[
        str,
        REQUIRED_NAME,
        BeforeValidator(required("an organization needs a name")),
    ]
    kind: Annotated[
        str, BeforeValidator(chosen(OrgKind, "kind of organization")), one_of(OrgKind)
    ] = OrgKind.OTHER.value
    # Blank aliases are dropped, so an alias has no minimum length.
    aliases: Annotated[
        list[Annotated[str, StringConstraints(max_length=MAX_NAME)]], BeforeValidator(_aliases)
    ] = Field(
        default_factory=list,
        description="Other names search and entry recognise.",
        json_schema_extra=or_null,
    )
    country: Annotated[
        Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=_COUNTRY.pattern)]
        | None,
        BeforeValidator(_country),
    ] = Field(None, description="Two-letter code, e.g. US.")
    website: Annotated[
        Annotated[str, link_text(MAX_WEBSITE)] | None,
        BeforeValidator(web_link),
    ] = Field(None, description="http:// or https:// only.")

    @field_validator("aliases")
    @classmethod
    def _not_its_own_name(cls, aliases: list[str], info: ValidationInfo) -> list[str]:
        name = str(info.data.get("name", "")).lower()
        return [a for a in aliases if a.lower() != name]


class HardwareRecordInput(Input):
    name: Annotated[
        str,
        REQUIRED_NAME,
        BeforeValidator(required("a hardware model needs a name")),
    ]
    vendor: Annotated[
        str,
        REQUIRED_NAME,
        BeforeValidator(required("name the vendor that makes it (e.g. NVIDIA, Microsoft)")),
    ] = Field(description="Name, slug or alias of a known organization.")
    type: Annotated[
        str, BeforeValidator(chosen(HardwareType, "hardware type")), one_of(HardwareType)
    ]
    in_house: StrictBool = Field(False, description="Designed by a cloud or lab for its own use.")
    family: Annotated[
        Annotated[str, StringConstraints(max_length=MAX_FAMILY)] | None,
        BeforeValidator(optional),
    ] = None
