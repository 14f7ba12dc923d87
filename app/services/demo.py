"""The demo data set: real, sourced deals shipped with the package, loaded once."""

import csv
import io
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.cells import parse_amount, parse_hardware, parse_parties, parse_sources, split_list
from app.domain.dates import PartialDate, parse_optional
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    DealRelation,
    DealTypeRow,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
)


class DemoDataError(ValueError):
    """The shipped demo files disagree with themselves; the message names the row."""


def read_demo_csv(name: str) -> Iterator[dict[str, str]]:
    text = files("app.demo").joinpath(name).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text, newline=""))


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


class Names:
    """Organizations and hardware by name, slug or alias, case-insensitively."""

    def __init__(self) -> None:
        self.organizations: dict[str, Organization] = {}
        self.hardware: dict[str, Hardware] = {}

    def add_organization(self, org: Organization) -> None:
        for key in (org.name, org.slug, *org.alias_names):
            self.organizations[key.lower()] = org

    def organization(self, name: str, where: str) -> Organization:
        try:
            return self.organizations[name.strip().lower()]
        except KeyError:
            raise DemoDataError(f"{where}: unknown organization '{name}'") from None

    def hardware_model(self, name: str, where: str) -> Hardware:
        try:
            return self.hardware[name.strip().lower()]
        except KeyError:
            raise DemoDataError(f"{where}: unknown hardware '{name}'") from None


def load_demo(session: Session) -> int:
    """Load the demo set into a database with no deals; returns how many deals were loaded."""
    if session.scalar(select(func.count()).select_from(Deal)):
        return 0
    names = Names()
    for row in read_demo_csv("organizations.csv"):
        org = Organization(
            name=row["name"].strip(),
            slug=row["slug"].strip(),
            kind=row["kind"].strip(),
            country=_blank(row["country"]),
            website=_blank(row["website"]),
            aliases=[OrganizationAlias(alias=a) for a in split_list(row["aliases"])],
        )
        session.add(org)
        names.add_organization(org)
    for row in read_demo_csv("hardware.csv"):
        hardware = Hardware(
            name=row["name"].strip(),
            slug=row["slug"].strip(),
            vendor=names.organization(row["vendor"], f"hardware {row['name']}"),
            type=row["type"].strip(),
            family=_blank(row["family"]),
            in_house=row["in_house"].strip().lower() == "true",
        )
        session.add(hardware)
        names.hardware[hardware.name.lower()] = hardware
        names.hardware[hardware.slug.lower()] = hardware

    deals: dict[str, Deal] = {}
    expected_status: dict[str, str] = {}
    for row in read_demo_csv("deals.csv"):
        deal = _build_deal(row, names)
        session.add(deal)
        deals[row["id"]] = deal
        expected_status[row["id"]] = row["status"]
    session.flush()

    for number, row in enumerate(read_demo_csv("status_events.csv"), start=2):
        deal = _demo_deal(deals, row["deal_id"], f"status_events.csv line {number}")
        deal.status_events.append(
            StatusEvent(
                status=row["status"],
                effective=PartialDate.parse(row["effective_on"]),
                source=_find_source(deal, row["source"], f"status_events.csv line {number}"),
                note=_blank(row["note"]),
            )
        )
    for key, deal in deals.items():
        if not deal.status_events:
            raise DemoDataError(f"deal {key} has no status event")
        deal.refresh_status()
        if deal.status != expected_status[key]:
            raise DemoDataError(
                f"deal {key}: deals.csv says {expected_status[key]}, its history ends {deal.status}"
            )
    for number, row in enumerate(read_demo_csv("relations.csv"), start=2):
        where = f"relations.csv line {number}"
        deal = _demo_deal(deals, row["deal_id"], where)
        deal.relations.append(
            DealRelation(
                related_deal=_demo_deal(deals, row["related_deal_id"], where),
                kind=row["kind"],
                note=_blank(row["note"]),
            )
        )
    session.commit()
    return len(deals)


def _demo_deal(deals: dict[str, Deal], key: str, where: str) -> Deal:
    try:
        return deals[key.strip()]
    except KeyError:
        raise DemoDataError(f"{where}: no deal {key}") from None


def _quantity(row: dict[str, str], column: str, qualifier_column: str) -> dict[str, Any]:
    amount = parse_amount(row[column])
    if amount is None:
        return {column: None, qualifier_column: None}
    number = float(amount) if column == "capacity_mw" else int(amount)
    return {column: number, qualifier_column: _blank(row[qualifier_column]) or "exact"}


def _build_deal(row: dict[str, str], names: Names) -> Deal:
    where = f"deal {row['id']}"
    deal = Deal(
        title=row["title"].strip(),
        summary=_blank(row["summary"]),
        status=row["status"].strip(),
        confidence=row["confidence"].strip(),
        confidence_note=_blank(row["confidence_note"]),
        first_reported=PartialDate.parse(row["first_reported_on"]),
        announced=parse_optional(row["announced_on"]),
        region=_blank(row["region"]),
        notes=_blank(row["notes"]),
        **_quantity(row, "value_usd", "value_qualifier"),
        **_quantity(row, "capacity_mw", "capacity_qualifier"),
        **_quantity(row, "chips", "chips_qualifier"),
    )
    deal.type_rows = [DealTypeRow(type=t) for t in split_list(row["deal_types"])]
    position = 0
    for party in parse_parties(row["parties"]):
        organization = names.organization(party.organization, where)
        for role in party.roles:
            deal.parties.append(DealParty(organization=organization, role=role, position=position))
            position += 1
    for position, line in enumerate(parse_hardware(row["hardware"])):
        deal.hardware_lines.append(
            DealHardware(
                hardware=names.hardware_model(line.hardware, where),
                chips=line.chips,
                position=position,
            )
        )
    cells = parse_sources(row["sources"])
    for cell in cells:
        deal.sources.append(
            Source(
                publisher=cell.publisher,
                tier=cell.tier,
                published=cell.published,
                url=cell.url,
                archived_url=cell.archived_url,
            )
        )
    for cell, source in zip(cells, deal.sources, strict=True):
        if cell.relays:
            source.relays = _find_source(deal, cell.relays, where)
    return deal


def _find_source(deal: Deal, reference: str, where: str) -> Source | None:
    """A source of this deal by its URL, or by its publisher when it has none."""
    reference = reference.strip()
    if not reference:
        return None
    for source in deal.sources:
        if reference in (source.url, source.publisher):
            return source
    raise DemoDataError(f"{where}: no source '{reference}' on deal '{deal.title}'")
