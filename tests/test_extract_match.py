"""The article reader against a database (SQLite and Postgres): the directory it reads, the deals
a report is matched to, and that reading writes nothing."""

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extract.directory import load_directory
from app.extract.matches import extract_article
from app.extract.reader import read_article
from app.models import (
    AuditEvent,
    Deal,
    DealParty,
    Organization,
    OrganizationAlias,
    Source,
    utcnow,
)

ARTICLES = Path(__file__).parent / "data" / "articles"
FOUNDING = (ARTICLES / "00-founding-report.txt").read_text()


def deal_of(session: Session, *slugs: str, hardware: str | None = None) -> Deal:
    """The demo deal between exactly these organizations (and on this hardware)."""
    for deal in session.scalars(select(Deal).order_by(Deal.id)):
        if {p.organization.slug for p in deal.parties} == set(slugs) and (
            hardware is None or hardware in {line.hardware.slug for line in deal.hardware_lines}
        ):
            return deal
    raise AssertionError(f"no demo deal between {slugs}")


def test_the_founding_report_leads_to_the_maia_deal(demo: Session) -> None:
    maia = deal_of(demo, "anthropic", "microsoft", hardware="maia-200")
    draft = extract_article(demo, FOUNDING)
    assert draft.matches[0].id == maia.id
    assert draft.matches[0].url == f"/deals/{maia.id}"
    assert draft.matches[0].title == maia.title
    assert "same organizations (Anthropic, Microsoft)" in draft.matches[0].why
    assert "Odaily is already cited (relay)" in draft.matches[0].why
    # the other Anthropic–Microsoft deal (GPUs, with NVIDIA) comes after it
    assert deal_of(demo, "anthropic", "microsoft", "nvidia").id in [m.id for m in draft.matches]
    odaily = draft.sources[0]
    assert (odaily.publisher, odaily.tier) == ("Odaily", "relay")
    original = next(s for s in maia.sources if s.tier == "original")
    assert odaily.relays == original.publisher == "The Information"


def test_the_founding_report_dated_matches_within_the_window(demo: Session) -> None:
    maia = deal_of(demo, "anthropic", "microsoft", hardware="maia-200")
    draft = extract_article(
        demo, FOUNDING, publisher="Binance Square", published_on=date(2026, 5, 22)
    )
    assert draft.first_reported_on == "2026-05-22"
    assert [m.id for m in draft.matches][:1] == [maia.id]
    assert "within 120 days of 2026-05-22" in draft.matches[0].why
    assert [(s.publisher, s.tier, s.relays) for s in draft.sources] == [
        ("Odaily", "relay", "The Information"),
        ("Binance Square", "relay", "Odaily"),
    ]


def test_a_report_outside_the_window_matches_nothing(demo: Session) -> None:
    text = "xAI and Oracle have ended talks on a $10 billion deal to rent Nvidia H100 servers."
    ended = deal_of(demo, "xai", "oracle")
    in_window = extract_article(demo, text, published_on=date(2024, 7, 10))
    assert [m.id for m in in_window.matches] == [ended.id]
    assert extract_article(demo, text, published_on=date(2026, 3, 2)).matches == []


def test_an_organization_not_yet_known_matches_nothing(demo: Session) -> None:
    draft = extract_article(demo, "Poolside has agreed to rent 40,000 GPUs from CoreWeave.")
    assert [(p.organization, p.known) for p in draft.parties] == [
        ("Poolside", False),
        ("CoreWeave", True),
    ]
    assert draft.matches == []


def test_other_hardware_is_no_match(demo: Session) -> None:
    text = "Anthropic is in talks to rent Nvidia H100 GPUs from Microsoft, people familiar said."
    draft = extract_article(demo, text, published_on=date(2026, 5, 22))
    # the Maia deal has other hardware; the Blackwell deal is from 2025, out of the window
    assert draft.matches == []


def test_reading_writes_nothing(demo: Session) -> None:
    tables = (Deal, Source, DealParty, Organization, AuditEvent)
    before = [demo.scalar(select(func.count()).select_from(t)) for t in tables]
    extract_article(demo, FOUNDING, publisher="Binance Square", published_on=date(2026, 5, 22))
    extract_article(demo, "Poolside has agreed to rent 40,000 GPUs from CoreWeave.")
    assert not demo.new and not demo.dirty and not demo.deleted
    assert [demo.scalar(select(func.count()).select_from(t)) for t in tables] == before


def test_the_directory_is_read_from_the_database(demo: Session) -> None:
    text = "Voltara is in talks to rent GPUs from CRWV, people familiar said."
    unknown = read_article(text, load_directory(demo))
    assert [(p.organization, p.known) for p in unknown.parties] == [
        ("Voltara", False),
        ("CoreWeave", True),
    ]
    voltara = Organization(name="Voltara Labs", slug="voltara-labs", kind="ai_lab")
    voltara.aliases.append(OrganizationAlias(alias="Voltara"))
    demo.add(voltara)
    demo.commit()
    known = read_article(text, load_directory(demo))
    assert [(p.organization, p.slug, p.roles) for p in known.parties] == [
        ("Voltara Labs", "voltara-labs", ["customer"]),
        ("CoreWeave", "coreweave", ["provider"]),
    ]
    # an alias edited in place (as the organization form saves it) is seen at once too
    voltara.aliases[0].alias = "Voltara AI"
    voltara.updated_at = utcnow()
    demo.commit()
    renamed = read_article(text, load_directory(demo))
    assert [(p.organization, p.known) for p in renamed.parties][0] == ("Voltara", False)
