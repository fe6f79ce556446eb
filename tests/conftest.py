"""Shared fixtures: a migrated store on SQLite and on PostgreSQL for every store test.

PostgreSQL tests run on the server EVENTDESK_TEST_POSTGRES_URL names, else on a throwaway cluster
the run starts with the machine's PostgreSQL programs (tests/postgres_cluster.py, which sets the
variable to it); without either they skip, saying why. Each pytest worker of each run gets its
own database on that server (named for the run, so two runs on one server never drop each
other's), copied from the run's one migrated template and emptied before each test.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, settings
from psycopg.errors import DeadlockDetected
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError

from eventdesk import variables
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.tickets import Signer, register_public_key
from testkit.proxy import TcpProxy
from tests import forks

# The in-process command line's ``cli`` fixture, for every test module; the run's PostgreSQL;
# `--cpu-report N`, the CPU each test took.
pytest_plugins = ["tests.clitools", "tests.postgres_cluster", "tests.cpu_report"]

PG_ENV = "EVENTDESK_TEST_POSTGRES_URL"
# Why the PostgreSQL tests skip, when they do (no PostgreSQL programs, a cluster that did not
# start): said once the session starts, before any test module imports it.
PG_SKIP = f"{PG_ENV} is not set and the run has not looked for PostgreSQL's programs yet"
# The PostgreSQL run of a test that runs on both is its "twin": `dev.py test --fast` runs each
# such test once, on SQLite; the full suite (and CI) runs both.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg_twin)]


# A station on PostgreSQL decides from its mirror when the server takes longer than
# offline_after (1 s) to answer. On a busy 2-core test machine an online check-in can take that
# long; the tests that are not about going offline must not go offline for it. The tests of
# offline stations set their own threshold (tests/test_offline_*.py).
os.environ.setdefault("EVENTDESK_OFFLINE_AFTER", "30")
# The door's sounds play through miniaudio's device-less backend: the cues really play (their
# samples are consumed), and a developer's speakers stay quiet while the suite runs.
os.environ.setdefault("EVENTDESK_SOUND_BACKEND", "null")
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
# The keys of stations' copies held in memory (services.stations.copy_key) go to a folder of
# this run and worker in the RAM filesystem (removed at the end), not the machine user's own.
_KEYS = Path("/dev/shm") / f"eventdesk-tests-{_RUN[:12]}-{os.getpid()}"
if Path("/dev/shm").is_dir():
    _KEYS.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_KEYS)
    # Removed when this process ends, whether it ran tests or only handed them out (xdist's).
    atexit.register(shutil.rmtree, _KEYS, ignore_errors=True)

# On a busy machine one example can take long: that says nothing about the code under test.
settings.register_profile(
    "busy-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("busy-machine")

# The cyclic garbage collector run every 50,000 allocations, not every 700: the apps' tests make
# and drop Textual's widgets, styles and strips by the million, and a collection walked them all
# again and again (a fifth of an organizer's test's CPU; a tenth of a station's). What the
# process holds once its tests are collected is frozen out of the collections' way.
gc.set_threshold(50_000, 50, 100)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()


def pytest_sessionstart(session: pytest.Session) -> None:
    """After tests/postgres_cluster.py has chosen the run's PostgreSQL (its hook runs first)."""
    _clear_stale_faketime()
    from tests.postgres_cluster import skip_reason

    global PG_SKIP
    PG_SKIP = skip_reason(session.config)


def pytest_configure(config: pytest.Config) -> None:
    """xdist's controller hands its workers this process's run id (PYTEST_XDIST_TESTRUNUID),
    so the controller knows the names of the run's databases (its template, dropped at the
    end) as its workers do."""
    if not hasattr(config, "workerinput") and getattr(config.option, "testrunuid", "") is None:
        config.option.testrunuid = _RUN


def _database_name(worker: str | None = None) -> str:
    """Unique to this run and worker: two runs on one server never drop each other's databases."""
    worker = worker or os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"eventdesk_test_{_RUN[:12]}_{worker}"


def _drop_database(conn: Connection, name: str) -> None:
    """``name`` gone, whoever is still connected to it."""
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# The run's migrated database, which each worker's is copied from (CREATE DATABASE ... TEMPLATE
# takes a tenth of a second where a migration takes one, and holds none of its ~1,500 locks:
# several workers migrating at once ran the server out of its lock table). One advisory lock for
# every run on the server: six runs started at once, each migrating its own template, ran it out
# as well.
_TEMPLATE = _database_name("template")
_MIGRATING = "eventdesk_test_template"


def _copy_of_template(admin: Engine, name: str) -> None:
    """``name`` made anew as a copy of the run's template, migrated by the first worker that
    needs it (the others, and other runs on the server, wait on the advisory lock, then copy).
    What ALTER DATABASE set on the template (its idle_in_transaction_session_timeout) is set on
    the copy: TEMPLATE leaves it."""
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": _MIGRATING})
        try:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": _TEMPLATE}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
                store = Store(
                    admin.url.set(database=_TEMPLATE).render_as_string(hide_password=False)
                )
                upgrade(store)
                store.dispose()
            _drop_database(conn, name)
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"'))
            kept = conn.execute(
                text(
                    "SELECT unnest(setconfig) FROM pg_db_role_setting s "
                    "JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE d.datname = :n AND s.setrole = 0"
                ),
                {"n": _TEMPLATE},
            ).scalars()
            for setting in kept:
                key, _, value = setting.partition("=")
                conn.execute(text(f"ALTER DATABASE \"{name}\" SET {key} = '{value}'"))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": _MIGRATING})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's template dropped, by the process that handed out the tests (or the only one)."""
    base = variables.read_text(PG_ENV)
    if hasattr(session.config, "workerinput") or not base:
        return
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            _drop_database(conn, _TEMPLATE)
    except OperationalError:
        pass  # a server gone by now: nothing of this run's is left on it to drop
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    base = variables.read_text(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    url = make_url(base)
    name = _database_name()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    _copy_of_template(admin, name)
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        _drop_database(conn, name)
    admin.dispose()


def _empty_pg(url: str) -> None:
    """Empties the worker's database for the next test. A connection a previous test left
    behind (a thread or a process still reading as it ended) is ended first, and waited for
    (pg_terminate_backend's timeout): a backend still ending would meet this emptying and
    PostgreSQL would end one of the two as a deadlock. The rows are deleted with the triggers
    and foreign keys off, and the sequences start again, in one round trip: a third of the time
    a TRUNCATE of every table takes. A deadlock met all the same (a process of the previous test
    that connected again as it was ended) is tried again, up to three times."""
    engine = create_engine(url)
    try:
        for attempt in range(3):
            try:
                _empty_once(engine)
                return
            except OperationalError as exc:
                if attempt == 2 or not isinstance(exc.orig, DeadlockDetected):
                    raise
    finally:
        engine.dispose()


# Each worker database's emptying, one statement (its tables are those its migration made).
_EMPTYING: dict[str, str] = {}


def _empty_once(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        key = engine.url.render_as_string(hide_password=False)
        if key not in _EMPTYING:
            tables = conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars()
            sequences = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            ).scalars()
            _EMPTYING[key] = "; ".join(
                [
                    "SET LOCAL session_replication_role = replica",
                    *(f'DELETE FROM "{table}"' for table in tables),
                    *(f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences),
                ]
            )
        conn.exec_driver_sql(_EMPTYING[key])  # one round trip (no parameters: several statements)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty, migrated database of the test's backend."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path / "eventdesk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _empty_pg(url)
    return url


@pytest.fixture
def empty_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, of the test's backend (for stepping migrations)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'steps.db'}"
        return
    url = make_url(db_url)
    name = f"{url.database}_steps"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _drop_database(conn, name)
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        _drop_database(conn, name)
    admin.dispose()


@pytest.fixture
def proxy(db_url: str) -> Iterator[TcpProxy]:
    """A loopback proxy in front of the test's PostgreSQL server, that a test cuts, stalls and
    restores (testkit/proxy.py)."""
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as made:
        yield made


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    made = Store(db_url)
    yield made
    made.dispose()


@pytest.fixture(autouse=True, scope="session")
def cheap_costs() -> Iterator[None]:
    """PINs hashed and copies' keys sealed at argon2id's low cost in this process, as in the
    commands it forks (tests/forks.py)."""
    restore = forks.cheap_costs()
    yield
    restore()


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    """A test that speaks another language (``--lang``, a kiosk's choice) leaves the process in
    English for the next one."""
    yield
    from eventdesk import i18n

    i18n.set_language(None)


E2E = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (``pytestmark = pytest.mark.slow`` in their own module: real processes, a
    real terminal, a browser, scale; `python3 dev.py test --fast` leaves them out) go first, the
    end-to-end ones first of all: the workers share out what is left of the rest, instead of one
    of them finishing a two-minute test alone at the end."""
    items.sort(
        key=lambda item: (E2E not in item.path.parents, item.get_closest_marker("slow") is None)
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a database runs on both backends."""
    if "db_url" in metafunc.fixturenames and "backend_fixed" not in metafunc.fixturenames:
        metafunc.parametrize("db_url", BACKENDS, indirect=True)


@pytest.fixture
def signer(store: Store) -> Signer:
    """This test station holds a private key whose public half is in the database."""
    made = Signer(Ed25519PrivateKey.generate())
    register_public_key(store, made, "test-station")
    store.signer = made
    return made


# --- the app ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object]]:
    """A demo event (40 attendees, some checked in) with its key, built once per worker for
    today, or for the day EVENTDESK_TEST_DEMO_DAY names (see tests/apptools.py); apps made on
    a copy of it run on the demo's clock."""
    from tests.apptools import build_template, demo_clocks

    with demo_clocks():
        yield build_template(tmp_path_factory.mktemp("demo") / "data")


@pytest.fixture
def station(demo_template: tuple[Path, object], tmp_path: Path) -> Iterator[object]:
    """A station's data folder with the demo database, for ``make_app(config=, store=)``."""
    from tests.apptools import copy_station

    template, summary = demo_template
    made = copy_station(template, summary, tmp_path / "data")  # type: ignore[arg-type]
    yield made
    made.store.dispose()


def _clear_stale_faketime() -> None:
    """The semaphores and shared memory a libfaketime process left behind when it was killed
    (/dev/shm/sem.faketime_sem_PID, faketime_shm_PID), removed where that process is gone: a
    later faked process given the same pid could not make its own ("faketime: sem_open: File
    exists", seen on a machine where 498 had piled up)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return
    for left in shm.glob("*faketime_s*_*"):
        pid = left.name.rsplit("_", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                left.unlink()
