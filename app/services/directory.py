"""The write side for organizations and hardware: names stay unique, stale edits are refused.

An organization's name and aliases are one namespace: "Azure" cannot be Microsoft's alias and
another organization's name, since entry and search resolve either to one organization. Each
function checks everything first, then commits once; a clash names the record it clashes with.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.inputs.errors import InputErrors
from app.inputs.records import HardwareRecordInput, OrganizationInput
from app.models import Hardware, Organization, OrganizationAlias, User, utcnow
from app.services.deals import (
    StaleEdit,
    ValidationFailed,
    find_organization,
    unique_slug,
)


def _organizations_named(session: Session, names: list[str]) -> dict[str, tuple[Organization, str]]:
    """For each lower-cased name: the organization using it, and whether as name or alias."""
    keys = [n.lower() for n in names]
    found: dict[str, tuple[Organization, str]] = {}
    for org in session.scalars(select(Organization).where(func.lower(Organization.name).in_(keys))):
        found[org.name.lower()] = (org, "name")
    alias_rows = session.execute(
        select(OrganizationAlias.alias, Organization)
        .join(Organization, Organization.id == OrganizationAlias.organization_id)
        .where(func.lower(OrganizationAlias.alias).in_(keys))
    ).all()
    for alias, org in alias_rows:
        found.setdefault(alias.lower(), (org, "alias"))
    return found


def _check_organization_names(
    session: Session, data: OrganizationInput, current: Organization | None
) -> None:
    errors = InputErrors()
    existing: list[Organization | Hardware] = []
    taken = _organizations_named(session, [data.name, *data.aliases])
    for field_name, names in (("name", [data.name]), ("aliases", data.aliases)):
        for name in names:
            hit = taken.get(name.lower())
            if hit is None or (current is not None and hit[0].id == current.id):
                continue
            org, used_as = hit
            how = "is the name of" if used_as == "name" else "is already an alias of"
            errors.add((field_name,), f"'{name}' {how} {org.name} — edit that organization instead")
            if org not in existing:
                existing.append(org)
    if errors:
        raise ValidationFailed(errors, existing)


def _set_aliases(org: Organization, aliases: list[str]) -> None:
    """Keep the alias rows that stay (a delete and re-insert would trip the unique index)."""
    wanted = {a.lower(): a for a in aliases}
    for row in list(org.aliases):
        if row.alias.lower() in wanted:
            row.alias = wanted.pop(row.alias.lower())
        else:
            org.aliases.remove(row)
    org.aliases.extend(OrganizationAlias(alias=a) for a in wanted.values())


def _commit(session: Session, what: str) -> None:
    """Commit; a clash with a save made meanwhile is a message, not a 500."""
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise StaleEdit() from exc
    except IntegrityError as exc:
        session.rollback()
        errors = InputErrors()
        errors.add(("name",), f"another {what} with this name was saved a moment ago — check it")
        raise ValidationFailed(errors) from exc


def save_organization(
    session: Session,
    data: OrganizationInput,
    user: User,
    current: Organization | None = None,
    version: int | None = None,
) -> Organization:
    """Create (no `current`) or update an organization; StaleEdit if `version` is not current."""
    session.info["user_id"] = user.id
    _check_organization_names(session, data, current)
    if current is not None and version != current.version:
        raise StaleEdit()
    org = current or Organization(slug=unique_slug(session, Organization, data.name))
    org.name, org.kind, org.country, org.website = data.name, data.kind, data.country, data.website
    _set_aliases(org, data.aliases)
    if current is not None:
        org.updated_at = utcnow()  # an alias-only change still moves the version on
    session.add(org)
    _commit(session, "organization")
    return org


def save_hardware(
    session: Session,
    data: HardwareRecordInput,
    user: User,
    current: Hardware | None = None,
    version: int | None = None,
) -> Hardware:
    """Create (no `current`) or update a hardware model; the vendor must be a known
    organization (by name, slug or alias)."""
    session.info["user_id"] = user.id
    errors = InputErrors()
    existing: list[Organization | Hardware] = []
    same = session.scalars(
        select(Hardware).where(func.lower(Hardware.name) == data.name.lower())
    ).first()
    if same is not None and (current is None or same.id != current.id):
        errors.add(
            ("name",), f"'{data.name}' is already recorded as {same.name} — edit that instead"
        )
        existing.append(same)
    vendor = find_organization(session, data.vendor)
    if vendor is None:
        errors.add(
            ("vendor",),
            f"'{data.vendor}' is not a known organization — add it first, then come back",
        )
    if errors or vendor is None:
        raise ValidationFailed(errors, existing)
    if current is not None and version != current.version:
        raise StaleEdit()
    hardware = current or Hardware(slug=unique_slug(session, Hardware, data.name))
    hardware.name, hardware.type, hardware.family = data.name, data.type, data.family
    hardware.in_house = data.in_house
    hardware.vendor = vendor
    session.add(hardware)
    _commit(session, "hardware model")
    return hardware
