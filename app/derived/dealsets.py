"""Filtered counts at once: in each worker, the set of live deal ids of every facet value.

The deal table's facets count, for each value, the deals that match every *other* active filter
(app/queries/facets.py). Grouped statements do that in 1–7 s at 100k deals, and ten times
longer at a million. Here every value of every facet (the facts of app/derived/counts.py:
status, confidence, deal types, hardware types, vendors, parties) has a compressed set of the
live deals that have it (a Roaring bitmap), so a filter on facets is a union of sets per filter
and an intersection across filters, and a facet's count is the size of one intersection:
microseconds per value, whatever the number of deals. A filter that is not a facet (dates,
amounts, search, roles) is read once as the ids it matches, then intersected like the others.

The sets are kept exact by a log (app/derived/factlog.py): the transaction that changes a
deal's facts writes `fact_change(generation, deal_id)` at a new generation of the change
counter. A worker that finds the counter moved past its sets re-reads the facts of just the
deals logged since, under one lock, before it counts. A bulk change (every deal, or more than
`factlog.REBUILD_AT`) makes it build the sets again: in the request for a small database, in
a thread of its own for a large one, while pages fall back to the grouped statements (and
"still counting" past their time limit).
"""

import logging
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from pyroaring import BitMap
from sqlalchemy import ColumnElement, Connection, Select, func, literal, select
from sqlalchemy.orm import Session

from app.derived.cache import current_generation
from app.derived.counts import TOTAL, deal_facts, kept_total
from app.derived.factlog import changed_since
from app.domain.vocabulary import label as word_for
from app.filters.kinds import Choice, Filter, Slugs
from app.models import Deal, DealHardware, DealParty, DealTypeRow, Hardware, Organization
from app.queries.deals import ResolvedFilters, count_deals
from app.queries.facets import FacetCounts, added_key, facet_counts

log = logging.getLogger(__name__)

BUILD_IN_REQUEST = 20_000  # live deals up to which a request builds the sets itself (~0.1 s)
DIMENSIONS = ("status", "confidence", "deal_type", "hardware_type", "vendor", "party")
KEPT_AS_SETS = frozenset((TOTAL, *DIMENSIONS))

Sets = dict[str, dict[str, BitMap]]  # dimension → value → live deal ids


def _live() -> list[ColumnElement[bool]]:
    return [Deal.deleted_at.is_(None)]


def _statements() -> dict[str, Select[Any, int]]:
    """(value, deal id) of every live deal's facts, per dimension: what `deal_facts` gives one
    deal, for all of them."""
    hardware = (
        select(Hardware.type, DealHardware.deal_id)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .join(Deal, Deal.id == DealHardware.deal_id)
        .where(*_live())
    )
    return {
        TOTAL: select(literal(""), Deal.id).where(*_live()),
        "status": select(Deal.status, Deal.id).where(*_live()),
        "confidence": select(Deal.confidence, Deal.id).where(*_live()),
        "deal_type": select(DealTypeRow.type, DealTypeRow.deal_id)
        .join(Deal, Deal.id == DealTypeRow.deal_id)
        .where(*_live()),
        "hardware_type": hardware,
        "vendor": hardware.with_only_columns(Hardware.vendor_id, DealHardware.deal_id),
        "party": select(DealParty.organization_id, DealParty.deal_id)
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(*_live()),
    }


def read_sets(connection: Connection) -> tuple[int, Sets]:
    """Every live deal's facts as sets, and the generation they are at least as new as (read
    first: whatever commits meanwhile is logged after it, and read again)."""
    generation = current_generation(connection)
    if connection.dialect.name == "postgresql":
        return generation, _read_arrays(connection)
    sets: Sets = {}
    for dimension, statement in _statements().items():
        ids: dict[str, list[int]] = {}
        result = connection.execute(statement, execution_options={"yield_per": 20_000})
        for rows in result.partitions():
            for value, deal_id in rows:
                key = str(value)
                found = ids.get(key)
                if found is None:
                    ids[key] = found = []
                found.append(deal_id)
            for key, found in ids.items():  # into sets batch by batch: lists stay short
                sets.setdefault(dimension, {}).setdefault(key, BitMap()).update(found)
            ids.clear()
    return generation, sets


def _read_arrays(connection: Connection) -> Sets:
    """Postgres: each value's deal ids as one array (decoded by the driver in C), about four
    times faster than a row per (value, deal)."""
    sets: Sets = {}
    for dimension, statement in _statements().items():
        rows = statement.subquery()
        value, deal_id = rows.c
        grouped = select(value, func.array_agg(deal_id)).group_by(value)
        sets[dimension] = {str(key): BitMap(ids) for key, ids in connection.execute(grouped)}
    return sets


@dataclass(frozen=True)
class Selection:
    """What a request's filters select: per facet filter, the deals with any chosen value;
    and the deals the other filters match (None: all live deals)."""

    masks: dict[str, BitMap]
    matching: BitMap | None


class DealSets:
    """One worker's sets, caught up with the database before each count (thread-safe)."""

    def __init__(self, connect: Callable[[], Session] | None = None) -> None:
        self._lock = threading.Lock()
        self._sets: Sets = {}
        self._generation: int | None = None  # None: not built
        self._building = False
        self._connect = connect  # sessions for building in a thread of its own
        self._named: tuple[int | None, list[tuple[str, str, str]]] = (None, [])

    # --- keeping up ----------------------------------------------------------------------------

    def ready(self, session: Session) -> bool:
        """Whether the sets are as new as what this session sees, after catching up: False
        while they are being built in a thread (a large database, after a bulk change)."""
        connection = session.connection()
        now = current_generation(connection)
        with self._lock:
            if self._generation == now:
                return True
            if self._generation is not None:
                changed = changed_since(connection, self._generation)
                if changed is not None:
                    self._apply(connection, changed)
                    self._generation = now
                    return True
            if kept_total(session) <= BUILD_IN_REQUEST or self._connect is None:
                self._generation, self._sets = read_sets(connection)
                return True
            self._build_in_thread()
            return False

    def _apply(self, connection: Connection, deal_ids: Collection[int]) -> None:
        """Take these deals out of every set, and put them back where their facts are now."""
        if not deal_ids:
            return
        gone = BitMap(deal_ids)
        for values in self._sets.values():
            for ids in values.values():
                ids.difference_update(gone)
        for deal_id, facts in deal_facts(connection, deal_ids).items():
            for dimension, value in facts:
                if dimension in KEPT_AS_SETS:  # not the overview's facts
                    self._sets.setdefault(dimension, {}).setdefault(value, BitMap()).add(deal_id)

    def warm(self) -> None:
        """Start building the sets in a thread (a worker starting)."""
        if self._connect is not None:
            with self._lock:
                self._build_in_thread()

    def _build_in_thread(self) -> None:
        if self._building:
            return
        self._building = True
        threading.Thread(target=self._build, name="deal-sets", daemon=True).start()

    def _build(self) -> None:
        assert self._connect is not None
        try:
            with self._connect() as session:
                generation, sets = read_sets(session.connection())
            with self._lock:
                self._generation, self._sets = generation, sets
        except Exception:  # the pages count with statements meanwhile; the next one retries
            log.exception("building the deal sets failed")
        finally:
            self._building = False

    def build(self, session: Session) -> None:
        """Build the sets now, in this session, whatever the size (startup, tests)."""
        generation, sets = read_sets(session.connection())
        with self._lock:
            self._generation, self._sets = generation, sets

    # --- counting -----------------------------------------------------------------------------

    def counts(self, session: Session, rf: ResolvedFilters) -> tuple[int, FacetCounts] | None:
        """The number of deals matching the filters and every facet's rows, as
        `count_deals` and `facet_counts` give them; None when the sets are not ready."""
        facets = _facets(rf)
        if facets is None:
            return None
        others = _others(rf)
        matching = (
            BitMap(session.scalars(select(Deal.id).where(*_live(), *others))) if others else None
        )
        if not self.ready(session):
            return None
        with self._lock:
            total, counted = self._count(self._select(rf, facets, matching), facets)
        return total, self._rows(session, facets, counted)

    def total(self, session: Session, rf: ResolvedFilters) -> int | None:
        """The number of deals matching filters that are all facets (the API's total); None
        for other filters, which a count by the database answers as fast, or when the sets
        are not ready."""
        facets = _facets(rf)
        if facets is None or _others(rf) or not self.ready(session):
            return None
        with self._lock:
            return len(self._narrowed(self._select(rf, facets, None), None))

    def _select(
        self, rf: ResolvedFilters, facets: list[Filter], matching: BitMap | None
    ) -> Selection:
        masks = {
            flt.name: self._union(flt.name, _keys(flt, rf))
            for flt in facets
            if rf.filters.value(flt.name)
        }
        return Selection(masks, matching)

    def _union(self, dimension: str, keys: Iterable[str]) -> BitMap:
        values = self._sets.get(dimension, {})
        return BitMap.union(BitMap(), *(values[key] for key in keys if key in values))

    def _narrowed(self, selection: Selection, leave_out: str | None) -> BitMap:
        """The live deals the selection matches, but for one facet filter's own values."""
        result = self._sets.get(TOTAL, {}).get("", BitMap())
        if selection.matching is not None:
            result = result & selection.matching
        for name, mask in selection.masks.items():
            if name != leave_out:
                result = result & mask
        return result

    def _count(
        self, selection: Selection, facets: list[Filter]
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The total, and per facet (and per facet with a selection, under its added key) the
        count of each value."""
        counted: dict[str, dict[str, int]] = {}
        for flt in facets:
            within = self._narrowed(selection, flt.name)
            values = self._sets.get(flt.name, {})
            counted[flt.name] = _sizes(values, within)
            own = selection.masks.get(flt.name)
            if own is not None:
                counted[added_key(flt.name)] = _sizes(values, within - own)
        return len(self._narrowed(selection, None)), counted

    def _rows(
        self, session: Session, facets: list[Filter], counted: dict[str, dict[str, int]]
    ) -> FacetCounts:
        """Counts as the facets' statements give them: a choice's values in its vocabulary's
        order, organizations most deals first, then by name (the database's order)."""
        named = self._organizations(session)
        rows: FacetCounts = {}
        for flt in facets:
            for name in (flt.name, added_key(flt.name)):
                sizes = counted.get(name)
                if sizes is None:
                    continue
                if isinstance(flt, Choice):
                    rows[name] = [(v, word_for(v), sizes[v]) for v in flt.vocabulary if v in sizes]
                else:
                    ordered = [(slug, text, sizes[i]) for i, slug, text in named if i in sizes]
                    rows[name] = sorted(ordered, key=lambda row: -row[2])
        return rows

    def _organizations(self, session: Session) -> list[tuple[str, str, str]]:
        """(id, slug, name) of every organization in the database's order of names, read once
        per generation of the sets (a rename moves the change counter, which `ready` has just
        caught up with): a statement naming the ~2,000 organizations counted by id cost more
        than the counting."""
        with self._lock:
            generation = self._generation
            if self._named[0] == generation:
                return self._named[1]
        rows = session.execute(
            select(Organization.id, Organization.slug, Organization.name).order_by(
                Organization.name
            )
        )
        named = [(str(i), slug, name) for i, slug, name in rows]
        with self._lock:
            self._named = (generation, named)
        return named


def _facets(rf: ResolvedFilters) -> list[Filter] | None:
    """The filters with a facet, None if the sets hold no values of one of them."""
    facets = [flt for flt in rf.filters.registry if flt.facet is not None]
    return None if any(flt.name not in DIMENSIONS for flt in facets) else facets


def _others(rf: ResolvedFilters) -> list[ColumnElement[bool]]:
    """The conditions of the active filters that have no facet (dates, search, roles…)."""
    return [
        condition
        for flt in rf.filters.registry
        if flt.facet is None and (condition := rf.condition(flt.name)) is not None
    ]


def _keys(flt: Filter, rf: ResolvedFilters) -> list[str]:
    """The set keys of a facet filter's chosen values: vocabulary words, or record ids."""
    chosen = rf.filters.value(flt.name)
    if isinstance(flt, Slugs):
        records = rf.records_of(flt.name)
        return [str(records[slug].id) for slug in chosen]
    return list(chosen)


def _sizes(values: dict[str, BitMap], within: BitMap) -> dict[str, int]:
    """How many of `within` each value has; values with none left out, as a GROUP BY does
    (and a vendor of no organization, which no facet names)."""
    sizes = {}
    for key, ids in values.items():
        n = within.intersection_cardinality(ids)
        if n and key != "None":
            sizes[key] = n
    return sizes


def table_counts(sets: DealSets, session: Session, rf: ResolvedFilters) -> tuple[int, FacetCounts]:
    """The deals the filters match and the facets' rows: from the sets when they are ready,
    else by the grouped statements."""
    return sets.counts(session, rf) or (count_deals(session, rf), facet_counts(session, rf))
