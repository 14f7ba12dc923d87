"""Entry on both databases: each bad input gives its message, keeps every value, saves nothing;
stale edits get a 409; status changes and sources are appended."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.models import Deal, Organization, Source, StatusEvent
from tests.conftest import _test_app

GOOD = {
    "title": "Anthropic in talks to rent Microsoft capacity on Maia 200 chips",
    "deal_type": "cloud_capacity",
    "party_organization": ["Anthropic", "MSFT"],
    "party_role": ["customer", "provider"],
    "hardware_name": ["Maia 200"],
    "hardware_chips": [""],
    "value_usd": "10B",
    "value_qualifier": "up_to",
    "first_reported_on": "2026-05-21",
    "confidence": "medium",
    "status": "in_talks",
    "source_publisher": "The Information",
    "source_tier": "original",
    "source_published_on": "2026-05-21",
    "relay_publisher": "Odaily",
    "relay_url": "https://example.org/odaily",
    "duplicate_decision": "new",  # the demo has this deal already; see the duplicate tests
}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_good_deal_is_saved_whole(analyst: TestClient, demo: Session) -> None:
    before = count(demo, Deal)
    response = analyst.post("/deals/new", data=GOOD, follow_redirects=False)
    assert response.status_code == 303
    deal = demo.scalars(select(Deal).order_by(Deal.id.desc())).first()
    assert deal is not None and count(demo, Deal) == before + 1
    assert response.headers["location"].endswith(f"/deals/{deal.id}")
    # The flash outlives the redirect exactly once.
    page = analyst.get(response.headers["location"])
    assert f"Deal #{deal.id} recorded." in page.text
    assert "recorded." not in analyst.get(response.headers["location"]).text
    assert deal.status == "in_talks" and str(deal.first_reported) == "2026-05-21"
    assert (deal.value_usd, deal.value_qualifier) == (10_000_000_000, "up_to")
    assert [(o.name, r) for o, roles in deal.parties_by_organization() for r in roles] == [
        ("Anthropic", "customer"),
        ("Microsoft", "provider"),  # found by its alias
    ]
    original, relay = sorted(deal.sources, key=lambda s: s.tier)
    assert (original.publisher, relay.publisher, relay.relays_id) == (
        "The Information", "Odaily", original.id,
    )  # fmt: skip
    assert [e.status for e in deal.status_events] == ["in_talks"]


BAD_INPUTS = [
    ({"title": ""}, "title", "a deal needs a title"),
    ({"title": "x" * 301}, "title", "at most 300"),
    ({"deal_type": []}, "deal_type", "tick at least one deal type"),
    ({"deal_type": "rental"}, "deal_type", "'rental' is not one of"),
    ({"party_organization": ["Anthropic", ""]}, "parties", "at least two organizations"),
    ({"party_organization": ["Anthropic", "anthropic"]}, "parties", "at least two organizations"),
    ({"party_role": ["customer", "landlord"]}, "party-1", "choose MSFT's role"),
    ({"party_organization": ["Anthropic", "Nobody Corp"]}, "party-1", "'Nobody Corp' is not a known organization"),  # noqa: E501
    ({"hardware_name": ["Maia 900"]}, "hardware-0", "'Maia 900' is not a known hardware model"),
    ({"hardware_chips": ["lots"]}, "hardware-0", "'lots' is not an amount"),
    ({"value_usd": "abc"}, "value_usd", "'abc' is not an amount"),
    ({"value_usd": "-5"}, "value_usd", "must be a non-negative number"),
    ({"value_qualifier": "roughly"}, "value_qualifier", "'roughly' is not one of"),
    ({"capacity_mw": "1.2GW"}, "capacity_mw", "is not an amount"),
    ({"value_usd": "2.5"}, "value_usd", "'2.5' is not a whole number of dollars"),
    ({"chips": "1.0005K"}, "chips", "'1.0005K' is not a whole number of chips"),
    ({"hardware_chips": ["2.5"]}, "hardware-0", "'2.5' is not a whole number of chips"),
    ({"hardware_name": ["h" * 201], "create_missing": "1"}, "hardware-0", "The name is 201 characters — at most 200"),  # noqa: E501
    ({"region": "r" * 201}, "region", "The region is 201 characters — at most 200"),
    ({"first_reported_on": "2026-13"}, "first_reported_on", "has no month 13"),
    ({"first_reported_on": ""}, "first_reported_on", "a date is needed"),
    ({"announced_on": "2026-02-30"}, "announced_on", "February 2026 has 28 days"),
    ({"term_start": "2027", "term_end": "2026-06"}, "term_end", "cannot end (2026-06) before it starts (2027)"),  # noqa: E501
    ({"confidence": "certain"}, "confidence", "'certain' is not one of"),
    ({"status": "signed"}, "status", "'signed' is not one of"),
    ({"source_publisher": "", "source_published_on": "", "source_tier": ""}, "source_publisher", "record where this was reported"),  # noqa: E501
    ({"source_tier": "blog"}, "source_tier", "'blog' is not one of"),
    ({"relay_url": "javascript:alert(1)"}, "relay_url", "only http:// and https:// are accepted"),
    ({"relay_url": "ftp://example.org/x"}, "relay_url", "only http:// and https://"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUTS)
def test_each_bad_input_gets_its_message_keeps_every_value_and_saves_nothing(
    analyst: TestClient, demo: Session, changes: dict[str, object], field: str, message: str
) -> None:
    counts = [count(demo, m) for m in (Deal, Source, StatusEvent, Organization)]
    data = {**GOOD, **changes}
    response = analyst.post("/deals/new", data=data)
    assert response.status_code == 422
    page = soup(response.text)
    assert message in page.select_one(".error-summary").get_text(), page.select_one(
        ".error-summary"
    )
    assert page.select_one(f".error-summary a[href='#{field}']") is not None
    assert [count(demo, m) for m in (Deal, Source, StatusEvent, Organization)] == counts
    # Every value typed is still there, party rows included.
    if field != "title":
        assert page.select_one("#title")["value"] == GOOD["title"]
    orgs = [i["value"] for i in page.select("input[name=party_organization]") if i.get("value")]
    expected_orgs = [o for o in data["party_organization"] if o]  # type: ignore[union-attr]
    assert orgs == expected_orgs
    assert page.select_one("#relay_publisher")["value"] == "Odaily"
    assert page.select_one("#source_publisher")["value"] == data["source_publisher"]


def test_a_likely_duplicate_is_shown_before_anything_is_saved(
    analyst: TestClient, demo: Session
) -> None:
    existing = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    before = count(demo, Deal)
    data = {k: v for k, v in GOOD.items() if k != "duplicate_decision"}
    warned = analyst.post("/deals/new", data=data)
    assert warned.status_code == 200
    page = soup(warned.text)
    assert page.select_one(f".duplicates a[href$='/deals/{existing.id}']") is not None
    assert page.select_one("#title")["value"] == GOOD["title"]  # nothing lost
    assert count(demo, Deal) == before
    choices = [b["value"] for b in page.select("button[name=duplicate_decision]")]
    assert "new" in choices and f"duplicate_of:{existing.id}" in choices

    saved = analyst.post(
        "/deals/new", data={**data, "duplicate_decision": f"duplicate_of:{existing.id}"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    new = demo.scalars(select(Deal).order_by(Deal.id.desc())).first()
    assert new is not None and count(demo, Deal) == before + 1
    assert [(r.kind, r.related_deal_id) for r in new.relations] == [("duplicate_of", existing.id)]


def test_deals_far_apart_in_time_are_not_flagged(analyst: TestClient) -> None:
    data = {k: v for k, v in GOOD.items() if k != "duplicate_decision"}
    far = analyst.post("/deals/new", data={**data, "first_reported_on": "2023-01"},
                       follow_redirects=False)  # fmt: skip
    assert far.status_code == 303


def test_unknown_names_are_created_only_when_asked(analyst: TestClient, demo: Session) -> None:
    data = {
        **GOOD,
        "party_organization": ["Newco AI", "MSFT"],
        "hardware_name": ["Newchip 1"],
        "hardware_type": ["custom_accelerator"],
        "hardware_vendor": ["Newco AI"],
        "create_missing": "1",
    }
    response = analyst.post("/deals/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    newco = demo.scalars(select(Organization).where(Organization.name == "Newco AI")).one()
    assert newco.slug == "newco-ai" and newco.kind == "other"
    assert [h.name for h in newco.hardware] == ["Newchip 1"]


def test_every_problem_comes_back_in_one_answer(analyst: TestClient, demo: Session) -> None:
    """A bad date no longer hides the unknown names: all of them at once, each in its row
    with its own "Create" tick box; ticking them saves the deal, creating only those."""
    data = {
        **GOOD,
        "party_organization": ["Crusoe Energy", "MSFT"],
        "hardware_name": ["MI400X"],
        "hardware_type": [""],
        "hardware_vendor": [""],
        "first_reported_on": "2026-02-30",
    }
    response = analyst.post("/deals/new", data=data)
    assert response.status_code == 422
    page = soup(response.text)
    summary = page.select_one(".error-summary")
    assert summary is not None
    assert "'2026-02-30' is not a real day" in summary.text
    assert "'Crusoe Energy' is not a known organization" in summary.text
    assert "'MI400X' is not a known hardware model" in summary.text
    ticks = page.select("input[name=create_name]")
    assert [t["value"] for t in ticks] == ["Crusoe Energy", "MI400X"]
    assert ticks[0].find_parent("tr")["id"] == "party-0"  # in the row that named it
    assert not demo.scalars(select(Organization).where(Organization.name == "Crusoe Energy")).all()

    # Ticked, the model still needs its type and vendor: said at once with the date.
    data["create_name"] = ["Crusoe Energy", "MI400X"]
    response = analyst.post("/deals/new", data=data)
    assert response.status_code == 422
    text = soup(response.text).select_one(".error-summary").text  # type: ignore[union-attr]
    assert "choose a hardware type to create 'MI400X'" in text
    assert "name its vendor" in text and "not a real day" in text
    assert "not a known organization" not in text

    data |= {"first_reported_on": "2026-02-03", "hardware_type": ["gpu"]}
    data["hardware_vendor"] = ["AMD"]
    response = analyst.post("/deals/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    crusoe = demo.scalars(select(Organization).where(Organization.name == "Crusoe Energy")).one()
    assert crusoe.kind == "other"


def test_a_new_hardware_model_needs_its_vendor(analyst: TestClient) -> None:
    data = {**GOOD, "hardware_name": ["Newchip 2"], "hardware_type": ["gpu"], "create_missing": "1"}
    response = analyst.post("/deals/new", data=data)
    assert response.status_code == 422
    assert "name its vendor" in response.text


def test_adding_a_row_keeps_what_was_typed(analyst: TestClient) -> None:
    response = analyst.post("/deals/new", data={**GOOD, "add_party": "1"})
    assert response.status_code == 200
    rows = soup(response.text).select("input[name=party_organization]")
    assert [r.get("value", "") for r in rows][:2] == ["Anthropic", "MSFT"]
    assert len(rows) == 4  # three shown by default, plus the one asked for


def test_removing_a_row_without_javascript_keeps_the_others(analyst: TestClient) -> None:
    data = {
        **GOOD,
        "party_organization": ["Anthropic", "Google", "MSFT"],
        "party_role": ["customer", "investor", "provider"],
        "remove_party": "1",
    }
    response = analyst.post("/deals/new", data=data)
    assert response.status_code == 200
    page = soup(response.text)
    orgs = [r.get("value", "") for r in page.select("input[name=party_organization]")]
    roles = [
        (s.select_one("option[selected]") or {}).get("value", "")
        for s in page.select("select[name=party_role]")
    ]
    assert list(zip(orgs, roles, strict=True))[:2] == [
        ("Anthropic", "customer"),
        ("MSFT", "provider"),
    ]
    assert page.select_one("#title")["value"] == GOOD["title"]


def test_htmx_adds_a_blank_row_numbered_after_the_others(analyst: TestClient) -> None:
    response = analyst.get(
        "/deals/form-row/party?party_row=1&party_row=1&party_row=1",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    row = soup(response.text)
    assert "<html" not in response.text and row.select_one("tr.party-row") is not None
    organization = row.select_one("input[name=party_organization]")
    assert organization.has_attr("autofocus") and not organization.get("value")
    label = row.select_one(f"label[for='{organization['id']}']")
    assert label is not None and label.text == "Organization 4"
    hardware = soup(analyst.get("/deals/form-row/hardware").text)
    assert hardware.select_one("select[name=hardware_type] option[value=gpu]") is not None
    assert analyst.get("/deals/form-row/banana").status_code == 404


def test_adding_rows_needs_an_analyst(demo_client: TestClient) -> None:
    response = demo_client.get("/deals/form-row/party", follow_redirects=False)
    assert response.status_code == 303


def test_a_title_with_markup_is_shown_harmlessly(analyst: TestClient) -> None:
    data = {**GOOD, "title": "<script>alert(1)</script> deal"}
    location = analyst.post("/deals/new", data=data, follow_redirects=False).headers["location"]
    page = analyst.get(location).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def _edit_form(client: TestClient, deal_id: int) -> dict[str, object]:
    page = soup(client.get(f"/deals/{deal_id}/edit").text)
    form = page.select_one("form.deal-form")
    data: dict[str, object] = {}
    for element in form.select("input, select, textarea"):
        name = element.get("name")
        if not name or element.get("type") == "submit":
            continue
        if element.get("type") == "checkbox" and not element.has_attr("checked"):
            continue
        if element.name == "select":
            chosen = element.select_one("option[selected]")
            value = chosen["value"] if chosen else ""
        elif element.name == "textarea":
            value = element.get_text()
        else:
            value = element.get("value", "")
        data.setdefault(name, [])
        data[name].append(value)  # type: ignore[union-attr]
    return data


def test_an_edit_saves_and_a_stale_edit_is_refused_with_both_versions(
    analyst: TestClient, demo: Session
) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    first = _edit_form(analyst, deal.id)
    second = _edit_form(analyst, deal.id)  # a colleague opens the same version

    first["title"] = ["Anthropic–Microsoft Maia talks (edited)"]
    response = analyst.post(f"/deals/{deal.id}/edit", data=first, follow_redirects=False)
    assert response.status_code == 303
    demo.expire_all()
    assert demo.get_one(Deal, deal.id).title == "Anthropic–Microsoft Maia talks (edited)"

    second["title"] = ["Someone else's title"]
    stale = analyst.post(f"/deals/{deal.id}/edit", data=second)
    assert stale.status_code == 409
    page = soup(stale.text)
    conflict = page.select_one(".conflict").get_text(" ")
    assert "Anthropic–Microsoft Maia talks (edited)" in conflict  # what is saved now
    assert "Someone else's title" in conflict  # what they typed
    assert page.select_one("#title")["value"] == "Someone else's title"  # nothing lost
    demo.expire_all()
    assert demo.get_one(Deal, deal.id).title == "Anthropic–Microsoft Maia talks (edited)"

    # Saving again from the conflict page is a deliberate choice, and works.
    retry = {**second, "version": [page.select_one("input[name=version]")["value"]]}
    assert (
        analyst.post(f"/deals/{deal.id}/edit", data=retry, follow_redirects=False).status_code
        == 303
    )


def test_an_edit_with_errors_keeps_the_typed_values(analyst: TestClient, demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    data = _edit_form(analyst, deal.id)
    data["announced_on"] = ["2026-13"]
    data["region"] = ["US (Iowa)"]
    response = analyst.post(f"/deals/{deal.id}/edit", data=data)
    assert response.status_code == 422
    page = soup(response.text)
    assert page.select_one("#region")["value"] == "US (Iowa)"
    assert page.select_one("#announced_on")["value"] == "2026-13"


def test_recording_a_status_change_with_a_new_source(analyst: TestClient, demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    response = analyst.post(
        f"/deals/{deal.id}/status",
        data={
            "status": "confirmed",
            "effective_on": "2026-06",
            "source_publisher": "Reuters",
            "source_tier": "original",
            "source_url": "https://example.org/reuters",
            "note": "Both parties confirmed.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    demo.expire_all()
    stored = demo.get_one(Deal, deal.id)
    assert stored.status == "confirmed"
    assert [e.status for e in stored.status_events][-1] == "confirmed"
    assert stored.status_events[-1].source.publisher == "Reuters"


def test_a_bad_status_change_saves_nothing_and_keeps_the_values(
    analyst: TestClient, demo: Session
) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    events = count(demo, StatusEvent)
    response = analyst.post(
        f"/deals/{deal.id}/status",
        data={"status": "confirmed", "effective_on": "2026-13", "source_publisher": "Reuters",
              "source_tier": "original", "source_url": "javascript:alert(1)"},
    )  # fmt: skip
    assert response.status_code == 422
    page = soup(response.text)
    assert page.select_one("#record-status").has_attr("open")
    assert "has no month 13" in page.select_one("#record-status .form-error").get_text()
    assert "only http:// and https://" in page.select_one("#record-status").get_text()
    assert page.select_one("#record-status #source_publisher")["value"] == "Reuters"
    assert count(demo, StatusEvent) == events


def test_adding_a_relay_source(analyst: TestClient, demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.title.contains("Maia 200"))).one()
    original = next(s for s in deal.sources if s.publisher == "The Information")
    response = analyst.post(
        f"/deals/{deal.id}/sources",
        data={"added_publisher": "Binance Square", "added_tier": "relay",
              "added_url": "https://example.org/square", "relays_id": str(original.id),
              "added_archived_url": "https://archive.ph/sq1"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    demo.expire_all()
    added = demo.scalars(select(Source).where(Source.publisher == "Binance Square")).one()
    assert added.relays_id == original.id and added.deal_id == deal.id
    assert added.archived_url == "https://archive.ph/sq1"
    page = soup(analyst.get(f"/deals/{deal.id}").text)
    assert page.select_one('a.archived[href="https://archive.ph/sq1"]') is not None
    bad = analyst.post(f"/deals/{deal.id}/sources", data={"added_publisher": ""})
    assert bad.status_code == 422 and "name the publisher" in bad.text
    kept = analyst.post(
        f"/deals/{deal.id}/sources",
        data={"added_publisher": "Reuters", "added_archived_url": "ftp://old"},
    )
    assert kept.status_code == 422 and 'value="ftp://old"' in kept.text


def test_viewers_and_strangers_cannot_enter_deals(demo: Session) -> None:
    with TestClient(_test_app(demo)) as client:
        assert client.get("/deals/new", follow_redirects=False).status_code == 303
    create_user(demo, "vi@example.org", "viewer password 1", "viewer")
    with TestClient(_test_app(demo)) as client:
        token = soup(client.get("/login").text).select_one("input[name=csrf_token]")["value"]
        client.post("/login", data={"email": "vi@example.org", "password": "viewer password 1",
                                    "csrf_token": token})  # fmt: skip
        assert client.get("/deals/new").status_code == 403
        refused = client.post("/deals/new", data={**GOOD, "csrf_token": token})
        assert refused.status_code == 403
