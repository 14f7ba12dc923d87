"""The unfiltered table's kept counts (app/derived/counts.py) and the unfiltered map's kept pairs
(app/derived/pair_counts.py), as a property: after any run of
writes through the app's services — creates, edits that move facet values, status changes,
deletes, restores, merges and their undoing, CSV imports (new deals in bulk, and updates), a
hardware model changing type or maker — they equal a fresh count of the deals."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.derived.counts import (
    figure_rows,
    kept_facet_counts,
    kept_total,
    recount,
    recount_statements,
)
from app.domain.vocabulary import Confidence, DealType, HardwareType, Status, values
from app.exchange.importer import import_csv
from app.filters import FILTERS, DealFilters
from app.inputs.deal import DealInput, NewDealInput, StatusInput
from app.models import Deal, FacetCount, Hardware, Organization, PairCount, User
from app.queries.deals import count_deals, resolve_filters
from app.queries.facets import FacetCounts, facet_counts
from app.queries.network import MOST_NODES, Network, deal_network
from app.services.deals import (
    DealError,
    StaleEdit,
    ValidationFailed,
    create_deal,
    delete_deal,
    record_status,
    restore_deal,
    update_deal,
)
from app.services.merging import merge_deals, undo_merge

ACTIONS = (
    "create",
    "edit",
    "status",
    "delete",
    "restore",
    "merge",
    "unmerge",
    "import_new",
    "import_update",
    "hardware",
)


def fresh(session: Session) -> tuple[int, FacetCounts, Network]:
    """What the unfiltered table and map count when they count the deals."""
    rf = resolve_filters(session, DealFilters())
    network = deal_network(session, rf, MOST_NODES, kept=False)
    return count_deals(session, rf), facet_counts(session, rf), network


def kept(session: Session) -> tuple[int, FacetCounts, Network]:
    network = deal_network(session, resolve_filters(session, DealFilters()), MOST_NODES)
    return kept_total(session), kept_facet_counts(session), network


def every_row(session: Session, *, kept: bool) -> dict[str, dict[str, tuple[int, float]]]:
    """Every kept count and total (the overview's too), as kept or counted afresh; totals
    rounded, as a kept sum is added up in another order."""
    dimensions = recount_statements(session.get_bind().dialect.name)
    return {
        dimension: {value: (n, round(total, 3)) for value, (n, total) in values.items()}
        for dimension, values in figure_rows(session, dimensions, kept=kept).items()
    }


@pytest.fixture
def admin(demo: Session) -> Iterator[User]:
    yield create_user(demo, "counter@example.org", "admin password 12", "admin")


def _pick(session: Session, index: int, *, live: bool | None = True) -> Deal | None:
    stmt = select(Deal).order_by(Deal.id)
    if live is not None:
        stmt = stmt.where(Deal.deleted_at.is_(None) if live else Deal.deleted_at.is_not(None))
    deals = session.scalars(stmt).all()
    return deals[index % len(deals)] if deals else None


def _names(session: Session, model: type[Organization] | type[Hardware]) -> list[str]:
    return list(session.scalars(select(model.name).order_by(model.id)))


def _write(session: Session, user: User, action: str, a: int, b: int) -> None:
    """One write through the services the pages, the API and `deals import` use; one they
    refuse is rolled back, as the pages do."""
    try:
        _service(session, user, action, a, b)
    except (DealError, ValidationFailed, StaleEdit):
        session.rollback()


def _service(session: Session, user: User, action: str, a: int, b: int) -> None:
    orgs, chips = _names(session, Organization), _names(session, Hardware)
    statuses, confidences = values(Status), values(Confidence)
    types, kinds = values(DealType), values(HardwareType)
    first, second = orgs[a % len(orgs)], orgs[(a + 1 + b % (len(orgs) - 1)) % len(orgs)]
    fields = {
        "deal_types": [types[a % len(types)], types[b % len(types)]],
        "parties": [
            {"organization": first, "role": "customer"},
            {"organization": second, "role": "provider"},
        ],
        "hardware": [{"name": chips[b % len(chips)]}] if b % 3 else [],
        "first_reported_on": "2026-05",
        "confidence": confidences[b % len(confidences)],
    }
    deal = _pick(session, a)
    if action == "create":
        new = NewDealInput.model_validate(
            {
                **fields,
                "title": f"Counted deal {a}-{b}",
                "status": statuses[a % len(statuses)],
                "source": {"publisher": "Wire", "tier": "original"},
            }
        )
        create_deal(session, new, user, duplicate_decision="new")
    elif action == "edit" and deal is not None:
        edit = DealInput.model_validate({**fields, "title": deal.title})
        update_deal(session, deal, edit, deal.version, user)
    elif action == "status" and deal is not None:
        status = StatusInput.model_validate(
            {"status": statuses[b % len(statuses)], "effective_on": "2026-07", "note": "Test"}
        )
        record_status(session, deal, status, user)
    elif action == "delete" and deal is not None:
        delete_deal(session, deal, user)
    elif action == "restore":
        gone = _pick(session, a, live=False)
        if gone is not None and gone.merged_into_id is None:
            restore_deal(session, gone, user)
    elif action == "merge":
        duplicate = _pick(session, b)
        if deal is not None and duplicate is not None and deal.id != duplicate.id:
            merge_deals(session, deal, duplicate, user)
    elif action == "unmerge":
        merged = session.scalars(
            select(Deal).where(Deal.merged_into_id.is_not(None)).order_by(Deal.id)
        ).all()
        if merged:
            undo_merge(session, merged[a % len(merged)], user)
    elif action == "import_new":
        row = (
            "title,status,confidence,deal_types,parties,hardware,first_reported_on,sources\r\n"
            f"Imported {a}-{b},{statuses[b % len(statuses)]},{confidences[a % len(confidences)]},"
            f'{types[a % len(types)]},"{first} (provider); '
            f'{second} (customer)",{chips[a % len(chips)]},2026-Q3,'
            '"Wire (original, 2026-07-02) <https://example.org/w>"\r\n'
        )
        assert import_csv(session, row, user).ok
    elif action == "import_update" and deal is not None:
        row = (
            "id,status,confidence,deal_types,hardware\r\n"
            f"{deal.id},{statuses[b % len(statuses)]},{confidences[a % len(confidences)]},"
            f"{types[b % len(types)]},{chips[(a + b) % len(chips)]}\r\n"
        )
        import_csv(session, row, user)
    elif action == "hardware":
        model = session.scalars(select(Hardware).order_by(Hardware.id)).all()[a % len(chips)]
        model.type = kinds[b % len(kinds)]
        model.vendor_id = session.scalars(select(Organization.id).order_by(Organization.id)).all()[
            b % len(orgs)
        ]
        session.commit()


# A run of writes, each (action, a, b): `a` and `b` pick the deal, organizations and values.
WRITES = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 500), st.integers(0, 500)),
    min_size=1,
    max_size=6,
)
FEW_SLOW_EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FEW_SLOW_EXAMPLES
@given(writes=WRITES)
def test_kept_counts_equal_a_fresh_count_after_any_writes(
    demo: Session, admin: User, writes: list[tuple[str, int, int]]
) -> None:
    assert kept(demo) == fresh(demo)
    assert every_row(demo, kept=True) == every_row(demo, kept=False)
    for action, a, b in writes:
        _write(demo, admin, action, a, b)
        demo.expire_all()
        assert kept(demo) == fresh(demo), (action, a, b)
        assert every_row(demo, kept=True) == every_row(demo, kept=False), (action, a, b)


def test_every_facet_of_the_table_is_kept(demo: Session) -> None:
    """A facet added to the registry without its kept counts fails here."""
    total, counts, _ = kept(demo)
    assert total > 0
    assert set(counts) == {flt.name for flt in FILTERS if flt.facet is not None}
    assert all(counts.values())


def test_recount_rebuilds_what_was_lost(demo: Session) -> None:
    before = kept(demo)
    demo.query(FacetCount).filter(FacetCount.dimension == "status").delete()
    demo.execute(FacetCount.__table__.update().values(n=FacetCount.n + 5))
    demo.execute(PairCount.__table__.update().values(n=PairCount.n + 1))
    demo.query(PairCount).filter(PairCount.status == "confirmed").delete()
    assert kept(demo)[0] != before[0]
    assert kept(demo)[2] != before[2]
    recount(demo.connection())
    assert kept(demo) == before == fresh(demo)
    assert every_row(demo, kept=True) == every_row(demo, kept=False)


def test_the_unfiltered_map_reads_the_kept_pairs(demo_client: TestClient, demo: Session) -> None:
    """The unfiltered map's edges come from `pair_count` (changed here behind the app's back),
    a filtered one's from the deals; the kept network equals the counted one on the demo data,
    with its edges and circles."""
    rf = resolve_filters(demo, DealFilters())
    network = deal_network(demo, rf)
    assert network.edges and network.circles
    assert network == deal_network(demo, rf, kept=False)
    edge = max(network.edges, key=lambda e: e.deals)
    moved = demo.execute(
        PairCount.__table__.update()
        .where(PairCount.org_a == edge.a, PairCount.org_b == edge.b)
        .values(n=PairCount.n + 1000)
    ).rowcount
    demo.commit()
    answer = demo_client.get("/api/v1/network").json()
    pair = (network.by_id[edge.a].slug, network.by_id[edge.b].slug)
    shown = {(e["source"], e["target"]): e["deals"] for e in answer["edges"]}
    assert moved > 0 and shown[pair] == edge.deals + 1000 * moved
    # a filter matching every deal takes the counted path: the true figure
    every = demo_client.get("/api/v1/network?replaced=no&replaced=yes").json()
    assert {(e["source"], e["target"]): e["deals"] for e in every["edges"]}[pair] == edge.deals


def test_the_unfiltered_page_reads_the_kept_counts(demo_client: TestClient, demo: Session) -> None:
    """Counts the page shows come from the table (changed here behind the app's back), with no
    "still counting" and without counting the deals."""
    deals = kept_total(demo)
    demo.execute(
        FacetCount.__table__.update()
        .where(FacetCount.dimension == "deals")
        .values(n=FacetCount.n + 1000)
    )
    page = demo_client.get("/deals").text
    assert f"of {deals + 1000:,} deals" in page
    assert "still counting" not in page.lower()
    assert f"of {deals + 1000:,} deals" not in demo_client.get("/deals?status=rumored").text
