"""An `eventdesk` command for a script or a shell, forked from a test process's fork server
(tests/forks.py): ``python -I -S tests/fork_command.py SOCKET EVENTDESK ARGS...`` runs
``EVENTDESK ARGS...`` with this process's standard input and output, folder, umask and
environment, and ends with its exit code (or its signal). A signal this process is sent (Ctrl-C,
a service manager's TERM) goes to the command. A command the server cannot fork (another
interpreter's settings) runs as EVENTDESK itself, in this process's place.

The standard library alone, and nothing of the checkout: it starts in a hundredth of a second,
where the program itself loads for more than half a second."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Mapping

BIG = 1 << 20  # the longest message between a fork server and its callers


def request(argv: list[str], env: Mapping[str, str], cwd: str) -> bytes:
    """What a caller asks the fork server for (tests/forks.py): the command ``argv`` with the
    environment ``env``, in the folder ``cwd``, with this process's umask."""
    umask = os.umask(0o077)
    os.umask(umask)
    asked = {"argv": argv, "env": dict(env), "cwd": cwd, "umask": umask}
    return json.dumps(asked).encode()


def main() -> None:
    path, eventdesk, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        control.connect(path)
        asked = request([eventdesk, *args], os.environ, os.getcwd())
        socket.send_fds(control, [asked], [0, 1, 2])
        pid = json.loads(control.recv(BIG))["pid"]
    except OSError:
        pid = None  # the server is gone: the command runs here
    if pid is None:
        os.execv(eventdesk, [eventdesk, *args])

    def forward(number: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, forward)
    ended = json.loads(control.recv(BIG))
    code = int(ended["code"])
    if code < 0:  # ended by a signal: so does this process
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == "__main__":
    main()
