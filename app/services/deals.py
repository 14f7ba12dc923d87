"""The write side for deals: each function is one unit of work and commits it.

Nothing is saved in part: names are resolved and every rule checked before anything is
written, and each function commits once.
"""

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.domain.dates import PartialDate
from app.domain.methodology import moves_backwards
from app.domain.vocabulary import HardwareType, OrgKind, label
from app.inputs.deal import (
    DealInput,
    HardwareLineInput,
    NewDealInput,
    RelayInput,
    SourceFields,
    SourceInput,
    StatusInput,
)
from app.inputs.errors import InputErrors, Loc
from app.inputs.types import MAX_SLUG, as_id, choice_problem
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
    User,
    latest_event,
    utcnow,
)


class DealError(ValueError):
    """A change that cannot be made as asked; the message says why."""


class ValidationFailed(Exception):
    """The input breaks a rule; `existing` holds records a message names (to link to them)."""

    def __init__(
        self, errors: InputErrors, existing: "list[Organization | Hardware] | None" = None
    ) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors
        self.existing = existing or []


class StaleEdit(Exception):
    """Someone saved the deal after this form was opened."""


class PossibleDuplicate(Exception):
    """Deals like this one were reported already; the analyst decides what to do."""

    def __init__(self, deals: list[Deal]) -> None:
        super().__init__(", ".join(f"#{d.id}" for d in deals))
        self.deals = deals


DUPLICATE_WINDOW_DAYS = 120
RELATION_DECISIONS = ("duplicate_of", "expands", "supersedes")


def find_duplicates(
    session: Session, orgs: list[Organization], hws: list[Hardware], reported: PartialDate
) -> list[Deal]:
    """Live deals with the same organizations, overlapping (or unspecified) hardware, reported
    within about four months."""
    org_ids = {o.id for o in orgs if o.id is not None}
    if len(org_ids) < 2 or len(org_ids) < len(orgs):
        return []  # a new organization has no deals yet
    window = timedelta(days=DUPLICATE_WINDOW_DAYS)
    shared = (
        select(DealParty.deal_id)
        .where(DealParty.organization_id.in_(org_ids))
        .group_by(DealParty.deal_id)
        .having(func.count(func.distinct(DealParty.organization_id)) == len(org_ids))
    )
    stmt = (
        select(Deal)
        .where(
            Deal.deleted_at.is_(None),
            Deal.id.in_(shared),
            Deal.first_reported_on >= reported.start - window,
            Deal.first_reported_on <= reported.end + window,
        )
        .options(selectinload(Deal.hardware_lines))
        .order_by(Deal.first_reported_on.desc())
    )
    hw_ids = {h.id for h in hws if h.id is not None}
    found = []
    for deal in session.scalars(stmt):
        theirs = {line.hardware_id for line in deal.hardware_lines}
        if not hw_ids or not theirs or hw_ids & theirs:
            found.append(deal)
    return found


def slugify(name: str, n: int = 1) -> str:
    """The name as a slug of at most MAX_SLUG characters; from `n` = 2 on with `-n` after a
    base cut short enough for it."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "item"
    suffix = f"-{n}" if n > 1 else ""
    return base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix


def find_organization(session: Session, name: str) -> Organization | None:
    """By name, slug or alias, ignoring case."""
    key = name.strip().lower()
    by_alias = select(OrganizationAlias.organization_id).where(
        func.lower(OrganizationAlias.alias) == key
    )
    stmt = select(Organization).where(
        (func.lower(Organization.name) == key)
        | (Organization.slug == key)
        | Organization.id.in_(by_alias)
    )
    return session.scalars(stmt).first()


def find_hardware(session: Session, name: str) -> Hardware | None:
    key = name.strip().lower()
    stmt = select(Hardware).where((func.lower(Hardware.name) == key) | (Hardware.slug == key))
    return session.scalars(stmt).first()


def unique_slug(session: Session, model: type[Organization] | type[Hardware], name: str) -> str:
    slug, n = slugify(name), 2
    while session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug, n = slugify(name, n), n + 1
    return slug


Creatable = bool | frozenset[str]  # create every unknown name, or those named (lowercased)


def may_create(create_missing: Creatable, name: str) -> bool:
    """Whether the analyst asked for `name` to be created if it is not known."""
    if isinstance(create_missing, bool):
        return create_missing
    return name.strip().lower() in create_missing


def creation_hint(create_missing: Creatable, name: str) -> str:
    """How to ask for an unknown name to be created: on the form, its row's own tick box."""
    if isinstance(create_missing, bool):
        return "tick “Create organizations and hardware not yet known” to add it"
    return f"tick “Create '{name}'” in its row to add it"


def _resolve(
    session: Session, deal_in: DealInput, errors: InputErrors, create_missing: Creatable
) -> tuple[list[Organization], list[Hardware]]:
    """The records the input names, creating unknown ones only when the analyst asked to."""
    created: dict[str, Organization] = {}

    def organization(name: str, error_key: Loc, create: bool = False) -> Organization | None:
        found = find_organization(session, name) or created.get(name.lower())
        if found is None and (create or may_create(create_missing, name)):
            found = Organization(
                name=name, slug=unique_slug(session, Organization, name), kind=OrgKind.OTHER
            )
            session.add(found)
            created[name.lower()] = found
        if found is None:
            hint = creation_hint(create_missing, name)
            errors.add(error_key, f"'{name}' is not a known organization — {hint}")
        return found

    orgs = [organization(p.organization, ("parties", i)) for i, p in enumerate(deal_in.parties)]
    hardware: list[Hardware] = []
    for i, line in enumerate(deal_in.hardware):
        hw = _hardware(session, line, ("hardware", i), errors, create_missing, organization)
        if hw is not None:
            hardware.append(hw)
    return [o for o in orgs if o is not None], hardware


def _hardware(
    session: Session,
    line: HardwareLineInput,
    key: Loc,
    errors: InputErrors,
    create_missing: Creatable,
    organization: Callable[[str, Loc, bool], Organization | None],
) -> Hardware | None:
    found = find_hardware(session, line.name)
    if found is not None:
        return found
    if not may_create(create_missing, line.name):
        hint = creation_hint(create_missing, line.name)
        errors.add(key, f"'{line.name}' is not a known hardware model — {hint}")
        return None
    type_problem = choice_problem(HardwareType, "hardware type", line.type or "")
    if type_problem:
        errors.add(key, type_problem)
    if not line.vendor:
        errors.add(key, f"to create '{line.name}', name its vendor (e.g. NVIDIA, Microsoft)")
        return None
    # Creating a model creates its vendor too when that is new: one tick, in the model's row.
    vendor = organization(line.vendor, key, True)
    if vendor is None or line.type is None or type_problem:
        return None
    hw = Hardware(
        name=line.name,
        slug=unique_slug(session, Hardware, line.name),
        vendor=vendor,
        type=line.type,
        in_house=vendor.kind in (OrgKind.HYPERSCALER, OrgKind.AI_LAB),
    )
    session.add(hw)
    return hw


def apply_input(
    deal: Deal, deal_in: DealInput, orgs: list[Organization], hws: list[Hardware]
) -> None:
    """Write the input onto the deal: its columns by the model's own field list, then its
    types, parties and hardware lines (`orgs` and `hws` are the records they name)."""
    for name in DealInput.column_fields():
        setattr(deal, name, getattr(deal_in, name))
    wanted_types = set(deal_in.deal_types)
    deal.type_rows = [r for r in deal.type_rows if r.type in wanted_types] + [
        DealTypeRow(type=t) for t in deal_in.deal_types if t not in {r.type for r in deal.type_rows}
    ]
    parties: list[DealParty] = []
    for org, role in unique_parties(deal_in, orgs):
        party = next(
            (x for x in deal.parties if x.organization is org and x.role == role), None
        ) or DealParty(organization=org, role=role)
        party.position = len(parties)
        parties.append(party)
    deal.parties = parties
    lines: list[DealHardware] = []
    for hw, chips in unique_lines(deal_in, hws):
        line = next((x for x in deal.hardware_lines if x.hardware is hw), None)
        line = line or DealHardware(hardware=hw)
        line.chips, line.position = chips, len(lines)
        lines.append(line)
    deal.hardware_lines = lines


def unique_parties(deal_in: DealInput, orgs: list[Organization]) -> list[tuple[Organization, str]]:
    """The deal's parties in order (`orgs` are the organizations they name), each organization
    in each role once."""
    pairs = zip(orgs, (p.role for p in deal_in.parties), strict=True)
    return list(dict.fromkeys((org, role) for org, role in pairs))


def unique_lines(deal_in: DealInput, hws: list[Hardware]) -> list[tuple[Hardware, int | None]]:
    """The deal's hardware lines in order (`hws` are the models they name), each model once
    with the chips of its first line."""
    lines: dict[Hardware, int | None] = {}
    for hw, line_in in zip(hws, deal_in.hardware, strict=True):
        lines.setdefault(hw, line_in.chips)
    return list(lines.items())


def _source(source_in: SourceInput | RelayInput, user: User) -> Source:
    fields = {name: getattr(source_in, name) for name in SourceFields.model_fields}
    return Source(**fields, tier=source_in.tier, created_by_id=user.id)


CREATE_ATTEMPTS = 3


def create_deal(
    session: Session, new_in: NewDealInput, user: User, *, create_missing: Creatable = False,
    duplicate_decision: str = "",
) -> Deal:  # fmt: skip
    """A new deal with its first source (and relay) and first status.

    ValidationFailed for bad input; PossibleDuplicate when similar deals exist and the analyst
    has not decided yet (`duplicate_decision`: "new", or "duplicate_of:ID", "expands:ID", …).
    An organization or hardware model created at the same moment by another request (the
    same new name, or the same slug) makes this attempt's insert fail: it is made again, and
    then finds and reuses the other's record.
    """
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return _create_deal(session, new_in, user, create_missing, duplicate_decision)
        except IntegrityError:
            session.rollback()
            if attempt == CREATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _create_deal(
    session: Session, new_in: NewDealInput, user: User, create_missing: Creatable,
    duplicate_decision: str,
) -> Deal:  # fmt: skip
    errors = InputErrors()
    orgs, hws = _resolve(session, new_in, errors, create_missing)
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    relation: tuple[str, Deal] | None = None
    if not duplicate_decision:
        duplicates = find_duplicates(session, orgs, hws, new_in.first_reported)
        if duplicates:
            session.rollback()
            raise PossibleDuplicate(duplicates)
    elif duplicate_decision != "new":
        kind, _, target_id = duplicate_decision.partition(":")
        target_key = as_id(target_id)
        target = session.get(Deal, target_key) if target_key is not None else None
        if kind not in RELATION_DECISIONS or target is None or target.deleted_at is not None:
            session.rollback()
            raise ValidationFailed(InputErrors({(): ["that related deal does not exist"]}))
        relation = (kind, target)
    assert new_in.status_on is not None  # the model defaults it to the first report
    deal = Deal(status=new_in.status, created_by_id=user.id, updated_by_id=user.id)
    apply_input(deal, new_in, orgs, hws)
    source = _source(new_in.source, user)
    deal.sources.append(source)
    if new_in.relay is not None:
        relay = _source(new_in.relay, user)
        relay.relays = source
        deal.sources.append(relay)
    deal.status_events.append(
        StatusEvent(
            status=new_in.status, effective=new_in.status_on, source=source, recorded_by_id=user.id
        )
    )
    deal.refresh_status()
    if relation is not None:
        deal.relations.append(DealRelation(kind=relation[0], related_deal=relation[1]))
    session.add(deal)
    session.flush()
    session.commit()
    return deal


def update_deal(
    session: Session, deal: Deal, deal_in: DealInput, version: int, user: User,
    *, create_missing: Creatable = False,
) -> Deal:  # fmt: skip
    """Save an edit made on `version`; StaleEdit if the deal has changed since."""
    if deal.version != version:
        raise StaleEdit()
    errors = InputErrors()
    orgs, hws = _resolve(session, deal_in, errors, create_missing)
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    apply_input(deal, deal_in, orgs, hws)
    deal.updated_by_id = user.id
    deal.updated_at = utcnow()  # a change to parts alone must still bump the version
    try:
        session.flush()
        session.commit()
    except StaleDataError as exc:  # someone saved between our read and our write
        session.rollback()
        raise StaleEdit() from exc
    return deal


def lock_for_append(session: Session, deal: Deal) -> None:
    """Take the deal's row lock and re-read it, so appends to one deal queue up instead of
    failing: its version bump and its derived rows are then written by one transaction at a
    time, and the status follows every event committed before this one (Postgres; SQLite
    writes one transaction at a time anyway)."""
    session.expire(deal)
    session.refresh(deal, with_for_update=True)


def _commit_append(session: Session) -> None:
    try:
        session.flush()
        session.commit()
    except StaleDataError as exc:  # only where the row lock is not available
        session.rollback()
        raise StaleEdit() from exc


def record_status(session: Session, deal: Deal, status_in: StatusInput, user: User) -> StatusEvent:
    """Append a status event (with a new or existing source); the deal's status follows.

    Concurrent appends to one deal wait for each other; StaleEdit if the deal changed under
    this one all the same."""
    lock_for_append(session, deal)
    source: Source | None = None
    if status_in.source_id is not None:
        source = next((s for s in deal.sources if s.id == status_in.source_id), None)
        if source is None:
            raise ValidationFailed(
                InputErrors({("source_id",): ["that source is not on this deal"]})
            )
    elif status_in.source is not None:
        source = _source(status_in.source, user)
        deal.sources.append(source)
    before = [
        e for e in deal.status_events if e.effective.sort_key() <= status_in.effective.sort_key()
    ]
    previous = latest_event(before)
    if (
        previous is not None
        and moves_backwards(previous.status, status_in.status)
        and not status_in.note
    ):
        raise ValidationFailed(
            InputErrors(
                {
                    ("note",): [
                        f"this moves the deal back from {label(previous.status).lower()} to "
                        f"{label(status_in.status).lower()}: say why in a note"
                    ]
                }
            )
        )
    event = StatusEvent(
        status=status_in.status,
        effective=status_in.effective,
        source=source,
        note=status_in.note,
        recorded_by_id=user.id,
    )
    deal.status_events.append(event)
    deal.refresh_status()
    if status_in.announced is not None:
        deal.announced = status_in.announced
    deal.updated_by_id = user.id
    deal.updated_at = utcnow()
    _commit_append(session)
    return event


def add_source(
    session: Session, deal: Deal, source_in: SourceInput, relays_id: int | None, user: User
) -> Source:
    """Add a source (a relay of `relays_id`); concurrent appends wait for each other."""
    lock_for_append(session, deal)
    source = _source(source_in, user)
    if relays_id is not None:
        original = next((s for s in deal.sources if s.id == relays_id), None)
        if original is None:
            raise ValidationFailed(
                InputErrors({("relays_id",): ["that source is not on this deal"]})
            )
        source.relays = original
    deal.sources.append(source)
    # A new source is a change of the deal: `updated_since` and the activity stream see it.
    deal.updated_by_id = user.id
    deal.updated_at = utcnow()
    _commit_append(session)
    return source


def delete_deal(session: Session, deal: Deal, user: User) -> Deal:
    """Soft delete: the deal leaves every list; an admin can restore it."""
    if deal.deleted_at is not None:
        raise DealError("This deal is already deleted.")
    deal.deleted_at = utcnow()
    deal.updated_by_id = user.id
    session.commit()
    return deal


def restore_deal(session: Session, deal: Deal, user: User) -> Deal:
    if deal.deleted_at is None:
        raise DealError("This deal is not deleted.")
    if deal.merged_into_id is not None:
        raise DealError(
            f"This deal was merged into deal #{deal.merged_into_id}: undo the merge there instead."
        )
    deal.deleted_at = None
    deal.updated_by_id = user.id
    session.commit()
    return deal
