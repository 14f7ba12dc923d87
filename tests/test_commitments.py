"""/commitments: each figure is the sum over exactly the deals its link lists, whatever the
filters; a superseded deal is counted once; the page, the CSV and the API agree."""

import csv
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.filters import DealFilters
from app.models import Deal, DealRelation
from app.queries.commitments import MEASURES, commitments
from app.queries.deals import filter_deals, resolve_filters

FILTERS = ["", "hardware_type=gpu", "status=confirmed&status=denied", "party=microsoft", "q=openai"]


def _deals(session: Session, query: str) -> list[Deal]:
    rf = resolve_filters(session, DealFilters.from_query(parse_qsl(query)))
    return list(session.scalars(filter_deals(select(Deal), rf)))


@pytest.mark.parametrize("query", FILTERS)
def test_each_figure_is_the_sum_over_its_linked_deals(demo: Session, query: str) -> None:
    rf = resolve_filters(demo, DealFilters.from_query(parse_qsl(query)))
    rows = commitments(demo, rf)
    assert rows
    for row in rows:
        for cell in row.cells.values():
            listed = _deals(demo, cell.query)
            assert len(listed) == cell.deals, (row.organization.slug, row.group, cell.query)
            for measure in MEASURES:
                stated = [getattr(d, measure) for d in listed if getattr(d, measure) is not None]
                figure = cell.figures[measure]
                assert figure.counted == len(stated)
                assert figure.total == (pytest.approx(sum(stated)) if stated else None)
                qualifier = measure.split("_")[0] + "_qualifier"
                for q, part in figure.qualified.items():
                    expected = sum(
                        getattr(d, measure) for d in listed if getattr(d, qualifier) == q
                    )
                    assert part == pytest.approx(expected)


def test_a_superseded_deal_is_counted_once(demo: Session) -> None:
    relation = demo.scalars(
        select(DealRelation).where(DealRelation.kind == "supersedes").order_by(DealRelation.id)
    ).first()
    assert relation is not None
    counted = {d.id for d in _deals(demo, "replaced=no")}
    assert relation.deal_id in counted and relation.related_deal_id not in counted
    replaced = {d.id for d in _deals(demo, "replaced=yes")}
    assert relation.related_deal_id in replaced and not counted & replaced
    assert len(counted | replaced) == len(_deals(demo, ""))


def test_the_page_links_each_figure_to_its_deals(demo_client: TestClient, demo: Session) -> None:
    page = BeautifulSoup(demo_client.get("/commitments?hardware_type=gpu").text, "html.parser")
    links = page.select("table.commitments tbody td.num a")
    assert links
    for link in links[:40]:
        parts = urlsplit(link["href"])
        assert parts.path == "/deals"
        assert ("hardware_type", "gpu") in parse_qsl(parts.query)
    # A count's link gives as many rows as the count says.
    count_link = page.select_one("table.commitments tbody td.num a")
    table = BeautifulSoup(demo_client.get(count_link["href"] + "&per_page=500").text, "html.parser")
    assert len(table.select("#deal-table tbody tr")) == int(count_link.get_text())


def test_csv_and_api_carry_the_same_figures(demo_client: TestClient, demo: Session) -> None:
    rf = resolve_filters(demo, DealFilters.from_query([("party", "anthropic")]))
    cells = {
        (row.organization.slug, row.group, outcome): cell
        for row in commitments(demo, rf)
        for outcome, cell in row.cells.items()
    }
    lines = list(
        csv.DictReader(io.StringIO(demo_client.get("/commitments.csv?party=anthropic").text))
    )
    assert len(lines) == len(cells)
    for line in lines:
        cell = cells[(line["organization_slug"], line["role"], line["outcome"])]
        assert int(line["deals"]) == cell.deals
        total = cell.figures["value_usd"].total
        assert line["value_usd"] == ("" if total is None else str(int(total)))
    items = demo_client.get("/api/v1/commitments?party=anthropic").json()
    assert len(items) == len(cells)
    for item in items:
        cell = cells[(item["organization"]["slug"], item["role"], item["outcome"])]
        assert item["deals"] == cell.deals
        assert item["value_usd"]["total"] == cell.figures["value_usd"].total
        listed = demo_client.get(item["api_url"] + "&per_page=500").json()
        assert listed["total"] == cell.deals


def test_the_organization_page_has_its_commitments(demo_client: TestClient) -> None:
    page = BeautifulSoup(demo_client.get("/organizations/microsoft").text, "html.parser")
    table = page.select_one("#commitments-heading ~ div table.commitments")
    assert table is not None
    roles = [tr.select_one("td").get_text() for tr in table.select("tbody tr")]
    assert "as provider or supplier" in roles
