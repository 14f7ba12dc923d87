"""The network map: the `parties_all` filter, edges, flows, circles, the API and the page."""

from datetime import UTC, datetime
from itertools import combinations, permutations
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.derived.refresh import refresh_missing
from app.domain.circles import find_circles
from app.domain.flows import Direction, Flow, bits_flows, pair_flows
from app.filters import DealFilters
from app.models import DealPair, DealParty, Organization
from app.queries.deals import list_deals, resolve_filters
from app.queries.network import deal_network
from tests.factories import make_deal, make_organization


def _orgs(session: Session, *names: str) -> dict[str, Organization]:
    return {name: make_organization(session, name, slug=name.lower()) for name in names}


def _ids(client: TestClient, query: str) -> set[int]:
    body = client.get(f"/api/v1/deals?{query}&per_page=500").json()
    return {item["id"] for item in body["items"]}


# The pure parts ------------------------------------------------------------------------------


def test_roles_say_which_way_money_and_compute_flow() -> None:
    flows = pair_flows(1, ["customer", "investee"], 2, ["supplier", "investor"])
    assert flows == {
        Direction(Flow.MONEY, 1, 2),  # the customer pays the supplier
        Direction(Flow.COMPUTE, 2, 1),  # who ships it chips
        Direction(Flow.MONEY, 2, 1),  # and invests in it
    }
    assert pair_flows(1, ["partner"], 2, ["partner", "co_developer"]) == frozenset()
    assert pair_flows(1, ["customer"], 1, ["provider"]) == frozenset()


def test_circles_are_found_once_each_and_no_false_one() -> None:
    arcs = [("a", "b"), ("b", "a"), ("x", "y"), ("y", "z"), ("z", "x"), ("p", "q"), ("q", "r")]
    arcs += [("p", "r"), ("a", "x")]
    assert find_circles(arcs, key=str) == [("a", "b"), ("x", "y", "z")]
    assert find_circles([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")], key=str) == []
    assert find_circles([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")], key=str, longest=4)


def _every_circle(arcs: set[tuple[int, int]], longest: int) -> list[tuple[int, ...]]:
    """Each cycle by trying every sequence of distinct nodes, starting at its smallest."""
    nodes = sorted({n for arc in arcs for n in arc})
    found = [
        cycle
        for length in range(2, longest + 1)
        for cycle in permutations(nodes, length)
        if cycle[0] == min(cycle)
        and all((cycle[i], cycle[(i + 1) % length]) in arcs for i in range(length))
    ]
    return sorted(found, key=lambda cycle: (len(cycle), cycle))


@settings(max_examples=200, deadline=None)
@given(
    arcs=st.sets(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=30),
    limit=st.integers(1, 60),
)
def test_the_first_circles_are_those_of_trying_every_sequence(
    arcs: set[tuple[int, int]], limit: int
) -> None:
    """The search that stops at `limit` lists the same first circles, in the same order, as
    trying every sequence of nodes and sorting them."""
    proper = {(a, b) for a, b in arcs if a != b}
    assert find_circles(arcs, key=lambda n: n, limit=limit) == _every_circle(proper, 3)[:limit]


# The filter ----------------------------------------------------------------------------------


def test_parties_all_means_every_one_and_party_any(client: TestClient, session: Session) -> None:
    o = _orgs(session, "Alpha", "Beta", "Gamma")
    ab = make_deal(session, parties=[(o["Alpha"], "customer"), (o["Beta"], "provider")]).id
    abg = make_deal(
        session,
        parties=[(o["Alpha"], "customer"), (o["Beta"], "provider"), (o["Gamma"], "supplier")],
    ).id
    ag = make_deal(session, parties=[(o["Alpha"], "customer"), (o["Gamma"], "provider")]).id
    assert _ids(client, "parties_all=alpha&parties_all=beta") == {ab, abg}
    assert _ids(client, "parties_all=beta&parties_all=gamma") == {abg}
    assert _ids(client, "party=beta&party=gamma") == {ab, abg, ag}
    assert _ids(client, "parties_all=alpha") == {ab, abg, ag}
    bad = client.get("/api/v1/deals?parties_all=nobody")
    assert bad.status_code == 422 and "unknown organization 'nobody'" in bad.text


# Edges ---------------------------------------------------------------------------------------


def test_edges_equal_the_deals_of_the_filter(client: TestClient, session: Session) -> None:
    o = _orgs(session, "Alpha", "Beta", "Gamma", "Delta")
    deals = [
        ([("Alpha", "customer"), ("Beta", "provider")], "confirmed"),
        ([("Alpha", "customer"), ("Alpha", "investor"), ("Beta", "provider")], "rumored"),
        ([("Alpha", "customer"), ("Beta", "provider"), ("Gamma", "supplier")], "confirmed"),
        ([("Gamma", "customer"), ("Delta", "provider")], "denied"),
        ([("Beta", "partner"), ("Delta", "partner")], "announced"),
    ]
    made = []
    for parties, status in deals:
        deal = make_deal(session, parties=[(o[n], r) for n, r in parties], status=status)
        made.append((deal.id, {n.lower() for n, _ in parties}, status))
    for query, keep in [
        ("", lambda status: True),
        ("status=confirmed", lambda status: status == "confirmed"),
    ]:
        expected: dict[tuple[str, str], set[int]] = {}
        for deal_id, slugs, status in made:
            if keep(status):
                for a, b in combinations(sorted(slugs), 2):
                    expected.setdefault((a, b), set()).add(deal_id)
        body = client.get(f"/api/v1/network?{query}").json()
        got = {tuple(sorted((e["source"], e["target"]))): e for e in body["edges"]}
        assert {pair: e["deals"] for pair, e in got.items()} == {
            pair: len(ids) for pair, ids in expected.items()
        }
        # Each edge's link opens exactly the deals between the two, under the same filters.
        for pair, edge in got.items():
            link = urlsplit(edge["deals_url"])
            assert link.path == "/deals"
            assert sorted(v for k, v in parse_qsl(link.query) if k == "parties_all") == list(pair)
            assert _ids(client, link.query) == expected[pair]
    edges = {
        tuple(sorted((e["source"], e["target"]))): e
        for e in client.get("/api/v1/network").json()["edges"]
    }
    assert edges[("alpha", "beta")]["statuses"] == {"rumored": 1, "confirmed": 2}
    assert edges[("alpha", "beta")]["style"] == "firm"
    assert edges[("delta", "gamma")]["style"] == "ended"
    assert {(f["kind"], f["source"], f["target"]) for f in edges[("alpha", "beta")]["flows"]} == {
        ("money", "alpha", "beta"),
        ("compute", "beta", "alpha"),
    }
    assert edges[("beta", "delta")]["flows"] == []


def test_the_busiest_are_drawn_and_the_rest_counted(client: TestClient, session: Session) -> None:
    hub = make_organization(session, "Hub", slug="hub")
    for _ in range(5):
        make_deal(session, parties=[(hub, "customer"), (make_organization(session), "provider")])
    body = client.get("/api/v1/network?limit=3").json()
    assert body["organizations"] == 6 and body["limit"] == 3
    assert [n["slug"] for n in body["nodes"]][0] == "hub" and len(body["nodes"]) == 3
    assert len(body["edges"]) == 2
    for bad in ("1", "x", "201", "²", "9" * 30):
        answer = client.get(f"/api/v1/network?limit={bad}")
        assert answer.status_code == 422 and "'limit' must be a whole number" in answer.text


def test_deleted_deals_count_for_nobody_with_or_without_filters(session: Session) -> None:
    # Without filters the counts come from the pair rows less the deleted deals' (no join).
    hub, other = make_organization(session, "Hub"), make_organization(session, "Other")
    live = make_deal(session, parties=[(hub, "customer"), (other, "provider")])
    gone = make_deal(session, parties=[(hub, "customer"), (other, "provider")])
    lone = make_deal(session, parties=[(make_organization(session, "Lone"), "customer")])
    for deleted in (gone, lone):
        deleted.deleted_at = datetime.now(UTC)
    session.flush()
    for query in ([], [("status", live.status)]):
        network = deal_network(session, resolve_filters(session, DealFilters.from_query(query)))
        assert [(n.name, n.deals) for n in network.nodes] == [("Hub", 1), ("Other", 1)], query
        assert network.organizations == 2 and [e.deals for e in network.edges] == [1], query


# Circles -------------------------------------------------------------------------------------


def test_a_known_cycle_is_listed_and_no_false_one(client: TestClient, session: Session) -> None:
    o = _orgs(session, "Chipco", "Labco", "Cloudco", "Fundco")
    invest = make_deal(
        session,
        "Chipco invests in Labco",
        parties=[(o["Chipco"], "investor"), (o["Labco"], "investee")],
        deal_types=["equity_investment"],
        status="announced",
        value_usd=5_000_000_000,
        value_qualifier="exact",
    )
    buy = make_deal(
        session,
        "Labco buys Chipco chips",
        parties=[(o["Labco"], "customer"), (o["Chipco"], "supplier")],
        deal_types=["chip_purchase"],
        status="confirmed",
    )
    # One-way money only: Labco rents from Cloudco, Fundco invests in Cloudco and Labco.
    make_deal(session, parties=[(o["Labco"], "customer"), (o["Cloudco"], "provider")])
    make_deal(session, parties=[(o["Fundco"], "investor"), (o["Cloudco"], "investee")])
    make_deal(session, parties=[(o["Fundco"], "investor"), (o["Labco"], "investee")])
    body = client.get("/api/v1/network").json()
    assert [sorted(c["organizations"]) for c in body["circles"]] == [["chipco", "labco"]]
    steps = {(s["source"], s["target"]): s for s in body["circles"][0]["steps"]}
    assert set(steps) == {("chipco", "labco"), ("labco", "chipco")}
    paid = steps[("chipco", "labco")]["deals"]
    assert [(d["id"], d["status"], d["value_usd"]) for d in paid] == [
        (invest.id, "announced", 5_000_000_000)
    ]
    assert [d["id"] for d in steps[("labco", "chipco")]["deals"]] == [buy.id]
    # A filter that leaves out one side leaves no circle.
    assert client.get("/api/v1/network?deal_type=chip_purchase").json()["circles"] == []


def test_a_three_way_circle(session: Session) -> None:
    o = _orgs(session, "Aco", "Bco", "Cco")
    make_deal(session, parties=[(o["Aco"], "customer"), (o["Bco"], "provider")])
    make_deal(session, parties=[(o["Bco"], "customer"), (o["Cco"], "supplier")])
    make_deal(session, parties=[(o["Cco"], "investor"), (o["Aco"], "investee")])
    network = deal_network(session, resolve_filters(session, DealFilters()))
    names = [[network.by_id[n].slug for n in c.nodes] for c in network.circles]
    assert names == [["aco", "bco", "cco"]]


# The demo data -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/network?party=openai"])
def test_the_demo_map_of_openai(demo_client: TestClient, demo: Session, path: str) -> None:
    body = demo_client.get(path).json()
    slugs = {n["slug"] for n in body["nodes"]}
    assert {"openai", "nvidia", "amd", "microsoft", "oracle", "coreweave", "broadcom"} <= slugs
    assert "cerebras" in slugs
    openai_edges = {
        e["target"] if e["source"] == "openai" else e["source"]
        for e in body["edges"]
        if "openai" in (e["source"], e["target"])
    }
    assert {"nvidia", "amd", "microsoft", "oracle", "coreweave", "broadcom"} <= openai_edges
    circles = [sorted(c["organizations"]) for c in body["circles"]]
    assert ["nvidia", "openai"] in circles and ["microsoft", "openai"] in circles
    # Each named circle is investment one way and purchases the other, with the deals.
    for other in ("nvidia", "microsoft"):
        circle = next(c for c in body["circles"] if sorted(c["organizations"]) == [other, "openai"])
        for step in circle["steps"]:
            assert step["deal_count"] >= 1 and step["deals"][0]["url"].startswith("http")
    # The edge's table is the deals with both, as the filter finds them.
    edge = next(e for e in body["edges"] if {e["source"], e["target"]} == {"openai", "nvidia"})
    query = urlsplit(edge["deals_url"]).query
    ids = _ids(demo_client, query)
    deals = list_deals(
        demo,
        resolve_filters(demo, DealFilters(party=("openai",), parties_all=("openai", "nvidia"))),
        total=None,
    ).rows
    assert ids == {d.id for d in deals} and len(ids) == edge["deals"]


# The page ------------------------------------------------------------------------------------


def test_the_page_draws_the_same_picture_twice(demo_client: TestClient) -> None:
    first = demo_client.get("/network?party=openai")
    second = demo_client.get("/network?party=openai")
    assert first.status_code == 200
    svg = BeautifulSoup(first.text, "html.parser").find("svg", class_="network-map")
    assert svg is not None and str(svg) == str(
        BeautifulSoup(second.text, "html.parser").find("svg", class_="network-map")
    )
    page = BeautifulSoup(first.text, "html.parser")
    nodes = {a["data-slug"]: a["href"] for a in page.select("a.node")}
    assert nodes["openai"].endswith("/organizations/openai")
    pairs = {a["data-pair"] for a in page.select("a.edge")}
    assert any(set(p.split()) == {"nvidia", "openai"} for p in pairs)
    assert "in-circle" in page.select_one("a.node[data-slug=nvidia]")["class"]
    assert page.select("table.network-edges tbody tr")
    assert "NVIDIA → OpenAI" in page.select_one("#circles").find_next("ol").text


def test_a_bad_filter_is_a_400_on_the_page(demo_client: TestClient) -> None:
    answer = demo_client.get("/network?status=bogus&limit=0")
    assert answer.status_code == 400
    text = BeautifulSoup(answer.text, "html.parser").select_one(".filter-errors").text
    assert "unknown status 'bogus'" in text and "'limit' must be a whole number" in text


def test_deals_organizations_and_the_overview_link_to_the_map(demo_client: TestClient) -> None:
    deals = BeautifulSoup(demo_client.get("/deals?status=confirmed&sort=value").text, "html.parser")
    assert deals.find("a", string="Network map of these deals")["href"].endswith(
        "/network?status=confirmed"
    )
    org = BeautifulSoup(demo_client.get("/organizations/nvidia").text, "html.parser")
    mapped = org.find("a", string=lambda s: bool(s) and s.startswith("Map of NVIDIA"))
    assert mapped["href"].endswith("/network?party=nvidia")
    with_openai = org.select_one('a[aria-label$="deals with OpenAI"]')
    assert with_openai["href"].endswith("parties_all=nvidia&parties_all=openai")
    home = BeautifulSoup(demo_client.get("/").text, "html.parser")
    assert home.find("a", string=lambda s: bool(s) and "network map" in s)["href"].endswith(
        "/network"
    )


def test_a_map_not_ready_in_time_says_so_and_follows(demo_client: TestClient) -> None:
    """Maps are cached until the next change; one not ready within the time limit is drawn
    after the response (the test client runs that before it returns)."""
    demo_client.app.state.figures.time_limit = 0  # type: ignore[attr-defined]
    first = demo_client.get("/network?party=amd")
    assert first.status_code == 200 and "Still drawing the map" in first.text
    assert 'hx-trigger="load delay:2s"' in first.text and "network-map" not in first.text
    later = demo_client.get("/network?party=amd&sort=value")  # sorting changes no map
    assert "Still drawing" not in later.text and 'data-slug="amd"' in later.text


# The stored pairs ----------------------------------------------------------------------------


def _stored_pairs(session: Session) -> set[tuple[int, int, int, frozenset[Direction]]]:
    return {
        (deal_id, a, b, bits_flows(a, b, bits))
        for deal_id, a, b, bits in session.execute(
            select(DealPair.deal_id, DealPair.org_a, DealPair.org_b, DealPair.flows)
        )
    }


def _recomputed_pairs(session: Session) -> set[tuple[int, int, int, frozenset[Direction]]]:
    """Each deal's organizations (a, a) and pairs (a < b) with their flows, from deal_party."""
    roles: dict[int, dict[int, set[str]]] = {}
    for deal_id, org, role in session.execute(
        select(DealParty.deal_id, DealParty.organization_id, DealParty.role)
    ):
        roles.setdefault(deal_id, {}).setdefault(org, set()).add(role)
    found = set()
    for deal_id, parties in roles.items():
        found |= {(deal_id, org, org, frozenset()) for org in parties}
        for a, b in combinations(sorted(parties), 2):
            found.add((deal_id, a, b, pair_flows(a, parties[a], b, parties[b])))
    return found


def test_the_stored_pairs_follow_creates_edits_and_deletes(session: Session) -> None:
    o = _orgs(session, "Alpha", "Beta", "Gamma", "Delta")
    one = make_deal(session, parties=[(o["Alpha"], "customer"), (o["Beta"], "provider")])
    two = make_deal(
        session,
        parties=[(o["Gamma"], "investor"), (o["Beta"], "investee"), (o["Alpha"], "partner")],
    )
    three = make_deal(session, parties=[(o["Delta"], "supplier"), (o["Gamma"], "customer")])
    session.commit()
    stored = _stored_pairs(session)
    assert stored == _recomputed_pairs(session)
    alpha, beta = o["Alpha"].id, o["Beta"].id
    one_ab = next(f for deal, x, y, f in stored if deal == one.id and {x, y} == {alpha, beta})
    assert one_ab == {Direction(Flow.MONEY, alpha, beta), Direction(Flow.COMPUTE, beta, alpha)}
    assert len(stored) == 2 + 1 + 3 + 3 + 2 + 1  # organizations and pairs of each deal

    # Edits: a party added, a role changed (money now flows the other way), a party removed.
    one.parties.append(DealParty(organization=o["Gamma"], role="financier", position=2))
    two.parties[0].role = "investee"
    two.parties[1].role = "investor"
    three.parties.remove(three.parties[0])
    session.commit()
    stored = _stored_pairs(session)
    assert stored == _recomputed_pairs(session)
    assert not any(deal == three.id and o["Delta"].id in (x, y) for deal, x, y, _ in stored)
    assert any(deal == one.id and o["Gamma"].id in (x, y) for deal, x, y, _ in stored)

    # Deletes: a whole deal goes with its pairs.
    session.delete(two)
    session.commit()
    assert _stored_pairs(session) == _recomputed_pairs(session)
    assert not any(deal == two.id for deal, *_ in _stored_pairs(session))

    # Rows lost (as before the migration that adds them) are filled in again.
    session.execute(delete(DealPair).where(DealPair.deal_id == one.id))
    session.commit()
    assert refresh_missing(session) == 1
    assert _stored_pairs(session) == _recomputed_pairs(session)
