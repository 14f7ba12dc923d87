"""The article reader on its own: exact fields from a few reports, against the demo directory.

The labelled set is scored by bench/extract.py; these tests pin down behaviour one case at a
time (the founding report, the issue's xAI example, qualifiers, dates, statuses, what must stay
empty).
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import StaticPool

from app.db import Base, make_engine
from app.domain.dates import PartialDate
from app.extract.dates import find_dates
from app.extract.directory import Directory, load_directory
from app.extract.draft import Draft
from app.extract.reader import read_article
from app.extract.text import sentences
from app.services.demo import load_demo
from app.unit_of_work import AppSession

ARTICLES = Path(__file__).parent / "data" / "articles"
XAI = (
    "xAI is in talks to rent 50,000 AMD MI355X GPUs from Oracle for about $3 billion, "
    "people familiar said."
)


@pytest.fixture(scope="module")
def directory() -> Iterator[Directory]:
    """The demo data's organizations, aliases and hardware, read as the app reads them."""
    engine = make_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with AppSession(engine, expire_on_commit=False) as session:
        load_demo(session)
        yield load_directory(session)
    engine.dispose()


def read(text: str, directory: Directory, **meta: object) -> Draft:
    return read_article(text, directory, **meta)  # type: ignore[arg-type]


def roles(draft: Draft) -> dict[str, list[str]]:
    return {p.organization: p.roles for p in draft.parties}


def test_the_xai_example(directory: Directory) -> None:
    draft = read(XAI, directory)
    assert roles(draft) == {"xAI": ["customer"], "Oracle": ["provider"]}
    assert all(p.known for p in draft.parties)
    assert [(h.name, h.slug, h.type, h.chips) for h in draft.hardware] == [
        ("MI355X", None, "gpu", 50_000)
    ]
    assert draft.hardware_types == ["gpu"]
    assert (draft.value_usd, draft.value_qualifier) == (3_000_000_000, "estimated")
    assert (draft.chips, draft.chips_qualifier) == (50_000, "exact")
    assert draft.status == "in_talks"
    assert draft.confidence in ("medium", "low")
    assert draft.evidence["value_usd"] == XAI
    assert draft.first_reported_on is None  # no publication date, no date in the text


def test_the_founding_report(directory: Directory) -> None:
    draft = read((ARTICLES / "00-founding-report.txt").read_text(), directory)
    assert roles(draft) == {"Anthropic": ["customer"], "Microsoft": ["provider"]}
    assert draft.hardware == []  # it never names the Maia: only "proprietary AI chips"
    assert draft.hardware_types == ["custom_accelerator"]
    assert draft.status == "in_talks"
    assert [(s.publisher, s.tier) for s in draft.sources] == [("Odaily", "relay")]
    # the ticker lines ("422.7", "+0.87%", "$MSFT") are no value, capacity or chip count
    assert (draft.value_usd, draft.capacity_mw, draft.chips) == (None, None, None)
    assert "reportedly negotiating" in draft.evidence["status"]


def test_the_publisher_relays_what_it_credits(directory: Directory) -> None:
    text = (ARTICLES / "26-meta-coreweave-relay.txt").read_text()
    draft = read(text, directory, publisher="Binance Square", url="https://example.com/p/1")
    sources = [(s.publisher, s.tier, s.relays, s.url) for s in draft.sources]
    assert sources == [
        ("Reuters", "original", None, None),
        ("PANews", "relay", "Reuters", None),
        ("Binance Square", "relay", "Reuters", "https://example.com/p/1"),
    ]
    assert draft.sources[-1].quote is not None and draft.sources[-1].quote in text


def test_a_chipmaker_named_with_its_chips_is_no_party(directory: Directory) -> None:
    draft = read("Poolside has agreed to rent 40,000 Nvidia GB300 GPUs from CoreWeave.", directory)
    assert roles(draft) == {"Poolside": ["customer"], "CoreWeave": ["provider"]}
    poolside = draft.parties[0]
    assert (poolside.known, poolside.slug) == (False, None)
    assert [(h.name, h.slug, h.chips) for h in draft.hardware] == [("GB300", "gb300", 40_000)]


@pytest.mark.parametrize(
    ("phrase", "value", "qualifier"),
    [
        ("a deal worth $10 billion", 10_000_000_000, "exact"),
        ("a deal worth up to $10 billion", 10_000_000_000, "up_to"),
        ("a deal worth more than $10 billion", 10_000_000_000, "at_least"),
        ("a deal worth about $2.5 billion", 2_500_000_000, "estimated"),
        ("a deal worth $750 million", 750_000_000, "exact"),
        ("a deal worth $1.2tn", 1_200_000_000_000, "exact"),
    ],
)
def test_values_and_their_qualifiers(
    directory: Directory, phrase: str, value: int, qualifier: str
) -> None:
    draft = read(f"Meta signed {phrase} with CoreWeave, the companies said.", directory)
    assert (draft.value_usd, draft.value_qualifier) == (value, qualifier)


@pytest.mark.parametrize(
    ("phrase", "mw", "qualifier"),
    [
        ("1.2 gigawatts", 1200, "exact"),
        ("up to 500 megawatts", 500, "up_to"),
        ("well over a gigawatt", 1000, "at_least"),
        ("a 6-gigawatt", 6000, "exact"),
    ],
)
def test_capacity_in_megawatts(
    directory: Directory, phrase: str, mw: float, qualifier: str
) -> None:
    draft = read(f"OpenAI will rent {phrase} of capacity from Oracle, Oracle said.", directory)
    assert (draft.capacity_mw, draft.capacity_qualifier) == (mw, qualifier)


def test_nothing_is_invented_where_the_text_is_vague(directory: Directory) -> None:
    text = (
        "CoreWeave said on Monday it signed a multi-year agreement to provide Anthropic with "
        "hundreds of thousands of GPUs. The deal is worth tens of billions of dollars, and "
        "financial terms were not disclosed. CoreWeave shares rose 5% to $120."
    )
    draft = read(text, directory, published_on=date(2026, 4, 14))
    assert roles(draft) == {"CoreWeave": ["provider"], "Anthropic": ["customer"]}
    assert (draft.value_usd, draft.value_qualifier) == (None, None)
    assert (draft.capacity_mw, draft.chips) == (None, None)
    assert draft.hardware == [] and draft.hardware_types == ["gpu"]
    assert draft.first_reported_on == "2026-04-13"


def test_a_monthly_payment_is_not_the_deal_value(directory: Directory) -> None:
    text = "Anthropic will pay SpaceX about $1.25 billion a month, according to a filing."
    assert read(text, directory).value_usd is None
    text += " That is more than $40 billion over the term."
    draft = read(text, directory)
    assert (draft.value_usd, draft.value_qualifier) == (40_000_000_000, "at_least")


def test_revenue_and_valuations_are_not_the_deal_value(directory: Directory) -> None:
    text = (
        "Google plans to invest in Anthropic, people familiar said. The investment would value "
        "Anthropic at $350 billion. Oracle's backlog of contracted revenue swelled to $455 billion."
    )
    assert read(text, directory).value_usd is None


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("OpenAI is in talks to rent TPUs from Google, people familiar said.", "in_talks"),
        ("OpenAI has signed a deal to rent TPUs from Google, people familiar said.", "rumored"),
        ("OpenAI has signed a deal to rent TPUs from Google, the companies said.", "confirmed"),
        ("OpenAI has signed a deal to rent TPUs from Google, OpenAI said on Monday.", "announced"),
        ("Nvidia and OpenAI signed a letter of intent for 10 gigawatts of systems.", "announced"),
        ("OpenAI denied a report that it would rent TPUs from Google.", "denied"),
        ("xAI and Oracle have ended talks on a $10 billion server deal.", "cancelled"),
        (
            "Microsoft decided not to exercise an option to buy capacity from CoreWeave.",
            "cancelled",
        ),
        (
            "Amazon said the Trainium2 cluster it built for Anthropic is now operational.",
            "completed",
        ),
        (
            "Neither OpenAI nor Google has confirmed the discussions, people familiar said.",
            "in_talks",
        ),
        ("No deal has been signed, but OpenAI is weighing Google's offer.", "in_talks"),
        ("OpenAI uses capacity from Google.", None),
    ],
)
def test_status_from_the_words_used(directory: Directory, sentence: str, status: str) -> None:
    assert read(sentence, directory).status == status


def test_declining_to_comment_is_no_denial(directory: Directory) -> None:
    text = "Meta is in talks to rent TPUs from Google Cloud. Google declined to comment."
    assert read(text, directory).status == "in_talks"


def test_outlets_credited_and_confidence(directory: Directory) -> None:
    one = read("Meta signed a deal with Google Cloud, The Information reported.", directory)
    assert [(s.publisher, s.tier) for s in one.sources] == [("The Information", "original")]
    assert one.confidence == "medium"
    two = read(
        "Meta is in talks with Google Cloud, The Information reported. Meta later told Reuters "
        "that talks were at an early stage.",
        directory,
    )
    assert {s.publisher for s in two.sources} == {"The Information", "Reuters"}
    assert two.confidence == "high"
    alone = read("Meta is in talks with Google Cloud, sources said.", directory)
    assert (alone.sources, alone.confidence) == ([], "low")


def test_roles_from_a_companys_kind_are_marked_as_a_guess(directory: Directory) -> None:
    guessed = read("xAI and Oracle have ended talks on a server deal.", directory)
    assert roles(guessed) == {"xAI": ["customer"], "Oracle": ["provider"]}
    assert "parties" in guessed.uncertain
    stated = read("xAI agreed to rent servers from Oracle, the companies said.", directory)
    assert roles(stated) == {"xAI": ["customer"], "Oracle": ["provider"]}
    assert "parties" not in stated.uncertain


# Friday 22 May 2026
PUBLISHED = date(2026, 5, 22)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("on Tuesday", "2026-05-19"),
        ("on Friday", "2026-05-22"),
        ("yesterday", "2026-05-21"),
        ("last month", "2026-04"),
        ("earlier this month", "2026-05"),
        ("last week", "2026-05"),
        ("on May 3", "2026-05-03"),
        ("on Dec. 30", "2025-12-30"),  # read in May, a December date is last year's
        ("in March", "2026-03"),
        ("in the first quarter of 2025", "2025-Q1"),
        ("on 21 May 2026", "2026-05-21"),
        ("this year", "2026"),
    ],
)
def test_dates_resolve_against_the_publication_date(phrase: str, expected: str) -> None:
    found = find_dates(f"The Information reported {phrase} that talks began.", PUBLISHED)
    assert [str(d.value) for d in found] == [expected]


def test_relative_dates_need_a_publication_date() -> None:
    assert find_dates("Reuters reported on Tuesday, last month and yesterday.", None) == []
    assert [str(d.value) for d in find_dates("Reuters reported on May 21, 2026.", None)] == [
        "2026-05-21"
    ]


def test_a_week_across_two_months_has_no_precision() -> None:
    # Monday 1 June 2026: last week ran from 25 to 31 May, one month
    assert [str(d.value) for d in find_dates("last week", date(2026, 6, 1))] == ["2026-05"]
    # Wednesday 3 June 2026: last week ran from 25 to 31 May as well
    assert [str(d.value) for d in find_dates("last week", date(2026, 6, 3))] == ["2026-05"]
    # Tuesday 6 May 2026: last week ran from 27 April to 3 May, two months
    assert find_dates("last week", date(2026, 5, 6)) == []


def test_first_reported_is_the_credited_report_or_the_publication_date(
    directory: Directory,
) -> None:
    credited = read(
        "OpenAI signed a $300 billion contract with Oracle, The Wall Street Journal reported on "
        "Wednesday.",
        directory,
        published_on=date(2025, 9, 11),
    )
    assert credited.first_reported_on == "2025-09-10"
    assert "first_reported_on" not in credited.uncertain
    undated = read("OpenAI signed a contract with Oracle.", directory, published_on=PUBLISHED)
    assert undated.first_reported_on == "2026-05-22"
    assert "first_reported_on" in undated.uncertain
    assert PartialDate.parse(undated.first_reported_on).start == PUBLISHED


def test_empty_and_noise_only_text_drafts_nothing(directory: Directory) -> None:
    for text in ("", "   \n\n", "$MSFT\nMSFTUSDT\n422.7\n+0.87%"):
        draft = read(text, directory)
        assert (draft.title, draft.parties, draft.hardware, draft.status) == (None, [], [], None)
        assert (draft.value_usd, draft.sources, draft.evidence) == (None, [], {})


def test_text_without_full_stops_is_read_in_bounded_pieces() -> None:
    text = " ".join(["OpenAI rents chips from Oracle and"] * 400)
    pieces = sentences(text)
    assert len(pieces) > 1 and all(len(s.text) <= 600 for s in pieces)
    assert " ".join(s.text for s in pieces) == text


def test_a_near_spelling_is_the_known_name_but_a_guess(directory: Directory) -> None:
    draft = read("Anthropics is in talks to rent capacity from Core Weave.", directory)
    assert [(p.organization, p.slug, p.roles) for p in draft.parties] == [
        ("Anthropic", "anthropic", ["customer"]),
        ("CoreWeave", "coreweave", ["provider"]),
    ]
    assert "parties" in draft.uncertain
