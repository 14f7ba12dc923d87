"""The facets' promise, as a property over random filter combinations on the demo data: in every
dimension not yet filtered, each count beside a value equals the number of deals its link gives;
in a dimension already filtered, a value not chosen shows "+n", and its link gives the result's
deals and n more (values of one filter combine with OR).
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.vocabulary import Confidence, DealType, HardwareType, Status, values
from app.filters import FILTERS, DealFilters
from app.models import Hardware, Organization
from app.queries.deals import count_deals, resolve_filters
from app.queries.facets import facet_counts

# The facet's heading on the page → its filter's name.
FACET_NAMES = {(flt.facet.title or flt.label): flt.name for flt in FILTERS if flt.facet is not None}


def shown_total(html: str) -> int:
    count = BeautifulSoup(html, "html.parser").select_one(".table-count")
    if count is None:  # no rows: the page says so instead of counting them
        return 0
    match = re.search(r"of ([\d,]+) deals", count.get_text())
    return int(match.group(1).replace(",", "")) if match else 0


def link_total(session: Session, href: str) -> int:
    """How many deals the link's filters match (the total its page shows)."""
    filters = DealFilters.from_query(parse_qsl(urlsplit(href).query))
    return count_deals(session, resolve_filters(session, filters))


def facet_links(html: str) -> dict[str, list[tuple[int, str, bool, bool]]]:
    """(count, link, selected, shown as "+n") of every value of every facet on the page, by
    filter name."""
    page = BeautifulSoup(html, "html.parser")
    found: dict[str, list[tuple[int, str, bool, bool]]] = {}
    for section in page.select("section.facet:not(.counting)"):
        name = FACET_NAMES.get(section.select_one("h2").get_text(strip=True), "")
        if not name:  # the other boxes of the column (the filter form's groups)
            continue
        found[name] = [
            (
                int(a.select_one(".count").get_text(strip=True).lstrip("+").replace(",", "")),
                str(a["href"]),
                a.has_attr("aria-current"),
                a.select_one(".count").get_text(strip=True).startswith("+"),
            )
            for a in section.select("li a")
        ]
    return found


def subsets(choices: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(choices), max_size=2, unique=True)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_each_unfiltered_facet_count_is_its_links_row_count(
    demo_client: TestClient, demo: Session, data: st.DataObject
) -> None:
    organizations = sorted(demo.scalars(select(Organization.slug)))
    hardware = sorted(demo.scalars(select(Hardware.slug)))
    pairs: list[tuple[str, str]] = []
    for name, choices in (
        ("status", values(Status)),
        ("hardware_type", values(HardwareType)),
        ("deal_type", values(DealType)),
        ("confidence", values(Confidence)),
        ("party", organizations),
        ("customer", organizations),
        ("vendor", organizations),
        ("hardware", hardware),
        ("replaced", ["no", "yes"]),
        ("hardware_named", ["no", "yes"]),
    ):
        if data.draw(st.integers(0, 3), label=f"use {name}") == 0:
            pairs += [(name, value) for value in data.draw(subsets(choices), label=name)]
    if data.draw(st.booleans(), label="use a date"):
        pairs.append(("reported_from", data.draw(st.sampled_from(["2024", "2025", "2025-Q3"]))))
    if data.draw(st.booleans(), label="use a value"):
        pairs.append(("min_value", data.draw(st.sampled_from(["500M", "1B", "10B"]))))
    if data.draw(st.booleans(), label="use a search"):
        pairs.append(("q", data.draw(st.sampled_from(["google", "openai", "nvidia", "gpu"]))))
    query = urlencode(pairs)
    response = demo_client.get(f"/deals?{query}")
    assert response.status_code == 200, query
    facets = facet_links(response.text)
    assert facets or shown_total(response.text) == 0, f"no facets shown for {query}"
    filtered = {name for name, _ in pairs}
    total = shown_total(response.text)
    checked = []
    for name, links in facets.items():
        for count, href, selected, added in links:
            if name not in filtered:
                assert not selected and not added, (query, name, href)
                assert count == link_total(demo, href), (query, name, href)
                checked.append((count, href))
            elif not selected:
                assert added, (query, name, href)
                assert link_total(demo, href) == total + count, (query, name, href)
                checked.append((total + count, href))
    if checked:  # one of them followed over HTTP, as a reader would click it
        count, href = data.draw(st.sampled_from(checked), label="clicked")
        assert shown_total(demo_client.get(href).text) == count, (query, href)


def test_the_unfiltered_page_shows_every_facet_with_its_counts(
    demo_client: TestClient, demo: Session
) -> None:
    """The property above reads what this finds: every facet of the registry, by its heading."""
    facets = facet_links(demo_client.get("/deals").text)
    assert set(facets) == set(FACET_NAMES.values())
    for name, links in facets.items():
        assert links, name
        count, href, _, added = links[0]
        assert not added, name
        assert count == link_total(demo, href) > 0, name


def test_a_filtered_facet_says_what_each_value_adds(demo_client: TestClient) -> None:
    """The report that prompted it: with one party chosen, another party's count is the deals
    it adds, not all of its deals."""
    page = BeautifulSoup(demo_client.get("/deals?party=anthropic").text, "html.parser")
    total = shown_total(str(page))
    openai = next(a for a in page.select(".facet a") if "party=openai" in a["href"])
    count = openai.select_one(".count")
    assert count.get_text(strip=True).startswith("+") and "adds" in count["title"]
    added = int(count.get_text(strip=True).lstrip("+"))
    assert shown_total(demo_client.get(openai["href"]).text) == total + added


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.lists(
        st.sampled_from(
            [
                ("status", "confirmed"),
                ("status", "rumored"),
                ("party", "microsoft"),
                ("party", "openai"),
                ("vendor", "nvidia"),
                ("hardware_type", "gpu"),
                ("q", "azure capacity"),
                ("min_value", "1B"),
                ("sort", "title"),
                ("page", "2"),
            ]
        ),
        max_size=4,
        unique=True,
    ),
    on=st.sampled_from(["table", "organization", "timeline"]),
)
def test_every_facet_link_is_the_toggled_view(
    demo: Session, chosen: list[tuple[str, str]], on: str
) -> None:
    """Facet links are made from one marked link per facet (app/queries/facets.py): each must
    be the link of the view with that value toggled, in every kind of view."""
    from app.queries.facets import deal_facets, whole_facets
    from app.web.tables import TableView
    from app.web.timeline import TimelineView

    pairs = [(k, v) for k, v in chosen if on != "timeline" or k not in ("sort", "page")]
    if on == "organization":
        pairs = [(k, v) for k, v in pairs if k != "party"] + [("party", "microsoft")]
    f = DealFilters.from_query(pairs)
    url_for = {
        "table": TableView(f, "/deals", columns=("sources",)).url,
        "organization": TableView(f, "/organizations/microsoft", {"party": ("microsoft",)}).url,
        "timeline": TimelineView(f, "/timeline", view="lanes").url,
    }[on]
    rf = resolve_filters(demo, f)
    # Each facet of records listed whole, as its "Show all" link asks (`show=`).
    facets = [
        facet
        for name in whole_facets()
        for facet in deal_facets(demo, rf, url_for, whole=name)
        if facet.name == name
    ]
    counts = facet_counts(demo, rf)
    for facet in facets:  # every value with deals (and any chosen one without)
        assert len(facet.more) == facet.hidden
        listed = {item.value for item in [*facet.values, *facet.more]}
        assert listed >= {row[0] for row in counts[facet.name]}
    assert all(facet.more for facet in facets) or pairs  # the demo has more than the first few
    for facet in facets:
        for item in [*facet.values, *facet.more]:
            assert item.toggle_url == url_for(f.toggled(facet.name, item.value)), item
