"""Figures over many deals, cached until the next change.

Facet counts, totals, the overview's figures and publishers' track records read every live deal,
which costs tens to hundreds of milliseconds at 100k deals. They change only when data does, so
each is cached under the database's change counter (ChangeCounter, bumped in the same
transaction as every flush that changes a deal, its parts, or a name it shows: see
app/derived.py). A page reads the counter (one primary-key lookup) and recomputes only what
changed since: a figure is never served older than the last committed change it could see.

The cache lives in the app (one per worker process, least recently used entries dropped first);
`Settings.figure_cache_entries = 0` turns it off.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from app.models import ChangeCounter

T = TypeVar("T")


def current_generation(session: Session) -> int:
    return session.scalar(select(ChangeCounter.generation).where(ChangeCounter.id == 1)) or 0


def bump_generation(connection: Connection) -> None:
    """Mark every cached figure stale, inside the caller's transaction."""
    bumped = connection.execute(
        update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(generation=ChangeCounter.generation + 1)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount == 0:  # a database made without the migration's first row
        connection.execute(insert(ChangeCounter).values(id=1, generation=1))


class FigureCache:
    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of `key` at the current generation, computed if there is none."""
        if self.max_entries <= 0:
            return compute()
        entry = (current_generation(session), key)
        with self._lock:
            if entry in self._entries:
                self._entries.move_to_end(entry)
                value: T = self._entries[entry]
                return value
        value = compute()
        with self._lock:
            self._entries[entry] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value
