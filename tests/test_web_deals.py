"""The deals table over HTTP: full page or fragment, chips and facets, clear 400s."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.filters import DealFilters
from app.queries.deals import list_deals, resolve_filters
from tests.conftest import StatementCounter
from tests.test_queries_deals import CASES


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def shown_total(html: str) -> int:
    count = soup(html).select_one(".table-count").get_text()
    match = re.search(r"of ([\d,]+) deals", count)
    return int(match.group(1).replace(",", "")) if match else 0


@pytest.mark.parametrize("query", CASES)
def test_every_filter_works_through_the_url_alone(
    demo_client: TestClient, demo: Session, query: str
) -> None:
    response = demo_client.get(f"/deals?{query}")
    assert response.status_code == 200
    expected = list_deals(demo, resolve_filters(demo, DealFilters.from_query(parse_qsl(query))))
    assert shown_total(response.text) == expected.total
    titles = [a.get_text() for a in soup(response.text).select("#deal-table td.title a")]
    assert titles == [d.title for d in expected.rows]


def test_htmx_gets_the_results_fragment(demo_client: TestClient) -> None:
    response = demo_client.get("/deals?status=rumored", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = soup(response.text)
    assert fragment.select_one("#deal-results") is not None
    assert fragment.select_one(".facets") is not None
    assert fragment.select_one("#q") is None  # the search box is not swapped while typing
    assert "HX-Request" in response.headers["vary"]


def test_history_restore_gets_the_full_page(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/deals?status=rumored",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.text
    assert "HX-Request" in response.headers["vary"]


def test_the_form_is_a_real_get_form_that_htmx_upgrades(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals?status=rumored&q=google").text)
    form = page.select_one("form#deal-filters")
    assert form["method"] == "get" and form["action"].endswith("/deals")
    assert form["hx-push-url"] == "true" and "delay:" in form["hx-trigger"]
    assert page.select_one("#q")["value"] == "google"
    hidden = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    assert ("status", "rumored") in hidden
    for field in form.select("input:not([type=hidden]), select"):
        assert page.select_one(f"label[for={field['id']}]") is not None, field


def test_chips_remove_one_filter_each(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals?status=rumored&status=denied&party=google").text)
    chips = {a.get_text(" ", strip=True): a["href"] for a in page.select(".chips a.chip")}
    assert set(chips) == {"Status: Rumored ×", "Status: Denied ×", "Party: Google ×"}
    remaining = parse_qsl(urlsplit(chips["Status: Rumored ×"]).query)
    assert remaining == [("status", "denied"), ("party", "google")]


def test_facet_links_toggle_and_mark_the_selected(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals?hardware_type=tpu").text)
    selected = page.select(".facet a.selected")
    assert [a.select_one(".facet-label").get_text(strip=True) for a in selected] == ["TPU"]
    assert selected[0]["aria-current"] == "true"
    assert "hardware_type" not in selected[0]["href"]  # clicking it again removes it


def test_sort_headers_flip_and_say_so(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals?sort=value").text)
    header = next(th for th in page.select("th") if "Value" in th.get_text())
    assert header["aria-sort"] == "ascending"
    assert "sort=-value" in header.select_one("a")["href"]


def test_empty_result_offers_to_clear_filters(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals?q=zzzzzz").text)
    assert "No deals match" in page.get_text()
    assert page.select_one(".empty a")["href"] == "/deals"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=confirmd", "unknown status 'confirmd' — expected one of rumored"),
        ("party=nobody", "unknown organization 'nobody'"),
        ("hardware=h999", "unknown hardware 'h999'"),
        ("reported_from=2026-13", "'2026-13' has no month 13"),
        ("min_value=abc", "'abc' is not an amount"),
        ("sort=price", "unknown sort 'price'"),
        ("per_page=9999", "per_page '9999' is not allowed"),
    ],
)
def test_bad_values_get_a_400_page_that_names_them(
    demo_client: TestClient, query: str, message: str
) -> None:
    response = demo_client.get(f"/deals?{query}")
    assert response.status_code == 400
    page = soup(response.text)
    assert message in page.select_one(".filter-errors").get_text()
    assert page.select_one("nav") is not None  # the whole page, not a bare error
    fragment = demo_client.get(f"/deals?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and message in soup(fragment.text).get_text()


def test_a_bad_value_keeps_what_was_typed(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/deals?reported_from=2026-13&status=rumored&q=maia").text)
    assert page.select_one("#reported_from")["value"] == "2026-13"
    assert page.select_one("#q")["value"] == "maia"
    assert page.select_one("input[type=hidden][name=status]")["value"] == "rumored"


def test_organization_page_uses_the_table_with_its_preset(demo_client: TestClient) -> None:
    page = soup(demo_client.get("/organizations/microsoft?status=confirmed&sort=title").text)
    titles = [a.get_text() for a in page.select("#deal-table td.title a")]
    assert titles == sorted(titles, key=str.lower) and titles
    header_link = page.select_one("th[aria-sort] a")["href"]
    assert header_link.startswith("/organizations/microsoft?") and "party=" not in header_link
    bad = demo_client.get("/organizations/microsoft?status=nope")
    assert bad.status_code == 400


def test_statements_are_constant_in_rows_and_filters(
    demo_client: TestClient, count_statements: type[StatementCounter], db_name: str
) -> None:
    demo_client.app.state.figures.max_entries = 0  # type: ignore[attr-defined]  # count them all
    kept_tables = demo_client.app.state.kept_tables  # type: ignore[attr-defined]
    kept_tables.max_entries = 0  # render every page (kept pages: the next test)
    demo_client.get("/deals")  # warm up
    counts = []
    with count_statements() as counter:  # the unfiltered table reads its kept counts
        demo_client.get("/deals")
    kept = counter.count
    demo_client.get("/deals?replaced=yes")  # the worker builds its sets of deal ids once
    for query in ("replaced=no&per_page=500", "replaced=no&per_page=3",
                  "status=confirmed&party=microsoft&q=azure"):  # fmt: skip
        with count_statements() as counter:
            assert demo_client.get(f"/deals?{query}").status_code == 200
        counts.append(counter.count)
    with count_statements() as counter:
        demo_client.get("/deals?party=microsoft&hardware=gb300")
    # Resolving slugs costs one statement per kind named (organizations, hardware); the counts
    # come from the worker's sets of deal ids (app/derived/dealsets.py) whatever the filters:
    # the change counter, the ids the filters other than facets match, the organizations'
    # names.
    assert counts[0] == counts[1]
    # A text search on Postgres also reads the table's size estimate, to choose between
    # walking the order's index and reading the matches first (app/derived/search.py).
    estimate = 1 if db_name == "postgresql" else 0
    assert counts[2] == counts[0] + 1 + estimate  # organizations
    assert counter.count == counts[0] + 2  # organizations, hardware
    assert counts[0] <= kept  # no more than reading the unfiltered table's kept counts


def test_a_table_seen_before_is_one_statement_for_readers_signed_out(
    demo_client: TestClient, analyst: TestClient, count_statements: type[StatementCounter]
) -> None:
    """A counted table page is the same for every reader signed out (app/web/render.py
    render_kept): kept until the next change, each reader's CSRF token put in; a reader signed
    in gets theirs rendered."""
    query = "/deals?status=confirmed&sort=-value"
    first = demo_client.get(query)
    with count_statements() as counter:
        again = demo_client.get(query)
    read = [s for s in counter.statements if "SAVEPOINT" not in s]
    assert len(read) == 1 and "change_counter" in read[0], read
    assert again.text == first.text
    fragment = demo_client.get(query, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="deal-results"' in fragment.text
    assert "<html" in demo_client.get(query).text  # kept apart from the fragment
    assert "Sign out" in analyst.get(query).text and "Sign out" not in again.text


def test_a_bad_value_on_an_organization_page_is_shown_on_that_page(
    demo_client: TestClient,
) -> None:
    response = demo_client.get("/organizations/microsoft?status=nope&sort=title")
    assert response.status_code == 400
    page = soup(response.text)
    assert page.select_one("h1").get_text(strip=True) == "Microsoft"
    assert page.select_one("#partners-heading") is not None  # the whole page, with its errors
    assert "unknown status 'nope'" in page.select_one("#deal-results .filter-errors").get_text()
    fragment = demo_client.get("/hardware/h100?per_page=0", headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert "per_page '0' is not allowed" in soup(fragment.text).select_one(".filter-errors").text
    # An unknown page is a 404 before its filters are read.
    assert demo_client.get("/organizations/nobody?status=nope").status_code == 404
    assert demo_client.get("/hardware/h999?sort=nope").status_code == 404


@pytest.mark.parametrize("path", ["/deals", "/deals?confidence=high", "/timeline?view=lanes"])
def test_the_kept_facet_markup_moves_with_every_write(
    demo_client: TestClient, demo: Session, path: str
) -> None:
    """The facets' markup is kept per view until the next change (app/web/render.py): a new
    rumored deal shows in the status facet on the next visit of the same view."""
    from tests.factories import make_deal

    def rumored(html: str) -> int:
        page = BeautifulSoup(html, "html.parser")
        for link in page.select("section.facet a"):
            if "status=rumored" in link["href"] and link.select_one(".status-rumored"):
                return int(link.select_one(".count").get_text(strip=True).replace(",", ""))
        assert page.select("section.facet a"), "no facets"
        return 0  # a value no deal has is not listed

    before = rumored(demo_client.get(path).text)
    assert rumored(demo_client.get(path).text) == before  # kept
    make_deal(demo, "A new rumor", status="rumored", confidence="high")
    demo.commit()
    assert rumored(demo_client.get(path).text) == before + 1


@pytest.mark.parametrize(
    ("path", "filters"),
    [("/deals?status=confirmed", [("status", "confirmed")]), ("/timeline?view=lanes", [])],
)
def test_a_facet_of_records_lists_all_its_values_when_asked(
    demo_client: TestClient, demo: Session, path: str, filters: list[tuple[str, str]]
) -> None:
    """An organization facet shows its first values and a link listing them all (`show=`):
    the same view with every organization that has deals under the other filters, each with
    the count its link finds, and the first values still first."""
    from app.queries.facets import facet_counts

    page = soup(demo_client.get(path).text)
    facet = page.select_one("#facet-party")
    first = facet.select("ul > li")
    assert first and facet.select_one("details") is None  # not listed whole until asked
    link = facet.select_one("p.facet-more a")
    shown = int(re.search(r"Show all (\d+)", link.get_text()).group(1))
    href = link["href"]
    assert href == f"{link['hx-get']}#facet-party" and "show=party" in href
    assert set(filters) <= set(parse_qsl(urlsplit(href).query))  # the view's own filters

    whole = soup(demo_client.get(href.split("#")[0]).text).select_one("#facet-party")
    items = whole.select("li a")
    assert len(items) == shown > len(first)
    assert [a["href"] for a in whole.select("ul")[0].select("a")] == [
        li.select_one("a")["href"] for li in first
    ]
    rows = facet_counts(demo, resolve_filters(demo, DealFilters.from_query(filters)))
    expected = {slug: n for slug, _, n in rows["party"]}
    for a in items:  # each count is the size of its click
        link = urlsplit(a["href"])
        assert link.path == urlsplit(path).path and "show=" not in link.query
        slug = dict(parse_qsl(link.query))["party"]
        assert int(a.select_one(".count").get_text(strip=True)) == expected[slug]
    # htmx swaps the listed facet in at the facet: the fragment holds it whole.
    fragment = soup(demo_client.get(href.split("#")[0], headers={"HX-Request": "true"}).text)
    assert len(fragment.select("#facet-party li a")) == shown


def test_showing_a_facet_that_is_not_there_is_a_400(demo_client: TestClient) -> None:
    response = demo_client.get("/deals?show=status&status=rumored")
    assert response.status_code == 400
    message = soup(response.text).select_one(".filter-errors").get_text()
    assert "unknown facet 'status' in 'show' — expected one of party" in message
    assert demo_client.get("/timeline?show=nope").status_code == 400
