"""The store: one engine per process, read and write sessions, migrations on start.

SQLite runs in WAL mode with ``busy_timeout`` set first and every write transaction opened with
``BEGIN IMMEDIATE``, so a writer waits for the lock instead of failing half-way (asking for it
every millisecond, so that a door gets in between an import's short transactions). PostgreSQL runs
the same statements; writes that check capacity lock the event row first.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from eventdesk.config import Config, is_file_path
from eventdesk.connections import HeldConnections
from eventdesk.errors import (
    DatabaseUnavailable,
    EventdeskError,
    InvalidInput,
    NotAllowed,
    StationRefused,
)
from eventdesk.i18n import _
from eventdesk.outage import login_refusal, refused_login, unavailable
from eventdesk.readonly import OPENED_FILE, is_readonly, readonly_reason, writable_companions
from eventdesk.sqlite_driver import OPERATIONAL, cipher_module, open_encrypted

if TYPE_CHECKING:
    from eventdesk.tickets import Signer

BUSY_TIMEOUT_MS = 15_000
LOCK_POLL_SECONDS = 0.001  # how often a writer asks for SQLite's write lock while it is held
_WRITE_OPTION = "eventdesk_write"
_CHECKIN_OPTION = "eventdesk_checkin"
_SYNC_KEY = "eventdesk_synchronous"  # the synchronous setting a connection runs with now
_FILE_KEY = OPENED_FILE


# A station's own login on a server is a door's (it checks people in) or a desk's.
LoginKind = Literal["door", "desk"]


@dataclass(frozen=True)
class StationLogin:
    """A station's own login on a server: the login's name, its station's name and its kind.
    The one description of such a login: what a store learns of its own (``station_login``)
    and what ``eventdesk roles`` makes, lists and removes (services.stations.roles)."""

    login: str
    station: str
    kind: LoginKind


APPLICATION_PREFIX = "eventdesk "  # a station's connections are named "eventdesk STATION"


def application_name(name: str) -> str:
    """A name PostgreSQL keeps as it is (printable ASCII, at most 63 bytes): others as '?'."""
    kept = "".join(c if " " <= c <= "~" else "?" for c in name)
    return kept[:63]


def station_of_application(name: str | None) -> str | None:
    """The station a server connection's ``application_name`` names (None: not a station's)."""
    if not name or not name.startswith(APPLICATION_PREFIX):
        return None
    return name[len(APPLICATION_PREFIX) :] or None


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver we ship; a
    plain file path is an SQLite database."""
    if is_file_path(url):
        return f"sqlite:///{Path(url.strip()).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Store:
    """The database of one process. Sessions live in one thread; open one per action."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "NORMAL",
        durable_checkins: bool = True,
        echo: bool = False,
        key: bytes | None = None,
        application: str | None = None,
        read_only: bool = False,
    ) -> None:
        """``key``: an SQLite file encrypted with it (SQLCipher: a station's copy).
        ``application``: the name its connections give a PostgreSQL server (which shows it in
        ``pg_stat_activity``: who holds a lock another waits for). ``read_only``: a store that
        only reads, perhaps from a standby: every transaction of its connections says READ
        ONLY (a connection handed back after a read is set back to READ WRITE, which a standby
        refuses)."""
        url = normalize_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InvalidInput(
                _("database URL {url!r} is not valid").format(url=url), field="db"
            ) from None
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect not in {"sqlite", "postgresql"}:
            raise InvalidInput(
                _("database {dialect!r} is not supported: use sqlite or postgresql").format(
                    dialect=self.dialect
                ),
                field="db",
            )
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                folder = Path(database).expanduser().parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        unavailable(
                            _("cannot create {folder} ({problem})").format(
                                folder=folder, problem=exc.strerror or exc
                            )
                        )
                    ) from None
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
            if key is not None:
                kwargs["module"] = cipher_module()
                # SQLCipher's driver keeps prepared statements in a cache that, once full,
                # throws out the newest first: after a download had filled its 100 places,
                # each of a check-in's statements was prepared afresh every time (a fifth of
                # its time). Room for many more, and a connection made anew every 10 minutes.
                kwargs["connect_args"]["cached_statements"] = 1024
                kwargs["pool_recycle"] = 600
        elif key is not None:
            raise ValueError("only an SQLite file is encrypted with a key")
        else:
            # Connections are pinged before use by eventdesk.connections (below), not by
            # SQLAlchemy's pool_pre_ping: a ping that waits on a dead link must be cut too.
            # A server behind a pulled cable: a connection with nothing coming back is given up
            # within seconds (keepalives while idle, tcp_user_timeout while data waits), so
            # the workers' next try reconnects instead of waiting on a dead socket.
            kwargs["connect_args"] = {
                "connect_timeout": 5,
                "keepalives": 1,
                "keepalives_idle": 5,
                "keepalives_interval": 2,
                "keepalives_count": 3,
                "tcp_user_timeout": 10_000,
                # A transaction left idle by a link that died half-open is ended by the server
                # (a station's login: its role's 5 s; any other login: the database's 30 s,
                # migration 0029), not here: a client's option would override the role's.
            }
            if application:
                kwargs["connect_args"]["application_name"] = application_name(application)
        self.engine: Engine = create_engine(url, **kwargs)
        # Which thread holds which connection: a wait that overran is cut from outside
        # (eventdesk.connections; a station's link does it).
        self.held = None if self.dialect == "sqlite" else HeldConnections(self.engine)
        if self.dialect == "sqlite":
            # A check-in shown as admitted survives a power cut: its commit waits for the disk
            # (synchronous=FULL), whatever the rest of the station's writes do.
            checkins = "FULL" if durable_checkins else sqlite_synchronous
            _configure_sqlite(self.engine, sqlite_synchronous, checkins, key)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._checkin_engine = self.engine.execution_options(
            **{_WRITE_OPTION: True, _CHECKIN_OPTION: True}
        )
        # PostgreSQL reads are READ ONLY transactions (psycopg says so in the BEGIN it sends):
        # one can end in COMMIT, which keeps the statements psycopg prepared on the connection
        # (a ROLLBACK makes it discard all of them, the door's too), and nothing is written.
        reader = (
            self.engine
            if self.dialect == "sqlite"
            else self.engine.execution_options(postgresql_readonly=True)
        )
        self._reader = sessionmaker(reader, expire_on_commit=False)
        if read_only and self.dialect == "postgresql":
            event.listen(self.engine, "checkout", _read_only_checkout)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        # This station's ticket signer, when it holds the private key (see eventdesk.tickets).
        self.signer: Signer | None = None
        self._login: StationLogin | bool | None = False  # False: not asked yet

    def host_in_use(self) -> str | None:
        """The server this store reaches now, as ``host:port`` (a server address may name
        several hosts, and the driver takes the first that answers as it asks: the primary,
        with ``target_session_attrs=read-write``); None on SQLite."""
        if self.is_sqlite:
            return None
        with self.connect() as conn:
            info = conn.connection.dbapi_connection.info  # type: ignore[union-attr]
            return f"{info.host}:{info.port}"

    def station_login(self) -> StationLogin | None:
        """On a server: the station this database login is (a door's or a desk's own login,
        which reads through views and writes through the server's functions); None for the
        organizer's login, and on SQLite. Asked once."""
        if self.is_sqlite:
            return None
        if self._login is False:
            with self.connect() as conn:
                # A login that may not call it (another application's, or one made by hand)
                # is no station's: asked only where it may.
                # (Looked up in the catalogue: naming it would need the schema's USAGE.)
                there = conn.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n "
                        "ON n.oid = p.pronamespace WHERE n.nspname = 'station_api' "
                        "AND p.proname = 'whoami' AND has_schema_privilege(n.oid, 'USAGE') "
                        "AND has_function_privilege(p.oid, 'EXECUTE'))"
                    )
                ).scalar()
                row = (
                    conn.execute(
                        text(
                            "SELECT session_user AS login, station, kind FROM station_api.whoami()"
                        )
                    ).first()
                    if there
                    else None
                )
            self._login = (
                StationLogin(row.login, row.station, row.kind)
                if row is not None and row.station
                else None
            )
        return self._login if isinstance(self._login, StationLogin) else None

    @classmethod
    def from_config(cls, config: Config) -> Store:
        return cls(
            config.database_url,
            sqlite_synchronous=config.sqlite_synchronous,
            application=APPLICATION_PREFIX + config.station,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (a deferred transaction on SQLite)."""
        with _unavailable_as_error(), self._reader() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            if self.dialect == "sqlite":
                session.rollback()
            else:
                session.commit()  # a READ ONLY transaction: see __init__

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed at the end of the block, rolled back on error."""
        with _unavailable_as_error(), self._writer.begin() as session:
            yield session

    @contextmanager
    def write_conn(self) -> Iterator[Connection]:
        """A Core connection in a write transaction: the check-in hot path, no ORM; on SQLite
        its commit is durable (synchronous=FULL)."""
        with _unavailable_as_error(), self._checkin_engine.begin() as conn:
            yield conn

    @contextmanager
    def each_statement(self) -> Iterator[Connection]:
        """A connection on which each statement commits by itself, as soon as the server has run
        it (no transaction waits on the network between two statements: a link that dies
        half-open between them holds no lock)."""
        with _unavailable_as_error(), self._checkin_engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection, no transaction begun by us (on SQLite each statement then reads
        a snapshot by itself), a database that does not answer said as DatabaseUnavailable."""
        with _unavailable_as_error(), self.engine.connect() as conn:
            yield conn

    def owns_database(self) -> bool:
        """This login owns the database's tables (the organizer's, or a superuser): an SQLite
        file is its user's own."""
        if self.is_sqlite:
            return True
        with self.connect() as conn:
            owned = conn.execute(
                text(
                    "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
                    "WHERE c.oid = to_regclass('alembic_version')"
                )
            ).scalar()
        return bool(owned)

    def check_connection(self) -> None:
        with self.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _read_only_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    dbapi_connection.read_only = True


def _configure_sqlite(engine: Engine, synchronous: str, checkins: str, key: bytes | None) -> None:
    database = engine.url.database  # the file, for a sentence about it before it is opened

    @event.listens_for(engine, "do_connect")
    def _before_open(
        _dialect: Any, _record: ConnectionPoolEntry, args: Any, params: dict[str, Any]
    ) -> Any:
        if args and isinstance(args[0], str):
            writable_companions(args[0])
        if key is not None:  # SQLCipher: the key is the first statement, before any read
            return open_encrypted(args[0], key, **params)
        return None

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # A connection opened while its file could not be written stays read-only for good
        # (SQLite falls back to opening it so): dropped, so that the next try opens it again.
        if is_readonly(context.original_exception):
            opened = context.connection.info.get(_FILE_KEY) if context.connection else None
            context.original_exception.eventdesk_file = opened[0] if opened else database
            context.is_disconnect = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module; "begin" below issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            _record.info[_SYNC_KEY] = synchronous
            cursor.execute("PRAGMA foreign_keys = ON")
            main = next(row for row in cursor.execute("PRAGMA database_list") if row[1] == "main")
            if main[2]:  # a file, not memory: remember which file this connection opened
                found = os.stat(main[2])
                _record.info[_FILE_KEY] = (main[2], found.st_dev, found.st_ino)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        immediate = options.get(_WRITE_OPTION, False)
        if immediate:
            _require_same_file(conn.info.get(_FILE_KEY))
        wanted = checkins if options.get(_CHECKIN_OPTION, False) else synchronous
        if conn.info.get(_SYNC_KEY) != wanted:  # outside a transaction, as SQLite requires
            conn.exec_driver_sql(f"PRAGMA synchronous = {wanted}")
            conn.info[_SYNC_KEY] = wanted
        if immediate:
            try:
                _begin_immediate(conn.connection.dbapi_connection)
            except OPERATIONAL as exc:
                if not is_readonly(exc):
                    raise
                path = (conn.info.get(_FILE_KEY) or (database,))[0]
                conn.invalidate(exc)  # opened read-only: the next try opens the file again
                raise DatabaseUnavailable(readonly_reason(path)) from None
        else:
            conn.exec_driver_sql("BEGIN")


def _begin_immediate(dbapi_connection: Any) -> None:
    """Take the write lock, asking again every millisecond while another writer holds it.

    SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms), so a
    writer that commits in short transactions back to back (an import) could take the lock
    again before a waiting door tries: the door would wait far longer than any one of those
    transactions. Asking often, the door gets in at the first gap."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return
                except OPERATIONAL as exc:
                    if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                        raise
                    if time.monotonic() > deadline:
                        raise DatabaseUnavailable(
                            unavailable(
                                _(
                                    "database is locked (another program has held its write "
                                    "lock for {seconds} s)"
                                ).format(seconds=BUSY_TIMEOUT_MS // 1000)
                            )
                        ) from None
                time.sleep(LOCK_POLL_SECONDS)
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _require_same_file(opened: tuple[str, int, int] | None) -> None:
    """Before a write: the database file is still where this station opened it. A file moved
    or deleted under a running station would take every later check-in with it (an open file
    lives on without a name, and the next start finds an empty or missing database), so the
    station stops admitting and says why."""
    if opened is None:
        return
    path, device, inode = opened
    try:
        now = os.stat(path)
    except OSError:
        now = None
    if now is None or (now.st_dev, now.st_ino) != (device, inode):
        raise DatabaseUnavailable(
            unavailable(
                _(
                    "{path} was deleted or moved away while this station ran; nothing is "
                    "admitted until it is back where it was"
                ).format(path=path)
                if now is None
                else _(
                    "{path} was replaced by another file while this station ran; nothing is "
                    "admitted until it is back where it was"
                ).format(path=path)
            )
        )


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        refusal = permission_refusal(exc)
        if refusal is not None:
            raise refusal from exc
        if exc.orig is not None and is_readonly(exc.orig):
            raise DatabaseUnavailable(readonly_reason(_sqlite_path(exc))) from exc
        refused = login_refusal(exc)
        if refused is not None:
            raise StationRefused(refused_login(refused)) from exc
        if _is_connection_problem(exc):
            raise DatabaseUnavailable(unavailable(_first_line(exc))) from exc
        raise


def _sqlite_path(exc: DBAPIError) -> str | None:
    """The SQLite file a failed statement ran on, where SQLAlchemy kept its connection."""
    found = getattr(exc.orig, "eventdesk_file", None)  # kept by the engine's handle_error
    return found if isinstance(found, str) else None


INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE when the role lacks a GRANT


def permission_refusal(exc: BaseException) -> NotAllowed | None:
    """A refusal (exit 1) when PostgreSQL said this station's role may not do something (a
    door station's role on a staff or event table, see docs/operators-guide.md); None for anything
    else."""
    if not isinstance(exc, DBAPIError):
        return None
    if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        return None
    return NotAllowed(
        _("this station's database role may not do that ({problem})").format(
            problem=_first_line(exc)
        )
    )


def failure_text(exc: BaseException) -> str:
    """Why something could not be done, in one line a person can read: an eventdesk error's
    message, a permission the server refused in its sentence, the database's first line, or
    (a bug) the error's kind and words."""
    if isinstance(exc, EventdeskError):
        return exc.message
    refusal = permission_refusal(exc)
    if refusal is not None:
        return refusal.message
    if isinstance(exc, DBAPIError):
        return _first_line(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _is_connection_problem(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    message = str(exc.orig).lower()
    if "database" in message and "does not exist" in message:
        return True
    return any(
        marker in message
        for marker in (
            "unable to open database",
            "connection refused",
            "could not connect",
            "connection failed",
            "no such host",
            "timeout expired",
            "disk i/o error",
            "file is not a database",
            "server closed the connection",
            "the connection is closed",
            "the connection is lost",
            "consuming input failed",
            "terminating connection",
            "database is locked",  # SQLite: another program held the lock past busy_timeout
        )
    )


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__


SQLITE_HEADER = b"SQLite format 3\x00"
SCHEMA_MARK = "alembic_version"  # every eventdesk database has it, from its first migration


def _sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names (None for another database, memory or a URI filename)."""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        return None  # Store says what is wrong with it
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return None if database.startswith("file:") else Path(database).expanduser()


def _no_database(where: object, *notes: str) -> DatabaseUnavailable:
    """``notes``: why, each a note in brackets: "(an empty file)"."""
    return DatabaseUnavailable(
        # TRANSLATORS: {notes} is empty, or notes in brackets, each after a space:
        # " (an empty file)"
        _(
            "no eventdesk database at {where}{notes}: `eventdesk init` creates one "
            "(or give the right --data-dir or --db)"
        ).format(where=where, notes="".join(f" {note}" for note in notes))
    )


def _sqlite_tables(path: Path) -> set[str] | None:
    """The tables of an SQLite file, read without writing anything (None: cannot tell)."""
    busy = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))
    # Immutable when no write is under way: a read-only open of a WAL file would leave an
    # empty -wal and -shm behind.
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if busy else 'immutable=1'}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return {str(name) for (name,) in names}


def require_database(config: Config) -> None:
    """Refuse (exit 3) a database that is not there, before anything is created: a mistyped
    data folder or SQLite path makes no folder and no file. The PostgreSQL side is checked
    by ``open_store(create=False)`` once connected."""
    path = _sqlite_file(config.database_url)
    if path is None:
        return
    if not path.exists():
        folder = path.parent
        notes = (
            [] if folder.is_dir() else [_("(there is no folder {folder})").format(folder=folder)]
        )
        demo = folder / "demo.db"
        if demo.is_file() and path != demo:  # `eventdesk demo` made its own database here
            notes.append(_("(the demo's is {demo}: add --db {demo})").format(demo=demo))
        raise _no_database(path, *notes)
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnavailable(
            unavailable(
                _("cannot read {path} ({problem})").format(path=path, problem=exc.strerror or exc)
            )
        ) from None
    if not header:
        raise _no_database(path, _("(an empty file)"))
    if header != SQLITE_HEADER:
        raise _no_database(path, _("(that file is not an SQLite database)"))
    tables = _sqlite_tables(path)
    if tables is not None and SCHEMA_MARK not in tables:
        raise _no_database(path, _("(that SQLite file is another program's)"))


def require_schema(store: Store) -> None:
    """A PostgreSQL database that has eventdesk's tables (DatabaseUnavailable: it is empty)."""
    with _unavailable_as_error(), store.engine.connect() as conn:
        if inspect(conn).has_table(SCHEMA_MARK):
            return
    shown = make_url(store.url).render_as_string(hide_password=True)
    raise _no_database(shown, _("(the database is there but empty)"))
