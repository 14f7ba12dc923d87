"""Who deals with whom under the deal filters: the busiest organizations, the deals between
each pair of them (their edges, with what flows which way), and the circles money makes.

A fixed number of statements whatever the data: the busiest organizations (with how many there
are in all), the edges grouped by pair and status, the role pairs of each edge, and the deals
on the steps of the circles found. Everything is aggregated in SQL over the filtered deal ids;
only the drawn organizations' pairs reach Python.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from app.domain.circles import find_circles
from app.domain.flows import MONEY_ROLES, Direction, Flow, pair_flows
from app.domain.vocabulary import DENIED_STATUSES, RUMOR_STATUSES, Status
from app.models import Deal, DealParty, Organization
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


def _deal_ids(rf: ResolvedFilters) -> Select[int]:
    return select(Deal.id).where(*deal_conditions(rf))


def busiest_organizations(
    session: Session, rf: ResolvedFilters, limit: int
) -> tuple[list[Node], int]:
    """The `limit` organizations in most filtered deals (ties by name, id) and how many
    organizations have any."""
    deals = func.count(func.distinct(DealParty.deal_id)).label("deals")
    counted = (
        select(DealParty.organization_id.label("org"), deals)
        .where(DealParty.deal_id.in_(_deal_ids(rf)))
        .group_by(DealParty.organization_id)
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


def _joined(rf: ResolvedFilters, org_ids: list[int]) -> tuple[Any, Any, list[Any]]:
    """Two party rows (a, b) of the same deal, a's organization before b's, both drawn, and
    the deal (joined, so the filters' conditions apply to it directly) matching the filters."""
    a, b = aliased(DealParty), aliased(DealParty)
    return (
        a,
        b,
        [
            a.organization_id.in_(org_ids),
            b.organization_id.in_(org_ids),
            *deal_conditions(rf),
        ],
    )


def network_edges(session: Session, rf: ResolvedFilters, org_ids: list[int]) -> list[Edge]:
    """One edge per pair of the organizations with a filtered deal between them; a deal with
    n of them gives each of its pairs once."""
    if len(org_ids) < 2:
        return []
    a, b, where = _joined(rf, org_ids)
    on = and_(b.deal_id == a.deal_id, b.organization_id > a.organization_id)
    # Each pair once per deal, whatever roles its parties hold: distinct (pair, deal) rows.
    pair_deals = (
        select(
            a.organization_id.label("a"),
            b.organization_id.label("b"),
            Deal.id,
            Deal.status,
            Deal.value_usd,
        )
        .join(b, on)
        .join(Deal, Deal.id == a.deal_id)
        .where(*where)
        .distinct()
        .subquery()
    )
    counted = session.execute(
        select(
            pair_deals.c.a,
            pair_deals.c.b,
            pair_deals.c.status,
            func.count(),
            func.sum(pair_deals.c.value_usd),
        ).group_by(pair_deals.c.a, pair_deals.c.b, pair_deals.c.status)
    ).all()
    role_rows = session.execute(
        select(a.organization_id, b.organization_id, a.role, b.role)
        .join(b, on)
        .join(Deal, Deal.id == a.deal_id)
        .where(*where)
        .distinct()  # one row per role pair, not per deal
    ).all()
    flows: dict[tuple[int, int], set[Direction]] = defaultdict(set)
    for org_a, org_b, role_a, role_b in role_rows:
        flows[(org_a, org_b)] |= pair_flows(org_a, [role_a], org_b, [role_b])
    statuses: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    values: dict[tuple[int, int], int | None] = {}
    for org_a, org_b, status, count, value in counted:
        statuses[(org_a, org_b)][status] = count
        if value is not None:
            values[(org_a, org_b)] = (values.get((org_a, org_b)) or 0) + int(value)
    order = {status.value: i for i, status in enumerate(Status)}
    return [
        Edge(
            a=pair[0],
            b=pair[1],
            deals=sum(by_status.values()),
            statuses=dict(sorted(by_status.items(), key=lambda item: order.get(item[0], 99))),
            value_usd=values.get(pair),
            flows=frozenset(flows.get(pair, ())),
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
    steps = sorted({(c[i], c[(i + 1) % len(c)]) for c in cycles for i in range(len(c))})
    a, b, where = _joined(rf, sorted({n for c in cycles for n in c}))
    rows = session.execute(
        select(a.organization_id, b.organization_id, Deal.id, Deal.title, Deal.status)
        .add_columns(Deal.value_usd)
        .join(b, and_(b.deal_id == a.deal_id, b.organization_id != a.organization_id))
        .join(Deal, Deal.id == a.deal_id)
        .where(
            *where,
            tuple_(a.organization_id, b.organization_id).in_(steps),
            or_(*(and_(a.role == ra, b.role == rb) for ra, rb in sorted(MONEY_ROLES))),
        )
        .distinct()
    ).all()
    carried: dict[tuple[int, int], list[StepDeal]] = defaultdict(list)
    for source, target, deal_id, title, status, value in rows:
        carried[(source, target)].append(StepDeal(deal_id, title, status, value))

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
