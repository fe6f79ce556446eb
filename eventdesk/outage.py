"""A database that does not answer: busy or locked past its timeout, a server that went away,
an SQLite file moved or deleted under the station. What every worker and the offline door
share to tell it from a real error, and to say it in one line."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from eventdesk.errors import DatabaseUnavailable, EventdeskError
from eventdesk.i18n import _
from eventdesk.station_api import TOO_MANY

UNAVAILABLE = "database unavailable: "  # the English start of unavailable()'s message


def over_upload_bound(exc: BaseException) -> bool:
    """A PostgreSQL server's bound on what a station uploads a minute (migration 0019): an
    answer, not an outage (program_limit_exceeded is an OperationalError to the DB-API), and
    the rows wait for the next minute."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == TOO_MANY


def is_outage(exc: BaseException) -> bool:
    """The database did not answer (DatabaseUnavailable, or what the DB-API calls an error of
    the database's operation: a lost connection, a lock or a timeout): the same work may
    succeed when tried again, and nothing about it is wrong."""
    if over_upload_bound(exc):
        return False  # the server answered
    return isinstance(
        exc,
        DatabaseUnavailable | OperationalError | InterfaceError | DisconnectionError | PoolTimeout,
    )


def unavailable(reason: str) -> str:
    """The message of a DatabaseUnavailable: that the database is unavailable, and why."""
    # TRANSLATORS: {reason} is why, a sentence of its own: "cannot read /data/eventdesk.db"
    return _("database unavailable: {reason}").format(reason=reason)


def describe(exc: BaseException, limit: int = 200) -> str:
    """Why the database did not answer, in one line."""
    if isinstance(exc, EventdeskError):
        text = exc.message
    elif isinstance(exc, DBAPIError):
        text = str(exc.orig)
    else:
        text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    # unavailable()'s start, in English and in the language it was written in, said once
    for start in dict.fromkeys((UNAVAILABLE, unavailable(""))):
        first = first.removeprefix(start)
    return first if len(first) <= limit else first[: limit - 3] + "..."
