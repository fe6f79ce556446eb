"""`eventdesk` commands run to their end, as processes forked from one that has loaded the program.

An `eventdesk` process spends about 0.6 s of CPU loading its modules (SQLAlchemy, the models, the
services) before it does a command's work, often a tenth of that. The suite runs such commands
by the thousand, on a 2-core machine whose cores it keeps busy: most of its started processes'
CPU was this loading. Here a server, one for each test process, loads the modules once; each
command is a fork of it, with the test's arguments, environment, folder, umask and pipes, that
runs the console script's own ``entry()`` and ends as it does. It is a real process: its own
PID, file descriptors, exit code and signals; the test reads its output and its code as from
``subprocess.run``. Its PINs are hashed, and its copy's key sealed, at argon2's low cost, as in
the tests' own process.

``run`` and ``start`` take the calls ``subprocess.run`` and ``Popen`` are given for an
`eventdesk` command or a ``python -m MODULE``; ``command_line`` is the command for a script. A
command whose environment differs in what an interpreter reads once as it starts (its locale,
``PYTHON…``) is forked from a server started with those. What a fork could not give as a fresh
process does (a preloaded library such as libfaketime, a ``preexec_fn``, a terminal, a process
group of its own) runs as a process started afresh, the same as before.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import select
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.fork_command import BIG, request

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))
# What the server loads before it forks: the program's modules a command imports, none of which
# reads the environment, the clock or a file as it loads (eventdesk.variables reads the
# environment when asked, the language is set by the command).
PRELOAD = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql.psycopg",
    "psycopg",
    "argon2",
    "eventdesk.cli",
    "eventdesk.models",
    "eventdesk.db",
    "eventdesk.opening",
    "eventdesk.services.catalogue.events",
    "eventdesk.services.door.checkin",
)
# What an interpreter reads once as it starts: a command is forked from a server started with the
# same values of these (a script's command that differs from its server's runs afresh).
_AT_START = ("PYTHON", "LANG", "LC_", "LD_", "FAKETIME", "TZDIR")
_reaped = 0.0  # CPU of the forked commands, for tests/cpu_report.py
_lock = threading.Lock()
_servers: dict[tuple[tuple[str, str], ...], _Server] = {}  # by what an interpreter reads at start


def reaped_cpu() -> float:
    """The CPU (user and system) of every command forked for this process so far."""
    return _reaped


def command_line(env: Mapping[str, str]) -> list[str]:
    """The `eventdesk` command for a script or a shell run with environment ``env``, forked as
    ``run`` forks it (its words: a program and its arguments, to which the command's own are
    added)."""
    server = _server_here(env)
    client = Path(__file__).with_name("fork_command.py")
    return [sys.executable, "-I", "-S", str(client), server.path, EVENTDESK]


# libfaketime names, in each faked process's environment, the shared memory it made for its
# children: a faked command and its fork server differ there alone (their clocks do not).
_NOT_AT_START = ("FAKETIME_SHARED",)


def _at_start(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted((k, v) for k, v in env.items() if k.startswith(_AT_START) and k not in _NOT_AT_START)
    )


class _Server:
    def __init__(self, at_start: tuple[tuple[str, str], ...]) -> None:
        self.folder = tempfile.mkdtemp(prefix="eventdesk-forks-")
        self.path = os.path.join(self.folder, "socket")
        code = f"from tests.forks import serve; serve({self.path!r})"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith(_AT_START)},
                **dict(at_start),
            },
            stdin=subprocess.PIPE,  # its end: the server stops when this process does
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"the fork server did not start: {ready!r}")
        atexit.register(self.stop)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        Path(self.path).unlink(missing_ok=True)
        Path(self.folder).rmdir()


def _server_here(env: Mapping[str, str]) -> _Server:
    """The server for commands whose environment is ``env`` (one for each set of what an
    interpreter reads as it starts: most tests' commands share this process's)."""
    key = _at_start(env)
    with _lock:
        server = _servers.get(key)
        if server is None or server.process.poll() is not None:
            server = _servers[key] = _Server(key)
        return server


def _plain(
    args: Sequence[str], stdin: Any, stdout: Any, stderr: Any, other: Mapping[str, Any]
) -> bool:
    return (
        not other
        and (list(args[:1]) == [EVENTDESK] or (list(args[:2]) == [sys.executable, "-m"]))
        and stdin in (None, subprocess.DEVNULL, subprocess.PIPE)
        and stdout in (None, subprocess.PIPE, subprocess.DEVNULL)
        and stderr in (None, subprocess.PIPE, subprocess.DEVNULL, subprocess.STDOUT)
    )


def start(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    stdin: Any = None,
    stdout: Any = None,
    stderr: Any = None,
    text: bool = False,
    **other: Any,
) -> Forked | subprocess.Popen[Any]:
    """``subprocess.Popen(args, …)`` for an `eventdesk` command: forked when it can be (its
    ``pid``, ``poll``, ``wait``, ``kill`` and ``communicate`` as Popen's), else started."""
    environ = dict(os.environ if env is None else env)
    preloads = any(name.startswith(("LD_PRELOAD", "FAKETIME")) for name in environ)
    if _plain(args, stdin, stdout, stderr, other) and not preloads:
        # A server that cannot start (a machine without Unix sockets or pidfds) leaves each
        # command to start afresh, as before; tests/core/test_forks.py fails so.
        server = None
        with contextlib.suppress(OSError, RuntimeError):
            server = _server_here(environ)
        if server is not None:
            with contextlib.suppress(_Unfit):
                return Forked(server, list(args), environ, cwd, stdin, stdout, stderr, text)
    return subprocess.Popen(
        list(args), env=env, cwd=cwd, stdin=stdin, stdout=stdout, stderr=stderr, text=text, **other
    )


def run(
    args: Sequence[str],
    *,
    input: str | bytes | None = None,
    stdin: Any = None,
    stdout: Any = None,
    stderr: Any = None,
    capture_output: bool = False,
    timeout: float | None = None,
    check: bool = False,
    **other: Any,
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run(args, …)`` for an `eventdesk` command (the console script's path first):
    forked from the server when it can be, else started afresh."""
    if capture_output:
        stdout = stderr = subprocess.PIPE
    if input is not None:
        stdin = subprocess.PIPE
    process = start(args, stdin=stdin, stdout=stdout, stderr=stderr, **other)
    with process if isinstance(process, subprocess.Popen) else contextlib.nullcontext():
        try:
            out, err = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
        except BaseException:
            process.kill()
            raise
    result = subprocess.CompletedProcess(list(args), process.wait(), out, err)
    if check:
        result.check_returncode()
    return result


class _Unfit(Exception):
    """The server cannot fork this command (its environment differs in what an interpreter
    reads as it starts): it is started afresh."""


class Forked:
    """An `eventdesk` command forked from the server, as Popen shows a process it started."""

    def __init__(
        self,
        server: _Server,
        args: list[str],
        environ: dict[str, str],
        cwd: str | Path | None,
        stdin: Any,
        stdout: Any,
        stderr: Any,
        text: bool,
    ) -> None:
        self.args, self.text = args, text
        self.returncode: int | None = None
        self._ours: dict[str, int] = {}  # what this process writes or reads: "in", "out", "err"
        self._read: dict[str, list[bytes]] = {"out": [], "err": []}
        self._piped = {n for n, w in (("out", stdout), ("err", stderr)) if w == subprocess.PIPE}
        theirs: list[int] = []  # the command's 0, 1 and 2
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            if stdin == subprocess.PIPE:
                read_end, write_end = os.pipe()
                theirs.append(read_end)
                self._ours["in"] = write_end
            else:
                theirs.append(devnull if stdin == subprocess.DEVNULL else 0)
            for name, wanted, own in (("out", stdout, 1), ("err", stderr, 2)):
                if wanted == subprocess.PIPE:
                    read_end, write_end = os.pipe()
                    theirs.append(write_end)
                    self._ours[name] = read_end
                elif wanted == subprocess.STDOUT:
                    theirs.append(theirs[1])
                else:
                    theirs.append(devnull if wanted == subprocess.DEVNULL else own)
            asked = request(args, environ, str(cwd if cwd is not None else os.getcwd()))
            self._control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self._control.connect(server.path)
            socket.send_fds(self._control, [asked], theirs)
        finally:
            for fd in {*theirs} - {0, 1, 2, devnull}:
                os.close(fd)
            os.close(devnull)
        pid = json.loads(self._control.recv(BIG))["pid"]
        if pid is None:
            self._control.close()
            for fd in self._ours.values():
                os.close(fd)
            raise _Unfit
        self.pid = int(pid)
        # Its output as Popen shows it, for a test that reads it line by line; ``communicate``
        # reads the same descriptors, as Popen's does.
        self._files = {
            name: io.TextIOWrapper(os.fdopen(fd, "rb")) if text else os.fdopen(fd, "rb")
            for name, fd in self._ours.items()
            if name != "in"
        }
        self.stdout, self.stderr = self._files.get("out"), self._files.get("err")

    def _ended(self) -> None:
        global _reaped
        ended = json.loads(self._control.recv(BIG))
        self._control.close()
        self.returncode = int(ended["code"])
        with _lock:
            _reaped += float(ended["cpu"])

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._control], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._control], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            self._ended()
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def communicate(
        self,
        input: str | bytes | None = None,
        timeout: float | None = None,
    ) -> tuple[Any, Any]:
        """Write ``input``, read the output until the command ends (``TimeoutExpired`` after
        ``timeout``, the command left running, as Popen's)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        left = memoryview(input.encode() if isinstance(input, str) else input or b"")
        with selectors.DefaultSelector() as selector:
            if self.returncode is None:
                selector.register(self._control, selectors.EVENT_READ, "control")
            for name in ("out", "err"):
                if name in self._ours:
                    selector.register(self._ours[name], selectors.EVENT_READ, name)
            if "in" in self._ours:
                if left:
                    os.set_blocking(self._ours["in"], False)
                    selector.register(self._ours["in"], selectors.EVENT_WRITE, "in")
                else:
                    os.close(self._ours.pop("in"))
            while selector.get_map():
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
                for key, _ in selector.select(wait):
                    if key.data == "control":
                        selector.unregister(self._control)
                        self._ended()
                        continue
                    if key.data == "in":
                        try:
                            left = left[os.write(key.fd, left[:65536]) :]
                        except BrokenPipeError:
                            left = left[:0]
                        if left:
                            continue
                    elif chunk := os.read(key.fd, 65536):
                        self._read[key.data].append(chunk)
                        continue
                    selector.unregister(key.fd)
                    if key.data == "in":
                        os.close(self._ours.pop("in"))
                    else:
                        self._ours.pop(key.data)
                        self._files[key.data].close()
        said = [
            b"".join(self._read[name]) if name in self._piped else None for name in ("out", "err")
        ]
        return tuple(  # type: ignore[return-value]
            part.decode() if self.text and part is not None else part for part in said
        )


def serve(path: str) -> None:
    """The server: load the program, then fork a command for each request until this process's
    parent is gone (its stdin ends). A forked command never returns from here."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    cheap_costs()
    at_start = _at_start(os.environ)
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listening.bind(path)
    listening.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listening, selectors.EVENT_READ, "listen")
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
    waiting: dict[int, tuple[int, socket.socket]] = {}  # pidfd: the command's pid, its caller
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in selector.select():
            if key.data == "parent":
                os._exit(0)
            if key.data == "listen":
                caller, _ = listening.accept()
                message, fds, _, _ = socket.recv_fds(caller, BIG, 3)
                asked = json.loads(message)
                if _at_start(asked["env"]) != at_start:
                    for fd in fds:
                        os.close(fd)
                    caller.send(json.dumps({"pid": None}).encode())
                    caller.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    _command(asked, fds)  # never returns
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                waiting[pidfd] = (pid, caller)
                selector.register(pidfd, selectors.EVENT_READ, "ended")
                caller.send(json.dumps({"pid": pid}).encode())
                continue
            pid, caller = waiting.pop(key.fd)
            selector.unregister(key.fd)
            os.close(key.fd)
            _, status, usage = os.wait4(pid, 0)
            code, cpu = os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime
            # A caller that gave up (its timeout) killed the command and is gone.
            with contextlib.suppress(OSError):
                caller.send(json.dumps({"code": code, "cpu": cpu}).encode())
            caller.close()


def cheap_costs() -> Callable[[], None]:
    """PINs hashed and copies' keys sealed in this process at argon2id's low cost, in a
    millisecond instead of a seventh of a second: a hash and a sealed key say their own cost, so
    whoever checks them (here, in a station's process, on the server) reads them as argon2 does.
    The tests' own processes (tests/conftest.py) and every command forked here run so; the
    product's own costs are checked in processes started afresh (tests/core/test_auth.py).
    Returns what puts the product's costs back."""
    from argon2 import PasswordHasher

    from eventdesk.services.people import auth
    from eventdesk.services.stations import copy_key

    # The product has no public way to set its PIN hasher's cost: its private hasher is swapped,
    # and the dummy hash made with the other one dropped.
    hasher, seal = auth._hasher, copy_key.SEAL_COST  # noqa: SLF001
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)  # noqa: SLF001
    auth._dummy_hash.cache_clear()  # noqa: SLF001
    copy_key.SEAL_COST = copy_key.SealCost(time_cost=1, memory_kib=64)

    def restore() -> None:
        auth._hasher = hasher  # noqa: SLF001
        auth._dummy_hash.cache_clear()  # noqa: SLF001
        copy_key.SEAL_COST = seal

    return restore


def _command(asked: dict[str, Any], fds: list[int]) -> None:
    """In the forked process: become the command, run it, end as the console script does."""
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target, inheritable=True)
        os.closerange(3, 1 << 16)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(asked["cwd"])
        os.umask(int(asked["umask"]))
        os.environ.clear()
        os.environ.update(asked["env"])
        time.tzset()
        argv = list(asked["argv"])
        if argv[1:2] == ["-m"]:  # `python -m MODULE ARGS`, as the interpreter runs it
            import runpy

            sys.argv = [argv[2], *argv[3:]]
            sys.path[0] = os.getcwd()
            runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
            sys.exit(0)
        sys.argv = argv
        from eventdesk.cli import entry

        entry()
    except BaseException as error:
        code = error.code if isinstance(error, SystemExit) else 1
        if not isinstance(error, SystemExit):
            import traceback

            traceback.print_exc()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code if isinstance(code, int) else 1)
    os._exit(0)
