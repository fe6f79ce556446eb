"""A barcode scanner in serial (USB CDC) mode: `eventdesk scan --source serial:PATH`, driven
through a real pseudo-terminal (its other end plays the scanner). Lines are decided in order,
each once, bursts and lines split over two writes included; a port that is not there exits 3
with a sentence; a scanner unplugged mid-run is said and waited for, not a crash; and the app
takes a serial scanner's lines through the same path as the keyboard's."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pty
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, ClassVar

import pytest

from devices.outage import Backoff
from devices.serial_scanner import SerialScanner, serial_source
from devices.wedge import Line
from eventdesk.db import Store
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests import forks
from tests.apptools import DemoStation, wait_for
from tests.helpers import add_type, make_event, people

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


class Port:
    """A pseudo-terminal: the scanner writes to ``master``; eventdesk opens ``path``."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave  # kept open: a pty whose last slave closes drops what it was sent

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self._slave)

    def close(self) -> None:
        """Both ends closed, those not closed already (a test's cleanup)."""
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class Output:
    """A process's stdout and stderr, read as they come."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.decisions: list[dict[str, Any]] = []
        self.said: list[str] = []
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(process.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(process.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[bytes], decisions: bool) -> None:
        for raw in stream:
            text = raw.decode(errors="replace").rstrip("\n")
            if decisions:
                self.decisions.append(json.loads(text))
            else:
                self.said.append(text)

    def wait(self, what: str, condition: Any, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, (what, self.decisions, self.said)
            assert self.process.poll() is None, (what, self.process.returncode, self.said)
            time.sleep(0.02)


@pytest.fixture
def door(store: Store, signer: Signer, tmp_path: Path) -> dict[str, Any]:
    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        name="Running",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=0)
    payloads = [
        signer.payload(register(store, event, email, "Regular").tickets[0].ticket_id)
        for email in people(store, 5)
    ]
    data = tmp_path / "data"
    data.mkdir()
    return {"event": event, "payloads": payloads, "data": data}


@pytest.fixture
def port() -> Iterator[Port]:
    made = Port()
    yield made
    made.close()


def scanning(db_url: str, door: dict[str, Any], source: str) -> subprocess.Popen[bytes]:
    command = [EVENTDESK, "--db", db_url, "--data-dir", str(door["data"]), "--station", "Door 1"]
    command += ["--json", "scan", "--source", source, "--event", door["event"], "--no-sound"]
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_serial_scanners_lines_are_decided_in_order_each_once(
    db_url: str, door: dict[str, Any], port: Port
) -> None:
    first, second, third, fourth, fifth = door["payloads"]
    process = scanning(db_url, door, f"serial:{port.path}@115200")
    out = Output(process)
    try:
        out.wait("connected", lambda: any("connected" in line for line in out.said))
        port.send(f"{first}\r\n")
        out.wait("the first line", lambda: len(out.decisions) == 1)
        port.send(f"{second}\r{third}\n{second}\r\n")  # a burst in one write, CR, LF, CR LF
        port.send(fourth[:20])  # a line split over two writes
        port.send(f"{fourth[20:]}\rnot a ticket\r")
        out.wait("the burst", lambda: len(out.decisions) == 6)
        results = [(d["payload"], d["result"]) for d in out.decisions]
        assert results == [
            (first, "ok"),
            (second, "ok"),
            (third, "ok"),
            (second, "already_checked_in"),
            (fourth, "ok"),
            ("not a ticket", "invalid"),
        ]
        # Unplugged: said, not a crash; the scanner is waited for.
        port.unplug()
        out.wait("unplugged", lambda: any("disconnected" in line for line in out.said))
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not any("Traceback" in line for line in out.said)
    assert fifth not in {d.get("payload") for d in out.decisions}


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_serial_port_that_is_not_there_exits_3_with_a_sentence(
    db_url: str, door: dict[str, Any], tmp_path: Path
) -> None:
    missing = tmp_path / "ttyACM9"
    done = forks.run(
        [
            EVENTDESK,
            "--db",
            db_url,
            "--data-dir",
            str(door["data"]),
            "scan",
            "--source",
            f"serial:{missing}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 3, done.stderr
    assert f"cannot open the serial scanner {missing}" in done.stderr
    assert "Traceback" not in done.stderr
    bad = forks.run(
        [EVENTDESK, "--data-dir", str(door["data"]), "scan", "--source", "serial:/dev/x@fast"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert bad.returncode == 2 and "serial speed must be a number" in bad.stderr


def test_the_reader_comes_back_when_the_scanner_is_plugged_in_again(tmp_path: Path) -> None:
    """The port's path vanishes and comes back (a scanner unplugged and plugged in again):
    the reader waits, says so, and reads the new port's lines."""
    first = Port()
    link = tmp_path / "ttyACM0"
    link.symlink_to(first.path)
    lines: list[str] = []
    states: list[str] = []

    def line(read: Line, _at: float) -> None:
        lines.append(read.text)

    reader = SerialScanner(str(link), 9600, line, lambda state, _why: states.append(state))
    reader.start()
    try:
        wait_until(lambda: "connected" in states)
        first.send("ONE\r")
        wait_until(lambda: lines == ["ONE"])
        first.unplug()
        link.unlink()
        wait_until(lambda: "disconnected" in states)
        second = Port()
        link.symlink_to(second.path)
        wait_until(lambda: states.count("connected") == 2, timeout=30)
        second.send("TWO\n")
        wait_until(lambda: lines == ["ONE", "TWO"])
        second.unplug()
    finally:
        reader.stop()
        reader.join(5)


def test_serial_sources_are_read_as_path_and_speed() -> None:
    assert serial_source("serial:/dev/ttyACM0") == ("/dev/ttyACM0", 9600)
    assert serial_source("serial:/dev/ttyUSB1@115200") == ("/dev/ttyUSB1", 115200)
    assert serial_source("-") is None and serial_source("0") is None
    with pytest.raises(ValueError, match="needs its port"):
        serial_source("serial:")


def wait_until(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.asyncio
async def test_the_kiosk_decides_a_serial_scanners_lines(station: DemoStation, port: Port) -> None:
    """`[station] scanner = "serial:PATH"`: the app reads the port and its lines go to the
    screen that decides scans, as the keyboard's do."""
    from screens.app import make_app
    from screens.messages import ScanDecided
    from tests.app.test_app_kiosk import admissible, answer_of, event_tickets, started

    tickets = admissible(station.store, event_tickets(station.store, station.summary.event))
    first, second = tickets[0], tickets[1]
    config = dataclasses.replace(station.config, scanner=f"serial:{port.path}")
    decided: list[ScanDecided] = []
    app = make_app(config=config, store=station.store, sign_in_as="Kiosk Door 1", mode="kiosk")

    def hook(message: Any) -> None:
        if isinstance(message, ScanDecided):
            decided.append(message)

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await started(app, pilot)
        await wait_for(lambda: app.serial_scanner is not None, pilot)
        await wait_for(lambda: app.serial_scanner.state == "connected", pilot)  # type: ignore[union-attr]
        port.send(f"{first.qr_payload}\r\n{second.qr_payload}\r\n")
        await wait_for(lambda: len(decided) == 2, pilot)
        assert [m.payload for m in decided] == [first.qr_payload, second.qr_payload]
        assert all(m.source == "scanner" for m in decided)
        await wait_for(lambda: second.attendee in answer_of(app).plain(), pilot)
        assert app.scanner_gate.lines_taken == 2


# --- a scanner away says so once, and when it is back (issue 43) -------------------------------
class CountedBackoff(Backoff):
    """Quick waits between the reader's tries, counted (``tries``): a test waits for tries to
    have happened, never for time to pass."""

    tries: ClassVar[list[float]] = []

    def __init__(self) -> None:
        super().__init__(first=0.005, longest=0.02)

    def next(self) -> float:
        CountedBackoff.tries.append(time.monotonic())
        return super().next()


@pytest.fixture
def counted() -> Iterator[list[float]]:
    CountedBackoff.tries = []
    yield CountedBackoff.tries


def test_a_scanner_away_is_said_once_while_it_is_tried_again(
    tmp_path: Path, counted: list[float]
) -> None:
    """A port that is not there yet, then a scanner unplugged: each is said once however often
    the reader tries again; "connected" says it is back."""
    link = tmp_path / "ttyACM0"
    states: list[str] = []
    lines: list[str] = []
    reader = SerialScanner(
        str(link),
        9600,
        lambda read, _at: lines.append(read.text),
        lambda state, _why: states.append(state),
        backoff=CountedBackoff,
    )
    reader.start()
    ports: list[Port] = []
    try:
        wait_until(lambda: len(counted) >= 8)  # tried eight times: not there yet
        assert states == ["not answering"]
        ports.append(Port())
        link.symlink_to(ports[0].path)
        wait_until(lambda: states[-1:] == ["connected"])
        ports[0].send("ONE\r")
        wait_until(lambda: lines == ["ONE"])

        tried = len(counted)
        ports[0].unplug()
        link.unlink()
        wait_until(lambda: len(counted) >= tried + 8)  # unplugged, and tried eight times
        assert states == ["not answering", "connected", "disconnected"]
        ports.append(Port())
        link.symlink_to(ports[1].path)
        wait_until(lambda: states.count("connected") == 2)
        ports[1].send("TWO\n")
        wait_until(lambda: lines == ["ONE", "TWO"])
        assert states == ["not answering", "connected", "disconnected", "connected"]
    finally:
        reader.stop()
        reader.join(5)
        for made in ports:
            made.close()


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_scan_says_an_unplugged_scanner_once_and_when_it_is_back(
    db_url: str, door: dict[str, Any], tmp_path: Path
) -> None:
    first, second = door["payloads"][:2]
    link = tmp_path / "ttyACM0"
    ports = [Port()]
    link.symlink_to(ports[0].path)
    process = scanning(db_url, door, f"serial:{link}")
    out = Output(process)
    try:
        out.wait("connected", lambda: any("connected" in line for line in out.said))
        ports[0].send(f"{first}\r\n")
        out.wait("the first line", lambda: len(out.decisions) == 1)
        ports[0].unplug()
        link.unlink()
        out.wait("unplugged", lambda: any("disconnected" in line for line in out.said))
        ports.append(Port())
        link.symlink_to(ports[1].path)
        out.wait("back", lambda: any("serial scanner back" in line for line in out.said))
        ports[1].send(f"{second}\r\n")
        out.wait("the second line", lambda: len(out.decisions) == 2)
    finally:
        process.terminate()
        process.wait(timeout=30)
        for made in ports:
            made.close()
    said = [line for line in out.said if line.startswith("eventdesk scan: serial scanner ")]
    assert [line.split()[4] for line in said] == [
        "connected",
        "disconnected",
        "back",
    ], out.said
    assert [d["result"] for d in out.decisions if "result" in d] == ["ok", "ok"]


@pytest.mark.asyncio
async def test_the_app_says_a_scanner_away_once_and_when_it_is_back(
    station: DemoStation, tmp_path: Path, counted: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's notifications of a serial scanner: not answering once while it is tried
    again and again, back once it answers; unplugged once, back again."""
    from textual.message import Message
    from textual.notifications import Notify

    from devices import serial_scanner
    from screens.app import make_app
    from tests.app.test_app_kiosk import started

    class QuickScanner(SerialScanner):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs, backoff=CountedBackoff)

    monkeypatch.setattr(serial_scanner, "SerialScanner", QuickScanner)
    link = tmp_path / "ttyACM7"
    config = dataclasses.replace(station.config, scanner=f"serial:{link}")
    told: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify) and message.notification.title == "Scanner":
            told.append(message.notification.message)

    app = make_app(config=config, store=station.store, sign_in_as="Kiosk Door 1", mode="kiosk")
    ports: list[Port] = []
    try:
        async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
            await started(app, pilot)
            await wait_for(lambda: len(counted) >= 8, pilot)
            await wait_for(lambda: len(told) >= 1, pilot)
            assert len(told) == 1 and told[0].startswith(f"Serial scanner {link}: not answering (")
            ports.append(Port())
            link.symlink_to(ports[0].path)
            await wait_for(lambda: len(told) == 2, pilot)
            assert told[1] == f"Serial scanner {link}: back."
            tried = len(counted)
            ports[0].unplug()
            link.unlink()
            await wait_for(lambda: len(counted) >= tried + 8, pilot)
            await wait_for(lambda: len(told) >= 3, pilot)
            assert len(told) == 3 and told[2].startswith(f"Serial scanner {link}: disconnected")
            ports.append(Port())
            link.symlink_to(ports[1].path)
            await wait_for(lambda: len(told) == 4, pilot)
            assert told[3] == f"Serial scanner {link}: back."
    finally:
        for made in ports:
            made.close()
