"""The app's session: every flush is audited and keeps what is derived from deals in step.

`AppSession` carries the flush hooks (app/audit.py, app/derived/refresh.py); every session of
the web app, the command line, the benchmarks and the tests is one, made by
`make_sessionmaker` or `AppSession(...)`. A plain SQLAlchemy `Session` writes without them, so
nothing in the app makes one.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.audit import record_changes
from app.derived.refresh import facts_before_flush, refresh_after_flush
from app.notify.outbox import forget_transaction, remember_views_before, write_notifications
from app.outage import CommitOutcomeUnknown, is_unavailable


class AppSession(Session):
    """A session whose flushes write the audit trail, the derived rows and the followers'
    notifications in their transaction."""

    def commit(self) -> None:
        """Commit; a connection lost during the COMMIT itself raises CommitOutcomeUnknown (the
        change may have been saved), one lost before it the error as it is (nothing was)."""
        self.flush()
        try:
            super().commit()
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise CommitOutcomeUnknown(str(exc.orig)) from exc
            raise


# The audit rows first: they read each object's history, which the derived rows leave alone.
event.listen(AppSession, "after_flush", record_changes)
event.listen(AppSession, "before_flush", facts_before_flush)  # what the kept counts lose
event.listen(AppSession, "after_flush", refresh_after_flush)
# Then the notifications of those audit rows, for whoever follows what changed.
event.listen(AppSession, "before_flush", remember_views_before)
event.listen(AppSession, "after_flush", write_notifications)
event.listen(AppSession, "after_commit", forget_transaction)
event.listen(AppSession, "after_soft_rollback", forget_transaction)


def make_sessionmaker(engine: Engine) -> sessionmaker[AppSession]:
    return sessionmaker(bind=engine, class_=AppSession, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; services commit their own unit of work.

    Closing rolls back what the request left open. If the database went away meanwhile, that
    rollback fails on a dead connection: nothing is left to roll back, so the failure is
    dropped (the pool has discarded the connection) rather than raised after the request's
    own answer, which would end the client's connection without any response."""
    factory: sessionmaker[AppSession] = request.app.state.sessionmaker
    session = factory()
    try:
        yield session
    finally:
        try:
            session.close()
        except DBAPIError as exc:
            if not is_unavailable(exc):
                raise


SessionDep = Annotated[Session, Depends(get_session)]
