"""The network map as data: GET /api/v1/network with the deal filters."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.api.errors import problem_responses
from app.api.idempotency import IdempotentRoute
from app.derived.cache import FigureCache
from app.domain.flows import Flow
from app.domain.vocabulary import OrgKind, Status
from app.filters.openapi import query_parameters
from app.queries.deals import ResolvedFilters
from app.queries.network import DEFAULT_NODES, MOST_NODES, Network, deal_network
from app.unit_of_work import SessionDep
from app.web.network import ApiNetworkFilters, NetworkLinks, NodeLimit, network_key

router = APIRouter(tags=["network"], route_class=IdempotentRoute)


class NetworkNodeOut(BaseModel):
    slug: str
    name: str
    kind: OrgKind
    deals: int = Field(description="Filtered deals it is a party to.")
    url: str


class FlowOut(BaseModel):
    kind: Flow = Field(description="`money` (who pays whom) or `compute` (who serves whom).")
    source: str = Field(description="Slug of the organization it leaves.")
    target: str = Field(description="Slug of the organization it reaches.")


class NetworkEdgeOut(BaseModel):
    source: str = Field(description="Slug of one organization (the pair is unordered).")
    target: str
    deals: int = Field(description="Filtered deals with both as parties.")
    statuses: dict[Status, int]
    value_usd: int | None = Field(description="Sum of the deals' stated values.")
    style: str = Field(description="`firm`, `unconfirmed` (rumored or in talks) or `ended`.")
    flows: list[FlowOut]
    deals_url: str = Field(description="The table of exactly those deals.")


class StepDealOut(BaseModel):
    id: int
    title: str
    status: Status
    value_usd: int | None
    url: str


class CircleStepOut(BaseModel):
    source: str
    target: str
    deal_count: int = Field(description="Filtered deals in which the source pays the target.")
    deals: list[StepDealOut] = Field(description="The largest of them.")


class CircleOut(BaseModel):
    organizations: list[str] = Field(description="Slugs in flow order; the last pays the first.")
    steps: list[CircleStepOut]


class NetworkOut(BaseModel):
    organizations: int = Field(description="Organizations with any filtered deal.")
    limit: int = Field(description="At most this many, the busiest, are in `nodes`.")
    nodes: list[NetworkNodeOut]
    edges: list[NetworkEdgeOut]
    circles: list[CircleOut]
    url: str = Field(description="The map on the site.")


LIMIT_PARAMETER = {
    "name": "limit",
    "in": "query",
    "required": False,
    "description": f"How many organizations (the busiest) to include, 2 to {MOST_NODES}.",
    "schema": {"type": "integer", "minimum": 2, "maximum": MOST_NODES, "default": DEFAULT_NODES},
}


@router.get(
    "/network",
    name="api_network",
    response_model=NetworkOut,
    responses=problem_responses(401, 422),
    openapi_extra={"parameters": [*query_parameters(), LIMIT_PARAMETER]},
    summary="Who deals with whom under the table's filters, and the money circles",
)
def network_index(
    request: Request, session: SessionDep, rf: ApiNetworkFilters, limit: NodeLimit
) -> Response:
    """The busiest organizations of the filtered deals, an edge per pair with deals between
    them (what flows which way), and the circles money makes among them."""
    # Cached until the next change, like the table's counts (app/derived/cache.py): the map,
    # and its JSON (its addresses are absolute, so per host).
    figures: FigureCache = request.app.state.figures

    def compute() -> bytes:
        network = figures.get(
            session, network_key(rf, limit), lambda: deal_network(session, rf, limit)
        )
        return network_out(request, network, rf, limit).model_dump_json().encode()

    key = ("network_api", str(request.base_url), *network_key(rf, limit)[1:])
    return Response(figures.get(session, key, compute), media_type="application/json")


def network_out(request: Request, network: Network, rf: ResolvedFilters, limit: int) -> NetworkOut:
    links = NetworkLinks(request, rf.filters, limit)
    slug = {node.id: node.slug for node in network.nodes}
    return NetworkOut(
        organizations=network.organizations,
        limit=limit,
        nodes=[
            NetworkNodeOut(
                slug=n.slug,
                name=n.name,
                kind=OrgKind(n.kind),
                deals=n.deals,
                url=links.organization(n),
            )
            for n in network.nodes
        ],  # fmt: skip
        edges=[
            NetworkEdgeOut(
                source=slug[e.a],
                target=slug[e.b],
                deals=e.deals,
                statuses={Status(s): c for s, c in e.statuses.items()},
                value_usd=e.value_usd,
                style=e.style,
                flows=[
                    FlowOut(kind=d.kind, source=slug[d.source], target=slug[d.target])
                    for d in sorted(e.flows)
                ],
                deals_url=links.between(network.by_id[e.a], network.by_id[e.b]),
            )
            for e in network.edges
        ],  # fmt: skip
        circles=[
            CircleOut(
                organizations=[slug[n] for n in c.nodes],
                steps=[
                    CircleStepOut(
                        source=slug[s.source],
                        target=slug[s.target],
                        deal_count=s.count,
                        deals=[
                            StepDealOut(
                                id=d.id,
                                title=d.title,
                                status=Status(d.status),
                                value_usd=d.value_usd,
                                url=str(request.url_for("deal_detail", deal_id=d.id)),
                            )
                            for d in s.deals
                        ],  # fmt: skip
                    )
                    for s in c.steps
                ],
            )
            for c in network.circles
        ],
        url=links.network(),
    )
