"""Which PostgreSQL the run's PostgreSQL tests use, decided once per run (a pytest plugin that
tests/conftest.py registers):

- the server EVENTDESK_TEST_POSTGRES_URL names, when it is set (as .ci/run sets it);
- else a throwaway cluster started with the machine's PostgreSQL programs (testkit/postgres.py),
  once, in xdist's controller (or the one process without xdist) before the workers start.
  Its URL reaches them, and every process they start, in EVENTDESK_TEST_POSTGRES_URL, as a
  server's does; it is stopped and its folder removed when the run ends, interrupted or not;
- else (no PostgreSQL programs, or a cluster that did not start) the PostgreSQL tests skip,
  saying why and what to install or set (tests/conftest.py's PG_SKIP; the workers get the
  reason from the controller).

The report's header says which, in one line beginning "postgresql:".
"""

from __future__ import annotations

import atexit
import os
import signal
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from eventdesk import variables
from testkit.postgres import Cluster, ClusterFailed, NoPrograms, find_pg_ctl

URL_VARIABLE = "EVENTDESK_TEST_POSTGRES_URL"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WHAT_TO_DO = (
    "install PostgreSQL's server programs (Debian, Ubuntu: apt install postgresql; Fedora: "
    "dnf install postgresql-server; macOS: brew install postgresql) for a throwaway cluster, "
    f"or set {URL_VARIABLE} to a server's URL ({SERVER})"
)
UNDECIDED = f"no PostgreSQL for the tests yet: {WHAT_TO_DO}"
SKIP_KEY = "eventdesk_postgres_skip"  # in xdist's workerinput: why the PostgreSQL tests skip


@dataclass
class RunPostgres:
    """The run's PostgreSQL: ``said`` in the report's header, ``skip`` why its tests skip
    (blank when they run), the cluster started for it."""

    said: str
    skip: str = ""
    cluster: Cluster | None = None


RUN = pytest.StashKey[RunPostgres]()


def skip_reason(config: pytest.Config) -> str:
    """Why the PostgreSQL tests skip in this run (when EVENTDESK_TEST_POSTGRES_URL is unset)."""
    run = config.stash.get(RUN, None)
    return run.skip if run is not None and run.skip else UNDECIDED


def _server(url: str) -> str:
    try:
        made = make_url(url)
    except ArgumentError:
        return f"the server {URL_VARIABLE} names (not a URL: it is refused where it is used)"
    where = f"{made.host or 'localhost'}:{made.port or 5432}"
    return f"the server {URL_VARIABLE} names, {where} ({made.render_as_string(hide_password=True)})"


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _decide(config: pytest.Config) -> RunPostgres:
    named = variables.read_text(URL_VARIABLE)
    if named:
        return RunPostgres(_server(named))
    if config.option.collectonly:
        return RunPostgres("none started (--collect-only)")
    try:
        pg_ctl = find_pg_ctl(config.getoption("postgresql_exec", default=None))
    except NoPrograms as missing:
        reason = f"{missing}: {WHAT_TO_DO}"
        return RunPostgres(f"none, the PostgreSQL tests skip: {reason}", skip=reason)
    try:
        cluster = Cluster(pg_ctl)
    except (ClusterFailed, OSError) as failed:
        reason = f"no throwaway PostgreSQL cluster could be made ({failed}): {WHAT_TO_DO}"
        return RunPostgres(f"none, the PostgreSQL tests skip: {reason}", skip=reason)
    try:
        cluster.start()
    except ClusterFailed as failed:
        cluster.stop()
        reason = (
            f"the throwaway PostgreSQL cluster ({cluster.programs}) did not start: {failed}. "
            f"Set {URL_VARIABLE} to a server's URL ({SERVER}) instead"
        )
        return RunPostgres(f"none, the PostgreSQL tests skip: {reason}", skip=reason)
    os.environ[URL_VARIABLE] = cluster.url
    # Interrupted by a signal (a CI job cancelled, a terminal closed) as by Ctrl-C: the run
    # ends through pytest_unconfigure, which stops the cluster; at exit, whatever happened.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _interrupt)
    atexit.register(cluster.stop)
    as_user = f", run as user {cluster.user.pw_name}" if cluster.user is not None else ""
    return RunPostgres(
        f"a throwaway cluster on 127.0.0.1:{cluster.port}: PostgreSQL {cluster.version} from "
        f"{cluster.programs}{as_user}, started in {cluster.seconds:.1f} s",
        cluster=cluster,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Before xdist starts its workers (its own pytest_sessionstart is trylast)."""
    config = session.config
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None:
        config.stash[RUN] = RunPostgres("", skip=str(workerinput.get(SKIP_KEY, "")))
    else:
        config.stash[RUN] = _decide(config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's controller hands each worker the reason the PostgreSQL tests skip."""
    node.workerinput[SKIP_KEY] = node.config.stash[RUN].skip


def pytest_report_header(config: pytest.Config) -> str | None:
    run = config.stash.get(RUN, None)
    return f"postgresql: {run.said}" if run is not None and run.said else None


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is None or run.cluster is None:
        return
    run.cluster.stop()
    atexit.unregister(run.cluster.stop)
    if os.environ.get(URL_VARIABLE) == run.cluster.url:
        del os.environ[URL_VARIABLE]
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is _interrupt:
            signal.signal(signum, signal.SIG_DFL)
