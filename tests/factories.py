"""Plain factory functions with sensible defaults; override what a test cares about."""

from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.models import (
    Deal,
    DealHardware,
    DealParty,
    DealTypeRow,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
)

_numbers = count(1)


def make_organization(session: Session, name: str | None = None, **overrides: Any) -> Organization:
    number = next(_numbers)
    name = name or f"Org {number}"
    aliases = overrides.pop("aliases", [])
    org = Organization(
        name=name,
        slug=overrides.pop("slug", name.lower().replace(" ", "-")),
        kind=overrides.pop("kind", "other"),
        aliases=[OrganizationAlias(alias=a) for a in aliases],
        **overrides,
    )
    session.add(org)
    session.flush()
    return org


def make_hardware(session: Session, name: str | None = None, **overrides: Any) -> Hardware:
    number = next(_numbers)
    name = name or f"Chip {number}"
    hardware = Hardware(
        name=name,
        slug=overrides.pop("slug", name.lower().replace(" ", "-")),
        vendor=overrides.pop("vendor", None) or make_organization(session, kind="chipmaker"),
        type=overrides.pop("type", "gpu"),
        **overrides,
    )
    session.add(hardware)
    session.flush()
    return hardware


def make_deal(session: Session, title: str = "A deal", **overrides: Any) -> Deal:
    """A deal with two parties, one status event and one source unless told otherwise."""
    status = overrides.pop("status", "rumored")
    reported = overrides.pop("first_reported", PartialDate.parse("2026-05"))
    parties = overrides.pop("parties", None)
    hardware = overrides.pop("hardware", [])
    types = overrides.pop("deal_types", ["cloud_capacity"])
    deal = Deal(title=title, status=status, first_reported=reported, **overrides)
    if parties is None:
        parties = [
            (make_organization(session), "customer"),
            (make_organization(session), "provider"),
        ]
    for position, (org, role) in enumerate(parties):
        deal.parties.append(DealParty(organization=org, role=role, position=position))
    for position, hw in enumerate(hardware):
        deal.hardware_lines.append(DealHardware(hardware=hw, position=position))
    deal.type_rows = [DealTypeRow(type=t) for t in types]
    source = Source(publisher="The Information", tier="original", url="https://example.org/a")
    deal.sources.append(source)
    deal.status_events.append(StatusEvent(status=status, effective=reported, source=source))
    session.add(deal)
    session.flush()
    return deal
