"""Organization and hardware forms on both databases: create, edit, uniqueness checks that name
the existing record, every typed value kept on error, stale edits refused with 409."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.models import AuditEvent, Hardware, Organization
from tests.conftest import _test_app, sign_in

NEW_ORG = {
    "name": "Crusoe",
    "kind": "neocloud",
    "aliases": "Crusoe Energy\nCRUSOE AI, crusoe energy",
    "country": "us",
    "website": "https://www.crusoe.ai",
}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def field_value(html: str, name: str) -> str:
    element = soup(html).select_one(f"[name={name}]")
    assert element is not None, name
    if element.name == "textarea":
        return str(element.text)
    if element.name == "select":
        chosen = element.select_one("option[selected]")
        return str(chosen["value"]) if chosen else ""
    return str(element.get("value", ""))


def org_named(session: Session, name: str) -> Organization | None:
    stmt = select(Organization).where(func.lower(Organization.name) == name.lower())
    return session.scalars(stmt).first()


def test_an_analyst_adds_an_organization(analyst: TestClient, demo: Session) -> None:
    response = analyst.post("/organizations/new", data=NEW_ORG, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/organizations/crusoe")
    org = org_named(demo, "Crusoe")
    assert org is not None
    assert (org.kind, org.country, org.website) == ("neocloud", "US", "https://www.crusoe.ai")
    # Repeats are dropped whatever their case.
    assert sorted(org.alias_names) == ["CRUSOE AI", "Crusoe Energy"]
    page = analyst.get(response.headers["location"]).text
    assert "Organization Crusoe added." in page and "CRUSOE AI" in page
    audit = demo.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_type == "organization", AuditEvent.entity_id == org.id
        )
    ).all()
    assert [e.action for e in audit] == ["create"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "an organization needs a name"),
        ({"name": "x" * 201}, "name", "at most 200"),
        ({"kind": "bank"}, "kind", "'bank' is not one of"),
        ({"country": "America"}, "country", "two-letter country code"),
        ({"website": "javascript:alert(1)"}, "website", "only http:// and https://"),
        ({"website": "https://" + "w" * 493}, "website", "The website is 501 characters"),
        ({"name": "microsoft"}, "name", "'microsoft' is the name of Microsoft"),
        ({"name": "Azure"}, "name", "'Azure' is already an alias of Microsoft"),
        ({"aliases": "Crusoe Cloud\nMSFT"}, "aliases", "'MSFT' is already an alias of Microsoft"),
        ({"aliases": "OpenAI"}, "aliases", "'OpenAI' is the name of OpenAI"),
    ],
)
def test_a_bad_organization_gets_its_message_keeps_values_and_saves_nothing(
    analyst: TestClient, demo: Session, change: dict[str, str], field: str, message: str
) -> None:
    before = demo.scalar(select(func.count()).select_from(Organization))
    response = analyst.post("/organizations/new", data={**NEW_ORG, **change})
    assert response.status_code == 422
    page = soup(response.text)
    error = page.select_one(f"#{field}-error")
    assert error is not None and message in error.text
    assert message in page.select_one(".error-summary").text
    for name, value in {**NEW_ORG, **change}.items():
        if name != "kind":  # a choice outside the list cannot be shown as chosen
            assert field_value(response.text, name).strip() == value.strip()
    assert demo.scalar(select(func.count()).select_from(Organization)) == before


def test_a_name_clash_links_to_the_existing_record(analyst: TestClient) -> None:
    response = analyst.post("/organizations/new", data={**NEW_ORG, "name": "MSFT"})
    links = [str(a["href"]) for a in soup(response.text).select(".error-summary p a")]
    assert [link.split("testserver")[-1] for link in links] == ["/organizations/microsoft"]


def _edit_values(client: TestClient, url: str) -> dict[str, str]:
    page = soup(client.get(url).text)
    form = page.select_one("form[method=post][action$='/edit']")
    assert form is not None
    values: dict[str, str] = {}
    for element in form.select("input[name], textarea[name], select[name]"):
        name = str(element["name"])
        if name == "csrf_token" or (
            element.get("type") == "checkbox" and not element.has_attr("checked")
        ):
            continue
        values[name] = field_value(str(form), name)
    return values


def test_editing_an_organization_keeps_its_aliases_and_url(
    analyst: TestClient, demo: Session
) -> None:
    values = _edit_values(analyst, "/organizations/microsoft/edit")
    assert sorted(values["aliases"].split("\n")) == ["Azure", "MSFT", "Microsoft Azure"]
    values["aliases"] = "msft\nAzure\nMicrosoft Corporation"
    values["country"] = "us"
    response = analyst.post("/organizations/microsoft/edit", data=values, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/microsoft")
    org = org_named(demo, "Microsoft")
    assert org is not None
    # Keeping an alias, or changing its case, is not a clash with itself.
    assert sorted(org.alias_names) == ["Azure", "Microsoft Corporation", "msft"]
    assert org.version == int(values["version"]) + 1


def test_a_stale_organization_edit_is_refused_with_both_versions(
    analyst: TestClient, demo: Session
) -> None:
    mine = _edit_values(analyst, "/organizations/openai/edit")
    theirs = dict(mine, website="https://openai.com/about")
    assert analyst.post("/organizations/openai/edit", data=theirs).status_code == 200
    mine["country"] = "FR"
    response = analyst.post("/organizations/openai/edit", data=mine)
    assert response.status_code == 409
    conflict = soup(response.text).select_one(".conflict")
    assert conflict is not None
    assert "https://openai.com/about" in conflict.text and "FR" in conflict.text
    assert field_value(response.text, "country") == "FR"  # what was typed is still there
    org = org_named(demo, "OpenAI")
    assert org is not None and org.country == "US" and org.website == "https://openai.com/about"
    # Saving again from the 409 page (which carries the new version) goes through.
    again = {**mine, "version": field_value(response.text, "version")}
    assert analyst.post("/organizations/openai/edit", data=again).status_code == 200
    demo.refresh(org)
    assert org.country == "FR"


NEW_HW = {"name": "Maia 300", "vendor": "MSFT", "type": "custom_accelerator", "in_house": "1"}


def test_an_analyst_adds_a_hardware_model(analyst: TestClient, demo: Session) -> None:
    response = analyst.post("/hardware/new", data=NEW_HW, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/maia-300")
    hardware = demo.scalars(select(Hardware).where(Hardware.slug == "maia-300")).one()
    assert (hardware.vendor.name, hardware.type, hardware.in_house) == (
        "Microsoft",
        "custom_accelerator",
        True,
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "a hardware model needs a name"),
        ({"name": "h100"}, "name", "'h100' is already recorded as H100"),
        ({"vendor": ""}, "vendor", "name the vendor"),
        ({"vendor": "Tenstorrent"}, "vendor", "'Tenstorrent' is not a known organization"),
        ({"type": "fpga"}, "type", "'fpga' is not one of"),
        ({"type": ""}, "type", "choose a hardware type"),
    ],
)
def test_a_bad_hardware_model_gets_its_message_keeps_values_and_saves_nothing(
    analyst: TestClient, demo: Session, change: dict[str, str], field: str, message: str
) -> None:
    before = demo.scalar(select(func.count()).select_from(Hardware))
    response = analyst.post("/hardware/new", data={**NEW_HW, **change})
    assert response.status_code == 422
    error = soup(response.text).select_one(f"#{field}-error")
    assert error is not None and message in error.text
    for name in ("name", "vendor", "type"):
        if (name, change.get(name)) != ("type", "fpga"):  # not in the list: cannot be chosen
            assert field_value(response.text, name) == {**NEW_HW, **change}[name]
    assert soup(response.text).select_one("input[name=in_house][checked]") is not None
    assert demo.scalar(select(func.count()).select_from(Hardware)) == before


def test_an_unknown_vendor_offers_to_add_it(analyst: TestClient) -> None:
    response = analyst.post("/hardware/new", data={**NEW_HW, "vendor": "Tenstorrent"})
    link = soup(response.text).select_one("a[href*='/organizations/new?name=']")
    assert link is not None and "Tenstorrent" in link.text
    prefilled = analyst.get(str(link["href"]))
    assert field_value(prefilled.text, "name") == "Tenstorrent"


def test_editing_hardware_and_a_stale_edit(analyst: TestClient, demo: Session) -> None:
    mine = _edit_values(analyst, "/hardware/maia-200/edit")
    assert mine["vendor"] == "Microsoft" and mine["in_house"] == "1"
    theirs = dict(mine, family="Maia (2nd generation)")
    assert analyst.post("/hardware/maia-200/edit", data=theirs).status_code == 200
    stale = dict(mine, type="gpu")
    response = analyst.post("/hardware/maia-200/edit", data=stale)
    assert response.status_code == 409
    hardware = demo.scalars(select(Hardware).where(Hardware.slug == "maia-200")).one()
    assert (hardware.type, hardware.family) == ("custom_accelerator", "Maia (2nd generation)")


def test_viewers_and_strangers_cannot_change_the_directory(demo: Session) -> None:
    with TestClient(_test_app(demo)) as client:
        assert client.get("/organizations/new", follow_redirects=False).status_code == 303
        assert "Add an organization" not in client.get("/organizations").text
    create_user(demo, "vi@example.org", "viewer password 1", "viewer")
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "vi@example.org", "viewer password 1")
        assert client.get("/hardware/new").status_code == 403
        assert client.post("/organizations/microsoft/edit", data=NEW_ORG).status_code == 403
        assert client.post("/hardware/new", data=NEW_HW).status_code == 403
    assert org_named(demo, "Crusoe") is None


def test_new_is_not_read_as_a_slug(demo_client: TestClient) -> None:
    # Anonymous: the form needs an account (not a 404 for an organization called "new").
    response = demo_client.get("/organizations/new", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
