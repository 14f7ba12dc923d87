"""Figures over many deals, cached until the next change.

Facet counts, totals, the overview's figures and publishers' track records read every live deal,
which costs tens to hundreds of milliseconds at 100k deals. They change only when data does, so
each is cached under the database's change counter (ChangeCounter, bumped in the same
transaction as every flush that changes a deal, its parts, or a name it shows: see
app/derived/refresh.py). A page reads the counter (one primary-key lookup) and recomputes only what
changed since: a figure is never served older than the last committed change it could see.

The cache lives in the app (one per worker process, least recently used entries dropped first);
`Settings.figure_cache_entries = 0` turns it off. Deal pages' data is kept in a second one
(`app.state.deal_pages`, `Settings.deal_page_cache_entries`), so that browsing many deals does
not push out the figures.

A page that cannot wait for its figures asks with `get_within`: if they are not cached and
cannot be computed within `time_limit` seconds, the statements are interrupted (Postgres:
a cancel request; SQLite: a progress handler), the page says the counts are still being
worked out, and `fill` computes them without a limit once the response has been sent.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, event, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.models import ChangeCounter

T = TypeVar("T")
_MISSING = object()
_WAIT_FOR_OTHERS = 30.0  # seconds; then this thread computes the value itself


class TimeUp(Exception):
    """The figures were not ready within their time limit."""


def current_generation(bind: Session | Connection) -> int:
    return bind.scalar(select(ChangeCounter.generation).where(ChangeCounter.id == 1)) or 0


def generation_before_reading(session: Session) -> int:
    """The counter read on a connection of its own in autocommit, when the session has no
    transaction open: one round trip to Postgres where a transaction costs three (BEGIN, the
    read, ROLLBACK), and the connection goes back to the pool at once. A page that finds all
    it shows kept under this generation ends without a transaction; one that reads more opens
    its own on its next statement. (A session bound to a connection, as in tests, reads it as
    `current_generation` does.)"""
    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        return current_generation(session)
    with bind.connect() as connection:
        return current_generation(connection.execution_options(isolation_level="AUTOCOMMIT"))


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


@contextmanager
def time_limit(session: Session, seconds: float) -> Iterator[None]:
    """Run the block's statements with a deadline: TimeUp if it passes before they are done.

    A statement that would start after the deadline does not start; one running at the
    deadline is interrupted. On Postgres the block runs in a savepoint, so the request's
    transaction goes on after an interruption.
    """
    deadline = time.monotonic() + seconds
    connection = session.connection()
    try:
        if connection.dialect.name == "sqlite":
            with _no_start_after(connection, deadline), _sqlite_deadline(connection, deadline):
                yield
        else:  # the savepoint's own statements run outside the deadline
            with (
                session.begin_nested(),
                _no_start_after(connection, deadline),
                _postgres_deadline(connection, deadline),
            ):
                yield
    except DBAPIError as exc:  # interrupted (SQLite) or cancelled (Postgres)
        if time.monotonic() >= deadline:
            raise TimeUp from exc
        raise


@contextmanager
def _no_start_after(connection: Connection, deadline: float) -> Iterator[None]:
    def too_late(*_args: Any) -> None:
        if time.monotonic() >= deadline:
            raise TimeUp

    event.listen(connection, "before_cursor_execute", too_late)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", too_late)


@contextmanager
def _sqlite_deadline(connection: Connection, deadline: float) -> Iterator[None]:
    driver: Any = connection.connection.driver_connection
    driver.set_progress_handler(lambda: int(time.monotonic() >= deadline), 1000)
    try:
        yield
    finally:
        driver.set_progress_handler(None, 0)


@contextmanager
def _postgres_deadline(connection: Connection, deadline: float) -> Iterator[None]:
    """From the deadline on, cancel whatever the connection runs (every 50 ms) until the block
    ends; the last cancel request has been handled by the server when this returns."""
    driver: Any = connection.connection.driver_connection
    done = threading.Event()

    def cancel_late() -> None:
        if done.wait(max(0.0, deadline - time.monotonic())):
            return
        while not done.is_set():
            driver.cancel_safe()
            done.wait(0.05)

    canceller = threading.Thread(target=cancel_late, daemon=True)
    canceller.start()
    try:
        yield
    finally:
        done.set()
        canceller.join()


class FigureCache:
    def __init__(self, max_entries: int = 256, time_limit: float = 0.4) -> None:
        self.max_entries = max_entries
        self.time_limit = time_limit  # seconds get_within waits for a figure not cached
        self._entries: OrderedDict[tuple[int, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[int, Hashable], threading.Event] = {}

    def get(
        self,
        session: Session,
        key: Hashable,
        compute: Callable[[], T],
        *,
        generation: int | None = None,
    ) -> T:
        """The cached value of `key` at the current generation, computed if there is none.

        One thread computes an entry; others asking for it meanwhile wait for that value
        rather than all computing it at once (after a change, or in a worker's first moments).
        `generation`: the counter as the caller has just read it in this session, to save
        reading it again.
        """
        if self.max_entries <= 0:
            return compute()
        entry = (current_generation(session) if generation is None else generation, key)
        while True:
            found, computing = self._claim(entry)
            if found is not _MISSING:
                return cast(T, found)
            if computing is None:
                return self._compute(entry, compute)
            computing.wait(_WAIT_FOR_OTHERS)

    def get_within(
        self,
        session: Session,
        key: Hashable,
        compute: Callable[[], T],
        *,
        generation: int | None = None,
    ) -> T | None:
        """Like `get`, but None if the value is not cached and not ready within `time_limit`
        (computed here, or by another thread); the caller then says so, and has `fill`
        compute it after the response."""
        if self.max_entries <= 0:
            return compute()
        entry = (current_generation(session) if generation is None else generation, key)
        found, computing = self._claim(entry)
        if computing is not None:
            computing.wait(self.time_limit)
            found = self._cached(entry)
            return None if found is _MISSING else cast(T, found)
        if found is not _MISSING:
            return cast(T, found)
        try:
            with time_limit(session, self.time_limit):
                return self._compute(entry, compute)
        except TimeUp:
            return None

    def fill(self, session: Session, key: Hashable, compute: Callable[[], T]) -> None:
        """Compute and keep `key`'s value without a time limit, unless it is cached or being
        computed already."""
        if self.max_entries <= 0:
            return
        entry = (current_generation(session), key)
        found, computing = self._claim(entry)
        if found is _MISSING and computing is None:
            self._compute(entry, compute)

    def _hit(self, entry: tuple[int, Hashable]) -> Any:
        """The cached value or _MISSING; the caller holds the lock."""
        if entry not in self._entries:
            return _MISSING
        self._entries.move_to_end(entry)
        return self._entries[entry]

    def _cached(self, entry: tuple[int, Hashable]) -> Any:
        with self._lock:
            return self._hit(entry)

    def _claim(self, entry: tuple[int, Hashable]) -> tuple[Any, threading.Event | None]:
        """(the cached value or _MISSING, the event of another thread computing it or None).
        When both are missing, the caller has claimed the entry and must `_compute` it."""
        with self._lock:
            found = self._hit(entry)
            if found is not _MISSING:
                return found, None
            computing = self._computing.get(entry)
            if computing is None:
                self._computing[entry] = threading.Event()
            return _MISSING, computing

    def _compute(self, entry: tuple[int, Hashable], compute: Callable[[], T]) -> T:
        try:
            value = compute()
            with self._lock:
                self._entries[entry] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._computing.pop(entry).set()
