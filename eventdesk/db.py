"""The store: one engine per process, read and write sessions, migrations on start.

SQLite runs in WAL mode with ``busy_timeout`` set first and every write transaction opened with
``BEGIN IMMEDIATE``, so a writer waits for the lock instead of failing half-way. PostgreSQL runs
the same statements; writes that check capacity lock the event row first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from eventdesk.config import Config
from eventdesk.errors import DatabaseUnavailable, InvalidInput

if TYPE_CHECKING:
    from eventdesk.tickets import Signer

BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "eventdesk_write"


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Store:
    """The database of one process. Sessions live in one thread; open one per action."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL", echo: bool = False) -> None:
        url = normalize_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InvalidInput(f"database URL {url!r} is not valid", field="db") from None
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect not in {"sqlite", "postgresql"}:
            raise InvalidInput(
                f"database {self.dialect!r} is not supported: use sqlite or postgresql", field="db"
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
                        f"database unavailable: cannot create {folder} ({exc.strerror or exc})"
                    ) from None
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": 5}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine, sqlite_synchronous)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        # This station's ticket signer, when it holds the private key (see eventdesk.tickets).
        self.signer: Signer | None = None

    @classmethod
    def from_config(cls, config: Config) -> Store:
        return cls(config.database_url, sqlite_synchronous=config.sqlite_synchronous)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (a deferred transaction on SQLite)."""
        with _unavailable_as_error(), self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed at the end of the block, rolled back on error."""
        with _unavailable_as_error(), self._writer.begin() as session:
            yield session

    @contextmanager
    def write_conn(self) -> Iterator[Connection]:
        """A Core connection in a write transaction: the check-in hot path, no ORM."""
        with _unavailable_as_error(), self._write_engine.begin() as conn:
            yield conn

    def check_connection(self) -> None:
        with _unavailable_as_error(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module; "begin" below issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if _is_connection_problem(exc):
            raise DatabaseUnavailable(f"database unavailable: {_first_line(exc)}") from exc
        raise


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
        )
    )


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__


def open_store(config: Config, *, migrate: bool = True) -> Store:
    """The process's store, upgraded to the newest schema."""
    store = Store.from_config(config)
    if migrate:
        from eventdesk.migrate import upgrade

        upgrade(store)
    from eventdesk.tickets import load_signer

    store.signer = load_signer(config.data_dir)
    return store
