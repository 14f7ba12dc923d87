"""Filtered counts from each worker's per-value sets of deal ids (app/derived/dealsets.py), as a
property: for any combination of filters, facet filters and the others, the sets give the
same total and the same facet rows as the grouped statements; and they stay equal after any run
of writes through the app's services (creates, edits that move facet values, status changes,
deletes, restores, merges and their undoing, CSV imports, a hardware model changing type or
maker), caught up from the change log rather than built again."""

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.derived import dealsets
from app.derived.cache import current_generation as current
from app.derived.counts import recount
from app.derived.dealsets import DealSets
from app.derived.factlog import changed_since
from app.domain.vocabulary import Confidence, DealType, HardwareType, Status, values
from app.filters import DealFilters
from app.models import Deal, Hardware, Organization, User
from app.queries.deals import ResolvedFilters, count_deals, resolve_filters
from app.queries.facets import FacetCounts, facet_counts
from tests.test_kept_counts import FEW_SLOW_EXAMPLES, WRITES, _write

Query = list[tuple[str, str]]


def counted(session: Session, rf: ResolvedFilters) -> tuple[int, FacetCounts]:
    return count_deals(session, rf), facet_counts(session, rf)


def resolved(session: Session, query: Query) -> ResolvedFilters:
    return resolve_filters(session, DealFilters.from_query(query))


@st.composite
def queries(draw: st.DrawFn, organizations: list[str], hardware: list[str]) -> Query:
    """A combination of the table's filters: facets (several values of one combine with OR)
    and others (dates, amounts, search, roles, replaced)."""
    query: Query = []
    for name, vocabulary in (
        ("status", values(Status)),
        ("hardware_type", values(HardwareType)),
        ("deal_type", values(DealType)),
        ("confidence", values(Confidence)),
        ("party", organizations),
        ("vendor", organizations),
    ):
        for value in draw(st.lists(st.sampled_from(vocabulary), max_size=2, unique=True)):
            query.append((name, value))
    others = st.sampled_from(
        [
            ("reported_from", "2025"),
            ("reported_to", "2025-Q3"),
            ("min_value", "1B"),
            ("q", "openai"),
            ("customer", organizations[0]),
            ("replaced", "no"),
            ("hardware_named", "yes"),
            ("hardware", hardware[0]),
        ]
    )
    query.extend(draw(st.lists(others, max_size=2, unique=True)))
    return query


@pytest.fixture
def admin(demo: Session) -> Iterator[User]:
    yield create_user(demo, "sets@example.org", "admin password 12", "admin")


def _slugs(session: Session, model: type[Organization] | type[Hardware]) -> list[str]:
    return list(session.scalars(select(model.slug).order_by(model.id)))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_sets_count_any_filters_as_the_statements_do(
    demo: Session, data: st.DataObject
) -> None:
    sets = DealSets()
    organizations = _slugs(demo, Organization)[:25]
    query = data.draw(queries(organizations, _slugs(demo, Hardware)))
    rf = resolved(demo, query)
    assert sets.counts(demo, rf) == counted(demo, rf), query


def test_the_sets_count_real_numbers(demo: Session) -> None:
    """Not a vacuous equality: a filtered total below the whole, facets with several values,
    a "+n" row for a facet with a selection."""
    rf = resolved(demo, [("status", "confirmed"), ("party", "microsoft")])
    found = DealSets().counts(demo, rf)
    assert found is not None
    total, facets = found
    everything = count_deals(demo, resolved(demo, []))
    assert 0 < total < everything
    assert len(facets["confidence"]) >= 2
    assert facets["status+"] and facets["party+"]
    assert "microsoft" in [slug for slug, _, _ in facets["party"]]


@FEW_SLOW_EXAMPLES
@given(writes=WRITES, data=st.data())
def test_the_sets_catch_up_with_any_writes(
    demo: Session, admin: User, writes: list[tuple[str, int, int]], data: st.DataObject
) -> None:
    sets = DealSets()
    sets.build(demo)
    organizations = _slugs(demo, Organization)[:25]
    for action, a, b in writes:
        before = current(demo.connection())
        _write(demo, admin, action, a, b)
        demo.expire_all()
        changed = changed_since(demo.connection(), before)
        # a write through the services is logged deal by deal, never as "everything"
        assert changed is not None, action
        query = data.draw(queries(organizations, _slugs(demo, Hardware)))
        rf = resolved(demo, query)
        assert sets.counts(demo, rf) == counted(demo, rf), (action, a, b, query)
        assert sets.counts(demo, resolved(demo, [])) == counted(demo, resolved(demo, []))


def test_a_write_logs_the_deals_whose_facts_moved(demo: Session, admin: User) -> None:
    deal = demo.scalars(select(Deal).where(Deal.deleted_at.is_(None)).order_by(Deal.id)).first()
    assert deal is not None
    before = current(demo.connection())
    _write(demo, admin, "delete", 0, 0)
    assert changed_since(demo.connection(), before) == {deal.id}
    assert current(demo.connection()) > before


def test_a_recount_makes_every_worker_build_again(demo: Session) -> None:
    before = current(demo.connection())
    recount(demo.connection())
    assert changed_since(demo.connection(), before) is None


def test_a_large_database_builds_its_sets_in_a_thread(
    demo: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past BUILD_IN_REQUEST live deals the first request does not wait: it gets None (and
    counts with statements) while a thread builds the sets, which then count alike."""
    monkeypatch.setattr(dealsets, "BUILD_IN_REQUEST", 0)
    connection = demo.connection()
    lock = threading.Lock()  # the thread's session shares the test's connection on SQLite

    def connect() -> Session:
        with lock:
            return Session(bind=connection)

    sets = DealSets(connect)
    rf = resolved(demo, [("status", "announced")])
    assert sets.counts(demo, rf) is None
    deadline = time.monotonic() + 30
    found = None
    while found is None and time.monotonic() < deadline:
        time.sleep(0.05)
        found = sets.counts(demo, rf)
    assert found == counted(demo, rf)


def test_the_pages_count_from_the_sets(demo_client: TestClient, demo: Session) -> None:
    """The filtered table and timeline read their counts from the app's sets (changed here
    behind the app's back): one deal taken out of the confirmed set is one fewer on the page."""
    page = demo_client.get("/deals?status=confirmed&hardware_type=gpu").text
    total = count_deals(demo, resolved(demo, [("status", "confirmed"), ("hardware_type", "gpu")]))
    assert f"of {total:,} deals" in page
    sets: DealSets = demo_client.app.state.deal_sets  # type: ignore[attr-defined]
    gpu = sets._sets["hardware_type"]["gpu"]
    confirmed = sets._sets["status"]["confirmed"]
    confirmed.remove(min(confirmed & gpu))
    page = demo_client.get("/deals?status=confirmed&hardware_type=gpu&sort=-value").text
    assert f"of {total - 1:,} deals" in page


def test_a_renamed_organization_is_named_anew(demo: Session) -> None:
    sets = DealSets()
    rf = resolved(demo, [("status", "confirmed")])
    before = sets.counts(demo, rf)
    assert before is not None and ("microsoft", "Microsoft") in [r[:2] for r in before[1]["party"]]
    microsoft = demo.scalars(select(Organization).where(Organization.slug == "microsoft")).one()
    microsoft.name = "Microsoft Corporation"
    demo.commit()
    after = sets.counts(demo, rf)
    assert after is not None and after == counted(demo, rf)
    assert ("microsoft", "Microsoft Corporation") in [r[:2] for r in after[1]["party"]]


def test_the_api_total_of_facet_filters_comes_from_the_sets(
    demo_client: TestClient, demo: Session
) -> None:
    query = [("status", "confirmed"), ("hardware_type", "gpu")]
    total = count_deals(demo, resolved(demo, query))
    assert (
        demo_client.get("/api/v1/deals?status=confirmed&hardware_type=gpu").json()["total"] == total
    )
    sets = DealSets()
    assert sets.total(demo, resolved(demo, query)) == total
    assert sets.total(demo, resolved(demo, [*query, ("reported_from", "2025")])) is None
    shared: DealSets = demo_client.app.state.deal_sets  # type: ignore[attr-defined]
    confirmed = shared._sets["status"]["confirmed"]
    confirmed.remove(min(confirmed & shared._sets["hardware_type"]["gpu"]))
    # every confidence: the same deals, not the cached answer's key
    every = "".join(f"&confidence={value}" for value in values(Confidence))
    answer = demo_client.get(f"/api/v1/deals?hardware_type=gpu&status=confirmed{every}").json()
    assert answer["total"] == total - 1  # changed behind the app's back: read from the sets
