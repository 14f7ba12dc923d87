"""Every write to an audited record leaves who, when, what and before → after, atomically."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.models import AuditEvent, Deal, DealParty, Source, StatusEvent, User
from app.services.deals import delete_deal, restore_deal
from tests.factories import make_deal, make_hardware, make_organization


def events(session: Session, entity_type: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    return list(session.scalars(stmt))


def as_user(session: Session) -> User:
    user = User(email="ana@example.org", password_hash="x", role="analyst")
    session.add(user)
    session.flush()
    session.info["user_id"] = user.id
    return user


def test_creating_an_organization_records_its_fields(session: Session) -> None:
    user = as_user(session)
    org = make_organization(session, "Microsoft", kind="hyperscaler", aliases=["MSFT", "Azure"])
    (event,) = events(session, "organization")
    assert (event.action, event.entity_id, event.user_id) == ("create", org.id, user.id)
    assert event.changes["name"] == [None, "Microsoft"]
    assert event.changes["kind"] == [None, "hyperscaler"]
    assert event.changes["aliases"] == [None, "Azure; MSFT"]


def test_updating_records_only_what_changed_with_before_and_after(session: Session) -> None:
    as_user(session)
    org = make_organization(session, "Microsft", aliases=["MSFT"])
    org.name = "Microsoft"
    org.aliases = [*org.aliases, type(org.aliases[0])(alias="Azure")]
    session.flush()
    update = events(session, "organization")[-1]
    assert update.action == "update"
    assert update.changes == {
        "name": ["Microsft", "Microsoft"],
        "aliases": ["MSFT", "Azure; MSFT"],
    }


def test_hardware_create_and_update(session: Session) -> None:
    hardware = make_hardware(session, "Maia 200", type="gpu")
    hardware.type = "custom_accelerator"
    hardware.in_house = True
    session.flush()
    created, updated = events(session, "hardware")
    assert created.action == "create" and created.changes["name"] == [None, "Maia 200"]
    assert updated.changes == {"type": ["gpu", "custom_accelerator"], "in_house": [False, True]}
    assert created.user_id is None  # no one signed in: the system


def test_deal_update_covers_fields_dates_and_parties(session: Session) -> None:
    deal = make_deal(session, title="Old title", first_reported=PartialDate.parse("2026-05"))
    extra = make_organization(session, "Broadcom")
    deal.title = "New title"
    deal.first_reported = PartialDate.parse("2026-05-21")
    deal.value_usd, deal.value_qualifier = 10_000_000_000, "up_to"
    deal.parties.append(DealParty(organization=extra, role="supplier", position=9))
    session.flush()
    update = events(session, "deal")[-1]
    assert update.action == "update" and update.deal_id == deal.id
    assert update.changes["title"] == ["Old title", "New title"]
    assert update.changes["first_reported"] == ["2026-05", "2026-05-21"]
    assert update.changes["value_usd"] == [None, 10_000_000_000]
    before, after = update.changes["parties"]
    assert "Broadcom" not in before and after.endswith("Broadcom (supplier)")
    assert "version" not in update.changes and "updated_at" not in update.changes


def test_sources_and_status_events_are_audited_under_their_deal(session: Session) -> None:
    deal = make_deal(session)
    source = Source(publisher="Reuters", tier="original", url="https://example.org/r")
    deal.sources.append(source)
    session.flush()
    source.tier = "secondary"
    session.flush()
    deal.status_events.append(
        StatusEvent(status="denied", effective=PartialDate.parse("2026-06"), source=source)
    )
    session.flush()
    session.delete(source)
    session.flush()
    rows = [
        (e.entity_type, e.action, e.deal_id)
        for e in events(session)
        if e.entity_type in ("source", "status_event") and e.entity_id != deal.sources[0].id
    ]
    assert rows[-4:] == [
        ("source", "create", deal.id),
        ("source", "update", deal.id),
        ("status_event", "create", deal.id),
        ("source", "delete", deal.id),
    ]
    source_update = [e for e in events(session, "source") if e.action == "update"][-1]
    assert source_update.changes == {"tier": ["original", "secondary"]}
    event = events(session, "status_event")[-1]
    assert event.changes["status"] == [None, "denied"]
    assert event.changes["effective"] == [None, "2026-06"]
    deleted = events(session, "source")[-1]
    assert deleted.changes["publisher"] == ["Reuters", None]


def test_delete_and_restore_are_named_as_such(session: Session) -> None:
    user = as_user(session)
    deal = make_deal(session)
    delete_deal(session, deal, user)
    restore_deal(session, deal, user)
    actions = [e.action for e in events(session, "deal")]
    assert actions[-2:] == ["delete", "restore"]


def test_the_audit_row_is_in_the_same_transaction(session: Session) -> None:
    with session.begin_nested() as savepoint:
        make_deal(session, title="Never saved")
        assert any(e.changes.get("title") == [None, "Never saved"] for e in events(session))
        savepoint.rollback()
    assert not any(e.changes.get("title") == [None, "Never saved"] for e in events(session))
    assert session.scalars(select(Deal).where(Deal.title == "Never saved")).first() is None


def test_passwords_never_reach_the_log(session: Session) -> None:
    user = as_user(session)
    user.password_hash = "$argon2id$new"
    session.flush()
    change = events(session, "user")[-1]
    assert change.changes["password_hash"] == ["(hidden)", "(changed)"]
    assert "argon2" not in str([e.changes for e in events(session, "user")])
