"""Merging a duplicate deal into the deal that keeps it, and undoing that.

Merging B into A copies to A what B has and A lacks: sources (the same link, or the same
publisher and date when there is no link, count as one), status events (the same status on the
same date count as one), parties (organization and role) and hardware lines. B then becomes a
tombstone: deleted, so it is in no count, facet, sum, chart, feed or export, with
`merged_into_id` pointing at A (its page redirects there) and `merge_copies` holding the ids of
the rows copied to A. Undoing (admins) deletes those copies from A and brings B back. The audit
log records both as changes of B's `merged_into_id`, with the copies as their own entries.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Deal, DealHardware, DealParty, Source, StatusEvent, User, utcnow
from app.services.deals import DealError


def _source_key(source: Source) -> tuple[str, ...]:
    if source.url:
        return ("url", source.url.strip().rstrip("/").lower())
    return ("publisher", source.publisher.strip().lower(), str(source.published or ""))


def merge_deals(session: Session, keep: Deal, duplicate: Deal, user: User | None) -> Deal:
    """Merge `duplicate` into `keep`; DealError (said plainly) when it cannot be done."""
    if keep.id == duplicate.id:
        raise DealError("A deal cannot be merged into itself.")
    if duplicate.deleted_at is not None:
        raise DealError(f"Deal #{duplicate.id} is deleted or already merged.")
    if keep.deleted_at is not None:
        raise DealError(f"Deal #{keep.id} is deleted or merged: merge into a live deal.")
    # Deals merged into the duplicate earlier now belong to `keep`.
    for earlier in session.scalars(select(Deal).where(Deal.merged_into_id == duplicate.id)):
        earlier.merged_into_id = keep.id

    sources: dict[int, Source] = {}
    known = {_source_key(s): s for s in keep.sources}
    copied_sources: list[Source] = []
    for source in duplicate.sources:
        match = known.get(_source_key(source))
        if match is None:
            match = Source(
                url=source.url,
                archived_url=source.archived_url,
                publisher=source.publisher,
                title=source.title,
                published=source.published,
                tier=source.tier,
                quote=source.quote,
                created_by_id=user.id if user else None,
            )
            keep.sources.append(match)
            known[_source_key(source)] = match
            copied_sources.append(match)
        sources[source.id] = match
    for source in duplicate.sources:  # relays point at the copy of what they relay
        copy = sources[source.id]
        if copy in copied_sources and source.relays_id in sources:
            copy.relays = sources[source.relays_id]

    steps = {(e.status, str(e.effective)) for e in keep.status_events}
    copied_events: list[StatusEvent] = []
    for event in duplicate.status_events:
        if (event.status, str(event.effective)) in steps:
            continue
        copy_event = StatusEvent(
            status=event.status,
            effective=event.effective,
            note=event.note,
            source=sources.get(event.source_id) if event.source_id is not None else None,
            recorded_by_id=event.recorded_by_id,
            recorded_at=event.recorded_at,
        )
        keep.status_events.append(copy_event)
        steps.add((event.status, str(event.effective)))
        copied_events.append(copy_event)

    roles = {(p.organization_id, p.role) for p in keep.parties}
    copied_parties: list[DealParty] = []
    for party in duplicate.parties:
        if (party.organization_id, party.role) not in roles:
            copy_party = DealParty(
                organization=party.organization, role=party.role, position=len(keep.parties)
            )
            keep.parties.append(copy_party)
            roles.add((party.organization_id, party.role))
            copied_parties.append(copy_party)

    chips = {line.hardware_id for line in keep.hardware_lines}
    copied_lines: list[DealHardware] = []
    for line in duplicate.hardware_lines:
        if line.hardware_id not in chips:
            copy_line = DealHardware(
                hardware=line.hardware, chips=line.chips, position=len(keep.hardware_lines)
            )
            keep.hardware_lines.append(copy_line)
            chips.add(line.hardware_id)
            copied_lines.append(copy_line)

    keep.refresh_status()
    keep.updated_by_id = user.id if user else None
    keep.updated_at = utcnow()
    session.flush()
    duplicate.merge_copies = {
        "sources": [s.id for s in copied_sources],
        "status_events": [e.id for e in copied_events],
        "parties": [p.id for p in copied_parties],
        "hardware_lines": [h.id for h in copied_lines],
    }
    duplicate.merged_into_id = keep.id
    duplicate.deleted_at = utcnow()
    duplicate.updated_by_id = user.id if user else None
    session.flush()
    session.commit()
    return keep


def undo_merge(session: Session, duplicate: Deal, user: User | None) -> Deal:
    """Bring a merged deal back and take from the deal that kept it what the merge copied."""
    if duplicate.merged_into_id is None:
        raise DealError(f"Deal #{duplicate.id} is not merged into another deal.")
    keep = session.get_one(Deal, duplicate.merged_into_id)
    copies = duplicate.merge_copies or {}
    events = set(copies.get("status_events", []))
    keep.status_events = [e for e in keep.status_events if e.id not in events]
    parties = set(copies.get("parties", []))
    keep.parties = [p for p in keep.parties if p.id not in parties]
    lines = set(copies.get("hardware_lines", []))
    keep.hardware_lines = [h for h in keep.hardware_lines if h.id not in lines]
    sources = set(copies.get("sources", []))
    for event in keep.status_events:  # an event recorded since on a copied source keeps no source
        if event.source_id in sources:
            event.source = None
    for source in keep.sources:
        if source.relays_id in sources and source.id not in sources:
            source.relays = None
    keep.sources = [s for s in keep.sources if s.id not in sources]
    keep.refresh_status()
    keep.updated_by_id = user.id if user else None
    keep.updated_at = utcnow()
    duplicate.merged_into_id = None
    duplicate.merge_copies = None
    duplicate.deleted_at = None
    duplicate.updated_by_id = user.id if user else None
    session.flush()
    session.commit()
    return duplicate
