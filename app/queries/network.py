"""Who deals with whom under the deal filters: the busiest organizations, the deals between
each pair of them (their edges, with what flows which way), and the circles money makes.

A fixed number of statements whatever the data: the busiest organizations (with how many there
are in all), the edges grouped by pair, flows and status, and the deals on the steps of the
circles found. Each is one GROUP BY (or lookup) over the derived table of each deal's pairs of
organizations (`deal_pair`, app/derived/pairs.py) joined to the filtered deals; only the drawn
organizations' pairs reach Python. Without filters the first two read what the writing
transactions keep instead (the `party` facet's counts and `pair_count`), so the map of every
deal costs no more to draw right after a change than any other time.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, case, cast, func, select, tuple_
from sqlalchemy.orm import Session

from app.domain.circles import find_circles
from app.domain.flows import FLOW_BITS, Direction, Flow, bits_flows
from app.domain.vocabulary import DENIED_STATUSES, RUMOR_STATUSES, Status, values
from app.models import Deal, DealPair, FacetCount, Organization, PairCount
from app.queries.deals import ResolvedFilters, deal_conditions

DEFAULT_NODES = 60
MOST_NODES = 200
MOST_CIRCLES = 12
DEALS_PER_STEP = 5
RANKED_COLUMNS = ("org_a", "org_b", "flows", "id", "title", "status", "value_usd", "deals")


@dataclass(frozen=True)
class Node:
    id: int
    slug: str
    name: str
    kind: str
    deals: int


@dataclass(frozen=True)
class Edge:
    """The deals between two organizations (`a` before `b` by id) under the filters."""

    a: int
    b: int
    deals: int
    statuses: dict[str, int]
    value_usd: int | None
    flows: frozenset[Direction]

    @property
    def style(self) -> str:
        """`ended` when every deal was denied or cancelled, `unconfirmed` when none is
        announced or firmer, else `firm`."""
        if all(status in DENIED_STATUSES for status in self.statuses):
            return "ended"
        live = {s for s in self.statuses if s not in DENIED_STATUSES}
        return "unconfirmed" if live <= set(RUMOR_STATUSES) else "firm"

    def flow_kinds(self, source: int, target: int) -> list[Flow]:
        return sorted({d.kind for d in self.flows if (d.source, d.target) == (source, target)})

    @property
    def circular(self) -> bool:
        """Money goes both ways between the two."""
        money = {(d.source, d.target) for d in self.flows if d.kind == Flow.MONEY}
        return (self.a, self.b) in money and (self.b, self.a) in money


@dataclass(frozen=True)
class StepDeal:
    id: int
    title: str
    status: str
    value_usd: int | None


@dataclass(frozen=True)
class Step:
    """Money from `source` to `target`: the largest deals that carry it, and how many do."""

    source: int
    target: int
    deals: list[StepDeal]
    count: int


@dataclass(frozen=True)
class Circle:
    nodes: tuple[int, ...]  # in flow order: nodes[0] pays nodes[1] … the last pays nodes[0]
    steps: list[Step]


@dataclass(frozen=True)
class Network:
    nodes: list[Node]
    edges: list[Edge]
    circles: list[Circle]
    organizations: int  # with any deal under the filters; the busiest `limit` are drawn
    limit: int
    by_id: dict[int, Node] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return self.organizations > len(self.nodes)


def _pairs(session: Session, rf: ResolvedFilters, *, from_deals: bool) -> Any:
    """The `deal_pair` rows of the deals matching the filters (the deal joined, so that the
    filters' conditions apply to it directly).

    SQLite picks its join order from guesses (there are no statistics) and guessed wrong both
    ways at 100k deals: to read the edges among the drawn organizations it went from the deals
    of a status and tried every pair of them on each (3 s), where the index on the pairs finds
    them at once (60 ms); to count each organization's deals it went from the pairs, looking
    up each one's deal. A `+ 0` on one side of the join keeps that side from being looked up
    by index, which fixes the order: `from_deals` reads the filtered deals first."""
    deal_id: Any = DealPair.deal_id
    this_deal: Any = Deal.id
    if session.get_bind().dialect.name == "sqlite":
        if from_deals:
            this_deal = this_deal + 0
        else:
            deal_id = deal_id + 0
    return (
        select().select_from(DealPair).join(Deal, this_deal == deal_id).where(*deal_conditions(rf))
    )


def unfiltered(rf: ResolvedFilters) -> bool:
    """No filter but the live deals': the map the kept counts give."""
    return len(deal_conditions(rf)) == 1


def busiest_organizations(
    session: Session, rf: ResolvedFilters, limit: int, *, kept: bool = True
) -> tuple[list[Node], int]:
    """The `limit` organizations in most filtered deals (ties by name, id) and how many
    organizations have any: without filters, the kept counts of the `party` facet
    (app/derived/counts.py); with them (or `kept` false), one GROUP BY over the pair rows that
    say an organization is in a deal (`org_a` = `org_b`)."""
    counted: Any
    if kept and unfiltered(rf):
        counted = (
            select(Organization.id.label("org"), FacetCount.n.label("deals"))
            .join(FacetCount, FacetCount.value == cast(Organization.id, String(100)))
            .where(FacetCount.dimension == "party", FacetCount.n > 0)
            .subquery()
        )
    else:
        counted = (
            _pairs(session, rf, from_deals=True)
            .add_columns(DealPair.org_a.label("org"), func.count().label("deals"))
            .where(DealPair.org_a == DealPair.org_b)
            .group_by(DealPair.org_a)
            .subquery()
        )
    stmt = (
        select(
            Organization.id,
            Organization.slug,
            Organization.name,
            Organization.kind,
            counted.c.deals,
            func.count().over().label("total"),
        )
        .join(counted, counted.c.org == Organization.id)
        .order_by(counted.c.deals.desc(), Organization.name, Organization.id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    nodes = [Node(r.id, r.slug, r.name, r.kind, r.deals) for r in rows]
    return nodes, rows[0].total if rows else 0


def network_edges(
    session: Session, rf: ResolvedFilters, org_ids: list[int], *, kept: bool = True
) -> list[Edge]:
    """One edge per pair of the organizations with a filtered deal between them; a deal with
    n of them gives each of its pairs once (one `deal_pair` row each). One row per pair comes
    back: its deals by status, values and flows summed in the statement. Without filters, read
    from the kept pairs (app/derived/pair_counts.py) rather than grouped from the deals."""
    if len(org_ids) < 2:
        return []
    stmt: Any
    if kept and unfiltered(rf):
        stmt = select(
            PairCount.org_a,
            PairCount.org_b,
            *_by_pair(PairCount.status, PairCount.n, PairCount.valued, PairCount.flows),
            func.sum(PairCount.value_usd),
        ).where(PairCount.org_a.in_(org_ids), PairCount.org_b.in_(org_ids), PairCount.n > 0)
        pair = (PairCount.org_a, PairCount.org_b)
    else:
        stmt = (
            _pairs(session, rf, from_deals=False)
            .add_columns(
                DealPair.org_a,
                DealPair.org_b,
                *_by_pair(
                    Deal.status, 1, case((Deal.value_usd.is_(None), 0), else_=1), DealPair.flows
                ),
                func.sum(Deal.value_usd),
            )
            .where(
                DealPair.org_a.in_(org_ids),
                DealPair.org_b.in_(org_ids),
                DealPair.org_a < DealPair.org_b,
            )
        )
        pair = (DealPair.org_a, DealPair.org_b)
    statuses = values(Status)
    edges = []
    for org_a, org_b, *counts, valued, value in session.execute(
        stmt.group_by(*pair).order_by(*pair)
    ).all():
        # ints: Postgres sums bigints as numeric
        by_status = dict(zip(statuses, map(int, counts[: len(statuses)]), strict=True))
        bits = int(sum(counts[len(statuses) :]))
        edges.append(
            Edge(
                a=org_a,
                b=org_b,
                deals=sum(by_status.values()),
                statuses={status: n for status, n in by_status.items() if n},
                value_usd=int(value) if valued else None,
                flows=bits_flows(org_a, org_b, bits),
            )
        )
    return edges


def _by_pair(status: Any, deals: Any, valued: Any, flows: Any) -> list[Any]:
    """A pair's deals of each status (in the vocabulary's order), then the flow bits any of
    them has (one column a bit: databases differ in their bitwise aggregates), then how many
    have a value."""
    return [
        *(func.sum(case((status == s, deals), else_=0)) for s in values(Status)),
        *(func.max(flows.op("&")(bit)) for bit in sorted(FLOW_BITS.values())),
        func.sum(valued),
    ]


def money_circles(
    session: Session,
    rf: ResolvedFilters,
    edges: list[Edge],
    by_id: dict[int, Node],
    *,
    limit: int = MOST_CIRCLES,
) -> list[Circle]:
    """Cycles of money among the drawn organizations (two or three of them), each step with
    the largest deals that carry it."""
    arcs = {(d.source, d.target) for e in edges for d in e.flows if d.kind == Flow.MONEY}
    cycles = find_circles(
        arcs, key=lambda n: (-by_id[n].deals, by_id[n].name, n), longest=3, limit=limit
    )
    if not cycles:
        return []
    steps = {(c[i], c[(i + 1) % len(c)]) for c in cycles for i in range(len(c))}
    money = FLOW_BITS[(Flow.MONEY, True)] | FLOW_BITS[(Flow.MONEY, False)]
    pairs = sorted({(min(s), max(s)) for s in steps})
    # Which way money goes follows from (org_a, org_b, flows): the largest deals of each such
    # group and how many it has are all a step needs of it; the rest stay in the database.
    group = (DealPair.org_a, DealPair.org_b, DealPair.flows)
    ranked = (
        _pairs(session, rf, from_deals=False)
        .add_columns(*group, Deal.id, Deal.title, Deal.status, Deal.value_usd)
        .add_columns(
            func.count().over(partition_by=group).label("deals"),
            func.row_number()
            .over(partition_by=group, order_by=(func.coalesce(Deal.value_usd, 0).desc(), Deal.id))
            .label("rank"),
        )
        .where(
            # Each side's IN as well: SQLite reads an index for those, not for the pairs' IN.
            DealPair.org_a.in_({a for a, _ in pairs}),
            DealPair.org_b.in_({b for _, b in pairs}),
            tuple_(DealPair.org_a, DealPair.org_b).in_(pairs),
            DealPair.flows.op("&")(money) != 0,
        )
        .subquery()
    )
    rows = session.execute(
        select(*(ranked.c[name] for name in RANKED_COLUMNS)).where(ranked.c.rank <= DEALS_PER_STEP)
    ).all()
    carried: dict[tuple[int, int], list[StepDeal]] = defaultdict(list)
    counted: dict[tuple[int, int], int] = defaultdict(int)
    groups: set[tuple[int, int, int]] = set()
    for org_a, org_b, bits, deal_id, title, status, value, deals in rows:
        first = (org_a, org_b, bits) not in groups
        groups.add((org_a, org_b, bits))
        for d in bits_flows(org_a, org_b, bits):
            if d.kind == Flow.MONEY and (d.source, d.target) in steps:
                carried[(d.source, d.target)].append(StepDeal(deal_id, title, status, value))
                counted[(d.source, d.target)] += deals if first else 0

    def step(source: int, target: int) -> Step:
        deals = sorted(carried[(source, target)], key=lambda d: (-(d.value_usd or 0), d.id))
        return Step(source, target, deals[:DEALS_PER_STEP], counted[(source, target)])

    return [Circle(c, [step(c[i], c[(i + 1) % len(c)]) for i in range(len(c))]) for c in cycles]


def deal_network(
    session: Session, rf: ResolvedFilters, limit: int = DEFAULT_NODES, *, kept: bool = True
) -> Network:
    """The map of the filtered deals: its busiest `limit` organizations, their edges, and the
    money circles among them. Without filters its figures are the kept ones, unless `kept` is
    false (then counted from the deals, as the tests compare)."""
    nodes, organizations = busiest_organizations(session, rf, limit, kept=kept)
    by_id = {node.id: node for node in nodes}
    edges = network_edges(session, rf, sorted(by_id), kept=kept)
    circles = money_circles(session, rf, edges, by_id)
    return Network(nodes, edges, circles, organizations, limit, by_id)
