"""Every filter and combination, checked against a plain-Python oracle on the demo data.

Runs on SQLite (FTS5) and Postgres (full-text): both must give exactly the oracle's deals,
so they give the same results as each other.
"""

from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.derived.search import words
from app.filters import DealFilters, FilterError
from app.models import Deal
from app.queries.deals import list_deals, resolve_filters
from app.queries.facets import deal_facets
from tests.oracles import search_document

CASES = [
    "",
    "status=rumored",
    "status=rumored&status=denied",
    "status=in_talks",
    "party=microsoft",
    "party=microsoft&party=amazon",
    "customer=openai",
    "provider=microsoft",
    "customer=microsoft&provider=coreweave",
    "hardware=maia-200",
    "hardware=h100&hardware=gb300",
    "hardware_type=tpu",
    "hardware_type=tpu&hardware_type=trainium",
    "hardware_type=custom_accelerator&reported_from=2025",
    "vendor=nvidia",
    "vendor=google&vendor=amazon",
    "deal_type=equity_investment",
    "deal_type=datacenter&deal_type=joint_venture",
    "confidence=medium",
    "reported_from=2025",
    "reported_to=2024-Q4",
    "reported_from=2025-06&reported_to=2025-12-31",
    "reported_from=2026-05&reported_to=2026-05",
    "min_value=10B",
    "max_value=500M",
    "min_value=1B&max_value=20B",
    "q=msft",
    "q=Maia",
    "q=mai",
    "q=trainium anthropic",
    "q=The Information",
    "q=azure&status=confirmed",
    "q=zzzzzz",
    "status=confirmed&hardware_type=gpu&reported_from=2025&sort=-value",
    "party=meta&deal_type=cloud_capacity&confidence=high&sort=title",
    "status=rumored&status=in_talks&hardware_type=custom_accelerator&hardware_type=tpu",
]


def _oracle(deal: Deal, f: DealFilters) -> bool:
    """What the filters mean, written out plainly over the loaded objects."""
    slugs_in_role: Callable[[str | None], set[str]] = lambda role: {  # noqa: E731
        p.organization.slug for p in deal.parties if role is None or p.role == role
    }
    hardware = [line.hardware for line in deal.hardware_lines]
    checks = [
        not f.status or deal.status in f.status,
        not f.confidence or deal.confidence in f.confidence,
        not f.party or bool(slugs_in_role(None) & set(f.party)),
        not f.customer or bool(slugs_in_role("customer") & set(f.customer)),
        not f.provider or bool(slugs_in_role("provider") & set(f.provider)),
        not f.hardware or any(h.slug in f.hardware for h in hardware),
        not f.hardware_type or any(h.type in f.hardware_type for h in hardware),
        not f.vendor or any(h.vendor.slug in f.vendor for h in hardware),
        not f.deal_type or bool(set(deal.deal_types) & set(f.deal_type)),
        f.reported_from is None or deal.first_reported.start >= f.reported_from.start,
        f.reported_to is None or deal.first_reported.start <= f.reported_to.end,
        f.min_value is None or (deal.value_usd is not None and deal.value_usd >= f.min_value),
        f.max_value is None or (deal.value_usd is not None and deal.value_usd <= f.max_value),
    ]
    if f.q:
        document = search_document(deal).split()
        checks.append(all(any(w.startswith(t) for w in document) for t in words(f.q)))
    return all(checks)


def _filters(query: str, **overrides: str) -> DealFilters:
    pairs = parse_qsl(query, keep_blank_values=True) + list(overrides.items())
    return DealFilters.from_query(pairs)


def _result_ids(session: Session, f: DealFilters) -> list[int]:
    return [d.id for d in list_deals(session, resolve_filters(session, f)).rows]


@pytest.mark.parametrize("query", CASES)
def test_filter_matches_the_oracle(demo: Session, query: str) -> None:
    f = _filters(query, per_page="500")
    expected = {d.id for d in demo.scalars(select(Deal)) if _oracle(d, f)}
    page = list_deals(demo, resolve_filters(demo, f))
    assert {d.id for d in page.rows} == expected
    assert page.total == len(expected)


def test_the_cases_are_not_trivial(demo: Session) -> None:
    sizes = []
    for query in CASES:
        f = _filters(query, per_page="500")
        sizes.append(sum(_oracle(d, f) for d in demo.scalars(select(Deal))))
    nonempty = [s for s in sizes if 0 < s < 58]
    assert len(nonempty) >= len(CASES) - 3  # all but "", the no-match search, and one more


SORTS = [f"{d}{k}" for k in ("reported", "value", "capacity", "title", "updated") for d in "-+"]


@pytest.mark.parametrize("sort", [s.removeprefix("+") for s in SORTS])
def test_pages_cover_every_deal_exactly_once_in_sort_order(demo: Session, sort: str) -> None:
    seen: list[int] = []
    page_number = 1
    while True:
        f = _filters("", sort=sort, per_page="7", page=str(page_number))
        ids = _result_ids(demo, f)
        if not ids:
            break
        seen.extend(ids)
        page_number += 1
    assert len(seen) == 58 and len(set(seen)) == 58

    deals = {d.id: d for d in demo.scalars(select(Deal))}
    key = sort.removeprefix("-")
    values = {
        "reported": lambda d: d.first_reported_on,
        "value": lambda d: d.value_usd,
        "capacity": lambda d: d.capacity_mw,
        "title": lambda d: d.title.lower(),
        "updated": lambda d: d.updated_at,
    }[key]
    present = [values(deals[i]) for i in seen if values(deals[i]) is not None]
    assert present == sorted(present, reverse=sort.startswith("-"))
    # Deals without the value come last, whichever the direction.
    blanks = [i for i in seen if values(deals[i]) is None]
    assert seen[len(seen) - len(blanks) :] == blanks


@pytest.mark.parametrize(
    "base",
    ["", "status=confirmed", "party=microsoft", "q=nvidia", "reported_from=2025&hardware_type=gpu"],
)
def test_each_facet_count_is_the_size_of_its_click(demo: Session, base: str) -> None:
    f = _filters(base, per_page="500")
    rf = resolve_filters(demo, f)
    facets = deal_facets(demo, rf, lambda g: g.query_string())
    checked = 0
    for facet in facets:
        for item in facet.values:
            if getattr(f, facet.name):
                continue  # clicking adds to an OR: the count is this value's share only
            clicked = DealFilters.from_query(parse_qsl(item.toggle_url) + [("per_page", "500")])
            assert item.value in getattr(clicked, facet.name)
            assert len(_result_ids(demo, clicked)) == item.count, (base, facet.name, item.value)
            checked += 1
    assert checked >= 10


def test_a_selected_facet_value_counts_its_own_deals(demo: Session) -> None:
    f = _filters("status=rumored&party=google")
    facets = {facet.name: facet for facet in deal_facets(demo, resolve_filters(demo, f), str)}
    rumored = next(v for v in facets["status"].values if v.value == "rumored")
    assert rumored.selected
    assert rumored.count == list_deals(demo, resolve_filters(demo, f)).total
    google = next(v for v in facets["party"].values if v.value == "google")
    assert google.selected and google.count == rumored.count


def test_unknown_slugs_are_refused_by_name(demo: Session) -> None:
    with pytest.raises(FilterError) as error:
        resolve_filters(demo, _filters("party=nobody&hardware=h999&vendor=microsoft"))
    text = str(error.value)
    assert "unknown organization 'nobody'" in text
    assert "unknown hardware 'h999'" in text
    assert "microsoft" not in text.split("'h999'")[1]


def test_aliases_find_their_organization(demo: Session) -> None:
    by_alias = set(_result_ids(demo, _filters("q=MSFT", per_page="500")))
    by_party = set(_result_ids(demo, _filters("party=microsoft", per_page="500")))
    assert by_alias == by_party and len(by_party) > 5


def test_deleted_deals_are_never_listed(demo: Session) -> None:
    from datetime import UTC, datetime

    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    deal.deleted_at = datetime.now(UTC)
    demo.flush()
    assert deal.id not in _result_ids(demo, _filters("q=maia", per_page="500"))
    assert deal.id not in _result_ids(demo, _filters("", per_page="500"))
