"""The store: SQLite pragmas, BEGIN IMMEDIATE writes, UTC times, migrations, bad databases."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from eventdesk import quota_models, trust_models
from eventdesk.db import Store, normalize_url
from eventdesk.errors import DatabaseUnavailable, InvalidInput
from eventdesk.migrate import current_revision, upgrade
from eventdesk.migrations import HEAD_REVISION
from eventdesk.models import Base, UTCDateTime
from eventdesk.services.catalogue import events
from tests.helpers import make_event


def test_head_revision_constant_matches_the_scripts() -> None:
    from eventdesk.migrate import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]


@pytest.mark.filterwarnings("ignore:Did not recognize type 'xid8'")
def test_migrations_build_exactly_the_models(store: Store) -> None:
    assert quota_models.StationQuota.__table__.metadata is trust_models.Base.metadata
    assert current_revision(store) == HEAD_REVISION
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _in_models})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _in_models(_obj: object, name: str | None, _type: str, _reflected: bool, _to: object) -> bool:
    """PostgreSQL's change tracking for the stations' mirrors (migration 0009) is triggers and
    columns the models never read: not part of the comparison."""
    return not (name == "sync_xid" or name == "sync_gone" or (name or "").endswith("_sync_xid"))


def test_upgrade_on_start_is_idempotent(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new' / 'fresh.db'}")
    assert current_revision(store) is None
    assert upgrade(store) is True
    assert upgrade(store) is False
    assert current_revision(store) == HEAD_REVISION


def test_sqlite_pragmas(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}", sqlite_synchronous="FULL")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_write_transaction_takes_the_lock_at_begin(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: the write lock is held before the first write statement."""
    path = tmp_path / "lock.db"
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.write() as session:
            session.execute(text("SELECT 1"))  # a read only: a deferred BEGIN would take no lock
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert inside.wait(10)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        with store.read() as session:  # readers are not blocked in WAL mode
            assert session.execute(text("SELECT count(*) FROM event")).scalar() == 0
    finally:
        release.set()
        holder.join()


def test_times_are_utc_aware_both_ways(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    made = events.create_event(
        store,
        name="Tz",
        starts=datetime(2030, 5, 1, 9, 0, tzinfo=plus_two),
        ends=datetime(2030, 5, 1, 17, 0, tzinfo=plus_two),
    )
    shown = events.show_event(store, made.slug)
    assert shown.starts_at == datetime(2030, 5, 1, 7, 0, tzinfo=UTC)
    assert shown.starts_at.utcoffset() == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_sqlite_times_are_written_and_read_as_sqlalchemy_datetime_would(moment: datetime) -> None:
    """On SQLite a UTC time is written and read in one step each (every scan and imported row
    writes several): the same text SQLAlchemy's DATETIME writes for it, read back the same."""
    dialect = sqlite.dialect()
    ours = UTCDateTime()
    theirs = DateTime(timezone=True).dialect_impl(dialect)
    written = ours.bind_processor(dialect)(moment)  # type: ignore[misc]
    as_utc = moment.astimezone(UTC)
    assert written == theirs.bind_processor(dialect)(as_utc.replace(tzinfo=None))  # type: ignore[misc]
    read = ours.result_processor(dialect, None)(written)  # type: ignore[misc]
    assert read == as_utc and read.tzinfo is UTC
    assert ours.bind_processor(dialect)(None) is None  # type: ignore[misc]
    with pytest.raises(ValueError, match="naive"):
        ours.bind_processor(dialect)(moment.replace(tzinfo=None))  # type: ignore[misc]


def test_reads_keep_the_statements_prepared_on_the_connection(store: Store) -> None:
    # psycopg prepares a statement a connection runs often; a ROLLBACK makes it discard every
    # one it prepared (a read ended in one, and so the door's statements were planned anew).
    if store.is_sqlite:
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    for _ in range(8):
        with store.read() as session:
            session.execute(text("SELECT count(*) FROM event WHERE id > :n"), {"n": 0}).all()
    with store.read() as session:
        prepared = session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar_one() >= 1


def test_a_read_writes_nothing(store: Store) -> None:
    slug = make_event(store, name="Kept")
    # PostgreSQL refuses it (a READ ONLY transaction); SQLite's read rolls it back.
    refused = pytest.raises(DBAPIError) if not store.is_sqlite else nullcontext()
    with refused, store.read() as session:
        session.execute(text("UPDATE event SET title = 'Changed'"))
    assert events.show_event(store, slug).title == "Kept"


def test_unreachable_postgres_is_an_environment_error() -> None:
    store = Store("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable) as caught:
        store.check_connection()
    assert caught.value.exit_code == 3


def test_unopenable_sqlite_is_an_environment_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("this is not a database, just some notes " * 100)
    store = Store(f"sqlite:///{not_a_db}")
    with pytest.raises(DatabaseUnavailable):
        upgrade(store)


def test_unsupported_or_malformed_urls() -> None:
    with pytest.raises(InvalidInput, match="not supported"):
        Store("mysql://root@localhost/x")
    with pytest.raises(InvalidInput, match="not valid"):
        Store("::::")
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_database_a_newer_build_upgraded_is_said_not_a_crash(store: Store) -> None:
    """A station running an older eventdesk on a database a newer one upgraded: exit 3 with a
    sentence (before, Alembic's "Can't locate revision" came out as an internal error)."""
    with store.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        with pytest.raises(DatabaseUnavailable, match="revision 9999, newer than this eventdesk"):
            upgrade(store)
    finally:  # the server's database is this worker's for the next tests
        with store.write() as session:
            session.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": HEAD_REVISION}
            )
