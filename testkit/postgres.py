"""A throwaway PostgreSQL cluster for the tests, started with the machine's PostgreSQL programs.

pg_ctl is found as pytest-postgresql finds it (the one its ``--postgresql-exec`` names, else
beside ``pg_config --bindir``, else on PATH), then in Debian's newest
``/usr/lib/postgresql/<version>/bin``. The cluster is pytest-postgresql's ``PostgreSQLExecutor``
around that pg_ctl: made in a fresh temporary folder, listening on a free port of 127.0.0.1
(never the machine's own server's), with a superuser ``postgres`` that needs no password.
``stop()`` stops it and removes its folder; a new cluster first removes those of runs killed
before they could (``sweep_leftovers``).

PostgreSQL's programs refuse to run as root. As root, pg_ctl runs as an unprivileged user
(``postgres`` when it exists, else ``nobody``) through a small generated script that calls it
through util-linux's ``setpriv`` (or ``runuser``), in a folder that user owns (mode 0700).

The cluster holds test data only, which nothing needs after a crash: it never waits for the
disk (fsync, full-page writes and synchronous commit off) and takes many connections at once.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import port_for
from mirakuru.exceptions import (
    AlreadyRunning,
    ExecutorError,
    ProcessExitedWithError,
    TimeoutExpired,
)
from pytest_postgresql.exceptions import PostgreSQLUnsupported
from pytest_postgresql.executors import PostgreSQLExecutor

HOST = "127.0.0.1"
SUPERUSER = "postgres"
# Where Debian and Ubuntu keep each installed version's programs, off PATH.
DEBIAN_PROGRAMS = Path("/usr/lib/postgresql")
PREFIX = "eventdesk-postgres-"
# fsync is off already: the executor starts postgres with -F. A test run opens many connections
# at once (each worker's engines, and the stations and commands it runs as processes): three
# times a server's default 100.
SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c max_connections=300 "
    "-c full_page_writes=off -c synchronous_commit=off"
)
LOG_LINES = 6  # of a cluster that did not start, in what it says


class NoPrograms(Exception):
    """No pg_ctl to start a cluster with; the message says where it was looked for."""


class ClusterFailed(Exception):
    """The cluster did not start; the message says what failed, with what it logged."""


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.name.split("."))


def _debian_pg_ctl() -> Path | None:
    """pg_ctl of the newest version under /usr/lib/postgresql."""
    if not DEBIAN_PROGRAMS.is_dir():
        return None
    versions = [
        folder
        for folder in DEBIAN_PROGRAMS.iterdir()
        if re.fullmatch(r"\d+(\.\d+)?", folder.name) and _runnable(folder / "bin" / "pg_ctl")
    ]
    newest = max(versions, key=_version_key, default=None)
    return None if newest is None else newest / "bin" / "pg_ctl"


def find_pg_ctl(named: str | None = None) -> Path:
    """The pg_ctl ``named`` (pytest-postgresql's ``--postgresql-exec``), else the one beside
    ``pg_config --bindir``, else on PATH, else Debian's newest. Raises NoPrograms."""
    if named:
        if _runnable(Path(named)):
            return Path(named).resolve()
        raise NoPrograms(f"no PostgreSQL programs (no pg_ctl at {named}, --postgresql-exec)")
    beside = "beside `pg_config --bindir` (no pg_config)"
    try:
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    else:
        beside = f"in {bindir} (`pg_config --bindir`)"
        if _runnable(Path(bindir) / "pg_ctl"):
            return (Path(bindir) / "pg_ctl").resolve()
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        return Path(on_path).resolve()
    debian = _debian_pg_ctl()
    if debian is not None:
        return debian
    raise NoPrograms(
        f"no PostgreSQL programs (no pg_ctl {beside}, on PATH or in {DEBIAN_PROGRAMS}/*/bin)"
    )


def _unprivileged_user() -> pwd.struct_passwd:
    """Who runs PostgreSQL's programs for root: its own user, else nobody."""
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ClusterFailed("running as root, and there is neither a postgres nor a nobody user")


def postgres_user() -> pwd.struct_passwd | None:
    """Who runs PostgreSQL's programs for this process: None when it is not root (itself)."""
    return _unprivileged_user() if os.geteuid() == 0 else None


def run_as(who: pwd.struct_passwd | None) -> list[str]:
    """The words that run a command as ``who`` (util-linux's setpriv or runuser): none for
    this process's own user (None)."""
    if who is None:
        return []
    setpriv, runuser = shutil.which("setpriv"), shutil.which("runuser")
    if setpriv is not None:
        return [setpriv, f"--reuid={who.pw_uid}", f"--regid={who.pw_gid}", "--init-groups"]
    if runuser is not None:
        return [runuser, "-u", who.pw_name]
    raise ClusterFailed(
        f"running as root, PostgreSQL's programs must run as {who.pw_name}, and neither "
        "setpriv nor runuser (util-linux) is here to run them so"
    )


def _reachable_by_others(folder: Path) -> bool:
    """Whether another user can reach into ``folder`` (every folder on its way lets them by)."""
    folder = folder.resolve()
    return all(part.stat().st_mode & stat.S_IXOTH for part in (folder, *folder.parents))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_postmaster(data: Path) -> None:
    """Ends the postmaster of ``data`` at once (as ``pg_ctl stop -m immediate`` would), when it
    is still running: only a process whose command line names that folder."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return
    if os.fsencode(data) not in command:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def sweep_leftovers(parent: Path) -> list[Path]:
    """Removes the clusters in ``parent`` of runs that ended without stopping theirs (killed
    outright): a folder whose run's process is gone. Returns the folders removed."""
    removed = []
    for folder in parent.glob(f"{PREFIX}*"):
        try:
            pid = int((folder / "run.pid").read_text())
        except (OSError, ValueError):
            continue  # not a cluster's, or one being made this moment
        if _alive(pid):
            continue
        _kill_postmaster(folder / "cluster" / "data")
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


class _Executor(PostgreSQLExecutor):
    """pytest-postgresql's executor, whose initdb says why it failed and skips syncing."""

    def init_directory(self) -> None:
        """initdb as the executor runs it (superuser without a password, the executor's
        locale), but its complaints kept for the reason a cluster did not start, and without
        waiting for the disk (the folder is thrown away)."""
        if (Path(self.datadir) / "PG_VERSION").is_file():
            return
        options = f"--username={self.user} --auth=trust --no-sync"
        env = {name: value for name, value in self.envvars.items() if name != "PGDATA"}
        try:
            done = subprocess.run(
                [self.executable, "initdb", "--pgdata", self.datadir, "-o", options],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise ClusterFailed(f"initdb could not run: {error}") from error
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()[:LOG_LINES]
            raise ClusterFailed(f"initdb failed (exit {done.returncode}): {' | '.join(said)}")


class Cluster:
    """One throwaway cluster: ``start()``, then ``url`` reaches its superuser; ``stop()``."""

    def __init__(self, pg_ctl: Path, parent: Path | None = None) -> None:
        self.pg_ctl = pg_ctl
        self.user = postgres_user()
        if parent is None:
            parent = Path(tempfile.gettempdir())
            if self.user is not None and not _reachable_by_others(parent):
                parent = Path("/tmp")
        sweep_leftovers(parent)
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        (self.folder / "run.pid").write_text(str(os.getpid()))
        # The data folder, the log and the socket: the folder of whoever runs PostgreSQL.
        self.home = self.folder / "cluster"
        self.home.mkdir(mode=0o700)
        if self.user is not None:
            self.folder.chmod(0o711)
            os.chown(self.home, self.user.pw_uid, self.user.pw_gid)
        self.log = self.home / "postgresql.log"
        self.port = 0
        self.version = ""
        self.seconds = 0.0
        self._executor: _Executor | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/postgres"

    @property
    def programs(self) -> Path:
        return self.pg_ctl.parent

    def _executable(self) -> Path:
        """pg_ctl itself, or as root the script that runs it as ``self.user``."""
        if self.user is None:
            return self.pg_ctl
        who = self.user
        runner = run_as(who)
        script = self.folder / "pg_ctl"
        script.write_text(
            "#!/bin/sh\n"
            f"# PostgreSQL's programs refuse to run as root: pg_ctl runs as {who.pw_name}.\n"
            f"cd {shlex.quote(str(self.home))} || exit 1\n"
            f'exec {shlex.join([*runner, "--", str(self.pg_ctl)])} "$@"\n'
        )
        script.chmod(0o700)
        return script

    def start(self) -> None:
        """Makes and starts the cluster; raises ClusterFailed saying what failed."""
        began = time.monotonic()
        executable = str(self._executable())
        try:
            for _attempt in range(3):
                executor = _Executor(
                    executable=executable,
                    host=HOST,
                    port=port_for.select_random(),
                    datadir=str(self.home / "data"),
                    unixsocketdir=str(self.home),
                    logfile=str(self.log),
                    startparams="-w",
                    dbname="postgres",
                    user=SUPERUSER,
                    postgres_options=SETTINGS,
                )
                self.version = self.version or str(executor.version)
                try:
                    executor.start()
                except AlreadyRunning:
                    continue  # another process took that port meanwhile: another port
                self._executor, self.port = executor, executor.port
                self._until_ready(executor)
                break
            else:
                raise ClusterFailed("no free port found in three tries")
        except (ExecutorError, PostgreSQLUnsupported, OSError, subprocess.SubprocessError) as error:
            raise ClusterFailed(self._why(error)) from error
        self.seconds = time.monotonic() - began

    @staticmethod
    def _until_ready(executor: _Executor) -> None:
        """The executor is started once the port takes connections, which is before PostgreSQL
        lets anyone in ("the database system is starting up"); ``pg_ctl start -w`` ends when it
        does, and says whether it did."""
        launcher = executor.process
        if launcher is None:
            return
        code = launcher.wait(timeout=120)
        if code != 0:
            raise ProcessExitedWithError(executor, code)

    def _why(self, error: Exception) -> str:
        """What failed, and the first lines the cluster logged."""
        if isinstance(error, ProcessExitedWithError):
            what = f"pg_ctl start failed (exit {error.exit_code})"
        elif isinstance(error, TimeoutExpired):
            what = f"pg_ctl start did not end within {error.timeout:g} s"
        else:
            what = f"{type(error).__name__}: {error}"
        try:
            logged = self.log.read_text(errors="replace").strip().splitlines()[:LOG_LINES]
        except OSError:
            logged = []
        return f"{what}; its log: {' | '.join(logged)}" if logged else what

    def stop(self) -> None:
        """Stops the cluster and removes its folder (again: nothing more to do)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            with contextlib.suppress(ExecutorError, OSError, subprocess.SubprocessError):
                executor.stop()
        _kill_postmaster(self.home / "data")  # one that did not stop, or stopped half started
        shutil.rmtree(self.folder, ignore_errors=True)
