"""One typed input per record (app/inputs): its limits fit the columns it writes, the schema
states them, a CSV row tells an absent column from an empty cell, problems are placed on
the form's fields and the API's paths alike, no value makes it fail other than with a
message, and amounts are exact (a property, on both databases)."""

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import Column, String, select
from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict

from app.accounts.users import create_user
from app.api.schemas import (
    DealIn,
    DealPatch,
    HardwareIn,
    HardwarePatch,
    OrganizationIn,
    OrganizationPatch,
    SourceCreateIn,
    StatusEventIn,
)
from app.domain.dates import Precision
from app.filters import DealFilters
from app.inputs.deal import (
    DealInput,
    HardwareLineInput,
    NewDealInput,
    PartyInput,
    RelayInput,
    SourceInput,
    StatusInput,
)
from app.inputs.errors import FormNaming, InputErrors, api_errors, api_path
from app.inputs.forms import read_new_deal
from app.inputs.records import HardwareRecordInput, OrganizationInput
from app.inputs.rows import deal_row_data
from app.inputs.types import PARTIAL_DATE_PATTERN
from app.models import (
    Deal,
    DealParty,
    DealTypeRow,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
)
from app.queries.deals import filter_deals, resolve_filters
from app.services.deals import create_deal
from tests.factories import make_organization

# Limits fit the columns ---------------------------------------------------------------------

# The table each input's same-named fields are written to.
TABLES: dict[type[BaseModel], Any] = {
    DealInput: Deal,
    NewDealInput: Deal,
    SourceInput: Source,
    RelayInput: Source,
    StatusInput: StatusEvent,
    OrganizationInput: Organization,
    HardwareRecordInput: Hardware,
}
# Fields written to a column of another name or table (a party's unknown organization is
# created under the name given, and so on).
ELSEWHERE: dict[tuple[type[BaseModel], str], Any] = {
    (DealInput, "deal_types"): DealTypeRow.type,
    (PartyInput, "organization"): Organization.name,
    (PartyInput, "role"): DealParty.role,
    (HardwareLineInput, "name"): Hardware.name,
    (HardwareLineInput, "type"): Hardware.type,
    (HardwareLineInput, "vendor"): Organization.name,
    (HardwareRecordInput, "vendor"): Organization.name,
    (OrganizationInput, "aliases"): OrganizationAlias.alias,
}
INPUTS = [*TABLES, PartyInput, HardwareLineInput]
# Written from something else than an input field of the same name.
DERIVED = {"slug"}


def text_limit(schema: dict[str, Any]) -> int | None:
    """The longest text a property's schema lets through: its maxLength, or its longest
    choice; None when it does not bound its text."""
    if "anyOf" in schema:
        limits = [text_limit(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return None if None in limits else max(limits)  # type: ignore[type-var]
    if schema.get("type") == "array":
        return text_limit(schema["items"])
    if "enum" in schema:
        return max(len(v) for v in schema["enum"])
    return schema.get("maxLength")


def written_columns() -> list[tuple[str, Column[Any], int | None, str]]:
    """(where, column, the input's limit, the property's type) for every input field that
    writes a column of text; a partial date writes its precision."""
    found = []
    for model in INPUTS:
        schema = model.model_json_schema(ref_template="{model}")
        for name, info in model.model_fields.items():
            prop = schema["properties"][info.alias or name]
            attribute = ELSEWHERE.get((model, name))
            target = attribute.property.columns[0] if attribute is not None else None
            table = TABLES.get(model)
            if target is None and table is not None:
                columns = table.__table__.c
                if f"{name}_precision" in columns:  # a partial date
                    target, prop = columns[f"{name}_precision"], {"enum": list(Precision)}
                else:
                    target = columns.get(name)
            if target is not None and isinstance(target.type, String):
                found.append((f"{model.__name__}.{name}", target, text_limit(prop), str(prop)))
    return found


def test_every_text_column_an_input_writes_has_a_limit_no_larger_than_the_column() -> None:
    checked = written_columns()
    too_long = [
        f"{where} allows {limit} for {column} ({column.type.length})"
        for where, column, limit, _ in checked
        if limit is None or (column.type.length is not None and limit > column.type.length)
    ]
    assert too_long == []
    # Every text column of the tables an input writes is covered, but what is derived.
    covered = {str(column) for _, column, _, _ in checked}
    for table in (Deal, Source, Organization, Hardware, OrganizationAlias):
        for column in table.__table__.c:
            if isinstance(column.type, String) and column.name not in DERIVED:
                assert str(column) in covered, column


def test_the_limits_are_enforced_with_the_forms_wording() -> None:
    for model, data, where, message in [
        (DealInput, {"title": "x" * 301}, ("title",), "The title is 301 characters — at most 300"),
        (PartyInput, {"organization": "o" * 201, "role": "customer"}, ("organization",),
         "The organization name is 201 characters — at most 200"),
        (HardwareLineInput, {"name": "h" * 201}, ("name",), "The name is 201 characters"),
        (OrganizationInput, {"name": "X", "website": "https://" + "w" * 493}, ("website",),
         "The website is 501 characters — at most 500"),
        (SourceInput, {"publisher": "P", "tier": "original", "url": "https://" + "u" * 1993},
         ("url",), "The link is 2,001 characters — at most 2,000"),
    ]:  # fmt: skip
        with pytest.raises(ValidationError) as error:
            model.model_validate(data)
        assert any(message in m for m in InputErrors.of(error.value)[where]), error.value


def test_the_openapi_schema_states_the_real_limits() -> None:
    deal = DealIn.model_json_schema()
    props, defs = deal["properties"], deal["$defs"]
    assert (props["title"]["maxLength"], props["title"]["minLength"]) == (300, 1)
    for name in ("summary", "confidence_note", "notes"):
        assert text_limit(props[name]) == 10_000
    assert defs["PartyInput"]["properties"]["organization"]["minLength"] == 1
    assert defs["SourceInput"]["properties"]["publisher"]["minLength"] == 1
    assert OrganizationIn.model_json_schema()["properties"]["name"]["minLength"] == 1
    pattern = re.compile(props["first_reported_on"]["pattern"])
    assert props["first_reported_on"]["pattern"] == PARTIAL_DATE_PATTERN
    for good in ("1900", "2200", "2026-05-21", "2026-05", "2026-Q2"):
        assert pattern.match(good), good
    for bad in ("1899", "2201", "2026-13", "2026-Q5", "May 2026"):
        assert not pattern.match(bad), bad
    patch = DealPatch.model_json_schema()
    assert patch["required"] == ["version"] and patch["properties"]["title"]["maxLength"] == 300


# What was given ----------------------------------------------------------------------------

ROW = {
    "title": "Maia capacity",
    "status": "rumored",
    "deal_types": "cloud_capacity",
    "parties": "Anthropic (customer); Microsoft (provider, investor)",
    "first_reported_on": "2026-05",
    "sources": "The Information (original)",
}


def test_a_csv_row_tells_an_absent_column_from_an_empty_cell() -> None:
    absent = DealInput.model_validate(deal_row_data(ROW))
    empty = DealInput.model_validate(deal_row_data({**ROW, "region": "", "value_usd": ""}))
    given = DealInput.model_validate(deal_row_data({**ROW, "region": "US", "value_usd": "2.01B"}))
    assert {"region", "value_usd", "hardware"}.isdisjoint(absent.model_fields_set)
    assert {"region", "value_usd"} <= empty.model_fields_set
    assert (empty.region, empty.value_usd, empty.value_qualifier) == (None, None, None)
    assert (given.region, given.value_usd, given.value_qualifier) == ("US", 2_010_000_000, "exact")
    assert [(p.organization, p.role) for p in absent.parties] == [
        ("Anthropic", "customer"), ("Microsoft", "provider"), ("Microsoft", "investor"),
    ]  # fmt: skip


# Where a problem is shown ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "form_name", "path"),
    [
        ((), "__all__", "__all__"),
        (("title",), "title", "title"),
        (("deal_types",), "deal_type", "deal_types"),
        (("parties",), "parties", "parties"),
        (("parties", 1), "party-3", "parties[1]"),  # the form's row 2 was left blank
        (("parties", 0, "organization"), "party-0", "parties[0].organization"),
        (("hardware", 0, "chips"), "hardware-1", "hardware[0].chips"),
        (("source",), "source_publisher", "source"),
        (("source", "url"), "source_url", "source.url"),
        (("relay", "published_on"), "relay_published_on", "relay.published_on"),
        (("aliases", 3), "aliases", "aliases[3]"),
    ],
)
def test_one_mapping_places_a_problem_on_the_form_and_in_the_api(
    loc: tuple[int | str, ...], form_name: str, path: str
) -> None:
    naming = FormNaming(rows={"parties": [0, 3], "hardware": [1]})
    assert naming.name(loc) == form_name
    assert api_path(loc) == path


def test_a_single_source_form_names_its_fields_by_prefix() -> None:
    naming = FormNaming(prefix="added")
    assert [naming.name(loc) for loc in [("publisher",), ("url",), ("relays_id",)]] == [
        "added_publisher", "added_url", "relays_id",
    ]  # fmt: skip


def test_a_form_keeps_its_row_numbers_past_blank_rows() -> None:
    form = ImmutableMultiDict(
        [("party_organization", "Anthropic"), ("party_role", "customer"),
         ("party_organization", ""), ("party_role", ""),
         ("party_organization", "Microsoft"), ("party_role", "landlord")]
    )  # fmt: skip
    reading = read_new_deal(form)
    assert reading.value is None
    assert reading.errors["party-2"] == ["choose Microsoft's role in this deal"]
    assert reading.errors["title"] == ["a deal needs a title"]
    assert reading.errors["source_publisher"] == [
        "record where this was reported: at least the publisher"
    ]
    refused = reading.refused(InputErrors({("parties", 1): ["not known"]}))
    assert refused == {"party-2": ["not known"]}


# No value breaks an input ------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
BODIES = [DealIn, DealPatch, StatusEventIn, SourceCreateIn, OrganizationIn, OrganizationPatch,
          HardwareIn, HardwarePatch]  # fmt: skip


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__name__)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_json_is_read_or_refused_with_messages(model: type[BaseModel], data: Any) -> None:
    keys = [info.alias or name for name, info in model.model_fields.items()]
    body = data.draw(st.dictionaries(st.sampled_from([*keys, "extra"]), JSON, max_size=8))
    try:
        model.model_validate(body)
    except ValidationError as exc:
        errors = InputErrors.of(exc)
        assert errors and all(m and isinstance(m, str) for ms in errors.values() for m in ms)
        assert api_errors(errors) and FormNaming().errors(errors)


# Amounts are exact -------------------------------------------------------------------------

SUFFIXES = [("", 0), ("K", 3), ("M", 6), ("B", 9), ("T", 12)]


@st.composite
def written_amounts(draw: Any) -> tuple[str, int]:
    """An amount as an analyst writes it (`2.01B`, `1,500M`, `0.3m`) and its exact value."""
    suffix, exponent = draw(st.sampled_from(SUFFIXES))
    whole = draw(st.integers(0, 999_999 if exponent else 10**15))
    decimals = draw(st.text("0123456789", max_size=min(3, exponent)))
    digits = f"{whole:,}" if draw(st.booleans()) else str(whole)
    suffix = suffix.lower() if draw(st.booleans()) else suffix
    text = digits + (f".{decimals}" if decimals else "") + suffix
    value = (whole * 10 ** len(decimals) + int(decimals or "0")) * 10 ** (exponent - len(decimals))
    return text, value


@pytest.fixture
def entry(session: Session) -> dict[str, Any]:
    """What a deal's form needs besides its value: an analyst, and two known organizations."""
    user = create_user(session, "amounts@example.org", "analyst password 1", "analyst")
    parties = [make_organization(session, "Amount Buyer"), make_organization(session, "Amount Co")]
    return {"user": user, "parties": [p.name for p in parties]}


def _matches(session: Session, **bounds: str) -> set[int]:
    filters = DealFilters.from_query(list(bounds.items()))
    return set(session.scalars(filter_deals(select(Deal.id), resolve_filters(session, filters))))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=written_amounts())
@example(amount=("2.01B", 2_010_000_000))
@example(amount=("1.15B", 1_150_000_000))
@example(amount=("0.3M", 300_000))
def test_a_written_amount_is_stored_exactly_and_found_by_filters_equal_to_it(
    session: Session, entry: dict[str, Any], amount: tuple[str, int]
) -> None:
    text, value = amount
    form = ImmutableMultiDict(
        [("title", f"A deal of {text}"), ("deal_type", "cloud_capacity"),
         ("party_organization", entry["parties"][0]), ("party_role", "customer"),
         ("party_organization", entry["parties"][1]), ("party_role", "provider"),
         ("value_usd", text), ("first_reported_on", "2026-05"), ("confidence", "medium"),
         ("status", "rumored"), ("source_publisher", "Reuters"), ("source_tier", "original")]
    )  # fmt: skip
    reading = read_new_deal(form)
    assert reading.value is not None, reading.errors
    deal = create_deal(session, reading.value, entry["user"], duplicate_decision="new")
    stored = session.execute(select(Deal.value_usd).where(Deal.id == deal.id)).scalar_one()
    assert stored == value and type(stored) is int
    assert deal.id in _matches(session, min_value=text, max_value=text)
    assert deal.id not in _matches(session, min_value=str(value + 1))
    if value:
        assert deal.id not in _matches(session, max_value=str(value - 1))
