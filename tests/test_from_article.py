"""Recording a deal from an article: the page (/deals/from-article), its "add this report to
#N" action and POST /api/v1/extract, on the demo data (SQLite and Postgres)."""

import re
from datetime import date
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extract.draft import Draft, DraftSource
from app.extract.report import Report
from app.models import Deal, Source, StatusEvent
from app.web.from_article import draft_form_values, report_values
from tests.test_api import problem, token
from tests.test_extract_match import deal_of

ARTICLES = Path(__file__).parent / "data" / "articles"
FOUNDING = (ARTICLES / "00-founding-report.txt").read_text()
XAI = (ARTICLES / "01-xai-oracle-mi355x.txt").read_text()


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def posted(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Fields as the test client posts them (repeated names kept in order)."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def form_fields(html: str, selector: str) -> list[tuple[str, str]]:
    """What a browser would post from the form: every named field with its value."""
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    assert form is not None, f"no form {selector}"
    fields: list[tuple[str, str]] = []
    for element in form.select("input, textarea, select"):
        name = element.get("name")
        if not name or element.get("type") in ("submit",):
            continue
        if element.get("type") == "checkbox":
            if element.has_attr("checked"):
                fields.append((str(name), str(element.get("value", "on"))))
        elif element.name == "textarea":
            fields.append((str(name), element.text))
        elif element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            fields.append((str(name), str(chosen.get("value", "")) if chosen else ""))
        else:
            fields.append((str(name), str(element.get("value", ""))))
    return fields


def test_the_founding_report_is_added_to_the_maia_deal_as_one_source(
    analyst: TestClient, demo: Session
) -> None:
    maia = deal_of(demo, "anthropic", "microsoft", hardware="maia-200")
    deals, sources, events = count(demo, Deal), count(demo, Source), count(demo, StatusEvent)
    page = analyst.post("/deals/from-article", data={"text": FOUNDING})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    buttons = [b.text for b in soup.select("form.report-add button")]
    assert buttons[0] == f"Add this report to #{maia.id}"
    fields = dict(form_fields(page.text, "form.report-add"))
    assert fields["report_publisher"] == "Odaily"
    assert fields["report_tier"] == "relay"
    assert fields["report_relays"] == "The Information"
    assert fields["report_status"] == "in_talks"
    # the sentence behind the status is beside it, and highlighted in the text
    said = soup.select_one("#status-evidence q")
    assert said is not None and said.text.startswith("AI startup Anthropic is reportedly")
    anchor = soup.select_one("#status-evidence a")
    assert anchor is not None
    assert soup.select_one(f"mark{anchor['href']}") is not None

    added = analyst.post(
        "/deals/from-article/add",
        data=posted([*form_fields(page.text, "form.report-add"), ("deal_id", str(maia.id))]),
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text[:2000]
    assert added.headers["location"].endswith(f"/deals/{maia.id}")
    assert count(demo, Deal) == deals
    assert count(demo, Source) == sources + 1
    assert count(demo, StatusEvent) == events  # in talks already: the status did not move
    new = demo.scalars(select(Source).order_by(Source.id.desc())).first()
    assert new is not None and new.deal_id == maia.id
    assert (new.publisher, new.tier) == ("Odaily", "relay")
    assert new.relays is not None and new.relays.publisher == "The Information"
    assert new.quote and new.quote.startswith("AI startup Anthropic")


def test_a_report_that_moves_the_status_adds_a_status_event(
    analyst: TestClient, demo: Session
) -> None:
    maia = deal_of(demo, "anthropic", "microsoft", hardware="maia-200")
    page = analyst.post("/deals/from-article", data={"text": FOUNDING})
    fields = dict(form_fields(page.text, "form.report-add"))
    fields |= {"report_status": "denied", "report_status_on": "2026-06-02", "deal_id": str(maia.id)}
    fields["report_url"] = "https://news.example.com/denied"
    added = analyst.post("/deals/from-article/add", data=fields, follow_redirects=False)
    assert added.status_code == 303
    demo.expire_all()
    deal = demo.get(Deal, maia.id)
    assert deal is not None and deal.status == "denied"
    event = deal.status_events[-1]
    assert event.source is not None and event.source.url == "https://news.example.com/denied"


def test_bad_report_fields_keep_the_draft_and_say_what_to_fix(
    analyst: TestClient, demo: Session
) -> None:
    maia = deal_of(demo, "anthropic", "microsoft", hardware="maia-200")
    sources = count(demo, Source)
    page = analyst.post("/deals/from-article", data={"text": FOUNDING})
    fields = dict(form_fields(page.text, "form.report-add"))
    fields |= {"report_status": "denied", "report_status_on": "someday", "deal_id": str(maia.id)}
    fields["report_publisher"] = ""
    again = analyst.post("/deals/from-article/add", data=fields)
    assert again.status_code == 422
    soup = BeautifulSoup(again.text, "html.parser")
    assert soup.select_one("#report_publisher-error") is not None
    assert soup.select_one("#report_status_on-error") is not None
    assert soup.select_one("#report_status_on")["value"] == "someday"  # type: ignore[index]
    assert soup.select_one("form.report-add") is not None  # the draft is still there
    assert count(demo, Source) == sources


def test_a_new_deal_is_saved_from_the_prefilled_form(analyst: TestClient, demo: Session) -> None:
    deals = count(demo, Deal)
    page = analyst.post(
        "/deals/from-article",
        data={"text": XAI, "publisher": "Cloud Weekly", "published_on": "2025-11-03"},
    )
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("form.report-add") is None  # no recorded deal matches
    fields = form_fields(page.text, "form.deal-form[action$='/deals/new']")
    values = dict(fields)
    assert values["title"] == "xAI in talks to rent AMD chips from Oracle"
    assert values["value_usd"] == "3000000000" and values["value_qualifier"] == "estimated"
    assert values["chips"] == "50000"
    assert values["status"] == "in_talks"
    assert values["first_reported_on"] == "2025-11-03"
    assert values["source_publisher"] == "Cloud Weekly"
    assert values["create_missing"] == "1"  # MI355X is new: offered for creation
    assert "MI355X (GPU by AMD)" in soup.select_one("#new-names").text  # type: ignore[union-attr]
    assert ("party_organization", "xAI") in fields and ("party_role", "customer") in fields
    hardware_evidence = soup.select_one("#hardware > .evidence q")
    assert hardware_evidence is not None and "50,000 AMD MI355X" in hardware_evidence.text
    saved = analyst.post("/deals/new", data=posted(fields), follow_redirects=False)
    assert saved.status_code == 303, BeautifulSoup(saved.text, "html.parser").select(
        ".error-summary"
    )
    assert count(demo, Deal) == deals + 1
    deal = demo.scalars(select(Deal).order_by(Deal.id.desc())).first()
    assert deal is not None and deal.value_usd == 3_000_000_000
    assert {(p.organization.slug, p.role) for p in deal.parties} == {
        ("xai", "customer"),
        ("oracle", "provider"),
    }
    assert [(line.hardware.name, line.chips) for line in deal.hardware_lines] == [("MI355X", 50000)]


def test_the_article_form_keeps_what_was_typed_and_says_what_is_wrong(
    analyst: TestClient,
) -> None:
    empty = analyst.post("/deals/from-article", data={"text": " ", "publisher": "Odaily"})
    assert empty.status_code == 422
    soup = BeautifulSoup(empty.text, "html.parser")
    assert "Paste the article's text" in soup.select_one("#text-error").text  # type: ignore[union-attr]
    assert soup.select_one("#publisher")["value"] == "Odaily"  # type: ignore[index]
    bad = analyst.post(
        "/deals/from-article",
        data={"text": XAI, "published_on": "last week", "url": "ftp://example.com/a"},
    )
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text and "http:// or https://" in bad.text
    assert "xAI is in talks" in bad.text


def test_the_page_is_for_analysts(demo_client: TestClient) -> None:
    response = demo_client.get("/deals/from-article", follow_redirects=False)
    assert response.status_code in (303, 401, 403)


def test_the_api_answers_the_draft_and_writes_nothing(
    demo_client: TestClient, demo: Session
) -> None:
    maia = deal_of(demo, "anthropic", "microsoft", hardware="maia-200")
    headers = token(demo)
    deals, sources = count(demo, Deal), count(demo, Source)
    body = {"text": FOUNDING, "url": None, "publisher": None, "published_on": None}
    response = demo_client.post("/api/v1/extract", json=body, headers=headers)
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["matches"][0]["id"] == maia.id
    assert draft["sources"][0] == {
        "publisher": "Odaily",
        "tier": "relay",
        "url": None,
        "relays": "The Information",
        "quote": draft["sources"][0]["quote"],
    }
    assert draft["status"] == "in_talks"
    assert set(draft) >= {
        "title", "parties", "hardware", "hardware_types", "value_usd", "value_qualifier",
        "capacity_mw", "capacity_qualifier", "chips", "status", "confidence",
        "first_reported_on", "sources", "evidence", "matches",
    }  # fmt: skip
    assert count(demo, Deal) == deals and count(demo, Source) == sources


def test_the_api_needs_an_analysts_token_and_text_or_a_link(
    demo_client: TestClient, demo: Session
) -> None:
    anonymous = demo_client.post("/api/v1/extract", json={"text": XAI})
    assert problem(anonymous, 401)["title"] == "API token required"
    viewer = demo_client.post("/api/v1/extract", json={"text": XAI}, headers=token(demo, "viewer"))
    assert problem(viewer, 403)
    headers = token(demo)
    empty = demo_client.post("/api/v1/extract", json={"text": ""}, headers=headers)
    assert "text" in problem(empty, 422)["errors"]
    refused = demo_client.post(
        "/api/v1/extract", json={"url": "http://127.0.0.1:9/a"}, headers=headers
    )
    assert re.search(r"outside the public internet", problem(refused, 422)["errors"]["url"][0])


def _report(sources: list[DraftSource], publisher: str | None) -> Report:
    draft = Draft(title="t", sources=sources, status="rumored")
    return Report("t", "https://example.com/a", publisher, date(2026, 5, 21), draft)


def test_the_original_outlet_is_the_source_and_the_pasted_report_its_relay() -> None:
    credited = DraftSource(publisher="The Information", tier="original")
    relay = DraftSource(publisher="Cloud Weekly", tier="relay", relays="The Information")
    relay.quote = "the key claim"
    values = draft_form_values(_report([credited, relay], "Cloud Weekly")).single
    assert (values["source_publisher"], values["source_tier"]) == ("The Information", "original")
    assert values["source_published_on"] == ""  # the original's own date is not known
    assert values["relay_publisher"] == "Cloud Weekly"
    assert values["relay_url"] == "https://example.com/a"
    assert values["relay_published_on"] == "2026-05-21"
    assert values["relay_quote"] == "the key claim"
    added = report_values(_report([credited, relay], "Cloud Weekly"))
    assert (added["report_publisher"], added["report_relays"]) == (
        "Cloud Weekly",
        "The Information",
    )


def test_a_report_told_by_its_own_sources_is_the_source_itself() -> None:
    other = DraftSource(publisher="Bloomberg", tier="original")
    own = DraftSource(publisher="Reuters", tier="original", url=None, quote="q")
    values = draft_form_values(_report([other, own], "Reuters")).single
    assert (values["source_publisher"], values["source_tier"]) == ("Reuters", "original")
    assert values["source_url"] == "https://example.com/a"
    assert values["source_published_on"] == "2026-05-21"
    assert "relay_publisher" not in values


def test_nothing_is_proposed_that_the_report_does_not_state() -> None:
    report = _report([], None)
    report.draft.status = None
    values = draft_form_values(report)
    assert values.single["value_usd"] == values.single["chips"] == values.single["status"] == ""
    assert "source_publisher" not in values.single
    assert "create_missing" not in values.single


def test_a_draft_with_problems_comes_back_in_place_with_what_was_read(
    analyst: TestClient, demo: Session
) -> None:
    deals = count(demo, Deal)
    page = analyst.post("/deals/from-article", data={"text": FOUNDING})
    fields = posted(form_fields(page.text, "form.deal-form[action$='/deals/new']"))
    assert fields["from_article"] == ["1"] and fields["first_reported_on"] == [""]
    swapped = analyst.post("/deals/new", data=fields, headers={"HX-Request": "true"})
    assert swapped.status_code == 422
    soup = BeautifulSoup(swapped.text, "html.parser")
    assert soup.select_one("h1") is None  # a fragment for the article page, under its heading
    assert soup.select_one("#draft-heading") is not None
    assert soup.select_one("#first_reported_on-error") is not None
    assert soup.select_one("#source_publisher")["value"] == "The Information"  # type: ignore[index]
    assert soup.select_one("#relay_publisher")["value"] == "Odaily"  # type: ignore[index]
    whole = analyst.post("/deals/new", data=fields)  # without JavaScript: the whole entry page
    assert whole.status_code == 422
    heading = BeautifulSoup(whole.text, "html.parser").select_one("h1")
    assert heading is not None and heading.text == "Record a deal"
    assert count(demo, Deal) == deals
