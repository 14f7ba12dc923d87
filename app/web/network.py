"""The network map at /network: who deals with whom under the deal filters, as an SVG drawn on
the server, a table of the same edges, and the money circles found."""

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Annotated
from urllib.parse import quote, quote_plus, urlencode

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from app.derived.cache import FigureCache
from app.domain.flows import Direction
from app.domain.vocabulary import label as word_for
from app.filters import DealFilters
from app.queries.deals import ResolvedFilters
from app.queries.facets import filter_chips
from app.queries.network import DEFAULT_NODES, MOST_NODES, Edge, Network, Node, deal_network
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.network_map import KIND_ORDER, MapPicture, edge_title, flow_phrases, picture
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

    @cached_property
    def _between_prefix(self) -> str:
        """The table's address and the filters but `parties_all`, encoded once per map."""
        return f"{self._deals_url}?{urlencode(self._deals_pairs)}"

    @cached_property
    def _parties_all(self) -> frozenset[str]:
        return frozenset(self.filters.parties_all)

    def organization(self, node: Node) -> str:
        return f"{self._organizations}/{quote(node.slug, safe='')}"

    def between(self, a: Node, b: Node) -> str:
        """The table of exactly the filtered deals that involve both: the filters, and
        `parties_all` naming the two (besides any it named already)."""
        if self._parties_all:  # rare: the map of deals that already involve some
            both = dict.fromkeys((*self.filters.parties_all, a.slug, b.slug))
            pairs = [*self._deals_pairs, *(("parties_all", slug) for slug in both)]
            return f"{self._deals_url}?{urlencode(pairs)}"
        # A map has a link per pair: only the two slugs are encoded for each.
        prefix = self._between_prefix
        joint = "&" if self._deals_pairs else ""
        return f"{prefix}{joint}parties_all={quote_plus(a.slug)}&parties_all={quote_plus(b.slug)}"

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
    statuses: str  # HTML: the status badges with their counts
    value: str  # HTML: the summed value


# A map's pairs are written out piece by piece, each piece remembered by everything it shows
# (the edge's figures and flows, the names, its link, the mark's place): right after a change
# only the pairs it moved are written again, the rest of a map of 1,800 pairs is looked up.
MEMO = 8192
StatusCounts = tuple[tuple[str, int], ...]


def edge_texts(network: Network, links: NetworkLinks) -> dict[tuple[int, int], EdgeText]:
    by_id = network.by_id
    texts = {}
    for e in network.edges:
        a, b = by_id[e.a], by_id[e.b]
        texts[(e.a, e.b)] = _edge_text(
            e.a,
            e.b,
            a.name,
            b.name,
            e.deals,
            tuple(e.statuses.items()),
            e.value_usd,
            e.flows,
            links.between(a, b),
        )
    return texts


@lru_cache(maxsize=MEMO)
def _edge_text(
    a: int,
    b: int,
    name_a: str,
    name_b: str,
    deals: int,
    statuses: StatusCounts,
    value_usd: int | None,
    flows: frozenset[Direction],
    href: str,
) -> EdgeText:
    e = Edge(a, b, deals, dict(statuses), value_usd, flows)
    names = {a: name_a, b: name_b}
    phrases = flow_phrases(e, names)
    return EdgeText(
        edge_title(e, names, phrases),
        "; ".join(phrases) or "partners",
        href,
        ", ".join(f"{_badge(status)} {count:d}" for status, count in statuses),
        str(money(value_usd)),
    )


def forget_markup() -> None:
    """Forget the remembered pieces of maps (what a new process starts with)."""
    for memo in (_edge_text, _edge_mark, _edge_row):
        memo.cache_clear()


@cache
def _badge(status: str) -> str:
    return str(status_badge(status))


# The marks and rows of a map's pairs, written out here rather than by the template: a map of
# the busiest 60 has some 1,800 pairs, and a loop of string formatting writes them several
# times faster than the template's (the same markup; every text escaped).
def edges_svg(picture: MapPicture, texts: dict[tuple[int, int], EdgeText]) -> Markup:
    return Markup(
        "".join(
            _edge_mark(
                texts[(m.edge.a, m.edge.b)],
                m.edge.style,
                m.source.node.slug,
                m.target.node.slug,
                (m.x1, m.y1, m.x2, m.y2, m.width),
                m.flow,
                m.arrow_end,
                m.arrow_start,
                m.in_circle,
            )
            for m in picture.edges
        )
    )


@lru_cache(maxsize=MEMO)
def _edge_mark(
    text: EdgeText,
    style: str,
    source: str,
    target: str,
    place: tuple[float, float, float, float, float],
    flow: str,
    arrow_end: bool,
    arrow_start: bool,
    in_circle: bool,
) -> str:
    x1, y1, x2, y2, width = place
    title = escape(text.title)
    circle = " in-circle" if in_circle else ""
    ends = (f' marker-end="url(#arrow-{flow})"' if arrow_end else "") + (
        f' marker-start="url(#arrow-{flow})"' if arrow_start else ""
    )
    line = f'x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"'
    return (
        f'<a href="{escape(text.href)}" aria-label="{title}" '
        f'class="edge flow-{flow} status-{style}{circle}" '
        f'data-pair="{escape(source)} {escape(target)}">'
        f"<title>{title}</title>"
        f'<line {line} class="hit"/><line {line} stroke-width="{width}"{ends}/></a>\n'
    )


def edges_rows(
    network: Network, texts: dict[tuple[int, int], EdgeText], links: NetworkLinks
) -> Markup:
    names = network.by_id
    return Markup(
        "".join(
            _edge_row(
                texts[(e.a, e.b)],
                e.deals,
                names[e.a].name,
                names[e.b].name,
                links.organization(names[e.a]),
                links.organization(names[e.b]),
            )
            for e in network.edges
        )
    )


@lru_cache(maxsize=MEMO)
def _edge_row(text: EdgeText, deals: int, a: str, b: str, href_a: str, href_b: str) -> str:
    name_a, name_b = escape(a), escape(b)
    plural = "" if deals == 1 else "s"
    return (
        f'<tr><th scope="row"><a href="{escape(href_a)}">{name_a}</a> – '
        f'<a href="{escape(href_b)}">{name_b}</a></th>'
        f'<td class="num"><a href="{escape(text.href)}" '
        f'aria-label="{deals} deal{plural} between {name_a} and {name_b}">{deals}</a></td>'
        f'<td>{text.statuses}</td><td class="num">{text.value}</td>'
        f"<td>{escape(text.flows)}</td></tr>\n"
    )


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
        drawn = picture(network)
        texts = edge_texts(network, links)
        return network, Markup(
            templates.get_template("network/_map.html").render(
                {
                    "request": request,
                    "network": network,
                    "picture": drawn,
                    "links": links,
                    "edges_svg": edges_svg(drawn, texts),
                    "edges_rows": edges_rows(network, texts, links),
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
