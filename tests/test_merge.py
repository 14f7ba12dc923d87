"""Merging a duplicate: the kept deal gains what it lacked, the duplicate leaves every count,
facet, sum, chart, feed and export, its address redirects, and an admin can undo it. Related
deals show both ways."""

import csv
import io
import re
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.domain.dates import PartialDate
from app.models import AuditEvent, Deal, DealRelation
from app.queries.directory import overview_counts
from app.queries.overview import hardware_by_quarter, provider_totals
from tests.conftest import _test_app, sign_in
from tests.factories import make_hardware, make_organization

from .factories import make_deal

MARK = "Zyzzyva duplicate"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.fixture
def admin(demo: Session) -> Iterator[TestClient]:
    create_user(demo, "root@example.org", "admin password 12", "admin")
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "root@example.org", "admin password 12")
        yield client


def _pair(demo: Session) -> tuple[Deal, Deal]:
    keep = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    provider = make_organization(demo, "Zyzzyva Cloud")
    chip = make_hardware(demo, "Zyzzyva X1", type="npu")
    duplicate = make_deal(
        demo,
        f"{MARK}: Anthropic and Microsoft Maia talks",
        status="announced",
        first_reported=PartialDate.parse("2019-02-03"),
        parties=[(keep.parties[0].organization, "customer"), (provider, "provider")],
        hardware=[chip],
        value_usd=777_000_000_000,
        value_qualifier="exact",
    )
    demo.commit()
    return keep, duplicate


def _everywhere(client: TestClient, session: Session) -> dict[str, object]:
    """What each count, facet, sum, chart, feed and export says."""
    table = soup(client.get("/deals?per_page=100").text)
    statuses = {
        a.get_text(" ", strip=True)
        for a in soup(client.get("/deals").text).select(".facets a")
        if "Announced" in a.get_text()
    }
    csv_rows = list(csv.reader(io.StringIO(client.get("/deals.csv").text)))
    session.expire_all()
    counts = overview_counts(session)
    totals = provider_totals(session, limit=1000)
    return {
        "table": len(table.select("#deal-table tbody tr")),
        "table_ids": sorted(
            a["href"].rsplit("/", 1)[1]
            for a in table.select("#deal-table tbody a")
            if "/deals/" in a["href"]
        ),
        "announced_facet": sorted(statuses),
        "csv": sorted(row[0] for row in csv_rows[1:]),
        "feed": set(re.findall(r"/deals/(\d+)", client.get("/feed.atom?q=Zyzzyva").text)),
        "deals": counts.deals,
        "by_status": dict(counts.by_status),
        "values": {
            row.organization.name: row.value_usd
            for row in totals.rows
            if row.organization.name != "Zyzzyva Cloud"
        },
        "zyzzyva_value": next(
            (r.value_usd for r in totals.rows if r.organization.name == "Zyzzyva Cloud"), None
        ),
        "earlier": hardware_by_quarter(session).earlier_deals,
        "api": client.get("/api/v1/deals?per_page=100").json()["total"],
    }


def test_a_merged_duplicate_is_in_no_figure_and_undo_brings_it_back(
    analyst: TestClient, admin: TestClient, demo: Session
) -> None:
    before = _everywhere(analyst, demo)
    keep, duplicate = _pair(demo)
    keep_id, duplicate_id = keep.id, duplicate.id
    with_it = _everywhere(analyst, demo)
    assert with_it["deals"] == before["deals"] + 1  # type: ignore[operator]
    assert str(duplicate_id) in with_it["csv"] and str(duplicate_id) in with_it["feed"]  # type: ignore[operator]
    assert with_it["zyzzyva_value"] == 777_000_000_000
    assert with_it["earlier"] == before["earlier"] + 1  # type: ignore[operator]
    sources_before = len(keep.sources)

    response = analyst.post(
        f"/deals/{duplicate_id}/merge", data={"into": str(keep_id)}, follow_redirects=False
    )
    assert response.status_code == 303
    merged = _everywhere(analyst, demo)
    # The kept deal now names the new provider, with its own value (none): not the duplicate's.
    assert merged.pop("zyzzyva_value") is None
    assert merged.pop("feed") == {str(keep_id)}  # the kept deal's events, with the copied one
    assert merged == {k: v for k, v in before.items() if k not in ("zyzzyva_value", "feed")}

    # The kept deal gained what it lacked: the new party, the hardware, the announced step.
    demo.expire_all()
    kept = demo.get_one(Deal, keep_id)
    assert {p.organization.name for p in kept.parties} >= {"Zyzzyva Cloud"}
    assert "Zyzzyva X1" in {line.hardware.name for line in kept.hardware_lines}
    assert "announced" in [e.status for e in kept.status_events]
    assert len(kept.sources) == sources_before + 1
    assert "https://example.org/a" in {s.url for s in kept.sources}
    # Its address redirects, on the site and in the API.
    moved = analyst.get(f"/deals/{duplicate_id}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"].endswith(f"/deals/{keep_id}")
    api = analyst.get(f"/api/v1/deals/{duplicate_id}", follow_redirects=False)
    assert api.status_code == 301
    assert api.headers["location"].endswith(f"/api/v1/deals/{keep_id}")
    # The audit log has the merge.
    entry = demo.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "deal", AuditEvent.entity_id == duplicate_id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert entry is not None and entry.changes["merged_into_id"] == [None, keep_id]
    page = soup(admin.get(f"/deals/{keep_id}").text)
    assert MARK in page.select_one(".merged-here").get_text()

    # Only an admin undoes it.
    assert analyst.post(f"/deals/{duplicate_id}/unmerge").status_code == 403
    undone = admin.post(f"/deals/{duplicate_id}/unmerge", follow_redirects=False)
    assert undone.status_code == 303
    assert _everywhere(analyst, demo) == with_it
    demo.expire_all()
    kept = demo.get_one(Deal, keep_id)
    assert "Zyzzyva Cloud" not in {p.organization.name for p in kept.parties}
    assert "announced" not in [e.status for e in kept.status_events]
    assert len(kept.sources) == sources_before
    assert analyst.get(f"/deals/{duplicate_id}").status_code == 200


def test_merging_is_refused_plainly(analyst: TestClient, demo: Session) -> None:
    keep, duplicate = _pair(demo)
    assert analyst.post(f"/deals/{duplicate.id}/merge", data={"into": "thirty"}).status_code == 400
    huge = analyst.post(f"/deals/{duplicate.id}/merge", data={"into": "9" * 40})
    assert huge.status_code == 400 and "is not a deal number" in huge.text
    itself = analyst.post(f"/deals/{duplicate.id}/merge", data={"into": str(duplicate.id)})
    assert itself.status_code == 400 and "into itself" in itself.text
    assert analyst.post(f"/deals/{duplicate.id}/merge", data={"into": "999999"}).status_code == 400


def test_relations_show_both_ways(demo_client: TestClient, demo: Session) -> None:
    relation = demo.scalars(
        select(DealRelation).where(DealRelation.kind == "supersedes").order_by(DealRelation.id)
    ).first()
    assert relation is not None
    newer, older = relation.deal_id, relation.related_deal_id
    older_page = soup(demo_client.get(f"/deals/{older}").text)
    assert f"superseded by #{newer}" in older_page.select_one(".related-deals").get_text(
        " ", strip=True
    )
    newer_page = soup(demo_client.get(f"/deals/{newer}").text)
    assert f"supersedes #{older}" in newer_page.select_one(".related-deals").get_text(
        " ", strip=True
    )
    related = demo_client.get(f"/api/v1/deals/{older}").json()["related"]
    assert {
        "kind": "supersedes",
        "direction": "incoming",
        "label": "superseded by",
        "deal_id": newer,
    } in [{k: r[k] for k in ("kind", "direction", "label", "deal_id")} for r in related]
