"""A deal's page is kept per worker under the change counter (app/queries/deal_page.py): it is
never shown older than the last change, whoever made it and whatever it touched, and what
depends on the reader (their role's forms, their name for users, the undo buttons) stays live."""

from collections.abc import Callable

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.inputs.records import OrganizationInput
from app.models import DealRelation, User
from app.queries.deals import get_deal
from app.services.directory import save_organization
from app.services.merging import merge_deals
from tests.conftest import StatementCounter, _test_app, sign_in
from tests.factories import make_deal, make_hardware, make_organization


def text_of(client: TestClient, deal_id: int) -> str:
    response = client.get(f"/deals/{deal_id}")
    assert response.status_code == 200, response.status_code
    return " ".join(BeautifulSoup(response.text, "html.parser").get_text().split())


def test_a_kept_deal_page_shows_every_change_at_once(
    demo: Session, count_statements: Callable[[], StatementCounter]
) -> None:
    ana = create_user(demo, "ana@example.org", "analyst password 1", "analyst")
    admin = create_user(demo, "root@example.org", "admin password 12", "admin")
    maker = make_organization(demo, "Chipworks", kind="chipmaker")
    chip = make_hardware(demo, "Blaze 9", vendor=maker)
    customer = make_organization(demo, "Northwind Labs")
    deal = make_deal(demo, "A kept page", parties=[(customer, "customer")], hardware=[chip])
    neighbour = make_deal(demo, "The neighbour deal")
    deal.relations.append(DealRelation(kind="expands", related_deal=neighbour))
    demo.commit()
    app = _test_app(demo)
    with TestClient(app) as reader, TestClient(app) as analyst:
        sign_in(analyst, "ana@example.org", "analyst password 1")
        first = text_of(reader, deal.id)
        assert "Northwind Labs" in first and "The neighbour deal" in first
        with count_statements() as counted:
            assert text_of(reader, deal.id) == first
        # Kept: only the change counter is read (Postgres tests add their savepoints).
        read = [s for s in counted.statements if "SAVEPOINT" not in s]
        assert len(read) == 1 and "change_counter" in read[0], read

        # The same kept page, with the analyst's forms and the reader's view of users.
        assert "Record status" in analyst.get(f"/deals/{deal.id}").text
        assert "Record status" not in reader.get(f"/deals/{deal.id}").text

        # A party's organization renamed (its own form's service, not the deal's).
        save_organization(
            demo,
            OrganizationInput(name="Northwind Research", kind=customer.kind),
            ana,
            current=customer,
            version=customer.version,
        )
        assert "Northwind Research" in text_of(reader, deal.id)

        # A source added, and a status recorded, through the deal page's forms.
        added = analyst.post(
            f"/deals/{deal.id}/sources",
            data={"added_publisher": "Kept Gazette", "added_tier": "secondary"},
            follow_redirects=False,
        )
        assert added.status_code == 303
        assert "Kept Gazette" in text_of(reader, deal.id)
        recorded = analyst.post(
            f"/deals/{deal.id}/status",
            data={"status": "cancelled", "effective_on": "2026-09", "note": "Called off late."},
            follow_redirects=False,
        )
        assert recorded.status_code == 303
        page = text_of(reader, deal.id)
        assert "Called off late." in page and "Cancelled" in page

        # A related deal's title.
        neighbour.title = "The renamed neighbour"
        demo.commit()
        assert "The renamed neighbour" in text_of(reader, deal.id)

        # A hardware model made in-house: no stored text holds it, the counter moves all the same.
        assert "in-house" not in text_of(reader, deal.id)
        chip.in_house = True
        demo.commit()
        assert "in-house" in text_of(reader, deal.id)

        # The audit trail names the analyst: by display name to readers, by email when signed in.
        assert "ana@example.org" in text_of(analyst, deal.id)
        assert "Analyst" in text_of(reader, deal.id)
        user = demo.scalars(select(User).where(User.id == ana.id)).one()
        user.display_name = "Ana from research"
        demo.commit()
        assert "Ana from research" in text_of(reader, deal.id)
        assert "Ana from research" not in text_of(analyst, deal.id)

        # A duplicate merged into it: listed, with the undo button for admins only.
        duplicate = make_deal(demo, "A kept duplicate")
        demo.commit()
        merge_deals(demo, get_deal(demo, deal.id), get_deal(demo, duplicate.id), admin)  # type: ignore[arg-type]
        assert "A kept duplicate" in text_of(reader, deal.id)
        assert "Undo merge" not in reader.get(f"/deals/{deal.id}").text
        assert reader.get(f"/deals/{duplicate.id}", follow_redirects=False).status_code == 301

        # Deleted: gone for readers at once.
        kept = get_deal(demo, deal.id)
        assert kept is not None
        kept.deleted_at = kept.updated_at
        demo.commit()
        assert reader.get(f"/deals/{deal.id}").status_code == 404


def test_the_kept_pages_can_be_turned_off(demo: Session) -> None:
    deal = make_deal(demo, "Not kept")
    demo.commit()
    with TestClient(_test_app(demo, deal_page_cache_entries=0)) as client:
        assert "Not kept" in text_of(client, deal.id)
        deal.title = "Still not kept"
        demo.commit()
        assert "Still not kept" in text_of(client, deal.id)
