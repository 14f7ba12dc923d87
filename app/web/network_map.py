"""The network map's picture: a deterministic layout of the organizations and the marks of
the SVG (nodes, edges, arrows), computed here so the template only writes them out.

The same network always gives the same picture: positions depend only on the nodes' order
(most deals first, then name) and their kinds, never on chance or on the order rows arrived in.
The busiest organization sits in the middle when it deals with at least half of the others
(a map of one party's neighbourhood); the rest sit on one or two rings, grouped by kind so
colours cluster, the busier ones on the inner ring.
"""

import math
from dataclasses import dataclass
from functools import cache

from app.domain.flows import Flow
from app.domain.vocabulary import OrgKind
from app.domain.vocabulary import label as word_for
from app.queries.network import Edge, Network, Node

WIDTH = 960
HEIGHT = 760
KIND_ORDER = [kind.value for kind in OrgKind]


@dataclass(frozen=True)
class NodeMark:
    node: Node
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    anchor: str
    in_circle: bool

    @property
    def kind_label(self) -> str:
        return word_for(self.node.kind)


@dataclass(frozen=True)
class EdgeMark:
    edge: Edge
    source: NodeMark
    target: NodeMark
    x1: float
    y1: float
    x2: float
    y2: float
    flow: str  # money, compute, both or none: the colour
    arrow_end: bool  # money (else compute) goes from source to target
    arrow_start: bool
    in_circle: bool
    width: float


def _ring(count: int, radius: float, offset: float) -> list[tuple[float, float]]:
    cx, cy = WIDTH / 2, HEIGHT / 2
    return [
        (
            round(cx + radius * math.cos(offset + 2 * math.pi * i / count - math.pi / 2), 1),
            round(cy + radius * math.sin(offset + 2 * math.pi * i / count - math.pi / 2), 1),
        )
        for i in range(count)
    ]


def _kind_rank(node: Node) -> int:
    return KIND_ORDER.index(node.kind) if node.kind in KIND_ORDER else len(KIND_ORDER)


def layout(network: Network) -> dict[int, tuple[float, float]]:
    """Node id → (x, y), from the nodes' order alone."""
    nodes = network.nodes
    if not nodes:
        return {}
    positions: dict[int, tuple[float, float]] = {}
    rest = list(nodes)
    neighbours: dict[int, int] = {}
    for edge in network.edges:
        neighbours[edge.a] = neighbours.get(edge.a, 0) + 1
        neighbours[edge.b] = neighbours.get(edge.b, 0) + 1
    first = nodes[0]
    if len(nodes) == 1 or neighbours.get(first.id, 0) * 2 >= len(nodes) - 1:
        positions[first.id] = (WIDTH / 2, HEIGHT / 2)
        rest = nodes[1:]
    if not rest:
        return positions
    inner_count = 0 if len(rest) <= 20 else max(8, len(rest) // 3)
    inner, outer = rest[:inner_count], rest[inner_count:]
    rings = [(outer, min(WIDTH, HEIGHT) / 2 - 90)]
    if inner:
        rings.append((inner, min(WIDTH, HEIGHT) / 2 - 210))
    for index, (ring, radius) in enumerate(rings):
        ordered = sorted(ring, key=lambda n: (_kind_rank(n), -n.deals, n.name, n.id))
        spots = _ring(len(ordered), radius, offset=0.5 * index * math.pi / len(ordered))
        positions.update({n.id: spot for n, spot in zip(ordered, spots, strict=True)})
    return positions


def node_marks(network: Network, circled: set[int]) -> dict[int, NodeMark]:
    positions = layout(network)
    most = max((n.deals for n in network.nodes), default=1)
    marks = {}
    for node in network.nodes:
        x, y = positions[node.id]
        r = round(6 + 16 * math.sqrt(node.deals / most), 1)
        dx, dy = x - WIDTH / 2, y - HEIGHT / 2
        length = math.hypot(dx, dy)
        if length < 1:  # the centre: label below
            lx, ly, anchor = x, y + r + 14, "middle"
        else:
            ux, uy = dx / length, dy / length
            lx, ly = x + ux * (r + 6), y + uy * (r + 6) + 4
            anchor = "start" if ux > 0.3 else "end" if ux < -0.3 else "middle"
            if anchor == "middle":
                ly += 8 if uy > 0 else -2
        marks[node.id] = NodeMark(
            node, x, y, r, round(lx, 1), round(ly, 1), anchor, node.id in circled
        )
    return marks


def edge_marks(
    network: Network, nodes: dict[int, NodeMark], circled: set[tuple[int, int]]
) -> list[EdgeMark]:
    most = max((e.deals for e in network.edges), default=1)
    marks = []
    for edge in network.edges:
        source, target = nodes[edge.a], nodes[edge.b]
        money = {(d.source, d.target) for d in edge.flows if d.kind == Flow.MONEY}
        compute = {(d.source, d.target) for d in edge.flows if d.kind == Flow.COMPUTE}
        kinds = {d.kind for d in edge.flows}
        flow = "both" if len(kinds) == 2 else next(iter(kinds)).value if kinds else "none"
        arrows = money or compute
        # Stop the line at the circles' rims, so arrowheads show.
        dx, dy = target.x - source.x, target.y - source.y
        length = math.hypot(dx, dy) or 1
        ux, uy = dx / length, dy / length
        marks.append(
            EdgeMark(
                edge=edge,
                source=source,
                target=target,
                x1=round(source.x + ux * (source.r + 2), 1),
                y1=round(source.y + uy * (source.r + 2), 1),
                x2=round(target.x - ux * (target.r + 2), 1),
                y2=round(target.y - uy * (target.r + 2), 1),
                flow=flow,
                arrow_end=(edge.a, edge.b) in arrows,
                arrow_start=(edge.b, edge.a) in arrows,
                in_circle=(edge.a, edge.b) in circled,
                width=round(1 + 4 * math.sqrt(edge.deals / most), 1),
            )
        )
    # Circled edges last, so they are drawn on top.
    return sorted(marks, key=lambda m: m.in_circle)


@dataclass(frozen=True)
class MapPicture:
    width: int
    height: int
    nodes: list[NodeMark]
    edges: list[EdgeMark]


def picture(network: Network) -> MapPicture:
    circled_nodes = {n for circle in network.circles for n in circle.nodes}
    circled_pairs: set[tuple[int, int]] = set()
    for circle in network.circles:
        for step in circle.steps:
            circled_pairs.add((min(step.source, step.target), max(step.source, step.target)))
    nodes = node_marks(network, circled_nodes)
    return MapPicture(
        WIDTH, HEIGHT, list(nodes.values()), edge_marks(network, nodes, circled_pairs)
    )


def flow_phrases(edge: Edge, names: dict[int, str]) -> list[str]:
    """What flows which way on an edge, in words: "money OpenAI → NVIDIA"; empty when the
    roles say nothing of a flow."""
    return [
        f"{d.kind.value} {names[d.source]} → {names[d.target]}"
        for d in sorted(edge.flows, key=lambda d: (d.kind.value, names[d.source]))
    ]


@cache
def _status_word(status: str) -> str:
    return word_for(status).lower()


def edge_title(edge: Edge, names: dict[int, str], phrases: list[str] | None = None) -> str:
    """The hover text of an edge: the pair, its deals and statuses, what flows (`phrases`:
    its flow_phrases, when worked out already)."""
    statuses = ", ".join(f"{n} {_status_word(status)}" for status, n in edge.statuses.items())
    if phrases is None:
        phrases = flow_phrases(edge, names)
    flows = "; ".join(phrases) or "no flow stated (partners)"
    plural = "deal" if edge.deals == 1 else "deals"
    return f"{names[edge.a]} – {names[edge.b]}: {edge.deals} {plural} ({statuses}); {flows}"
