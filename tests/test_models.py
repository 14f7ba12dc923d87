"""The model's rules hold in the database itself, on SQLite and Postgres alike."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.models import Deal, DealParty, Organization, StatusEvent, User
from tests.factories import make_deal, make_hardware, make_organization


def _fails(session: Session, statement: str, **params: object) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text(statement), params)


def test_organization_names_are_unique_ignoring_case(session: Session) -> None:
    make_organization(session, "Microsoft", slug="microsoft")
    with pytest.raises(IntegrityError), session.begin_nested():
        make_organization(session, "MICROSOFT", slug="microsoft-2")


def test_organization_slugs_are_unique(session: Session) -> None:
    make_organization(session, "Microsoft", slug="microsoft")
    with pytest.raises(IntegrityError), session.begin_nested():
        make_organization(session, "Microsoft Corp", slug="microsoft")


def test_aliases_are_unique_ignoring_case(session: Session) -> None:
    make_organization(session, "Microsoft", aliases=["MSFT"])
    with pytest.raises(IntegrityError), session.begin_nested():
        make_organization(session, "Other", aliases=["msft"])


def test_user_emails_are_unique_ignoring_case(session: Session) -> None:
    session.add(User(email="a@example.org", password_hash="x", role="analyst"))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(User(email="A@Example.org", password_hash="x", role="viewer"))
        session.flush()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("status", "confirmd"),
        ("confidence", "certain"),
        ("value_qualifier", "roughly"),
    ],
)
def test_vocabularies_are_checked_by_the_database(
    session: Session, column: str, value: str
) -> None:
    deal = make_deal(session, value_usd=10, value_qualifier="exact")
    _fails(session, f"UPDATE deal SET {column} = :v WHERE id = :id", v=value, id=deal.id)


def test_party_roles_are_checked_by_the_database(session: Session) -> None:
    deal = make_deal(session)
    _fails(session, "UPDATE deal_party SET role = 'owner' WHERE deal_id = :id", id=deal.id)


def test_a_value_needs_a_qualifier_and_cannot_be_negative(session: Session) -> None:
    deal = make_deal(session)
    _fails(session, "UPDATE deal SET value_usd = 5 WHERE id = :id", id=deal.id)
    _fails(
        session,
        "UPDATE deal SET value_usd = -5, value_qualifier = 'exact' WHERE id = :id",
        id=deal.id,
    )


def test_a_partial_date_needs_its_precision(session: Session) -> None:
    deal = make_deal(session)
    _fails(session, "UPDATE deal SET announced_on = '2026-01-01' WHERE id = :id", id=deal.id)
    _fails(
        session,
        "UPDATE deal SET announced_on = '2026-01-01', announced_precision = 'week' WHERE id = :id",
        id=deal.id,
    )


def test_term_end_cannot_precede_term_start(session: Session) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        make_deal(
            session,
            term_start=PartialDate.parse("2027"),
            term_end=PartialDate.parse("2026-06"),
        )


def test_source_urls_must_be_http(session: Session) -> None:
    deal = make_deal(session)
    _fails(
        session,
        "UPDATE source SET url = 'javascript:alert(1)' WHERE deal_id = :id",
        id=deal.id,
    )


def test_foreign_keys_are_enforced(session: Session) -> None:
    deal = make_deal(session)
    _fails(
        session,
        "INSERT INTO deal_party (deal_id, organization_id, role, position) "
        "VALUES (:id, 999999, 'customer', 9)",
        id=deal.id,
    )


def test_an_organization_in_a_deal_cannot_be_deleted(session: Session) -> None:
    deal = make_deal(session)
    org_id = deal.parties[0].organization_id
    _fails(session, "DELETE FROM organization WHERE id = :id", id=org_id)


def test_deleting_a_deal_removes_its_parts(session: Session) -> None:
    deal = make_deal(session)
    deal_id = deal.id
    session.delete(deal)
    session.flush()
    assert session.scalar(select(DealParty).where(DealParty.deal_id == deal_id)) is None
    assert session.scalar(select(StatusEvent).where(StatusEvent.deal_id == deal_id)) is None


def test_partial_dates_round_trip_through_the_database(session: Session) -> None:
    deal = make_deal(
        session,
        first_reported=PartialDate.parse("2026-Q2"),
        announced=PartialDate.parse("2026-05-21"),
    )
    session.commit()
    session.expire_all()
    stored = session.get(Deal, deal.id)
    assert stored is not None
    assert str(stored.first_reported) == "2026-Q2"
    assert str(stored.announced) == "2026-05-21"
    assert stored.term_start is None


def test_status_follows_the_latest_event(session: Session) -> None:
    deal = make_deal(session, status="rumored", first_reported=PartialDate.parse("2025-06-28"))
    deal.status_events.append(
        StatusEvent(status="denied", effective=PartialDate.parse("2025-06-30"))
    )
    # Entered later but effective earlier: it does not change the current status.
    deal.status_events.append(StatusEvent(status="in_talks", effective=PartialDate.parse("2025")))
    deal.refresh_status()
    assert deal.status == "denied"


def test_same_day_events_are_ordered_by_when_they_were_recorded(session: Session) -> None:
    deal = make_deal(session, status="in_talks", first_reported=PartialDate.parse("2024-07-09"))
    deal.status_events[0].recorded_at = datetime.now(UTC) - timedelta(hours=1)
    deal.status_events.append(
        StatusEvent(status="cancelled", effective=PartialDate.parse("2024-07-09"))
    )
    session.flush()
    deal.refresh_status()
    assert deal.status == "cancelled"


def test_every_save_bumps_the_version(session: Session) -> None:
    deal = make_deal(session)
    session.commit()
    first = deal.version
    deal.title = "Renamed"
    session.commit()
    assert deal.version == first + 1


def test_hardware_belongs_to_a_vendor(session: Session) -> None:
    vendor = make_organization(session, "NVIDIA", kind="chipmaker")
    hardware = make_hardware(session, "H100", vendor=vendor)
    session.commit()
    assert hardware.vendor.name == "NVIDIA"
    assert [h.name for h in session.get_one(Organization, vendor.id).hardware] == ["H100"]


def test_timestamps_are_stored_and_read_in_utc(session: Session) -> None:
    deal = make_deal(session)
    session.commit()
    session.expire_all()
    stored = session.get_one(Deal, deal.id)
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(session: Session) -> None:
    deal = make_deal(session)
    deal.deleted_at = datetime(2026, 1, 1)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
