"""A one-shot command at a station (``checkin``, ``scan``, ``attendee find``, ``attendee show``,
``ticket show``, ``print``) reaches its server as the app's door does: as soon as it knows its
command it asks the server whether it answers (``Probe``: a bare connection, made while the
command loads what it decides with), then opens the store in a thread of its own
(``Reaching``); and it waits for the server no longer than the station's threshold
(``offline_after``) counted from that first ask, or the sync loop's short probe when the
server did not answer this station a moment ago. Then it answers from the station's copy,
said once (docs/operators-guide.md, "Offline stations").

What a station's login may do is known without the server too: each time the server answers,
the station keeps what its login is (a door's own, a desk's own, the organizer's) in its copy,
and reads it back while the server is away."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # this module loads with a command's first line: nothing heavy at its top
    from eventdesk.db import Store
    from eventdesk.services.stations.offline import Station

LOGIN_KEY = "login"  # the copy's: what this station's login was when the server last answered

LoginKind = Literal["door", "desk", "organizer", "other"]


def driver_args(url: str) -> dict[str, Any]:
    """What the driver connects with, as the store's engine gives it: a server named as several
    hosts (``?host=a:5432&host=b:5432``, SQLAlchemy's form, which libpq would read as one host
    named "a:5432") becomes libpq's own lists of hosts and ports."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    return {"conninfo": str(args[0]) if args else "", **options}


def probe_server(url: str, *, connect_timeout: int = 2, application: str | None = None) -> None:
    """A bare connection to the server (the driver's alone, no store, no pool), opened, asked
    ``SELECT 1`` and closed: it answers a new connection now. DatabaseUnavailable when it does
    not; StationRefused when it refuses this station's login."""
    import psycopg

    from eventdesk.errors import DatabaseUnavailable, StationRefused
    from eventdesk.outage import login_refusal, refused_login, unavailable

    options: dict[str, Any] = {"connect_timeout": max(2, connect_timeout)}
    if application:
        options["application_name"] = application
    try:
        with psycopg.connect(**driver_args(url), **options) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        refused = login_refusal(exc)
        if refused is not None:
            raise StationRefused(refused_login(refused)) from None
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise DatabaseUnavailable(unavailable(lines[0] if lines else type(exc).__name__)) from None


_HOLDERS = """
SELECT b.application_name, b.usename, b.xact_start
FROM pg_stat_activity w
CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid)
JOIN pg_stat_activity b ON b.pid = blocker.pid
WHERE w.pid = ANY(%s) AND w.wait_event_type = 'Lock'
"""


def lock_holders(url: str, waiting: Sequence[int], *, connect_timeout: int = 2) -> list[str]:
    """Who holds the locks the server's processes ``waiting`` wait for, asked on a connection
    of its own: a station by its name (eventdesk's connections give it as their application
    name), else the login; with since when its transaction is open where the server shows it
    (to a superuser, or to the same login). Empty when none waits on a lock (or the server does
    not say)."""
    import psycopg

    from eventdesk.db import station_of_application
    from eventdesk.i18n import _

    if not waiting:
        return []
    try:
        with psycopg.connect(**driver_args(url), connect_timeout=max(2, connect_timeout)) as conn:
            rows = conn.execute(_HOLDERS, (list(waiting),)).fetchall()
    except psycopg.Error:
        return []
    said = []
    for application, login, since in rows:
        name = station_of_application(application)
        who = (
            _("station {station}").format(station=name)
            if name
            else _("the login {login}").format(login=login or "?")
        )
        if since is not None:
            # TRANSLATORS: {who} holds rows; {time} is when its transaction began (UTC)
            who = _("{who} (its transaction open since {time} UTC)").format(
                who=who, time=since.astimezone(UTC).strftime("%H:%M:%S")
            )
        if who not in said:
            said.append(who)
    return said


class Probe(threading.Thread):
    """A bare connection to the server (the driver's alone, no store), from ``started`` on:
    whether the server answers at all, known before the store has loaded."""

    def __init__(self, url: str) -> None:
        super().__init__(name="asking the server", daemon=True)
        self.url = url
        self.started = time.monotonic()
        self._done = threading.Event()
        self.answered: bool | None = None  # None while it has not said
        self.start()

    def run(self) -> None:
        try:
            import psycopg

            # The driver's arguments made here, in the probe's thread: what they load
            # (SQLAlchemy's dialect) does not hold up the command's first line.
            with psycopg.connect(**driver_args(self.url), connect_timeout=10) as conn:
                conn.execute("SELECT 1")
            self.answered = True
        except Exception:  # refused, unknown, silent: the store's own open says why
            self.answered = False
        finally:
            self._done.set()

    def answers_by(self, deadline: float) -> bool:
        """The server answered the probe by ``deadline`` (time.monotonic's), waited for."""
        self._done.wait(max(0.0, deadline - time.monotonic()))
        return self.answered is True


class Reaching(threading.Thread):
    """The server's store being opened in a thread of its own, from ``started`` on."""

    def __init__(self, opener: Callable[[], Store]) -> None:
        super().__init__(name="reaching the server", daemon=True)
        self.opener = opener
        self.started = time.monotonic()
        self._done = threading.Event()
        self._store: Store | None = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._store = self.opener()
        except BaseException as exc:  # handed to whoever waits for the store
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Store:
        """The store, once open (waits as long as opening takes); its error, raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store


@dataclass(frozen=True)
class LoginFacts:
    """What this station's database login is: a door's own, a desk's own, the organizer's (it
    owns the tables), or another."""

    kind: LoginKind

    @classmethod
    def of(cls, server: Store) -> LoginFacts:
        login = server.station_login()
        if login is not None:
            return cls("door" if login.kind == "door" else "desk")
        return cls("organizer" if server.owns_database() else "other")


def login_facts(station: Station) -> LoginFacts:
    """This station's login: asked of the server within the station's limit and kept in its
    copy; read from the copy while the server does not answer (DatabaseUnavailable when it
    never answered this station)."""
    from eventdesk.errors import DatabaseUnavailable
    from eventdesk.services.stations.link import ServerAway
    from eventdesk.services.stations.station_door import no_copy

    try:
        facts = station.link.call(
            lambda: LoginFacts.of(station.server()),
            timeout=station.connect_limit,
            budget=station.budget,
        )
    except ServerAway:
        if not station.copy_exists():
            raise DatabaseUnavailable(no_copy(station.link.reason)) from None
        kept = station.recall(LOGIN_KEY)
        # A copy made before its login was kept: no organizer's rights, no door's limits.
        return LoginFacts(kept if kept in ("door", "desk", "organizer") else "other")  # type: ignore[arg-type]
    keep_login(station, facts)
    return facts


def keep_login(station: Station, facts: LoginFacts) -> None:
    """What the login is, kept in the station's copy (when it has one) for its next process."""
    if station.copy_exists() and station.recall(LOGIN_KEY) != facts.kind:
        station.keep(LOGIN_KEY, facts.kind)
