"""An organization's page on both databases: its partners (who, in which roles, how often) and
its latest status changes, linking to its timeline."""

from datetime import UTC, datetime

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.queries.directory import organization_partners
from tests.factories import make_deal, make_organization


def test_partners_count_live_deals_per_partner_and_role(session: Session) -> None:
    lab = make_organization(session, "Lab")
    cloud = make_organization(session, "Cloud")
    fab = make_organization(session, "Fab")
    make_deal(session, "one", parties=[(lab, "customer"), (cloud, "provider")])
    make_deal(
        session,
        "two",
        parties=[(lab, "customer"), (lab, "investee"), (cloud, "provider"), (cloud, "investor")],
    )
    make_deal(session, "three", parties=[(lab, "customer"), (fab, "supplier")])
    make_deal(
        session, "gone", parties=[(lab, "customer"), (fab, "supplier")]
    ).deleted_at = datetime.now(UTC)
    make_deal(session, "not ours", parties=[(cloud, "provider"), (fab, "supplier")])
    session.flush()

    partners = organization_partners(session, lab.id)
    assert [(p.organization.name, p.deal_count, p.roles) for p in partners] == [
        ("Cloud", 2, {"provider": 2, "investor": 1}),
        ("Fab", 1, {"supplier": 1}),
    ]
    assert [p.organization.name for p in organization_partners(session, fab.id)] == [
        "Cloud",
        "Lab",
    ]


def test_the_organization_page_shows_partners_and_latest_events(demo_client: TestClient) -> None:
    page = BeautifulSoup(demo_client.get("/organizations/microsoft").text, "html.parser")
    rows = page.select("table.partners tbody tr")
    assert rows, "Microsoft has partners in the demo data"
    names = [row.select_one("td a").text for row in rows]
    assert "OpenAI" in names and "Microsoft" not in names
    counts = [int(row.select("td")[1].text) for row in rows]
    assert counts == sorted(counts, reverse=True)
    # A role count links to exactly the deals it counts.
    openai = rows[names.index("OpenAI")]
    role_link = openai.select_one("td:nth-of-type(3) a")
    assert role_link is not None
    href = str(role_link["href"])
    _role, _, number = role_link.text.rpartition(" × ")
    table = BeautifulSoup(demo_client.get(href).text, "html.parser")
    assert len(table.select("#deal-table tbody tr")) == int(number)

    events = page.select("#recent-heading ~ ol.events li")
    assert 0 < len(events) <= 8
    timeline = page.find("a", string=lambda s: bool(s) and "whole timeline" in s)
    assert timeline is not None and str(timeline["href"]).endswith("/timeline?party=microsoft")
    assert demo_client.get(str(timeline["href"])).status_code == 200
