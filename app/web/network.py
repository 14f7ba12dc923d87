"""The network map at /network: who deals with whom under the deal filters, as an SVG drawn on
the server, a table of the same edges, and the money circles found."""

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.domain.vocabulary import label as word_for
from app.filters import DealFilters
from app.queries.deals import ResolvedFilters
from app.queries.facets import filter_chips
from app.queries.network import DEFAULT_NODES, MOST_NODES, Node, deal_network
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.network_map import KIND_ORDER, edge_title, flow_phrases, picture
from app.web.render import figures_within, render

router = APIRouter()
_WHOLE = re.compile(r"[0-9]{1,9}")


def _limit_problems(pairs: list[tuple[str, str]]) -> list[str]:
    values = [v.strip() for k, v in pairs if k == "limit" and v.strip()]
    if len(values) > 1:
        return [f"'limit' was given twice ('{values[0]}', '{values[1]}')"]
    if values and not (_WHOLE.fullmatch(values[0]) and 2 <= int(values[0]) <= MOST_NODES):
        return [f"'limit' must be a whole number from 2 to {MOST_NODES}, not '{values[0]}'"]
    return []


def node_limit(request: Request) -> int:
    """The `limit` parameter (how many organizations to draw); a bad one is reported with the
    filters' problems (`_limit_problems`), so it reads as the default here."""
    typed = request.query_params.get("limit", "").strip()
    return int(typed) if _WHOLE.fullmatch(typed) and len(typed) < 4 else DEFAULT_NODES


NetworkFilters = Annotated[
    ResolvedFilters,
    Depends(FilterQuery(own=("limit",), check_own=_limit_problems)),
]
NodeLimit = Annotated[int, Depends(node_limit)]


def network_key(rf: ResolvedFilters, limit: int) -> tuple[str, str, int]:
    """The figure cache's key of a map: its filters (sort and paging change nothing) and size."""
    return ("network", rf.filters.without("sort").query_string(paging=False), limit)


@dataclass(frozen=True)
class NetworkLinks:
    """The addresses a map's marks open: an organization, the deals between two, the same
    filters on the table or as data."""

    request: Request
    filters: DealFilters
    limit: int

    def _query(self, f: DealFilters) -> str:
        return f.query_string(paging=False)

    def organization(self, node: Node) -> str:
        return str(self.request.url_for("organization_detail", slug=node.slug))

    def between(self, a: Node, b: Node) -> str:
        """The table of exactly the filtered deals that involve both."""
        both = tuple(dict.fromkeys((*self.filters.parties_all, a.slug, b.slug)))
        f = self.filters.with_preset(parties_all=both)
        return f"{self.request.url_for('deals_index')}?{self._query(f)}"

    def deals(self) -> str:
        query = self._query(self.filters)
        return str(self.request.url_for("deals_index")) + (f"?{query}" if query else "")

    def network(self, f: DealFilters | None = None) -> str:
        query = self._query(f or self.filters)
        if self.limit != DEFAULT_NODES:
            query = f"{query}&limit={self.limit}" if query else f"limit={self.limit}"
        return str(self.request.url_for("network")) + (f"?{query}" if query else "")

    def api(self) -> str:
        query = self._query(self.filters)
        if self.limit != DEFAULT_NODES:
            query = f"{query}&limit={self.limit}" if query else f"limit={self.limit}"
        return str(self.request.url_for("api_network")) + (f"?{query}" if query else "")


@router.get(
    "/network",
    name="network",
    dependencies=[Depends(ErrorPage("network/index.html", "network_results"))],
)
def network_page(
    request: Request, session: SessionDep, rf: NetworkFilters, limit: NodeLimit
) -> Response:
    """The map; a bad filter value is a 400 with this page."""
    known, later = figures_within(
        request, session, network_key(rf, limit), lambda: deal_network(session, rf, limit)
    )
    links = NetworkLinks(request, rf.filters, limit)
    if known is None:  # not ready in time: say so; it is drawn after the response
        response = render(
            request,
            "network/index.html",
            {"network": None, "links": links, "filters": rf.filters, "limit": limit,
             "chips": filter_chips(rf, links.network), "raw": request.query_params},
            block="network_results",
        )  # fmt: skip
        response.background = later
        return response
    network = known
    return render(
        request,
        "network/index.html",
        {
            "network": network,
            "picture": picture(network),
            "links": links,
            "filters": rf.filters,
            "chips": filter_chips(rf, links.network),
            "raw": request.query_params,
            "limit": limit,
            "node_names": {node.id: node.name for node in network.nodes},
            "edge_title": edge_title,
            "flow_phrases": flow_phrases,
            "kinds": sorted({node.kind for node in network.nodes}, key=KIND_ORDER.index),
            "kind_labels": {kind: word_for(kind) for kind in KIND_ORDER},
        },
        block="network_results",
    )
