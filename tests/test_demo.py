"""The shipped demo data: complete, normalised, with real histories, loaded exactly once."""

import re
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


def _deal(session: Session, title_part: str) -> Deal:
    return session.scalars(select(Deal).where(Deal.title.contains(title_part))).one()


def _history(deal: Deal) -> list[tuple[str, str]]:
    events = sorted(deal.status_events, key=lambda e: (e.effective.sort_key(), e.id))
    return [(e.status, str(e.effective)) for e in events]


def test_the_tpu_rumor_is_first_reported_by_the_information(demo: Session) -> None:
    deal = _deal(demo, "OpenAI is renting Google TPUs")
    assert str(deal.first_reported) == "2025-06-27"
    assert _history(deal) == [("rumored", "2025-06-27"), ("denied", "2025-06-30")]
    rumor = next(e for e in deal.status_events if e.status == "rumored")
    assert rumor.source is not None and rumor.source.publisher == "The Information"
    gigazine = next(s for s in deal.sources if s.publisher == "GIGAZINE")
    assert gigazine.relays is not None and gigazine.relays.publisher == "Reuters"


def test_the_xai_oracle_talks_were_reported_before_they_ended(demo: Session) -> None:
    deal = _deal(demo, "xAI and Oracle end talks")
    assert str(deal.first_reported) == "2024-05"
    assert _history(deal) == [("in_talks", "2024-05"), ("cancelled", "2024-07-09")]


def test_the_coreweave_denial_rests_on_what_coreweave_said(demo: Session) -> None:
    deal = _deal(demo, "walked away from some CoreWeave commitments")
    denial = next(e for e in deal.status_events if e.status == "denied")
    assert str(denial.effective) == "2025-03-06"
    assert denial.source is not None and "semafor" not in (denial.source.url or "")
    assert deal.confidence == "low"
    assert deal.confidence_note is not None and "corroborates" in deal.confidence_note


def test_announcements_cite_the_parties_own_release_and_keep_the_day(demo: Session) -> None:
    for title_part, publisher, day in [
        ("Microsoft–OpenAI extended partnership", "Microsoft", "2023-01-23"),
        ("Oracle Cloud Infrastructure for extra capacity", "Oracle", "2024-06-11"),
        ("Amazon invests $4B in Anthropic", "Amazon", "2023-09-25"),
        ("up to one million TPUs", "Anthropic", "2025-10-23"),
    ]:
        deal = _deal(demo, title_part)
        primary = next(s for s in deal.sources if s.publisher == publisher)
        assert primary.tier == "primary" and primary.url, title_part
        assert str(primary.published) == day, title_part
        official = [e for e in deal.status_events if e.status in ("announced", "confirmed")]
        assert official and str(official[0].effective) == day, title_part
        assert official[0].source is primary, title_part


def test_an_archive_is_a_copy_of_a_source_not_a_publisher(demo: Session) -> None:
    publishers = {p.lower() for p in demo.scalars(select(Source.publisher))}
    assert not publishers & {"archive.today", "archive.ph", "wayback machine"}
    deal = _deal(demo, "OpenAI–Oracle ~$300B")
    wsj = next(s for s in deal.sources if s.publisher == "The Wall Street Journal")
    assert wsj.archived_url == "https://archive.ph/fUGqA"
    assert not [s for s in deal.sources if s.relays is wsj]
    for source in demo.scalars(select(Source).where(Source.url.is_not(None))):
        assert "web.archive.org" not in (source.url or ""), source.publisher


def test_up_to_and_estimated_figures_keep_their_qualifier(demo: Session) -> None:
    checked = 0
    for deal in demo.scalars(select(Deal)):
        headline = re.search(r"(up to |~|>|more than )?\$[\d.]+[BMT]", deal.title)
        if deal.value_usd is not None and headline and headline[1]:
            assert deal.value_qualifier in ("up_to", "estimated", "at_least"), deal.title
            checked += 1
    assert checked >= 10
