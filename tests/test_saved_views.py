"""Saved views: filters checked by the registry on save; the view's page, feed and CSV agree."""

import csv
import io
import re

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.models import SavedView
from tests.conftest import sign_in

DEAL_LINK = re.compile(r'href="http://testserver/deals/(\d+)"')


def _save(client: TestClient, **data: str) -> int:
    response = client.post("/views", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.status_code


def _page_ids(client: TestClient, path: str) -> list[int]:
    body = client.get(path).text
    table = body[body.index("<table") : body.index("</table>")]
    return list(dict.fromkeys(int(i) for i in DEAL_LINK.findall(table)))


def test_a_saved_views_page_feed_and_csv_hold_the_same_deals(
    demo: Session, analyst: TestClient
) -> None:
    query = "status=confirmed&party=microsoft&sort=-value&page=2&per_page=250"
    form = analyst.get("/views/new", params={"page": "deals", "query": query})
    assert form.status_code == 200 and 'name="name"' in form.text
    _save(analyst, name="  Microsoft   confirmed ", page="deals", query=query, shared="1")
    view = demo.scalars(select(SavedView)).one()
    # Stored as the registry writes it: paging left out, the name's spaces tidied.
    assert view.name == "Microsoft confirmed"
    assert view.query == "status=confirmed&party=microsoft&sort=-value"
    assert view.shared

    opened = analyst.get(f"/views/{view.id}", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"http://testserver/deals?{view.query}"
    page_ids = _page_ids(analyst, opened.headers["location"])
    assert page_ids, "the view's page lists no deal"

    rows = list(csv.DictReader(io.StringIO(analyst.get(f"/views/{view.id}.csv").text)))
    assert [int(row["id"]) for row in rows] == page_ids
    assert analyst.get(f"/views/{view.id}.csv").text == analyst.get(f"/deals.csv?{view.query}").text

    answer = analyst.get(f"/views/{view.id}/feed.atom")
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(answer.content)
    plain = feedparser.parse(analyst.get(f"/feed.atom?{view.query}").content)
    assert not feed.bozo and feed.feed.title.startswith("Microsoft confirmed — ")
    assert [e.id for e in feed.entries] == [e.id for e in plain.entries]
    feed_deals = {int(e.link.rsplit("/", 1)[1]) for e in feed.entries}
    assert feed_deals and feed_deals <= set(page_ids)

    listing = analyst.get("/views").text
    assert "Microsoft confirmed" in listing and f"/views/{view.id}/feed.atom" in listing


def test_a_view_never_holds_a_bad_filter(demo: Session, analyst: TestClient) -> None:
    for query, message in (
        ("status=maybe", "maybe"),
        ("party=no-such-org", "no-such-org"),
        ("colour=red", "unknown filter"),
        ("status=rumored&view=sideways", "sideways"),
    ):
        page = "timeline" if "view=" in query else "deals"
        response = analyst.post(
            "/views", data={"name": "Bad", "page": page, "query": query}, follow_redirects=False
        )
        assert response.status_code == 400, query
        assert message in response.text and 'value="Bad"' in response.text
    assert demo.scalars(select(SavedView)).all() == []


def test_timeline_views_keep_their_options_and_names_are_per_owner(
    demo: Session, analyst: TestClient
) -> None:
    _save(
        analyst, name="Lanes", page="timeline", query="view=lanes&before=2025-01:3&status=rumored"
    )
    view = demo.scalars(select(SavedView)).one()
    assert view.query == "status=rumored&view=lanes"
    again = analyst.post("/views", data={"name": "lanes", "page": "deals", "query": ""})
    assert again.status_code == 400 and "already have a view" in again.text


def test_private_views_are_their_owners_only(demo: Session, analyst: TestClient) -> None:
    _save(analyst, name="Mine", page="deals", query="status=rumored")
    view = demo.scalars(select(SavedView)).one()
    create_user(demo, "other@example.org", "other password 1", "viewer")
    with TestClient(analyst.app) as other:
        assert other.get(f"/views/{view.id}", follow_redirects=False).status_code == 404
        sign_in(other, "other@example.org", "other password 1")
        assert other.get(f"/views/{view.id}.csv").status_code == 404
        assert "Mine" not in other.get("/views").text
    assert analyst.get(f"/views/{view.id}.csv").status_code == 200


def test_deals_and_timeline_link_to_saving_what_they_show(
    demo: Session, analyst: TestClient, demo_client: TestClient
) -> None:
    timeline = analyst.get("/timeline?status=rumored&view=lanes").text
    assert "/views/new?page=timeline&amp;query=status%3Drumored%26view%3Dlanes" in timeline
    deals = analyst.get("/deals?status=rumored&page=2").text
    assert "/views/new?page=deals&amp;query=status%3Drumored" in deals
    assert "Save this view" not in demo_client.get("/deals").text  # not signed in
