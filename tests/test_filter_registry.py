"""One registry declares every filter: adding one is one entry, and every surface follows.

A throwaway `region` filter is added to a copy of the registry (never to the one the app uses)
and must then be parsed, turned into SQL that finds exactly the right deals, listed among the
OpenAPI parameters, offered as a command-line option, shown on a chip and in the form.
"""

from typing import Annotated, Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as deals_cli
from app.filters import FILTERS, DealFilters, FilterError
from app.filters.form import FilterForm
from app.filters.kinds import Field, Text
from app.filters.openapi import query_parameters
from app.filters.options import QueryPairs, filter_options
from app.models import Deal
from app.queries.deals import list_deals, resolve_filters
from app.queries.facets import filter_chips

REGION = Text(
    "region",
    label="Region",
    help="Words of the region the deal's capacity is in.",
    field=Field("Region", group="Where", placeholder="Texas"),
    condition=lambda text, dialect: func.lower(Deal.region).contains(text.lower()),
)
EXTENDED = FILTERS.with_filter(REGION)


def parse(*pairs: tuple[str, str]) -> DealFilters:
    return DealFilters.from_query(pairs, registry=EXTENDED)


def test_the_copy_has_one_more_filter_and_the_registry_none() -> None:
    assert [flt.name for flt in EXTENDED] == [
        *(flt.name for flt in FILTERS if flt.name not in ("sort", "per_page", "page")),
        "region", "sort", "per_page", "page",
    ]  # fmt: skip
    assert "region" not in FILTERS
    with pytest.raises(FilterError, match="unknown filter 'region'"):
        DealFilters.from_query([("region", "Texas")])


def test_the_new_filter_is_parsed_checked_and_written_back() -> None:
    f = parse(("status", "confirmed"), ("region", " Texas "), ("sort", "title"))
    assert f.region == "Texas" and f.status == ("confirmed",)
    assert f.query_string() == "status=confirmed&region=Texas&sort=title"
    assert f.is_filtered() and not f.without("region").without("status").is_filtered()
    with pytest.raises(FilterError) as error:
        parse(("region", "x" * 201), ("region", "y"))
    assert error.value.params["region"] == [
        "'region' was given twice ('" + "x" * 201 + "', 'y')",
        "the region text is 201 characters — at most 200",
    ]


def test_the_new_filter_finds_exactly_its_deals(demo: Session) -> None:
    for words, status in (("texas", ()), ("NORWAY", ()), ("us (", ("confirmed", "announced"))):
        f = parse(("region", words), *(("status", s) for s in status), ("per_page", "500"))
        shown = {deal.id for deal in list_deals(demo, resolve_filters(demo, f)).rows}
        expected = {
            deal.id
            for deal in demo.scalars(select(Deal).where(Deal.deleted_at.is_(None)))
            if deal.region
            and words.lower() in deal.region.lower()
            and (not status or deal.status in status)
        }
        assert shown == expected
        assert 0 < len(expected) < 58, words  # the case is not trivial


def test_the_new_filter_is_an_openapi_parameter() -> None:
    documented = {p["name"]: p for p in query_parameters(EXTENDED)}
    assert documented["region"] == {
        "name": "region",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 200, "minLength": 1},
        "description": "Words of the region the deal's capacity is in.",
    }
    assert "region" not in {p["name"] for p in query_parameters()}


def _command(registry: Any, seen: list[QueryPairs]) -> typer.Typer:
    cli = typer.Typer()

    @cli.command()
    @filter_options(registry)
    def export(filters: QueryPairs, output: Annotated[str, typer.Option("-o")] = "-") -> None:
        seen.append([*filters, ("output", output)])

    return cli


def test_the_new_filter_is_a_command_line_option() -> None:
    seen: list[QueryPairs] = []
    cli = _command(EXTENDED, seen)
    runner = CliRunner()
    result = runner.invoke(cli, ["--region", "Texas", "--status", "confirmed", "--status",
                                 "announced", "--search", "maia", "-o", "x.csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    given = [pair for pair in seen[0] if pair[1]]
    assert given == [
        ("q", "maia"), ("status", "confirmed"), ("status", "announced"),
        ("region", "Texas"), ("sort", "-reported"), ("output", "x.csv"),
    ]  # fmt: skip
    assert "--region" in runner.invoke(cli, ["--help"]).output
    assert "--region" not in runner.invoke(_command(FILTERS, []), ["--help"]).output


def test_the_new_filter_has_a_chip_and_a_field(demo: Session) -> None:
    rf = resolve_filters(demo, parse(("region", "Texas"), ("party", "microsoft")))
    chips = {chip.label: chip.remove_url for chip in filter_chips(rf, DealFilters.query_string)}
    assert chips == {"Party: Microsoft": "region=Texas", "Region: “Texas”": "party=microsoft"}
    form = FilterForm(registry=EXTENDED)
    assert "region" in [flt.name for flt in form.fields]
    assert form.carried(rf.filters.pairs()) == [("party", "microsoft")]


def test_the_app_documents_and_offers_every_registered_filter(client: TestClient) -> None:
    """The running surfaces are built from FILTERS: the API's parameters, `deals export`."""
    schema = client.get("/api/openapi.json").json()
    parameters = schema["paths"]["/v1/deals"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == [flt.name for flt in FILTERS]
    help_text = CliRunner().invoke(deals_cli, ["export", "--help"], env={"COLUMNS": "200"}).output
    options: list[str] = [f"--{flt.name.replace('_', '-')}" for flt in FILTERS if not flt.paging]
    assert all(option in help_text for option in options), help_text
    assert "--per-page" not in help_text and "--search" in help_text


def test_the_form_reads_its_choices_from_the_registry() -> None:
    assert FILTERS["sort"].options() == [
        ("", "Newest report first"), ("reported", "Oldest report first"),
        ("-value", "Largest value first"), ("value", "Smallest value first"),
        ("-capacity", "Largest capacity first"), ("capacity", "Smallest capacity first"),
        ("-updated", "Recently changed first"), ("updated", "Least recently changed first"),
        ("title", "Title A–Z"), ("-title", "Title Z–A"),
    ]  # fmt: skip
    assert FILTERS["per_page"].options() == [
        ("25", "25"), ("", "50"), ("100", "100"), ("250", "250"), ("500", "500"),
    ]  # fmt: skip
    assert [flt.name for flt in FilterForm().fields] == [
        "reported_from", "reported_to", "min_value", "max_value", "sort", "per_page",
    ]  # fmt: skip
