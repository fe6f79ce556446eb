"""The real `eventdesk app`, started while its PostgreSQL server does not answer (a loopback
proxy the test cuts), in a real terminal (tmux): a station that keeps a copy comes up from it,
signs its desk account in (here with --sign-in-as, as an unattended station does), admits a
ticket offline and shows the holder's card from the copy, marked as such. Without a copy it
stops with a sentence and exit code 3, as before."""

from __future__ import annotations

import os
import shlex
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.people.auth import add_staff
from eventdesk.tickets import Signer
from testkit.bursts import have_tmux, tmux
from testkit.proxy import TcpProxy
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.offline_tools import EVENTDESK, LONG, DoorStation, door_a, open_event

__all__ = ["backend_fixed", "door_a", "proxy"]  # fixtures
pytestmark = [
    pytest.mark.slow,  # a station restarted offline in a real terminal
    pytest.mark.skipif(not have_tmux(), reason="tmux is not installed"),
]

DESK, DESK_PIN = "Dana Desk", "4826"


class Terminal:
    """A command in a tmux session of its own; its screen read as text."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.session = f"ed-restart-{uuid.uuid4().hex[:10]}"
        line = " ".join(shlex.quote(part) for part in command)
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            "120",
            "-y",
            "40",
            f"env {exports} {line}; echo EXIT=$?; sleep 600",
        )

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def wait(self, *texts: str) -> str:
        """The screen once it shows every one of ``texts``."""
        deadline = time.monotonic() + LONG
        while time.monotonic() < deadline:
            seen = self.screen()
            if all(text in seen for text in texts):
                return seen
            if "EXIT=" in seen:  # the command ended without showing them
                break
            time.sleep(0.05)  # polling the screen: a condition, not a guess at a duration
        raise AssertionError(f"{texts!r} never appeared; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        tmux("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def close(self) -> None:
        tmux("kill-session", "-t", self.session)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for each in made:
        each.close()


def plain_environ() -> dict[str, str]:
    """A user's environment: none of the test run's EVENTDESK_ settings."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "XDG_RUNTIME_DIR")}
    return {**env, "TERM": "xterm-256color"}


def app_command(station: DoorStation, *args: str) -> list[str]:
    return [
        EVENTDESK,
        "--db",
        station.url,
        "--data-dir",
        str(station.data_dir),
        "--station",
        station.name,
        "app",
        *args,
    ]


@POSTGRESQL
def test_the_app_restarted_during_an_outage_comes_up_from_its_copy_and_admits(
    backend_fixed: None,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    door_a: DoorStation,
    terminals: list[Terminal],
) -> None:
    event = open_event(store, signer, 2)
    add_staff(store, name=DESK, role="staff", pin=DESK_PIN)
    station = door_a.in_process()
    assert station.sync_round().online  # the copy, made while the server answered
    station.close()
    # tmux types the scanner's line with gaps a busy machine can stretch past the usual 30 ms
    # between a scanner's keys: a slower scanner, as far as this station is concerned.
    with (door_a.data_dir / "eventdesk.toml").open("a") as settings:
        settings.write("scanner_key_gap_ms = 200\n")
    proxy.cut()
    env = {**plain_environ(), "EVENTDESK_SIGN_IN_PIN": DESK_PIN}
    app = Terminal(
        app_command(door_a, "--mode", "desk", "--event", event.slug, "--sign-in-as", DESK), env
    )
    terminals.append(app)
    app.wait("OFFLINE")
    app.keys("C-s")  # the scan field
    app.keys(event.payloads[0], literal=True)
    app.keys("Enter")
    # The scanned ticket's holder's card: the search box gets the ticket's id once that card
    # is shown (the first card shown may be the empty search's first row's).
    screen = app.wait("STATION'S COPY", "ADMITTED", event.ticket_ids[0])
    assert "Traceback" not in screen
    assert "database unavailable" not in screen  # nothing on the desk asked the server
    app.keys("C-q")
    app.wait("EXIT=0")


@POSTGRESQL
def test_the_app_without_a_copy_stops_with_a_sentence_when_the_server_does_not_answer(
    backend_fixed: None,
    store: Store,
    proxy: TcpProxy,
    door_a: DoorStation,
    terminals: list[Terminal],
) -> None:
    proxy.cut()
    app = Terminal(app_command(door_a, "--mode", "desk"), plain_environ())
    terminals.append(app)
    screen = app.wait("EXIT=3")
    assert "database unavailable" in screen and "Traceback" not in screen
    assert not Path(door_a.data_dir / "mirror.db").exists()
