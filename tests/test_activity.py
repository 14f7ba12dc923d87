"""`/activity`: edits with before → after, status events and sources, newest first, paged by
keyset, narrowed by the table's filters and `since`; no email address for anonymous readers."""

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import make_deal


def _edited(session: Session) -> tuple[int, str]:
    editor = create_user(session, "editor@example.org", "editor password 1", "analyst")
    editor.display_name = "Edith"
    session.commit()
    deal = make_deal(session, "Old title", value_usd=None)
    session.commit()
    session.info["user_id"] = editor.id
    deal.title = "New title"
    session.commit()
    session.info["user_id"] = None
    return deal.id, editor.email


def test_an_edit_shows_before_and_after_and_anonymous_readers_never_see_an_email(
    session: Session, client: TestClient
) -> None:
    deal_id, email = _edited(session)
    page = client.get("/activity")
    assert page.status_code == 200
    body = page.text
    assert re.search(r"<th scope=\"row\">title</th><td>Old title</td><td>New title</td>", body)
    assert "Edith" in body and email not in body and "@" not in body.split("<main")[1]
    # The deal page's history too.
    assert email not in client.get(f"/deals/{deal_id}").text
    create_user(session, "reader@example.org", "reader password 1", "viewer")
    sign_in(client, "reader@example.org", "reader password 1")
    assert email in client.get("/activity").text


def test_filters_since_and_keyset_pages(session: Session, client: TestClient) -> None:
    rumor = make_deal(session, "A rumor", status="rumored")
    confirmed = make_deal(session, "A confirmed one", status="confirmed")
    session.commit()
    body = client.get("/activity?status=confirmed").text
    assert "A confirmed one" in body and "A rumor" not in body
    # Events older than `since` drop out.
    old = datetime.now(UTC) - timedelta(days=400)
    session.execute(
        update(AuditEvent).where(AuditEvent.deal_id == rumor.id).values(occurred_at=old)
    )
    session.commit()
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    body = client.get(f"/activity?since={since}").text
    assert "A confirmed one" in body and "A rumor" not in body
    # Sixty more changes: the first page holds fifty, "Older changes" the rest, none twice.
    for n in range(60):
        confirmed.title = f"Confirmed {n}"
        session.commit()
    seen: list[str] = []
    url: str | None = "/activity?status=confirmed"
    pages = 0
    while url:
        body = client.get(url).text
        seen += re.findall(r"<td>(Confirmed \d+)</td></tr>", body)
        found = re.search(r'href="([^"]+)" rel="next"', body)
        url = found[1].replace("&amp;", "&") if found else None
        pages += 1
    assert pages == 2
    assert seen == [f"Confirmed {n}" for n in range(59, -1, -1)]


def test_bad_values_get_a_400_naming_them(session: Session, client: TestClient) -> None:
    for query, message in (
        ("since=yesterday", "since"),
        ("status=maybe", "maybe"),
        ("sort=title", "always newest first"),
        ("before=x", "whole number"),
    ):
        response = client.get(f"/activity?{query}")
        assert response.status_code == 400 and message in response.text, query


def test_deals_take_updated_since(session: Session, client: TestClient) -> None:
    fresh = make_deal(session, "Fresh")
    stale = make_deal(session, "Stale")
    session.flush()
    stale.updated_at = datetime(2024, 1, 5, tzinfo=UTC)
    session.commit()
    body = client.get("/deals?updated_since=2025").text
    assert f'/deals/{fresh.id}"' in body and f'/deals/{stale.id}"' not in body
    assert client.get("/deals?updated_since=soon").status_code == 400
