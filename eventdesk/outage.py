"""A database that does not answer: busy or locked past its timeout, a server that went away,
an SQLite file moved or deleted under the station. What every worker and the offline door
share to tell it from a real error, and to say it in one line."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from eventdesk.errors import DatabaseUnavailable, EventdeskError, StationRefused
from eventdesk.i18n import _
from eventdesk.station_api import TOO_MANY

UNAVAILABLE = "database unavailable: "  # the English start of unavailable()'s message


def over_upload_bound(exc: BaseException) -> bool:
    """A PostgreSQL server's bound on what a station uploads a minute (migration 0019): an
    answer, not an outage (program_limit_exceeded is an OperationalError to the DB-API), and
    the rows wait for the next minute."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == TOO_MANY


# What a PostgreSQL server answers a login it will not take (its role dropped: a station revoked;
# its password changed; pg_hba.conf): a refusal, not an outage. libpq gives no SQLSTATE for a
# failed connection, only the server's line.
_LOGIN_REFUSED = (
    "password authentication failed",
    "no pg_hba.conf entry",
    "pg_hba.conf rejects connection",
    "is not permitted to log in",
)


def login_refusal(exc: BaseException) -> str | None:
    """The server's line when it refused this station's login (28000, 28P01): None for any
    other error. Read through SQLAlchemy's wrapper and eventdesk's own."""
    if isinstance(exc, StationRefused):
        return exc.message
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        for candidate in (current, orig):
            if candidate is None:
                continue
            state = getattr(candidate, "sqlstate", None)
            if state in ("28000", "28P01"):
                return _server_line(candidate)
            if state is not None:
                continue  # a statement's error (an unknown role in a GRANT), not a login's
            lowered = str(candidate).lower()
            if "fatal" not in lowered and "connection" not in lowered:
                continue
            if ('role "' in lowered and "does not exist" in lowered) or any(
                marker in lowered for marker in _LOGIN_REFUSED
            ):
                return _server_line(candidate)
        current = current.__cause__ or current.__context__
    return None


def _server_line(exc: BaseException) -> str:
    """The server's own words in a failed connection's message ("FATAL:  role ... ")."""
    text = str(exc)
    for line in text.splitlines():
        if "FATAL:" in line:
            return " ".join(line.split("FATAL:", 1)[1].split())
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return " ".join(first.split())


def is_outage(exc: BaseException) -> bool:
    """The database did not answer (DatabaseUnavailable, or what the DB-API calls an error of
    the database's operation: a lost connection, a lock or a timeout): the same work may
    succeed when tried again, and nothing about it is wrong."""
    if over_upload_bound(exc):
        return False  # the server answered
    if login_refusal(exc) is not None:
        return False  # the server answered: it will not take this station's login
    return isinstance(
        exc,
        DatabaseUnavailable | OperationalError | InterfaceError | DisconnectionError | PoolTimeout,
    )


def refused_login(line: str) -> str:
    """The message of a StationRefused: the server's line, what it means and what to do."""
    # TRANSLATORS: {reason} is the server's own line: 'role "door1" does not exist'
    return _(
        "the server refuses this station's login ({reason}): the station was revoked, or its "
        "login's password changed. It decides nothing, online or from its copy, until an "
        "organizer gives it a login again (eventdesk roles add)"
    ).format(reason=line)


# What a failure that came at once says, however long the machine took to report it (a busy
# station): nothing listened, or the connection was dropped. Not a silence.
_REFUSALS = (
    "connection refused",
    "server closed the connection",
    "connection reset",
    "consuming input failed",
    "broken pipe",
    "terminating connection",
    "the connection is lost",
    "the connection is closed",
)


def is_refusal(exc: BaseException) -> bool:
    """The server (or the link) refused or dropped the connection, rather than staying
    silent: asking again costs next to nothing."""
    for lowered in _said(exc):
        if "timeout" in lowered:
            return False
        if any(marker in lowered for marker in _REFUSALS):
            return True
    return False


def is_timeout(exc: BaseException) -> bool:
    """The driver gave up waiting (libpq's connect_timeout, a statement's timeout): a
    silence, not a refusal."""
    return any("timeout" in lowered for lowered in _said(exc))


def _said(exc: BaseException) -> Iterator[str]:
    """What ``exc`` and the errors behind it say (the driver's own, for a DB-API error), in
    lower case."""
    current: BaseException | None = exc
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(getattr(current, "orig", None) or current).lower()
        current = current.__cause__ or current.__context__


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
