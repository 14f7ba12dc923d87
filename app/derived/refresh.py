"""What is derived from each deal and stored beside it: its search document (DealSearch, see
app/derived/search.py), its CSV export row and API answer (DealDerived, see
app/exchange/export.py and app/derived/dealjson.py) and its pairs of organizations (DealPair, see
app/derived/pairs.py).

All are kept in step by one session hook, so no write path can forget them: after every flush,
the deals whose text could have changed are re-rendered in the same transaction — a deal
written or any of its types, parties, hardware lines, sources or status events; every deal of an
organization whose name or aliases changed; every deal of a hardware model whose name or type
changed. Bulk loads that bypass the ORM (bench.generate) call `refresh_derived` themselves, and
`refresh_missing` (run by `deals db upgrade`) fills in deals that have nothing stored.
Re-rendering moves the change counter (app/derived/cache.py); so does a flush that changes what
kept deal pages show but no stored text holds (`_shown_elsewhere`).
"""

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from app.db import batches, insert_rows
from app.derived import counts, factlog, pair_counts
from app.derived.cache import bump_generation
from app.derived.csvrow import render_cells
from app.derived.dealjson import render_answers
from app.derived.pairs import pair_rows
from app.derived.publishers import first_report_order, publisher_key, tier_rank
from app.derived.search import words
from app.domain.dates import PartialDate, Precision
from app.domain.figures import official_days
from app.domain.vocabulary import OFFICIAL_STATUSES
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealPair,
    DealParty,
    DealSearch,
    DealTypeRow,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
    User,
    event_order,
)

BATCH = 1000
T = TypeVar("T")
DEAL_PARTS = (DealParty, DealHardware, DealTypeRow, Source, StatusEvent)


def refresh_derived(connection: Connection, deal_ids: Iterable[int]) -> int:
    """Re-render and store the search documents, export rows, API answers and pairs of these
    deals; how many."""
    count = 0
    ids = sorted(set(deal_ids))
    if ids:
        bump_generation(connection)
    for batch in batches(ids, BATCH):
        cells = render_cells(connection, batch)
        answers = render_answers(connection, batch)
        documents = search_documents(connection, batch)
        first_publishers = first_reporters(connection, batch)
        histories = status_facts(connection, batch)
        reported: dict[int, date] = {
            deal_id: day
            for deal_id, day in connection.execute(
                select(Deal.id, Deal.first_reported_on).where(Deal.id.in_(list(cells)))
            )
        }
        connection.execute(delete(DealDerived).where(DealDerived.deal_id.in_(batch)))
        connection.execute(delete(DealSearch).where(DealSearch.deal_id.in_(batch)))
        connection.execute(delete(DealPair).where(DealPair.deal_id.in_(batch)))
        insert_rows(connection, DealPair, pair_rows(connection, list(cells)))
        if cells:
            rows = []
            for deal_id, text in cells.items():
                first_status, official_on = histories.get(deal_id, (None, None))
                rows.append(
                    {
                        "deal_id": deal_id,
                        "cells": text,
                        "api_json": answers[deal_id],
                        "first_publisher": first_publishers.get(deal_id),
                        "first_status": first_status,
                        "official_on": official_on,
                        "official_days": official_days(
                            first_status, official_on, reported[deal_id]
                        ),
                    }
                )
            insert_rows(connection, DealDerived, rows)
            insert_rows(
                connection,
                DealSearch,
                [{"deal_id": deal_id, "document": documents[deal_id]} for deal_id in cells],
            )
        count += len(cells)
    return count


def refresh_missing(session: Session) -> int:
    """Render the deals that have no stored search document, export row or API answer, or
    parties but no pairs (and then count the kept counts and pairs afresh); commits."""
    connection = session.connection()
    # NOT EXISTS, not NOT IN: Postgres checks each deal by an index lookup (4 s at a million
    # deals), where NOT IN over a subquery too big for work_mem re-scans it per deal (more
    # than 8 minutes before it was stopped).
    missing = select(Deal.id).where(
        ~select(DealDerived.deal_id).where(DealDerived.deal_id == Deal.id).exists()
        | ~select(DealSearch.deal_id).where(DealSearch.deal_id == Deal.id).exists()
        | select(DealDerived.deal_id)
        .where(DealDerived.deal_id == Deal.id, DealDerived.api_json.is_(None))
        .exists()
        | (
            select(DealParty.deal_id).where(DealParty.deal_id == Deal.id).exists()
            & ~select(DealPair.deal_id).where(DealPair.deal_id == Deal.id).exists()
        )
    )
    count = refresh_derived(connection, connection.scalars(missing).all())
    if count:  # pairs and outcomes derived here for the first time were not counted
        counts.recount(connection)
    session.commit()
    return count


def search_documents(connection: Connection, deal_ids: Collection[int]) -> dict[int, str]:
    """Each deal's words: title, summary, its organizations' names and aliases, its hardware
    names and its sources' publishers, lowercased, each word once (see app/derived/search.py)."""
    parts: dict[int, list[str]] = {}
    for deal_id, title, summary in connection.execute(
        select(Deal.id, Deal.title, Deal.summary).where(Deal.id.in_(deal_ids))
    ):
        parts[deal_id] = [title, summary or ""]
    for deal_id, text in chain(
        _party_names(connection, deal_ids),
        connection.execute(
            select(DealHardware.deal_id, Hardware.name)
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .where(DealHardware.deal_id.in_(deal_ids))
            .order_by(DealHardware.deal_id, DealHardware.position, DealHardware.id)
        ),
        connection.execute(
            select(Source.deal_id, Source.publisher)
            .where(Source.deal_id.in_(deal_ids))
            .order_by(Source.deal_id, Source.published_on.asc().nulls_first(), Source.id)
        ),
    ):
        parts[deal_id].append(text)
    return {
        deal_id: " ".join(dict.fromkeys(w for part in texts for w in words(part)))
        for deal_id, texts in parts.items()
    }


def first_reporters(connection: Connection, deal_ids: Collection[int]) -> dict[int, str]:
    """The publisher (its app.queries.sources.publisher_key) credited with each deal's first
    report: its earliest source of the best tier it has — primary or original, then
    secondary, then (only when nothing else exists) a relay (see app/queries/sources.py)."""
    first: dict[int, tuple[Any, str]] = {}
    for source_id, deal_id, publisher, on, precision, tier, relays_id in connection.execute(
        select(
            Source.id,
            Source.deal_id,
            Source.publisher,
            Source.published_on,
            Source.published_precision,
            Source.tier,
            Source.relays_id,
        ).where(Source.deal_id.in_(deal_ids))
    ):
        order = (tier_rank(tier, relays_id), *first_report_order(on, precision, source_id))
        if deal_id not in first or order < first[deal_id][0]:
            first[deal_id] = (order, publisher_key(publisher))
    return {deal_id: key for deal_id, (_, key) in first.items()}


def status_facts(
    connection: Connection, deal_ids: Collection[int]
) -> dict[int, tuple[str, date | None]]:
    """Each deal's first status (by app.models.event_order, as latest_event reads it) and
    the date of its first official word (an announced, confirmed or completed event)."""
    first: dict[int, tuple[Any, str]] = {}
    official_on: dict[int, date] = {}
    for deal_id, status, on, precision, recorded_at, event_id in connection.execute(
        select(
            StatusEvent.deal_id,
            StatusEvent.status,
            StatusEvent.effective_on,
            StatusEvent.effective_precision,
            StatusEvent.recorded_at,
            StatusEvent.id,
        ).where(StatusEvent.deal_id.in_(deal_ids))
    ):
        key = event_order(PartialDate(on, Precision(precision)), recorded_at, event_id)
        if deal_id not in first or key < first[deal_id][0]:
            first[deal_id] = (key, status)
        if status in OFFICIAL_STATUSES:
            official_on[deal_id] = min(on, official_on.get(deal_id, on))
    return {deal_id: (status, official_on.get(deal_id)) for deal_id, (_, status) in first.items()}


def _party_names(connection: Connection, deal_ids: Collection[int]) -> Iterator[Any]:
    parties = connection.execute(
        select(DealParty.deal_id, DealParty.organization_id, Organization.name)
        .join(Organization, Organization.id == DealParty.organization_id)
        .where(DealParty.deal_id.in_(deal_ids))
        .order_by(DealParty.deal_id, DealParty.position, DealParty.id)
    ).all()
    aliases: dict[int, list[str]] = {}
    for organization_id, alias in connection.execute(
        select(OrganizationAlias.organization_id, OrganizationAlias.alias)
        .where(OrganizationAlias.organization_id.in_({row[1] for row in parties}))
        .order_by(OrganizationAlias.organization_id, OrganizationAlias.alias)
    ):
        aliases.setdefault(organization_id, []).append(alias)
    for deal_id, organization_id, name in parties:
        yield deal_id, name
        for alias in aliases.get(organization_id, ()):
            yield deal_id, alias


# --- the hook ---------------------------------------------------------------------------------


def _renamed(obj: object, *names: str) -> bool:
    """Whether a record's shown attributes changed."""
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _stale(session: Session) -> tuple[set[int], set[int], set[int]]:
    """Deals written, and organizations and hardware whose shown text changed, in this flush.

    Ids are read from each object's loaded state: a deleted row must not be loaded again."""
    deals: set[int] = set()
    organizations: set[int] = set()
    hardware: set[int] = set()
    # Read once: `session.new` and `.deleted` build a new set at each call, and asking one of
    # them per object made a flush of many new organizations quadratic.
    new, deleted = session.new, session.deleted
    for obj in chain(new, session.dirty, deleted):
        loaded = inspect(obj).dict
        if isinstance(obj, Deal) and obj not in deleted:
            deals.add(loaded["id"])
        elif isinstance(obj, DEAL_PARTS) and loaded.get("deal_id") is not None:
            deals.add(loaded["deal_id"])
        elif isinstance(obj, OrganizationAlias) and loaded.get("organization_id") is not None:
            organizations.add(loaded["organization_id"])
        elif obj in new or obj in deleted:
            continue  # a new organization or model has no deals yet; a deleted one, none left
        elif isinstance(obj, Organization) and _renamed(obj, "name"):
            organizations.add(loaded["id"])
        elif isinstance(obj, Hardware) and _renamed(obj, "name", "type"):
            hardware.add(loaded["id"])
    return deals, organizations, hardware


def _counted(session: Session) -> set[int]:
    """Existing deals whose facts (app/derived/counts.py) this flush may change, read before it:
    deals written or deleted, or given or losing a part; deals of hardware whose type or
    maker changes."""
    deals: set[int] = set()
    hardware: set[int] = set()
    for obj in chain(session.dirty, session.deleted, session.new):
        loaded = inspect(obj).dict
        if isinstance(obj, Deal) and loaded.get("id") is not None:
            deals.add(loaded["id"])
        elif isinstance(obj, DEAL_PARTS):
            state: Any = inspect(obj)
            history = state.attrs["deal_id"].history
            deals.update(i for i in chain(history.added, history.deleted, history.unchanged) if i)
        elif (
            isinstance(obj, Hardware)
            and obj in session.dirty
            and _renamed(obj, "type", "vendor_id")
        ):
            hardware.add(loaded["id"])
    if hardware:
        deals.update(
            session.connection().scalars(
                select(DealHardware.deal_id).where(DealHardware.hardware_id.in_(hardware))
            )
        )
    return deals


def facts_before_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    """Note what the deals this flush may change count towards, before it writes."""
    deals = _counted(session)
    connection = session.connection()
    session.info["facts_before"] = counts.deal_facts(connection, deals) if deals else {}
    session.info["pairs_before"] = pair_counts.pair_facts(connection, deals) if deals else {}
    session.info["counted"] = deals


def refresh_after_flush(session: Session, flush_context: UOWTransaction) -> None:
    """Re-render what this flush may have changed, and move the kept counts, inside its
    transaction."""
    before: dict[int, counts.Facts] = session.info.pop("facts_before", {})
    pairs_before: pair_counts.PairFacts = session.info.pop("pairs_before", {})
    counted: set[int] = session.info.pop("counted", set())
    counted |= {obj.id for obj in session.new if isinstance(obj, Deal)}
    _refresh_stale(session)  # first: a deal's facts read its derived row (its rumor's outcome)
    if counted:
        connection = session.connection()
        facts = counts.deal_facts(connection, counted)
        counts.apply(connection, counts.differences(before, facts))
        moved = [i for i in sorted(counted) if before.get(i, {}) != facts.get(i, {})]
        factlog.note_changes(connection, moved)  # for the workers' sets (app/derived/dealsets.py)
    if _shown_elsewhere(session):
        bump_generation(session.connection())
    if counted:  # after the pairs are derived again
        connection = session.connection()
        after = pair_counts.pair_facts(connection, counted)
        pair_counts.apply_pairs(connection, pair_counts.pair_differences(pairs_before, after))


def _shown_elsewhere(session: Session) -> bool:
    """Whether this flush changes what kept deal pages show (app/queries/deal_page.py) but no
    stored text holds, so that the change counter must move all the same: a hardware model's
    in-house flag, an organization's or model's address, a user as the audit trail names them
    (email, display name, role; a removed user's entries lose their name)."""
    for obj in session.dirty:
        if isinstance(obj, Hardware) and _renamed(obj, "in_house", "slug"):
            return True
        if isinstance(obj, Organization) and _renamed(obj, "slug"):
            return True
        if isinstance(obj, User) and _renamed(obj, "email", "display_name", "role"):
            return True
    return any(isinstance(obj, User) for obj in session.deleted)


def _refresh_stale(session: Session) -> None:
    deals, organizations, hardware = _stale(session)
    if not (deals or organizations or hardware):
        return
    connection = session.connection()
    if organizations:
        deals.update(
            connection.scalars(
                select(DealParty.deal_id).where(DealParty.organization_id.in_(organizations))
            )
        )
    if hardware:
        deals.update(
            connection.scalars(
                select(DealHardware.deal_id).where(DealHardware.hardware_id.in_(hardware))
            )
        )
    refresh_derived(connection, deals)
