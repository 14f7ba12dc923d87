"""The shipped demo data: complete, normalised, with real histories, loaded exactly once."""

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.vocabulary import Status
from app.models import Deal, DealParty, Hardware, Organization, Source, StatusEvent
from app.queries.deals import get_deal
from app.services.demo import load_demo, read_demo_csv


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_all_58_deals_load_with_their_parts(demo: Session) -> None:
    assert _count(demo, Deal) == 58
    assert _count(demo, Organization) == len(list(read_demo_csv("organizations.csv")))
    assert _count(demo, Hardware) == len(list(read_demo_csv("hardware.csv")))
    assert _count(demo, StatusEvent) == len(list(read_demo_csv("status_events.csv")))
    assert _count(demo, Source) >= 58


def test_loading_twice_does_nothing_the_second_time(demo: Session) -> None:
    assert load_demo(demo) == 0
    assert _count(demo, Deal) == 58


def test_every_deal_has_two_organizations_a_source_and_a_history(demo: Session) -> None:
    for deal in demo.scalars(select(Deal)):
        assert len({p.organization_id for p in deal.parties}) >= 2, deal.title
        assert deal.sources, deal.title
        assert deal.status_events, deal.title
        assert deal.deal_types, deal.title


def test_status_is_the_latest_event_of_each_history(demo: Session) -> None:
    for deal in demo.scalars(select(Deal)):
        latest = max(deal.status_events, key=lambda e: (e.effective.sort_key(), e.id))
        assert deal.status == latest.status, deal.title


def test_at_least_five_deals_moved_through_dated_steps(demo: Session) -> None:
    steps = Counter(demo.scalars(select(StatusEvent.deal_id)))
    moved = [deal_id for deal_id, n in steps.items() if n >= 2]
    assert len(moved) >= 5
    changed_status = [
        deal_id
        for deal_id in moved
        if len({e.status for e in demo.get_one(Deal, deal_id).status_events}) >= 2
    ]
    assert len(changed_status) >= 5


def test_reported_histories_from_the_taxonomy(demo: Session) -> None:
    def history(title_part: str) -> list[str]:
        deal = demo.scalars(select(Deal).where(Deal.title.contains(title_part))).one()
        return [e.status for e in deal.status_events]

    assert history("OpenAI is renting Google TPUs") == ["rumored", "denied"]
    assert history("Project Rainier") == ["announced", "completed"]
    assert history("xAI and Oracle end talks")[-1] == "cancelled"


def test_statuses_cover_every_kind_of_outcome(demo: Session) -> None:
    present = set(demo.scalars(select(Deal.status)))
    assert present == set(Status)


def test_every_role_and_vocabulary_value_is_controlled(demo: Session) -> None:
    roles = set(demo.scalars(select(DealParty.role)))
    assert roles <= {
        "customer", "provider", "supplier", "investor", "investee", "developer", "operator",
        "financier", "designer", "co_developer", "licensor", "licensee", "partner",
    }  # fmt: skip
    assert "customer" in roles and "provider" in roles


def test_microsoft_is_found_by_its_aliases(demo: Session) -> None:
    microsoft = demo.scalars(select(Organization).where(Organization.slug == "microsoft")).one()
    assert {"MSFT", "Azure"} <= set(microsoft.alias_names)


def test_the_founding_example(demo: Session) -> None:
    deal_id = demo.scalars(select(Deal.id).where(Deal.title.contains("Maia 200"))).one()
    deal = get_deal(demo, deal_id)
    assert deal is not None
    assert deal.status == "in_talks"
    assert str(deal.first_reported) == "2026-05-21"
    assert {o.name for o, _ in deal.parties_by_organization()} == {"Anthropic", "Microsoft"}
    assert [line.hardware.name for line in deal.hardware_lines] == ["Maia 200"]
    assert deal.hardware_lines[0].hardware.in_house
    tiers = {s.publisher: s.tier for s in deal.sources}
    assert tiers["The Information"] == "original"
    relay = next(s for s in deal.sources if s.tier == "relay")
    assert relay.relays is not None and relay.relays.publisher == "The Information"


def test_month_precision_dates_stay_month_precision(demo: Session) -> None:
    texts = {str(d.first_reported) for d in demo.scalars(select(Deal))}
    assert any(len(t) == 7 for t in texts)  # e.g. "2024-11"
    csv_dates = {row["first_reported_on"] for row in read_demo_csv("deals.csv")}
    assert texts == csv_dates
