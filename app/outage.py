"""When the database is away: which errors say so, and what the answer tells the client.

Pages answer with an HTML page (app/web/pages.py) and the API with a problem document
(app/api/errors.py), both 503 with `Retry-After`. Nothing here keeps state: once the database
answers again, the engine's pool (pool_pre_ping) replaces the connections it lost.
"""

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# Seconds a client is asked to wait before trying again.
RETRY_AFTER = "5"
UNAVAILABLE = "The database is not answering at the moment. Try again in a few seconds."
OUTCOME_UNKNOWN = (
    "The database went away while saving; check whether the change was saved before retrying."
)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CommitOutcomeUnknown(Exception):
    """The connection was lost during COMMIT: the change may or may not have been saved."""


# The exception classes whose handlers decide (with `is_unavailable`) between a 503 and a 500.
HANDLED = (DBAPIError, PoolTimeout, CommitOutcomeUnknown)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database is unreachable or busy (worth retrying), rather than
    that the request or the code is wrong."""
    if isinstance(exc, CommitOutcomeUnknown | PoolTimeout | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def outage_message(method: str, exc: BaseException) -> str:
    """What to tell the client: a write whose COMMIT was cut off may have been saved."""
    if isinstance(exc, CommitOutcomeUnknown) and method.upper() not in SAFE_METHODS:
        return OUTCOME_UNKNOWN
    return UNAVAILABLE
