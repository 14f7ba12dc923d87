"""Who deals with whom under the deal filters: the busiest organizations, the deals between
each pair of them (their edges, with what flows which way), and the circles money makes.

A fixed number of statements whatever the data: the busiest organizations (with how many there
are in all), the edges grouped by pair, flows and status, and the deals on the steps of the
circles found. Each is one GROUP BY (or lookup) over the derived table of each deal's pairs of
organizations (`deal_pair`, app/derived/pairs.py) joined to the filtered deals; only the drawn
organizations' pairs reach Python.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from app.domain.circles import find_circles
from app.domain.flows import FLOW_BITS, Direction, Flow, bits_flows
from app.domain.vocabulary import DENIED_STATUSES, RUMOR_STATUSES, Status
from app.models import Deal, DealPair, Organization
from app.queries.deals import ResolvedFilters, deal_conditions

DEFAULT_NODES = 60
MOST_NODES = 200
MOST_CIRCLES = 12
DEALS_PER_STEP = 5


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


def busiest_organizations(
    session: Session, rf: ResolvedFilters, limit: int
) -> tuple[list[Node], int]:
    """The `limit` organizations in most filtered deals (ties by name, id) and how many
    organizations have any: one GROUP BY over the pair rows that say an organization is in a
    deal (`org_a` = `org_b`)."""
    conditions = deal_conditions(rf)
    if len(conditions) == 1:  # no filter but the live deals': no deal to join
        # Each organization's rows in ix_deal_pair_member, less those of the few deleted deals
        # (ix_deal_deleted): an index-only count, where the join reads every deal.
        deleted = select(Deal.id).where(Deal.deleted_at.is_not(None))
        members = select().select_from(DealPair).where(DealPair.deal_id.not_in(deleted))
    else:
        members = _pairs(session, rf, from_deals=True)
    counted = (
        members.add_columns(DealPair.org_a.label("org"), func.count().label("deals"))
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


def network_edges(session: Session, rf: ResolvedFilters, org_ids: list[int]) -> list[Edge]:
    """One edge per pair of the organizations with a filtered deal between them; a deal with
    n of them gives each of its pairs once (one `deal_pair` row each)."""
    if len(org_ids) < 2:
        return []
    counted = session.execute(
        _pairs(session, rf, from_deals=False)
        .add_columns(
            DealPair.org_a,
            DealPair.org_b,
            DealPair.flows,
            Deal.status,
            func.count(),
            func.sum(Deal.value_usd),
        )
        .where(
            DealPair.org_a.in_(org_ids),
            DealPair.org_b.in_(org_ids),
            DealPair.org_a < DealPair.org_b,
        )
        .group_by(DealPair.org_a, DealPair.org_b, DealPair.flows, Deal.status)
    ).all()
    flows: dict[tuple[int, int], int] = defaultdict(int)
    statuses: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    values: dict[tuple[int, int], int | None] = {}
    for org_a, org_b, bits, status, count, value in counted:
        pair = (org_a, org_b)
        flows[pair] |= bits
        statuses[pair][status] = statuses[pair].get(status, 0) + count
        if value is not None:
            values[pair] = (values.get(pair) or 0) + int(value)
    order = {status.value: i for i, status in enumerate(Status)}
    return [
        Edge(
            a=pair[0],
            b=pair[1],
            deals=sum(by_status.values()),
            statuses=dict(sorted(by_status.items(), key=lambda item: order.get(item[0], 99))),
            value_usd=values.get(pair),
            flows=bits_flows(pair[0], pair[1], flows[pair]),
        )
        for pair, by_status in sorted(statuses.items())
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
    rows = session.execute(
        _pairs(session, rf, from_deals=False)
        .add_columns(DealPair.org_a, DealPair.org_b, DealPair.flows)
        .add_columns(Deal.id, Deal.title, Deal.status, Deal.value_usd)
        .where(
            # Each side's IN as well: SQLite reads an index for those, not for the pairs' IN.
            DealPair.org_a.in_({a for a, _ in pairs}),
            DealPair.org_b.in_({b for _, b in pairs}),
            tuple_(DealPair.org_a, DealPair.org_b).in_(pairs),
            DealPair.flows.op("&")(money) != 0,
        )
    ).all()
    carried: dict[tuple[int, int], list[StepDeal]] = defaultdict(list)
    for org_a, org_b, bits, deal_id, title, status, value in rows:
        for d in bits_flows(org_a, org_b, bits):
            if d.kind == Flow.MONEY and (d.source, d.target) in steps:
                carried[(d.source, d.target)].append(StepDeal(deal_id, title, status, value))

    def step(source: int, target: int) -> Step:
        deals = sorted(carried[(source, target)], key=lambda d: (-(d.value_usd or 0), d.id))
        return Step(source, target, deals[:DEALS_PER_STEP], len(deals))

    return [Circle(c, [step(c[i], c[(i + 1) % len(c)]) for i in range(len(c))]) for c in cycles]


def deal_network(session: Session, rf: ResolvedFilters, limit: int = DEFAULT_NODES) -> Network:
    """The map of the filtered deals: its busiest `limit` organizations, their edges, and the
    money circles among them."""
    nodes, organizations = busiest_organizations(session, rf, limit)
    by_id = {node.id: node for node in nodes}
    edges = network_edges(session, rf, sorted(by_id))
    circles = money_circles(session, rf, edges, by_id)
    return Network(nodes, edges, circles, organizations, limit, by_id)
