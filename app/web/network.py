"""The network map at /network: who deals with whom under the deal filters, as an SVG drawn on
the server, a table of the same edges, and the money circles found."""

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from app.derived.cache import FigureCache
from app.domain.vocabulary import label as word_for
from app.filters import DealFilters
from app.queries.deals import ResolvedFilters
from app.queries.facets import filter_chips
from app.queries.network import DEFAULT_NODES, MOST_NODES, Network, Node, deal_network
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.network_map import KIND_ORDER, edge_title, flow_phrases, picture
from app.web.render import figures_within, money, render, status_badge, templates

router = APIRouter()
_WHOLE = re.compile(r"[0-9]{1,9}")


def _limit_problems(pairs: list[tuple[str, str]]) -> list[str]:
    values = [v.strip() for k, v in pairs if k == "limit" and v.strip()]
    if len(values) > 1:
        return [f"'limit' was given twice ('{values[0]}', '{values[1]}')"]
    if values and not (_WHOLE.fullmatch(values[0]) and 2 <= int(values[0]) <= MOST_NODES):
        return [f"'limit' must be a whole number from 2 to {MOST_NODES}, not '{values[0]}'"]
    return []


def _limit_given(pairs: list[tuple[str, str]]) -> list[str]:
    """As `_limit_problems`, where a blank `limit` is refused (the API's)."""
    blank = any(k == "limit" and not v.strip() for k, v in pairs)
    return (
        ["'limit' is empty: give it a value or leave it out"] if blank else _limit_problems(pairs)
    )


def node_limit(request: Request) -> int:
    """The `limit` parameter (how many organizations to draw); a bad one is reported with the
    filters' problems (`_limit_problems`), so it reads as the default here."""
    typed = request.query_params.get("limit", "").strip()
    return int(typed) if _WHOLE.fullmatch(typed) and len(typed) < 4 else DEFAULT_NODES


NetworkFilters = Annotated[
    ResolvedFilters,
    Depends(FilterQuery(own=("limit",), check_own=_limit_problems)),
]
ApiNetworkFilters = Annotated[
    ResolvedFilters,
    Depends(FilterQuery(own=("limit",), check_own=_limit_given, blanks=False)),
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

    # A map has a mark per pair: its addresses are built from prefixes made once.
    @cached_property
    def _organizations(self) -> str:
        return str(self.request.url_for("organizations_index"))

    @cached_property
    def _deals_pairs(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.filters.pairs(paging=False) if k != "parties_all"]

    @cached_property
    def _deals_url(self) -> str:
        return str(self.request.url_for("deals_index"))

    def organization(self, node: Node) -> str:
        return f"{self._organizations}/{quote(node.slug, safe='')}"

    def between(self, a: Node, b: Node) -> str:
        """The table of exactly the filtered deals that involve both: the filters, and
        `parties_all` naming the two (besides any it named already)."""
        both = dict.fromkeys((*self.filters.parties_all, a.slug, b.slug))
        pairs = [*self._deals_pairs, *(("parties_all", slug) for slug in both)]
        return f"{self._deals_url}?{urlencode(pairs)}"

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


@dataclass(frozen=True)
class EdgeText:
    """What an edge's mark and row say and open, worked out once for both."""

    title: str
    flows: str
    href: str
    statuses: Markup
    value: Markup


def edge_texts(network: Network, links: NetworkLinks) -> dict[tuple[int, int], EdgeText]:
    names = {node.id: node.name for node in network.nodes}
    by_id = network.by_id
    # A badge per status, made once: a map of 60 can have 1,800 pairs and 10,000 badges.
    badges: dict[str, Markup] = {}

    def badge(status: str) -> Markup:
        if status not in badges:
            badges[status] = status_badge(status)
        return badges[status]

    return {
        (e.a, e.b): EdgeText(
            edge_title(e, names),
            "; ".join(flow_phrases(e, names)) or "partners",
            links.between(by_id[e.a], by_id[e.b]),
            Markup(", ".join(f"{badge(status)} {count:d}" for status, count in e.statuses.items())),
            money(e.value_usd),
        )
        for e in network.edges
    }


@router.get(
    "/network",
    name="network",
    dependencies=[Depends(ErrorPage("network/index.html", "network_results"))],
)
def network_page(
    request: Request, session: SessionDep, rf: NetworkFilters, limit: NodeLimit
) -> Response:
    """The map; a bad filter value is a 400 with this page."""
    links = NetworkLinks(request, rf.filters, limit)
    figures: FigureCache = request.app.state.figures

    def compute() -> tuple[Network, Markup]:
        network = figures.get(
            session, network_key(rf, limit), lambda: deal_network(session, rf, limit)
        )
        return network, Markup(
            templates.get_template("network/_map.html").render(
                {
                    "request": request,
                    "network": network,
                    "picture": picture(network),
                    "links": links,
                    "edge_text": edge_texts(network, links),
                    "kinds": sorted({n.kind for n in network.nodes}, key=KIND_ORDER.index),
                    "kind_labels": {kind: word_for(kind) for kind in KIND_ORDER},
                }
            )
        )

    # The page's own key: its marks link to absolute addresses on this host.
    key = ("network_page", str(request.base_url), *network_key(rf, limit)[1:])
    known, later = figures_within(request, session, key, compute)
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
    network, map_html = known
    return render(
        request,
        "network/index.html",
        {
            "network": network,
            "map_html": map_html,
            "links": links,
            "filters": rf.filters,
            "chips": filter_chips(rf, links.network),
            "raw": request.query_params,
            "limit": limit,
        },
        block="network_results",
    )
