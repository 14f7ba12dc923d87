"""The JSON API on both databases: the table's filters and pages, writes through the entry
rules with audit rows, versions, tokens and roles, and every error as problem+json."""

import json
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.users import create_token, create_user
from app.api.examples import NEW_DEAL
from app.derived.refresh import refresh_missing
from app.filters.registry import FILTERS
from app.models import AuditEvent, Deal, DealDerived, Organization, Source, StatusEvent, User
from tests.conftest import _test_app

PROBLEM = "application/problem+json"


def token(session: Session, role: str = "analyst") -> dict[str, str]:
    user = create_user(session, f"{role}-api@example.org", "a long password 1", role)
    return {"Authorization": f"Bearer {create_token(session, user, 'tests')[1]}"}


@pytest.fixture
def auth(demo: Session) -> dict[str, str]:
    """An analyst's API token, as headers."""
    return token(demo)


def problem(response: Response, status: int) -> dict[str, Any]:
    """The body of an error response, after checking it is a problem document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def maia_deal(session: Session) -> Deal:
    return session.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()


def audit_actions(session: Session, entity_type: str, entity_id: int) -> list[tuple[str, int]]:
    stmt = (
        select(AuditEvent.action, AuditEvent.user_id)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    )
    return [(action, user_id) for action, user_id in session.execute(stmt)]


def analyst_id(session: Session) -> int:
    return session.scalars(select(User.id).where(User.email == "analyst-api@example.org")).one()


# Reading ------------------------------------------------------------------------------------


TABLE_QUERIES = [
    "",
    "status=confirmed&status=announced",
    "party=microsoft&sort=value",
    "hardware_type=tpu&sort=-updated",
    "q=maia",
    "min_value=10B&sort=title",
    "reported_from=2026-Q1&reported_to=2026-05&deal_type=cloud_capacity",
    "customer=openai&confidence=high",
]


@pytest.mark.parametrize("query", TABLE_QUERIES)
def test_a_filtered_list_is_the_tables_deals_in_its_order(
    demo_client: TestClient, query: str
) -> None:
    page = BeautifulSoup(demo_client.get(f"/deals?{query}&per_page=500").text, "html.parser")
    table_ids = [
        int(a["href"].rsplit("/", 1)[1]) for a in page.select("#deal-table td.title a[href]")
    ]
    body = demo_client.get(f"/api/v1/deals?{query}&per_page=500").json()
    assert [deal["id"] for deal in body["items"]] == table_ids
    assert body["total"] == len(table_ids) and body["next"] is None and body["prev"] is None


def test_next_walks_every_match_once_and_prev_walks_back(demo_client: TestClient) -> None:
    everything = demo_client.get("/api/v1/deals?sort=value&per_page=500").json()
    url: str | None = "/api/v1/deals?sort=value&per_page=7"
    seen: list[int] = []
    pages: list[dict[str, Any]] = []
    while url:
        body = demo_client.get(url).json()
        assert body["total"] == everything["total"]
        pages.append(body)
        seen += [deal["id"] for deal in body["items"]]
        url = body["next"]
    assert len(pages) == -(-everything["total"] // 7) > 2
    assert seen == [deal["id"] for deal in everything["items"]]
    assert len(set(seen)) == len(seen) == everything["total"]
    assert "sort=value" in pages[1]["next"]  # the filters travel with the links
    back = demo_client.get(pages[2]["prev"]).json()
    assert back["page"] == 2 and back["items"] == pages[1]["items"]


def test_a_deal_reads_with_dates_at_their_precision(demo_client: TestClient, demo: Session) -> None:
    deal = maia_deal(demo)
    body = demo_client.get(f"/api/v1/deals/{deal.id}").json()
    assert body["first_reported_on"] == str(deal.first_reported)
    assert re.fullmatch(r"\d{4}(-(Q[1-4]|\d{2}(-\d{2})?))?", body["first_reported_on"])
    assert body["status"] == deal.status and body["version"] == deal.version
    assert body["url"].endswith(f"/deals/{deal.id}")
    assert {p["organization"]["slug"] for p in body["parties"]} >= {"anthropic", "microsoft"}
    assert [h["hardware"]["slug"] for h in body["hardware"]] == [
        line.hardware.slug for line in deal.hardware_lines
    ]
    assert body["updated_at"].endswith("Z") or body["updated_at"].endswith("+00:00")
    assert [s["id"] for s in body["sources"]] == [s.id for s in deal.sources]
    assert [e["status"] for e in body["status_events"]] == [e.status for e in deal.status_events]
    assert demo_client.get(f"/api/v1/deals/{deal.id}/sources").json() == body["sources"]
    events = demo_client.get(f"/api/v1/deals/{deal.id}/status-events").json()
    assert events == body["status_events"]


def test_the_lists_stored_answers_are_the_deals_answers_after_edits(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    """Each deal's answer in a list is rendered when it is saved (app/derived/dealjson.py):
    after edits to the deal, its parts, its organizations and hardware, every item is, byte
    for byte, the answer freshly read from the deal (its single read, up to `notes`)."""
    deal = maia_deal(demo)
    url = f"/api/v1/deals/{deal.id}"
    version = demo_client.get(url).json()["version"]
    edit = {
        "version": version,
        "title": 'Maia “200” \\ "quoted" \u2028 ünïcode',
        "deal_types": ["equity_investment", "cloud_capacity"],
        "parties": [
            {"organization": "Anthropic", "role": "customer"},
            {"organization": "Microsoft", "role": "provider"},
            {"organization": "Microsoft", "role": "investor"},
        ],
        "hardware": [{"name": "H100", "chips": 24000}, {"name": "Maia 200"}],
        "capacity_mw": "1.5",
        "capacity_qualifier": "estimated",
        "term_start": "2027-Q1",
    }
    patched = demo_client.patch(url, json=edit, headers=auth)
    assert patched.status_code == 200, patched.text
    microsoft = demo_client.get("/api/v1/organizations/microsoft").json()
    renamed = {"version": microsoft["version"], "name": "Microsoft Corporation"}
    org = demo_client.patch("/api/v1/organizations/microsoft", json=renamed, headers=auth)
    assert org.status_code == 200, org.text
    h100 = demo_client.get("/api/v1/hardware/h100").json()
    retyped = {"version": h100["version"], "name": "H100 SXM", "type": "other"}
    hardware = demo_client.patch("/api/v1/hardware/h100", json=retyped, headers=auth)
    assert hardware.status_code == 200, hardware.text
    event = {"status": "confirmed", "effective_on": "2026-06", "source": {"publisher": "Reuters",
             "tier": "original", "url": "https://www.reuters.com/"}}  # fmt: skip
    assert demo_client.post(f"{url}/status-events", json=event, headers=auth).status_code == 201

    listed = demo_client.get("/api/v1/deals?per_page=500")
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/json"
    body = listed.json()
    assert body["total"] == len(body["items"]) == count_live(demo)
    items = re.findall(r'\{"id":\d+,"url":.*?,"updated_at":"[^"]+"\}', listed.text)
    assert len(items) == len(body["items"])
    for item, text in zip(body["items"], items, strict=True):
        single = demo_client.get(f"/api/v1/deals/{item['id']}").text
        assert text == single[: single.index(',"notes":')] + "}"
    edited = next(item for item in body["items"] if item["id"] == deal.id)
    assert edited["title"] == edit["title"] and edited["status"] == "confirmed"
    assert edited["capacity_mw"] == 1.5 and edited["term_start"] == "2027-Q1"
    assert ("microsoft", "Microsoft Corporation") in {
        (p["organization"]["slug"], p["organization"]["name"]) for p in edited["parties"]
    }
    assert edited["hardware"][0]["hardware"] == {
        "slug": "h100",
        "name": "H100 SXM",
        "type": "other",
    }
    assert edited["deal_types"] == ["cloud_capacity", "equity_investment"]


def test_a_deal_not_rendered_yet_is_answered_all_the_same(
    demo_client: TestClient, demo: Session
) -> None:
    before = demo_client.get("/api/v1/deals?per_page=500").text
    demo.execute(update(DealDerived).values(api_json=None))
    demo.flush()
    assert demo_client.get("/api/v1/deals?per_page=500").text == before
    assert refresh_missing(demo) == count(demo, Deal)
    assert demo.scalar(select(func.count()).where(DealDerived.api_json.is_(None))) == 0
    assert demo_client.get("/api/v1/deals?per_page=500").text == before


def count_live(session: Session) -> int:
    return session.scalar(select(func.count()).where(Deal.deleted_at.is_(None))) or 0


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("status=confirmd", {"status"}),
        ("status=rumored&per_page=0&colour=red", {"per_page", "colour"}),
        ("party=nobody-inc&hardware=h999", {"party", "hardware"}),
        ("reported_from=2026-13&min_value=lots", {"reported_from", "min_value"}),
        ("sort=price&page=x", {"sort", "page"}),
    ],
)
def test_bad_filter_values_are_a_422_naming_each_parameter(
    demo_client: TestClient, query: str, params: set[str]
) -> None:
    body = problem(demo_client.get(f"/api/v1/deals?{query}"), 422)
    assert set(body["errors"]) == params
    assert "confirmd" in body["detail"] or "status" not in params


# Writing deals ------------------------------------------------------------------------------


def test_a_deal_is_created_with_its_source_status_and_audit(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    before = demo_client.get("/api/v1/deals?q=maia").json()["total"]  # now cached
    response = demo_client.post("/api/v1/deals", json=NEW_DEAL, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == body["api_url"]
    assert demo_client.get(response.headers["location"]).json() == body
    assert body["first_reported_on"] == "2026-05"  # month precision stays a month
    assert (body["value_usd"], body["value_qualifier"]) == (10_000_000_000, "up_to")
    assert [(p["organization"]["slug"], p["role"]) for p in body["parties"]] == [
        ("anthropic", "customer"),
        ("microsoft", "provider"),
    ]
    original, relay = sorted(body["sources"], key=lambda s: s["tier"])
    assert relay["relays_id"] == original["id"] and relay["tier"] == "relay"
    assert [e["status"] for e in body["status_events"]] == ["in_talks"]
    assert audit_actions(demo, "deal", body["id"]) == [("create", analyst_id(demo))]
    found = demo_client.get("/api/v1/deals?q=maia").json()
    assert body["id"] in [deal["id"] for deal in found["items"]]
    assert found["total"] == before + 1  # the cached total followed the change


BAD_DEALS = [
    ({"title": ""}, "title", "a deal needs a title"),
    ({"deal_types": ["rental"]}, "deal_types", "'rental' is not one of"),
    ({"parties": [{"organization": "Anthropic", "role": "customer"}]}, "parties", "at least two"),
    ({"parties": [{"organization": "Anthropic", "role": "customer"},
                  {"organization": "Nobody Corp", "role": "provider"}]}, "parties[1]", "not a known"),  # noqa: E501
    ({"hardware": [{"name": "Maia 900"}]}, "hardware[0]", "not a known hardware model"),
    ({"value_usd": -5}, "value_usd", "non-negative"),
    ({"first_reported_on": "2026-13"}, "first_reported_on", "has no month 13"),
    ({"source": {"publisher": "X", "tier": "blog"}}, "source.tier", "'blog' is not one of"),
    ({"relay": {"publisher": "Odaily", "url": "javascript:alert(1)"}}, "relay.url", "only http"),
    ({"status": "signed"}, "status", "'signed' is not one of"),
    ({"titel": "typo"}, "titel", "Extra inputs are not permitted"),
    ({"parties": "Anthropic"}, "parties", "valid list"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), BAD_DEALS)
def test_bad_deals_get_a_message_per_field_and_save_nothing(
    demo_client: TestClient,
    demo: Session,
    auth: dict[str, str],
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    counts = [count(demo, m) for m in (Deal, Source, StatusEvent, Organization, AuditEvent)]
    response = demo_client.post("/api/v1/deals", json={**NEW_DEAL, **changes}, headers=auth)
    body = problem(response, 422)
    assert any(message in m for m in body["errors"][field]), body["errors"]
    assert [count(demo, m) for m in (Deal, Source, StatusEvent, Organization, AuditEvent)] == counts


def test_a_likely_duplicate_is_a_409_until_decided(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    undecided = {k: v for k, v in NEW_DEAL.items() if k != "duplicate_decision"}
    existing = maia_deal(demo).id
    before = count(demo, Deal)
    body = problem(demo_client.post("/api/v1/deals", json=undecided, headers=auth), 409)
    assert existing in [d["id"] for d in body["duplicates"]]
    assert count(demo, Deal) == before
    linked = {**undecided, "duplicate_decision": f"duplicate_of:{existing}"}
    created = demo_client.post("/api/v1/deals", json=linked, headers=auth).json()
    assert [(r["kind"], r["deal_id"]) for r in created["related"]] == [("duplicate_of", existing)]
    assert created["related"][0]["api_url"].endswith(f"/api/v1/deals/{existing}")
    assert demo_client.delete(f"/api/v1/deals/{existing}", headers=auth).status_code == 204
    assert demo_client.get(created["api_url"]).json()["related"] == []  # deleted: not shown
    wrong = {**undecided, "duplicate_decision": "expands:99999"}
    assert problem(demo_client.post("/api/v1/deals", json=wrong, headers=auth), 422)["errors"]


def test_patch_changes_only_what_it_names_and_checks_the_version(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    deal = maia_deal(demo)
    url = f"/api/v1/deals/{deal.id}"
    before = demo_client.get(url).json()
    response = demo_client.patch(
        url, json={"version": before["version"], "confidence": "high", "value_usd": "12.5B"},
        headers=auth,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    after = response.json()
    assert (after["confidence"], after["value_usd"]) == ("high", 12_500_000_000)
    assert after["version"] == before["version"] + 1
    unchanged = ("title", "parties", "hardware", "first_reported_on", "deal_types", "sources")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert audit_actions(demo, "deal", deal.id)[-1] == ("update", analyst_id(demo))

    mine = {"version": before["version"], "title": "Mine"}
    stale = demo_client.patch(url, json=mine, headers=auth)
    body = problem(stale, 409)
    assert body["current_version"] == after["version"]
    assert demo_client.get(url).json()["title"] == before["title"]

    cleared = demo_client.patch(
        url, json={"version": after["version"], "value_usd": None}, headers=auth
    ).json()
    assert (cleared["value_usd"], cleared["value_qualifier"]) == (None, None)
    bad = demo_client.patch(url, json={"version": cleared["version"], "parties": []}, headers=auth)
    assert "at least two" in problem(bad, 422)["errors"]["parties"][0]
    assert problem(demo_client.patch(url, json={"title": "x"}, headers=auth), 422)["errors"] == {
        "version": ["Field required"]
    }


def test_delete_is_soft_and_the_deal_leaves_every_read(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    deal = maia_deal(demo)
    url = f"/api/v1/deals/{deal.id}"
    response = demo_client.delete(url, headers=auth)
    assert response.status_code == 204 and response.content == b""
    demo.expire_all()
    assert demo.get_one(Deal, deal.id).deleted_at is not None
    assert audit_actions(demo, "deal", deal.id)[-1] == ("delete", analyst_id(demo))
    for path in (url, f"{url}/sources", f"{url}/status-events"):
        problem(demo_client.get(path), 404)
    problem(demo_client.delete(url, headers=auth), 404)
    listed = demo_client.get("/api/v1/deals?per_page=500&q=maia").json()["items"]
    assert deal.id not in [d["id"] for d in listed]


def test_status_events_are_appended_and_the_status_follows(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    deal = maia_deal(demo)
    url = f"/api/v1/deals/{deal.id}/status-events"
    sent = {
        "status": "denied",
        "effective_on": "2027-Q1",
        "note": "Microsoft denied it on record.",
        "source": {"publisher": "Reuters", "tier": "primary", "url": "https://example.org/r"},
    }
    response = demo_client.post(url, json=sent, headers=auth)
    assert response.status_code == 201, response.text
    event = response.json()
    assert (event["status"], event["effective_on"]) == ("denied", "2027-Q1")
    assert demo_client.get(url).json()[-1] == event
    deal_now = demo_client.get(f"/api/v1/deals/{deal.id}").json()
    assert deal_now["status"] == "denied"
    assert event["source_id"] in [s["id"] for s in deal_now["sources"]]
    assert audit_actions(demo, "status_event", event["id"]) == [("create", analyst_id(demo))]

    other = demo.scalars(select(Source).where(Source.deal_id != deal.id)).first()
    assert other is not None
    wrong = {"status": "confirmed", "effective_on": "2027-02", "source_id": other.id}
    assert (
        "not on this deal"
        in problem(demo_client.post(url, json=wrong, headers=auth), 422)["errors"]["source_id"][0]
    )
    both = {**sent, "source_id": event["source_id"]}
    assert "source_id" in problem(demo_client.post(url, json=both, headers=auth), 422)["errors"]


def test_sources_are_added_and_relays_point_at_their_story(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    deal = maia_deal(demo)
    url = f"/api/v1/deals/{deal.id}/sources"
    original = demo_client.get(url).json()[0]
    sent = {"publisher": "Aggregator", "tier": "relay", "url": "https://example.org/a",
            "archived_url": "https://archive.ph/a1",
            "published_on": "2026-05", "relays_id": original["id"]}  # fmt: skip
    response = demo_client.post(url, json=sent, headers=auth)
    assert response.status_code == 201, response.text
    source = response.json()
    assert (source["relays_id"], source["published_on"]) == (original["id"], "2026-05")
    assert source["archived_url"] == "https://archive.ph/a1"
    assert source in demo_client.get(url).json()
    assert audit_actions(demo, "source", source["id"]) == [("create", analyst_id(demo))]
    for bad, field in (
        ({"publisher": "X", "tier": "relay", "url": "ftp://x"}, "url"),
        ({"publisher": "X", "tier": "original", "archived_url": "javascript:x"}, "archived_url"),
        ({"publisher": "", "tier": "original"}, "publisher"),
        ({"publisher": "X", "tier": "relay", "relays_id": 2_000_000_000}, "relays_id"),
    ):
        assert field in problem(demo_client.post(url, json=bad, headers=auth), 422)["errors"]


# Organizations and hardware ------------------------------------------------------------------


def test_the_directory_reads_with_the_tables_counts(demo_client: TestClient) -> None:
    orgs = demo_client.get("/api/v1/organizations").json()
    microsoft = next(o for o in orgs if o["slug"] == "microsoft")
    assert "MSFT" in microsoft["aliases"]
    assert microsoft == demo_client.get("/api/v1/organizations/microsoft").json()
    assert microsoft["deal_count"] == demo_client.get(microsoft["deals_url"]).json()["total"] > 0
    hardware = demo_client.get("/api/v1/hardware").json()
    maia = next(h for h in hardware if h["slug"] == "maia-200")
    assert (maia["vendor"]["slug"], maia["in_house"]) == ("microsoft", True)
    assert maia["deal_count"] == demo_client.get(maia["deals_url"]).json()["total"] > 0
    assert problem(demo_client.get("/api/v1/hardware/nope"), 404)["detail"]


def test_organizations_and_hardware_are_written_by_the_forms_rules(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    sent = {"name": "Crusoe", "kind": "neocloud", "aliases": ["Crusoe Energy", "crusoe energy"],
            "country": "us", "website": "https://www.crusoe.ai"}  # fmt: skip
    response = demo_client.post("/api/v1/organizations", json=sent, headers=auth)
    assert response.status_code == 201, response.text
    org = response.json()
    assert (org["slug"], org["country"], org["aliases"]) == ("crusoe", "US", ["Crusoe Energy"])
    org_id = demo.scalars(select(Organization.id).where(Organization.slug == "crusoe")).one()
    assert audit_actions(demo, "organization", org_id) == [("create", analyst_id(demo))]
    clash = {"name": "Azure", "kind": "hyperscaler"}
    errors = problem(demo_client.post("/api/v1/organizations", json=clash, headers=auth), 422)
    assert "alias of Microsoft" in errors["errors"]["name"][0]
    bad_country = {"name": "X", "country": "USA"}
    refused_org = demo_client.post("/api/v1/organizations", json=bad_country, headers=auth)
    assert "two-letter" in problem(refused_org, 422)["errors"]["country"][0]

    url = "/api/v1/organizations/crusoe"
    changed = demo_client.patch(
        url, json={"version": org["version"], "kind": "datacenter_developer"}, headers=auth
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["kind"], changed.json()["aliases"]) == (
        "datacenter_developer",
        ["Crusoe Energy"],
    )
    stale = demo_client.patch(url, json={"version": org["version"], "kind": "other"}, headers=auth)
    assert problem(stale, 409)["current_version"] == changed.json()["version"]

    unknown = {"name": "MI355X", "vendor": "Nobody", "type": "gpu"}
    refused = problem(demo_client.post("/api/v1/hardware", json=unknown, headers=auth), 422)
    assert "not a known organization" in refused["errors"]["vendor"][0]
    made = demo_client.post("/api/v1/hardware", json={**unknown, "vendor": "AMD"}, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json()["vendor"] == {"slug": "amd", "name": "AMD"}
    renamed = demo_client.patch(
        "/api/v1/hardware/mi355x", json={"version": made.json()["version"], "family": "Instinct"},
        headers=auth,
    )  # fmt: skip
    assert renamed.json()["family"] == "Instinct" and renamed.json()["name"] == "MI355X"


# Who may ------------------------------------------------------------------------------------


def test_writes_need_an_analysts_token(
    demo_client: TestClient, demo: Session, analyst: TestClient
) -> None:
    deal_url = f"/api/v1/deals/{maia_deal(demo).id}"
    viewer = token(demo, "viewer")
    requests = [
        ("POST", "/api/v1/deals", NEW_DEAL),
        ("PATCH", deal_url, {"version": 1, "title": "x"}),
        ("DELETE", deal_url, None),
        ("POST", f"{deal_url}/sources", {"publisher": "X", "tier": "original"}),
        ("POST", "/api/v1/organizations", {"name": "Crusoe"}),
    ]
    before = count(demo, AuditEvent)
    for method, url, body in requests:
        anonymous = problem(demo_client.request(method, url, json=body), 401)
        assert "API token" in anonymous["detail"]
        # A signed-in browser session (with its CSRF token) is not enough either.
        cookie = problem(analyst.request(method, url, json=body), 401)
        assert "browser session is not enough" in cookie["detail"]
        assert problem(demo_client.request(method, url, json=body, headers=viewer), 403)
        bogus = {"Authorization": "Bearer cdt_not-a-token"}
        assert problem(demo_client.request(method, url, json=body, headers=bogus), 401)
    assert count(demo, AuditEvent) == before
    assert demo_client.get("/api/v1/me", headers=viewer).json()["role"] == "viewer"


def test_a_private_instance_answers_anonymous_reads_with_401(demo: Session) -> None:
    headers = token(demo, "viewer")
    with TestClient(_test_app(demo, read_access="private")) as client:
        for path in ("/api/v1/deals", f"/api/v1/deals/{maia_deal(demo).id}", "/api/v1/hardware"):
            body = problem(client.get(path), 401)
            assert "private" in body["detail"]
            assert client.get(path, headers=headers).status_code == 200
        # What the API is stays public; the data does not.
        assert client.get("/api/openapi.json").status_code == 200
        assert client.get("/api/docs").status_code == 200
        assert client.get("/deals", follow_redirects=False).status_code == 303  # pages unchanged


# Errors are problems, pages stay pages ------------------------------------------------------


def test_every_api_error_is_problem_json_and_pages_keep_html(demo_client: TestClient) -> None:
    assert problem(demo_client.get("/api/v1/nowhere"), 404)["instance"] == "/api/v1/nowhere"
    assert problem(demo_client.put("/api/v1/deals"), 405)
    assert problem(demo_client.get("/api/v1/deals/abc"), 422)["errors"] == {
        "deal_id": ["Input should be a valid integer, unable to parse string as an integer"]
    }
    assert problem(demo_client.get("/api/v1/deals/99999999999"), 422)["errors"]["deal_id"]
    assert problem(demo_client.get("/api/v1/organizations/nobody"), 404)
    assert problem(demo_client.get("/api/v1/me"), 401)
    page = demo_client.get("/nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "query",
    ["q=%00", "party=%00", "page=99999999999999999999", "page=%C2%B2", "min_value=1e30"],
)
def test_odd_values_never_break_the_list(demo_client: TestClient, query: str) -> None:
    response = demo_client.get(f"/api/v1/deals?{query}")
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        problem(response, 422)


# The description -----------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_api_only_and_every_error(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    # Paths are the mounted API app's own; `servers` says where it is mounted.
    urls = {schema["servers"][0]["url"] + path for path in schema["paths"]}
    assert urls and all(url.startswith("/api/v1/") for url in urls)
    assert {"/api/v1/deals", "/api/v1/deals/{deal_id}/status-events", "/api/v1/me"} <= urls
    assert schema["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["ApiToken"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            if method != "get":
                assert operation["security"] == [{"ApiToken": []}], (method, path)
                assert "403" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert list(response["content"]) == [PROBLEM], (method, path, status)
                    ref = response["content"][PROBLEM]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Problem"
    listing = schema["paths"]["/v1/deals"]["get"]["parameters"]
    # Every filter of the registry, and paging: a filter added there is documented here.
    assert {p["name"] for p in listing} == {f.name for f in FILTERS} | {"page", "per_page"}
    assert {"q", "status", "party", "parties_all", "min_value", "sort"} <= {f.name for f in FILTERS}


def test_the_docs_page_uses_vendored_files_and_no_inline_script(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    scripts = [script["src"] for script in page.select("script")]
    assert all(src.startswith("http://testserver/static/") for src in scripts)
    assert any(re.search(r"swagger-ui-\d+\.\d+\.\d+-bundle\.js$", src) for src in scripts)
    assert not page.select("style, [style], [onclick]")
    assert page.select_one("[data-schema-url]")["data-schema-url"].endswith("/api/openapi.json")
    for url in (*scripts, *(link["href"] for link in page.select("link[rel=stylesheet]"))):
        assert client.get(url).status_code == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_odd_characters_never_break_a_write(
    demo_client: TestClient, demo: Session, auth: dict[str, str]
) -> None:
    assert problem(demo_client.get("/api/v1/organizations/a%00b"), 404)
    nul = {**NEW_DEAL, "title": "Maia\x00 deal", "region": "\x00"}
    created = demo_client.post("/api/v1/deals", json=nul, headers=auth)
    assert created.status_code == 201, created.text
    assert (created.json()["title"], created.json()["region"]) == ("Maia deal", None)
    surrogate = demo_client.post(
        "/api/v1/deals",
        content=json.dumps({**NEW_DEAL, "title": "Maia \ud800"}),  # a lone surrogate
        headers={**auth, "Content-Type": "application/json"},
    )
    assert "title" in problem(surrogate, 422)["errors"]
    for decision in ("duplicate_of:\u00b2", "duplicate_of:99999999999", "maybe"):
        body = {**NEW_DEAL, "duplicate_decision": decision}
        response = demo_client.post("/api/v1/deals", json=body, headers=auth)
        assert "duplicate_decision" in problem(response, 422)["errors"]


def test_what_the_schema_forbids_is_refused(demo_client: TestClient, auth: dict[str, str]) -> None:
    """A blank filter value (a page reads it as absent; the API's schema has no blank value),
    a number for a boolean, a timestamp for a date: each a 422 naming the field."""
    for query, name in [("reported_to=", "reported_to"), ("party=", "party"), ("q=", "q")]:
        body = problem(demo_client.get(f"/api/v1/deals?{query}"), 422)
        assert name in body["errors"], query
    assert demo_client.get("/deals?reported_to=&party=").status_code == 200
    for body_changes, name in [
        ({"create_missing": 0}, "create_missing"),
        ({"chips_qualifier": "roughly"}, "chips_qualifier"),
    ]:
        refused = demo_client.post("/api/v1/deals", json={**NEW_DEAL, **body_changes}, headers=auth)
        assert name in problem(refused, 422)["errors"], body_changes
    reader = {"text": "Oracle rents GPUs to xAI.", "published_on": 1762128000}
    body = problem(demo_client.post("/api/v1/extract", json=reader, headers=auth), 422)
    assert "published_on" in body["errors"]


def test_a_link_in_capitals_is_stored_in_lower_case(
    demo_client: TestClient, auth: dict[str, str]
) -> None:
    """Postgres checks `LIKE 'http://%'` case-sensitively: `HTTP://` was a 500 there."""
    source = {**NEW_DEAL["source"], "url": "HTTPS://Example.com/A", "archived_url": "HTTP://a.b/C"}
    created = demo_client.post("/api/v1/deals", json={**NEW_DEAL, "source": source}, headers=auth)
    assert created.status_code == 201, created.text
    [saved] = created.json()["sources"][:1]
    assert (saved["url"], saved["archived_url"]) == ("https://Example.com/A", "http://a.b/C")
