"""Following: one notification per follower and change, written with the change."""

import re

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.inputs.deal import StatusInput
from app.models import Deal, DealParty, Notification, Organization, SavedView, User
from app.services.deals import record_status
from app.services.follows import follow, mark_read, notifications, unread_count
from tests.factories import make_deal, make_organization


def _status(status: str) -> StatusInput:
    return StatusInput.model_validate(
        {
            "status": status,
            "effective_on": "2026-06",
            "source": {"publisher": "Reuters", "tier": "original", "url": "https://example.org/r"},
        }
    )


def test_following_a_deal_and_its_confirmation_makes_one_notification_per_follower(
    session: Session,
) -> None:
    deal = make_deal(session, "Rumored cluster")
    session.commit()
    alice = create_user(session, "alice@example.org", "a long password 1", "analyst")
    bob = create_user(session, "bob@example.org", "a long password 2", "viewer")
    carol = create_user(session, "carol@example.org", "a long password 3", "viewer")
    recorder = create_user(session, "rec@example.org", "a long password 4", "analyst")
    follow(session, alice, "deal", deal.id)
    follow(session, bob, "deal", deal.id)
    # Bob also follows a party of the deal: still one notification for the one change.
    follow(session, bob, "organization", deal.parties[0].organization_id)
    follow(session, recorder, "deal", deal.id)  # who records it is not told

    session.info["user_id"] = recorder.id
    record_status(session, deal, _status("confirmed"), recorder)

    rows = session.execute(
        select(Notification.user_id, func.count()).group_by(Notification.user_id)
    ).all()
    assert dict(rows) == {alice.id: 1, bob.id: 1}
    assert carol.id not in dict(rows)
    (note,) = notifications(session, alice)
    assert note.title == "Rumored cluster" and note.deal_id == deal.id
    assert "status: rumored → confirmed" in note.summary
    assert "new source: Reuters" in note.summary
    assert unread_count(session, alice) == 1
    assert mark_read(session, alice) == 1
    assert unread_count(session, alice) == 0 and unread_count(session, bob) == 1


def test_a_followed_organization_hears_of_new_deals_and_its_own_edits(session: Session) -> None:
    org = make_organization(session, "Lambda Labs")
    session.commit()
    reader = create_user(session, "r@example.org", "a long password 1", "viewer")
    follow(session, reader, "organization", org.id)
    make_deal(session, "New with Lambda", parties=[(org, "provider")])
    session.commit()
    org.name = "Lambda"
    session.commit()
    notes = notifications(session, reader)
    assert [n.title for n in notes] == ["Lambda", "New with Lambda"]
    assert notes[0].summary == "name: Lambda Labs → Lambda"
    assert "new deal" in notes[1].summary


def test_a_followed_view_hears_of_deals_entering_and_leaving_it(session: Session) -> None:
    """A rumor confirmed leaves a `status=rumored` view: its followers still hear of it."""
    reader = create_user(session, "r@example.org", "a long password 1", "viewer")
    other = create_user(session, "o@example.org", "a long password 2", "analyst")
    view = SavedView(owner_id=reader.id, name="Rumors", page="deals", query="status=rumored")
    session.add(view)
    session.commit()
    follow(session, reader, "view", view.id)
    session.info["user_id"] = other.id
    deal = make_deal(session, "Was a rumor")
    make_deal(session, "Already confirmed", status="confirmed")
    session.commit()
    record_status(session, deal, _status("confirmed"), other)
    notes = notifications(session, reader)
    assert [n.title for n in notes] == ["Was a rumor", "Was a rumor"]
    assert {n.reason for n in notes} == {"view Rumors"}
    assert "status: rumored → confirmed" in notes[0].summary
    assert "new deal" in notes[1].summary


def test_the_follow_button_the_unread_count_and_the_following_page(
    demo: Session, analyst: TestClient
) -> None:
    org = demo.scalars(select(Organization).where(Organization.slug == "microsoft")).one()
    page = analyst.get(f"/organizations/{org.slug}").text
    assert "Follow this organization" in page
    response = analyst.post(
        "/follow",
        data={"target_type": "organization", "target_id": str(org.id), "next": "/organizations"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/organizations"
    assert 'aria-pressed="true"' in analyst.get(f"/organizations/{org.slug}").text

    other = create_user(demo, "other@example.org", "other password 1", "analyst")
    deal = demo.scalars(
        select(Deal).join(DealParty).where(DealParty.organization_id == org.id).limit(1)
    ).one()
    demo.info["user_id"] = other.id
    record_status(demo, deal, _status("cancelled"), other)

    home = analyst.get("/").text
    assert 'aria-label="1 unread"' in home
    following = analyst.get("/following").text
    assert deal.title in following and "via organization Microsoft" in following
    assert "→ cancelled" in following
    up_to = re.search(r'name="up_to" value="(\d+)"', following)
    assert up_to is not None
    assert analyst.post("/following/read", data={"up_to": up_to[1]}).status_code == 200
    assert "unread" not in analyst.get("/").text.split("</nav>")[0]
    assert (
        analyst.post("/follow", data={"target_type": "deal", "target_id": "999999"}).status_code
        == 404
    )


def test_the_private_feed_has_a_secret_revocable_url_and_settings_are_saved(
    demo: Session, analyst: TestClient
) -> None:
    account = analyst.get("/account").text
    assert "Make a private feed URL" in account and 'name="email_mode"' in account
    saved = analyst.post(
        "/account/notifications", data={"email_mode": "digest", "display_name": "  Ana  B "}
    )
    assert saved.status_code == 200
    me = demo.scalars(select(User).where(User.email == "ana@example.org")).one()
    assert (me.email_mode, me.display_name) == ("digest", "Ana B")
    assert analyst.post("/account/notifications", data={"email_mode": "hourly"}).status_code == 400

    deal = demo.scalars(select(Deal).order_by(Deal.id).limit(1)).one()
    follow(demo, me, "deal", deal.id)
    other = create_user(demo, "other@example.org", "other password 1", "analyst")
    demo.info["user_id"] = other.id
    record_status(demo, deal, _status("cancelled"), other)

    account = analyst.post("/account/feed").text
    found = re.search(r'<code id="private-feed">([^<]+)</code>', account)
    assert found is not None
    url = found[1].replace("http://testserver", "")
    with TestClient(analyst.app) as anonymous:
        answer = anonymous.get(url)
        assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
        feed = feedparser.parse(answer.content)
        assert not feed.bozo and len(feed.entries) == 1
        assert feed.entries[0].title == f"{deal.title} (via deal)"
        assert "→ cancelled" in feed.entries[0].summary
        analyst.post("/account/feed/revoke")
        assert anonymous.get(url).status_code == 404
