"""What a deal's page shows, read for that page alone: plain columns into frozen dataclasses.

`get_deal` (app/queries/deals.py) loads a deal as ORM objects with all its relations, as the
write paths need it (they select it again `FOR UPDATE`). The page only reads, and building
those objects cost more than the SQL: here each part is one `select` of the columns the
template shows, and nothing is tracked by the session. The result holds nothing that depends
on who is reading, so the page keeps it per worker under the database's change counter
(app/derived/cache.py): every write the page could show bumps that counter in its
transaction, so a kept page is never older than the last committed change.

The dataclasses answer the template as the ORM objects do (`deal.parties_by_organization()`,
`deal.history()`, `deal.links`, `line.hardware.slug`, `source.relayed_by`…), so
templates/deals/detail.html renders either.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import literal, literal_column, null, select, union_all
from sqlalchemy.orm import Session, aliased

from app.domain.dates import PartialDate
from app.domain.methodology import moves_backwards
from app.domain.vocabulary import INVERSE_LABELS, DealType, label, values
from app.models import (
    AuditEvent,
    Deal,
    DealHardware,
    DealParty,
    DealRelation,
    DealTypeRow,
    Hardware,
    Organization,
    Source,
    StatusEvent,
    User,
    event_order,
)
from app.queries.audit import USER_FIELDS, field_words


def _partial(start: date | None, precision: str | None) -> PartialDate | None:
    return None if start is None or precision is None else PartialDate(start, precision)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class OrganizationRef:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class HardwareRef:
    slug: str
    name: str
    type: str
    in_house: bool


@dataclass(frozen=True, slots=True)
class HardwareLine:
    hardware: HardwareRef
    chips: int | None


@dataclass(frozen=True, slots=True)
class SourceView:
    id: int
    url: str | None
    archived_url: str | None
    publisher: str
    title: str | None
    published: PartialDate | None
    tier: str
    quote: str | None
    relays_id: int | None
    relayed_by: tuple["SourceView", ...]


@dataclass(frozen=True, slots=True)
class EventSource:
    url: str | None
    publisher: str


@dataclass(frozen=True, slots=True)
class EventView:
    status: str
    effective: PartialDate
    note: str | None
    source: EventSource | None


@dataclass(frozen=True, slots=True)
class DealRef:
    """Another deal, as a link or a line names it."""

    id: int
    title: str
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class LinkView:
    label: str
    deal: DealRef


@dataclass(frozen=True, slots=True)
class Person:
    """A user as the audit trail shows them: their email to signed-in readers, else their
    display name or role (the `who` macro)."""

    id: int
    email: str
    display_name: str | None
    role: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    action: str
    entity_type: str
    entity_id: int
    deal_id: int | None
    occurred_at: datetime
    user: Person | None


@dataclass(frozen=True, slots=True)
class ChangeView:
    field: str
    before: str | Person | None
    after: str | Person | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    event: AuditRow
    changes: tuple[ChangeView, ...]


@dataclass(frozen=True, slots=True)
class DealView:
    id: int
    title: str
    summary: str | None
    status: str
    confidence: str
    confidence_note: str | None
    value_usd: int | None
    value_qualifier: str | None
    capacity_mw: float | None
    capacity_qualifier: str | None
    chips: int | None
    chips_qualifier: str | None
    first_reported: PartialDate
    announced: PartialDate | None
    term_start: PartialDate | None
    term_end: PartialDate | None
    region: str | None
    notes: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    merged_into_id: int | None
    deal_types: tuple[str, ...]
    parties: tuple[tuple[OrganizationRef, tuple[str, ...]], ...]
    hardware_lines: tuple[HardwareLine, ...]
    sources: tuple[SourceView, ...]
    links: tuple[LinkView, ...]
    steps: tuple[tuple[EventView, bool], ...]

    def parties_by_organization(self) -> tuple[tuple[OrganizationRef, tuple[str, ...]], ...]:
        """Each organization once, with all its roles, in entry order (as Deal's)."""
        return self.parties

    def history(self) -> tuple[tuple[EventView, bool], ...]:
        """The status events in order, each with whether it moved the deal back (as Deal's)."""
        return self.steps


@dataclass(frozen=True, slots=True)
class DealPageData:
    """Everything on a deal's page that is the same for every reader."""

    deal: DealView
    history: tuple[HistoryEntry, ...]
    merged_here: tuple[DealRef, ...]
    publishers: frozenset[str]


def deal_page(session: Session, deal_id: int) -> DealPageData | None:
    """The deal's page data, deleted or not (the caller decides who sees it), or None."""
    row = session.execute(
        select(
            Deal.title, Deal.summary, Deal.status, Deal.confidence, Deal.confidence_note,
            Deal.value_usd, Deal.value_qualifier, Deal.capacity_mw, Deal.capacity_qualifier,
            Deal.chips, Deal.chips_qualifier, Deal.first_reported_on, Deal.first_reported_precision,
            Deal.announced_on, Deal.announced_precision, Deal.term_start_on,
            Deal.term_start_precision, Deal.term_end_on, Deal.term_end_precision, Deal.region,
            Deal.notes, Deal.version, Deal.created_at, Deal.updated_at, Deal.deleted_at,
            Deal.merged_into_id,
        ).where(Deal.id == deal_id)
    ).one_or_none()  # fmt: skip
    if row is None:
        return None
    sources = _sources(session, deal_id)
    links, merged = _other_deals(session, deal_id)
    deal = DealView(
        id=deal_id,
        title=row.title,
        summary=row.summary,
        status=row.status,
        confidence=row.confidence,
        confidence_note=row.confidence_note,
        value_usd=row.value_usd,
        value_qualifier=row.value_qualifier,
        capacity_mw=row.capacity_mw,
        capacity_qualifier=row.capacity_qualifier,
        chips=row.chips,
        chips_qualifier=row.chips_qualifier,
        first_reported=PartialDate(row.first_reported_on, row.first_reported_precision),
        announced=_partial(row.announced_on, row.announced_precision),
        term_start=_partial(row.term_start_on, row.term_start_precision),
        term_end=_partial(row.term_end_on, row.term_end_precision),
        region=row.region,
        notes=row.notes,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        merged_into_id=row.merged_into_id,
        deal_types=_types(session, deal_id),
        parties=_parties(session, deal_id),
        hardware_lines=_hardware(session, deal_id),
        sources=sources,
        links=links,
        steps=_steps(session, deal_id),
    )
    return DealPageData(
        deal=deal,
        history=deal_history(session, deal_id),
        merged_here=merged,
        publishers=frozenset(source.publisher for source in sources),
    )


def _types(session: Session, deal_id: int) -> tuple[str, ...]:
    order = values(DealType)
    found = session.scalars(select(DealTypeRow.type).where(DealTypeRow.deal_id == deal_id))
    return tuple(sorted(found, key=order.index))


def _parties(session: Session, deal_id: int) -> tuple[tuple[OrganizationRef, tuple[str, ...]], ...]:
    rows = session.execute(
        select(DealParty.organization_id, Organization.slug, Organization.name, DealParty.role)
        .join(Organization, Organization.id == DealParty.organization_id)
        .where(DealParty.deal_id == deal_id)
        .order_by(DealParty.position, DealParty.id)
    ).all()
    grouped: dict[int, tuple[OrganizationRef, list[str]]] = {}
    for organization_id, slug, name, role in rows:
        entry = grouped.setdefault(organization_id, (OrganizationRef(slug, name), []))
        entry[1].append(role)
    return tuple((organization, tuple(roles)) for organization, roles in grouped.values())


def _hardware(session: Session, deal_id: int) -> tuple[HardwareLine, ...]:
    rows = session.execute(
        select(Hardware.slug, Hardware.name, Hardware.type, Hardware.in_house, DealHardware.chips)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(DealHardware.deal_id == deal_id)
        .order_by(DealHardware.position, DealHardware.id)
    ).all()
    return tuple(
        HardwareLine(HardwareRef(slug, name, kind, bool(in_house)), chips)
        for slug, name, kind, in_house, chips in rows
    )


def _sources(session: Session, deal_id: int) -> tuple[SourceView, ...]:
    """The deal's sources in the order of Deal.sources, each with the sources relaying it."""
    columns = (
        Source.id, Source.deal_id, Source.url, Source.archived_url, Source.publisher,
        Source.title, Source.published_on, Source.published_precision, Source.tier,
        Source.quote, Source.relays_id,
    )  # fmt: skip
    story = aliased(Source)
    own = select(*columns).where(Source.deal_id == deal_id)
    # Relays recorded on another deal (none are, but Deal.sources' relayed_by would show them).
    elsewhere = select(*columns).where(
        Source.relays_id.in_(select(story.id).where(story.deal_id == deal_id)),
        Source.deal_id != deal_id,
    )
    ordered = union_all(own, elsewhere).order_by(
        literal_column("published_on"), literal_column("id")
    )
    rows: list[Any] = list(session.execute(ordered))
    relays: defaultdict[int, list[SourceView]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.id):  # a story's relays in the order recorded
        if row.relays_id is not None:
            relays[row.relays_id].append(_source(row, ()))
    return tuple(
        _source(row, tuple(relays.get(row.id, ()))) for row in rows if row.deal_id == deal_id
    )


def _source(row: Any, relayed_by: tuple[SourceView, ...]) -> SourceView:
    return SourceView(
        id=row.id,
        url=row.url,
        archived_url=row.archived_url,
        publisher=row.publisher,
        title=row.title,
        published=_partial(row.published_on, row.published_precision),
        tier=row.tier,
        quote=row.quote,
        relays_id=row.relays_id,
        relayed_by=relayed_by,
    )


def _steps(session: Session, deal_id: int) -> tuple[tuple[EventView, bool], ...]:
    """Deal.history(): the status events in order, each with whether it moved the deal back."""
    rows = session.execute(
        select(
            StatusEvent.id, StatusEvent.status, StatusEvent.effective_on,
            StatusEvent.effective_precision, StatusEvent.note, StatusEvent.recorded_at,
            StatusEvent.source_id, Source.url, Source.publisher,
        )
        .outerjoin(Source, Source.id == StatusEvent.source_id)
        .where(StatusEvent.deal_id == deal_id)
    ).all()  # fmt: skip
    events = [
        (
            PartialDate(row.effective_on, row.effective_precision),
            row,
        )
        for row in rows
    ]
    events.sort(key=lambda e: event_order(e[0], e[1].recorded_at, e[1].id))
    steps: list[tuple[EventView, bool]] = []
    previous: str | None = None
    for effective, row in events:
        source = None if row.source_id is None else EventSource(row.url, row.publisher)
        steps.append(
            (
                EventView(row.status, effective, row.note, source),
                moves_backwards(previous, row.status),
            )
        )
        previous = row.status
    return tuple(steps)


def _other_deals(
    session: Session, deal_id: int
) -> tuple[tuple[LinkView, ...], tuple[DealRef, ...]]:
    """Related live deals both ways (as Deal.links), and the duplicates merged into this one
    (most recently merged first), in one statement."""
    columns = (Deal.id, Deal.title, Deal.deleted_at)
    outgoing = (
        select(literal(0).label("part"), DealRelation.kind, DealRelation.id.label("rid"), *columns)
        .join(Deal, Deal.id == DealRelation.related_deal_id)
        .where(DealRelation.deal_id == deal_id)
    )
    incoming = (
        select(literal(1), DealRelation.kind, DealRelation.id, *columns)
        .join(Deal, Deal.id == DealRelation.deal_id)
        .where(DealRelation.related_deal_id == deal_id)
    )
    merged = select(literal(2), null(), null(), *columns).where(Deal.merged_into_id == deal_id)
    rows: list[Any] = list(session.execute(union_all(outgoing, incoming, merged)))
    links = [
        LinkView(
            INVERSE_LABELS[kind] if part == 1 else label(kind).lower(),
            DealRef(other_id, title, deleted_at),
        )
        for part, kind, _, other_id, title, deleted_at in sorted(
            (r for r in rows if r[0] != 2), key=lambda r: (r[0], r[2])
        )
        if deleted_at is None
    ]
    # Most recently merged first, then by number (merged_here's order).
    duplicates = sorted((DealRef(r[3], r[4], r[5]) for r in rows if r[0] == 2), key=_merged_order)
    return tuple(links), tuple(duplicates)


def _merged_order(duplicate: DealRef) -> tuple[float, int]:
    merged = duplicate.deleted_at  # always set on a merged duplicate
    return (-merged.timestamp() if merged is not None else float("-inf"), duplicate.id)


def deal_history(session: Session, deal_id: int) -> tuple[HistoryEntry, ...]:
    """The deal's audit trail, newest first, the users it names read in one more statement."""
    rows = session.execute(
        select(
            AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id,
            AuditEvent.deal_id, AuditEvent.occurred_at, AuditEvent.changes, AuditEvent.user_id,
        )
        .where(AuditEvent.deal_id == deal_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    ).all()  # fmt: skip
    user_ids = {row.user_id for row in rows if row.user_id is not None}
    user_ids |= {
        value
        for row in rows
        for name, pair in (row.changes or {}).items()
        if name in USER_FIELDS
        for value in pair
        if isinstance(value, int)
    }
    users: dict[int, Person] = {}
    if user_ids:
        found = session.execute(
            select(User.id, User.email, User.display_name, User.role).where(User.id.in_(user_ids))
        )
        users = {row.id: Person(row.id, row.email, row.display_name, row.role) for row in found}
    return tuple(
        HistoryEntry(
            AuditRow(
                row.action,
                row.entity_type,
                row.entity_id,
                row.deal_id,
                row.occurred_at,
                None if row.user_id is None else users.get(row.user_id),
            ),
            tuple(
                ChangeView(
                    field_words(name),
                    _value_words(name, pair[0], users),
                    _value_words(name, pair[1], users),
                )
                for name, pair in (row.changes or {}).items()
            ),
        )
        for row in rows
    )


def _value_words(name: str, value: object, users: dict[int, Person]) -> str | Person | None:
    """As app.queries.audit shows a value: a user by name, a record by number."""
    if value is None:
        return None
    if name.endswith("_id") and isinstance(value, int):
        return users.get(value, f"user #{value}") if name in USER_FIELDS else f"#{value}"
    return str(value)
